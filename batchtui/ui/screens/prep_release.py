"""The preparation and release view (`:prep [JOB]`): per node the job's preparation task ran on, its
run (state, exit code, retries, start, end, duration) and, once the job has ended, its release task's;
under the table the cursor run's failure and directory. `l` (or enter) opens the run's stdout.txt and `e`
its stderr.txt in the log view, read through the node's files; `r` refreshes (it refreshes itself too,
as the explorer does), `esc` goes back. The rows come from Batch's
GET /jobs/{job}/jobpreparationandreleasetaskstatus (`service.prep_release`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Static

from ...service.errors import ServiceError
from ...service.prep_release import NodePrepRelease, prep_release_status
from ...textsafe import inert
from ..prep_release_view import PREP_COLUMNS, cursor_line, job_line, prep_rows, split_key
from ..views import TASKS
from ..widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from ..app import BatchApp


class PrepReleaseScreen(ModalScreen[None]):
    """The preparation and release task runs of `job_id`, node by node."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
        Binding("l", "open_log('stdout.txt')", "Stdout"),
        Binding("e", "open_log('stderr.txt')", "Stderr"),
        Binding("r", "reload", "Refresh"),
    ]
    DEFAULT_CSS = """
    PrepReleaseScreen { background: $surface; layout: vertical; }
    PrepReleaseScreen > #prep-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    PrepReleaseScreen > #prep-summary { height: auto; max-height: 2; padding: 0 1; background: $boost; }
    PrepReleaseScreen > ResourceTable { height: 1fr; }
    PrepReleaseScreen > #prep-cursor { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    """

    def __init__(self, account: str, job_id: str) -> None:
        super().__init__()
        self.account = account
        self.job_id = job_id
        self.entries: list[NodePrepRelease] | None = None  # None until the first answer
        self.loads = 0  # refreshes done (tests wait on it)
        self._timer: Timer | None = None

    @property
    def batch_app(self) -> BatchApp:
        return cast("BatchApp", self.app)

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#prep-table", ResourceTable)

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Preparation and release tasks of job {inert(self.job_id)}"), id="prep-title",
                     markup=False)
        yield Static(Text("listing the job's preparation and release tasks…", style="dim"), id="prep-summary",
                     markup=False)
        yield ResourceTable(PREP_COLUMNS, empty_text="Loading…", id="prep-table")
        yield Static("", id="prep-cursor", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.table.focus()
        self._load()

    def _now(self) -> datetime:
        return self.batch_app.choices.now(TASKS)

    # -- loading ----------------------------------------------------------------------------
    def action_reload(self) -> None:
        self._load()

    @work(exclusive=True, group="prep-release", exit_on_error=False)
    async def _load(self) -> None:
        app = self.batch_app
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        service = app.services[self.account]
        try:
            job = await service.get_job(self.job_id)
            entries = await prep_release_status(service, self.job_id)
        except ServiceError as error:
            if self.is_attached:
                self.query_one("#prep-summary", Static).update(
                    Text(f"cannot list job {inert(self.job_id)}: {inert(str(error))}", style="bold red"))
        else:
            if self.is_attached:
                self._show(job, entries)
        finally:
            self.loads += 1
            if self.is_attached and app.is_running:
                self._timer = self.set_timer(max(app.refresh_seconds, 2.0), self._load)

    def _show(self, job: dict[str, object], entries: list[NodePrepRelease]) -> None:
        self.entries = entries
        table = self.table
        rows = prep_rows(entries, self._now())
        if not table.total_count:
            table.set_rows(rows)
        else:
            table.upsert_rows(rows)
            table.remove_rows(set(table.all_keys()) - {row.key for row in rows})
        if not job.get("jobPreparationTask"):
            table.empty_text = "This job has no preparation task (and so no release task)"
            summary = Text(f"job {inert(self.job_id)} has no preparation task", style="dim")
        else:
            table.empty_text = "The preparation task has not run on any node yet (no task of the job has)"
            summary = job_line(self.job_id, entries, bool(job.get("jobReleaseTask")))
        self.query_one("#prep-summary", Static).update(summary)
        self._show_cursor()

    def _cursor(self) -> tuple[NodePrepRelease | None, str]:
        key = self.table.cursor_key
        if key is None or not self.entries:
            return None, ""
        node_id, which = split_key(key)
        return next((e for e in self.entries if e.node_id == node_id), None), which

    def _show_cursor(self) -> None:
        self.query_one("#prep-cursor", Static).update(cursor_line(*self._cursor(), self._now()))

    # -- the table's messages stay here (the explorer's own table answers those that reach the app) ----
    @on(ResourceTable.RowHighlighted)
    def _highlighted(self, event: ResourceTable.RowHighlighted) -> None:
        event.stop()
        self._show_cursor()

    @on(ResourceTable.RowSelected)
    def _selected(self, event: ResourceTable.RowSelected) -> None:
        event.stop()
        self.action_open_log("stdout.txt")

    @on(ResourceTable.SortChanged)
    @on(ResourceTable.FilterChanged)
    @on(ResourceTable.MarksChanged)
    def _table_changed(self, event: ResourceTable.SortChanged) -> None:
        event.stop()

    # -- keys -------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss()

    def action_open_log(self, name: str) -> None:
        """The cursor run's `name` (stdout.txt, stderr.txt), followed in the log view."""
        from .log_view import LogScreen

        entry, which = self._cursor()
        ref = entry.file_ref(which, name) if entry is not None else None
        if entry is None or ref is None:
            self.app.notify("no run under the cursor", severity="warning", timeout=3)
            return
        title = f"{name} of the {which} task of job {self.job_id} on node {entry.node_id}"
        self.app.push_screen(LogScreen(self.batch_app.services[self.account], ref, title=title))
