"""`:grep PATTERN`: the matching lines of the stdout.txt and stderr.txt of the tasks the table shows.

`GrepScreen(service, job_id, task_ids, request)` is pushed by the `:grep` command with the ids of the
rows the tasks view shows (its filter applies: `F` first searches the failed tasks only). A worker runs
the search (service/log_grep.py: range reads of each file's tail, or whole files with `--all`, a few tasks
at a time); the rows stream into the table as each task is done, sorted by task, and a progress bar and a
status line say how far it is. Enter on a row opens the log view at that line, its search set to the
pattern. Esc cancels a search under way (what was found stays); esc again goes back.

Before a search that may read more than CONFIRM_BYTES (a tail search of many tasks, or any `--all`), the
tasks' files are listed first and, when the bytes it will read (each file's size, capped by the tail)
are more than CONFIRM_BYTES, a dialog says how many and asks (Cancel is the default).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, ProgressBar, Static

from ...service.log_grep import TaskFiles, TaskGrep, grep_tasks, planned_bytes, size_tasks, upper_bound
from ...service.models import FileRef
from ...textsafe import inert
from ..model.grep_command import GrepRequest, human_bytes
from ..model.grep_results import COLUMNS, GrepProgress, hit_key, task_rows
from ..widgets.key_footer import KeyFooter
from ..widgets.resource_table import ResourceTable
from .confirm import ConfirmScreen
from .log_view import LogScreen, LogTarget

if TYPE_CHECKING:
    from ...service.client import BatchService
    from ...service.grep_lines import GrepHit

__all__ = ["CONFIRM_BYTES", "GrepScreen", "ReadConfirm"]

log = logging.getLogger(__name__)

CONFIRM_BYTES = 100 * 1000 * 1000  # a search that will read more bytes asks first (read at each search)
FLUSH_SECONDS = 0.1  # results reach the table at most this often
MAX_ROWS = 50_000  # rows listed, at most; the status line still counts every match


class ReadConfirm(ConfirmScreen):
    """The question before a big search: Cancel has the focus, so enter cancels; `y` reads."""

    @on(events.Mount)
    def _focus_cancel(self, event: events.Mount) -> None:
        event.prevent_default()  # (ConfirmScreen's on_mount would put the focus on its confirm button)
        self.query_one("#cancel", Button).focus()


class GrepTable(ResourceTable, inherit_bindings=False):
    """The matching lines: the table's moves; enter opens the log at the line (no marks here). Until the
    user moves it (`moved`), the cursor stays on the first row while rows stream in."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *[b for b in ResourceTable.BINDINGS if isinstance(b, Binding) and b.action.startswith(("cursor", "scroll"))],
        Binding("enter", "select_cursor", "Log at the line"),
    ]
    moved = False

    def on_key(self) -> None:
        self.moved = True

    def on_click(self) -> None:
        self.moved = True


class GrepScreen(ModalScreen[None]):
    """The search's results, streaming in (see the module notes)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
    ]

    DEFAULT_CSS = """
    GrepScreen { background: $surface; layout: vertical; }
    GrepScreen > #grep-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    GrepScreen > #grep-progress { height: 1; padding: 0 1; }
    GrepScreen > #grep-progress Bar { width: 1fr; }
    GrepScreen > #grep-status { height: 1; padding: 0 1; background: $panel; }
    GrepScreen > ResourceTable { height: 1fr; }
    """

    def __init__(self, service: BatchService, job_id: str, task_ids: list[str], request: GrepRequest) -> None:
        super().__init__()
        self.service = service
        self.job_id = job_id
        self.task_ids = list(task_ids)
        self.request = request
        self.progress = GrepProgress(len(self.task_ids))
        self.hits: dict[str, GrepHit] = {}  # row key → the matching line it shows
        self.planned: int | None = None  # bytes the search reads, when its files were listed first
        self.bytes_seen = 0  # bytes read so far (progress.bytes_read counts the tasks done)
        self._pending: list[TaskGrep] = []  # TaskGrep results not in the table yet
        self._timer: Timer | None = None
        self._shown: tuple[Text, float, float | None] | None = None

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        request = self.request
        count = len(self.task_ids)
        title = (f"grep {request.search.text} · {count:,} task{'s' if count != 1 else ''} of job {self.job_id}"
                 f" · {request.scope}")
        yield Static(Text(inert(title), no_wrap=True, overflow="ellipsis"), id="grep-title", markup=False)
        yield ProgressBar(total=max(1, count), show_eta=False, id="grep-progress")
        yield Static("", id="grep-status", markup=False)
        yield GrepTable(COLUMNS, empty_text="No matching line yet", id="grep-results")
        yield KeyFooter()

    @property
    def table(self) -> GrepTable:
        return self.query_one("#grep-results", GrepTable)

    def on_mount(self) -> None:
        table = self.table
        table.sort_by("task")
        table.focus()
        self._timer = self.set_interval(FLUSH_SECONDS, self._flush)
        self._flush()
        self._search()

    # -- the search ----------------------------------------------------------------------
    @work(exclusive=True, group="grep", exit_on_error=False)
    async def _search(self) -> None:
        try:
            await self._run()
        except Exception as error:  # noqa: BLE001 - the view never takes the app down
            log.exception("grep failed")
            self.progress.error = f"{type(error).__name__}: {error}"
            self._finish("failed")

    async def _run(self) -> None:
        request = self.request
        tasks: list[str | TaskFiles] = list(self.task_ids)
        bound = upper_bound(len(tasks), request.tail_bytes)
        limit = CONFIRM_BYTES
        if bound is None or bound > limit:
            self.progress.state = "listing"
            listed: dict[str, TaskFiles] = {}
            async for item in size_tasks(self.service, self.job_id, self.task_ids):
                listed[item.task_id] = item
                self.progress.listed += 1
            tasks = [listed[task_id] for task_id in self.task_ids]
            self.planned, files = planned_bytes(listed.values(), request.tail_bytes)
            if self.planned > limit:
                self.progress.state = "asking"
                self._flush()
                if not await self._confirmed(self.planned, files):
                    self._finish("cancelled")
                    return
        self.progress.state = "searching"
        async for result in grep_tasks(self.service, self.job_id, tasks, request.search,
                                       tail_bytes=request.tail_bytes, on_read=self._read):
            self._pending.append(result)
            self.progress.add(result)
        self._finish("done")

    def _read(self, size: int) -> None:
        self.bytes_seen += size

    async def _confirmed(self, planned: int, files: int) -> bool:
        tasks = len(self.task_ids)
        message = (f"This search reads {human_bytes(planned)} ({planned:,} bytes) from {files:,} files of "
                   f"{tasks:,} tasks ({self.request.scope}).\n\nRead them?")
        answer = await self.app.push_screen_wait(ReadConfirm("Search a lot of output?", message,
                                                             confirm_label="Read"))
        return answer is not None

    def _finish(self, state: str) -> None:
        self.progress.state = state
        if state == "done" and self.progress.lines == 0:
            self.table.empty_text = "No matching line"
        elif state == "cancelled" and self.progress.lines == 0:
            self.table.empty_text = "Cancelled: nothing found"
        self._flush()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.refresh_bindings()

    @property
    def running(self) -> bool:
        return self.progress.state in ("listing", "asking", "searching")

    # -- showing it ----------------------------------------------------------------------
    def _flush(self) -> None:
        """Move the results that came into the table; update the bar and the status line if they changed."""
        if not self.is_attached:
            return
        pending, self._pending = self._pending, []
        rows = []
        for result in pending:
            if len(self.hits) >= MAX_ROWS:
                break
            for hit in result.hits:
                self.hits[hit_key(hit)] = hit
            rows.extend(task_rows(result))
        if rows:
            table = self.table
            table.upsert_rows(rows)
            if not table.moved:
                table.move_cursor(0)
        progress = self.progress
        status = progress.describe()
        if progress.state == "listing":
            done, total = float(progress.listed), float(max(1, progress.tasks))
        elif self.planned is not None:
            done, total = float(self.bytes_seen), float(max(1, self.planned))
        else:
            done, total = float(progress.searched), float(max(1, progress.tasks))
        if not self.running and progress.state == "done":
            done = total
        shown = (status, done, total)
        if shown != self._shown:  # (nothing is written to the terminal when nothing changed)
            self._shown = shown
            self.query_one("#grep-status", Static).update(status)
            self.query_one("#grep-progress", ProgressBar).update(total=total, progress=min(done, total))

    # -- keys ----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Esc cancels a search under way, else goes back."""
        if action == "cancel":
            return self.running
        return True

    def action_cancel(self) -> None:
        """Stop the search; what it found stays."""
        if self.running:
            self.workers.cancel_group(self, "grep")
            self._finish("cancelled")

    def action_back(self) -> None:
        self.workers.cancel_group(self, "grep")
        self.dismiss(None)

    @on(ResourceTable.RowSelected)
    def _open(self, event: ResourceTable.RowSelected) -> None:
        """Enter on a matching line: its task's file in the log view, at that line, searching the pattern."""
        event.stop()
        hit = self.hits.get(event.key)
        if hit is None:
            return
        ref = FileRef.task(self.job_id, hit.task_id, hit.file)
        target = LogTarget(hit.offset, self.request.search.text, hit.number)
        self.app.push_screen(LogScreen(self.service, ref, follow_task=(self.job_id, hit.task_id), goto=target))

    @on(ResourceTable.RowHighlighted)
    @on(ResourceTable.SortChanged)
    @on(ResourceTable.FilterChanged)
    @on(ResourceTable.MarksChanged)
    def _keep_to_this_screen(self, event: events.Event) -> None:
        """The explorer acts on its own table's messages: these are not for it."""
        event.stop()
