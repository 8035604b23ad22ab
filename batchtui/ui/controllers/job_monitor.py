"""The figures the explorer keeps for the job on screen: its `TaskStats` (service.task_stats), fed by the
refresh of its tasks view, and what is drawn from them: the progress line under the summary (throughput,
ETA, the last hour of completions, stragglers) and the straggler rows of the table.

The refresher calls `task_builder` before it builds a tasks view's rows (the batch is fed to the stats
first, so a straggler's row is built flagged and a full listing never draws it unflagged in between) and
`applied` once the rows are in the table (rows that turned straggler, or stopped being one, as time
passed without a change of their own are drawn again; the line; the watch is told the taskcounts). A view
with a server `$filter` is not fed: its rows are not the whole job.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from ...service.models import TaskCounts, TaskRow
from ...service.progress import pace, straggler_threshold, stragglers
from ...service.task_stats import TaskStats
from ..fetch import Batch
from ..views import JOBS, TASKS, ViewKey, task_row
from ..widgets.progress_line import PaceView, ProgressLine
from ..widgets.resource_table import TableRow

if TYPE_CHECKING:
    from ..app import BatchApp

MAX_JOBS = 4  # jobs whose figures are kept (the most recently shown)
FILTERED_NOTE = "pace and stragglers are for the whole job: esc clears the $filter"


class JobMonitor:
    """Task figures per job (the last `MAX_JOBS` shown), and the straggler rows each tasks view shows."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self._stats: OrderedDict[tuple[str, str], TaskStats] = OrderedDict()
        self._flagged: dict[ViewKey, set[str]] = {}  # rows drawn as stragglers, per tasks view
        self._threshold: dict[ViewKey, float | None] = {}  # the straggler threshold (seconds) last worked out

    # -- the figures ------------------------------------------------------------------------
    def stats(self, account: str, job_id: str) -> TaskStats:
        """The job's figures (made empty the first time; the least recently used job's are dropped)."""
        key = (account, job_id)
        stats = self._stats.get(key)
        if stats is None:
            stats = self._stats[key] = TaskStats()
            while len(self._stats) > MAX_JOBS:
                dropped, _ = self._stats.popitem(last=False)
                self._flagged.pop(ViewKey(dropped[0], TASKS, dropped[1]), None)
                self._threshold.pop(ViewKey(dropped[0], TASKS, dropped[1]), None)
        self._stats.move_to_end(key)
        return stats

    def fed_stats(self, account: str, job_id: str) -> TaskStats | None:
        """The job's figures if the explorer's refresh keeps them whole now (its unfiltered tasks view is
        the one shown, and has been listed in full); else None."""
        view = ViewKey(account, TASKS, job_id)
        stats = self._stats.get((account, job_id))
        if stats is None or not stats.complete or self.app.view != view or not self._fed(view):
            return None
        return stats

    def _fed(self, view: ViewKey) -> bool:
        return view.kind == TASKS and view not in self.app.refresher.server_filter

    def _now(self) -> float:
        return self.app.clock().timestamp()

    # -- the refresh's hooks ----------------------------------------------------------------
    def task_builder(self, view: ViewKey, batch: Batch) -> Callable[[TaskRow, datetime], TableRow]:
        """Feed `batch` to the job's figures; the row builder for its rows, stragglers flagged."""
        if not self._fed(view):
            return task_row
        stats = self.stats(view.account, view.parent)
        stats.take(batch.rows, full=batch.full, start=batch.start, final=batch.final, listed=batch.listed)
        # The threshold sorts every finished task's duration: once a listing, not once a page of it (a
        # 1,000,000-task fill has 1,000 pages); the pages between keep the last one.
        if view not in self._threshold or not batch.full or batch.final:
            self._threshold[view] = straggler_threshold(stats)
        threshold = self._threshold[view]
        now = self._now()
        flagged = self._flagged.setdefault(view, set())

        def build(row: TaskRow, shown_now: datetime) -> TableRow:
            late = (threshold is not None and row.state == "running" and row.start_time is not None
                    and now - row.start_time.timestamp() > threshold)
            if late:
                flagged.add(row.id)
            else:
                flagged.discard(row.id)
            return task_row(row, shown_now, late)

        return build

    def applied(self, view: ViewKey, batch: Batch) -> None:
        """`batch` is in the table: redraw stragglers that turned, the progress line; tell the watch."""
        if view.kind != TASKS:
            return
        if batch.final:
            self._show_pace(view, batch.task_counts, self._restyle(view))
        if batch.task_counts is not None:
            self.app.watcher.observe(view.account, view.parent, batch.task_counts)

    def view_shown(self, before: ViewKey, view: ViewKey) -> None:
        """The explorer switched from `before` to `view`: the progress line waits for its figures, or goes;
        the watch follows the open job."""
        self._line().show(PaceView(None) if view.kind == TASKS else None)
        self.app.watcher.view_changed(before, view)

    def open_nodes_health(self, job_id: str = "") -> None:
        """The nodes health view of `job_id`, else of the open job, else of the cursor's job (jobs view)."""
        app = self.app
        view = app.view
        job = job_id or (view.parent if view.kind == TASKS else (app.table.cursor_key or "") if view.kind == JOBS
                         else "")
        if not job:
            app.notify("nodes health is a job's: open its tasks, or put the cursor on it", severity="warning",
                       timeout=4)
            return
        from ..screens.nodes_health import NodesHealthScreen

        app.push_screen(NodesHealthScreen(view.account, job))

    # -- drawing ----------------------------------------------------------------------------
    def _restyle(self, view: ViewKey) -> int:
        """Draw again the running rows whose straggler flag is not what they show; how many stragglers."""
        stats = self._stats.get((view.account, view.parent))
        if stats is None or not self._fed(view):
            return 0
        late = stragglers(stats, self._now())
        flagged = self._flagged.setdefault(view, set())
        table = self.app.table
        shown_now = self.app.choices.now(TASKS)
        rows = []
        for task_id in late.symmetric_difference(flagged):
            row = stats.running_row(task_id)
            if row is None or table.get_row(task_id) is None:
                continue  # no longer running: its own change drew it
            rows.append(task_row(row, shown_now, task_id in late))
        flagged.clear()
        flagged.update(late)
        if rows:
            table.upsert_rows(rows)
        return len(late)

    def _show_pace(self, view: ViewKey, counts: TaskCounts | None, late: int) -> None:
        line = self._line()
        if not self._fed(view):
            line.show(PaceView(None, note=FILTERED_NOTE))
            return
        stats = self._stats.get((view.account, view.parent))
        if stats is None or not stats.complete or counts is None:
            return
        book = self.app.dependencies.book(view)
        blocked = len(book.blocked()) if book is not None and book.any else 0
        line.show(PaceView(pace(stats, counts, self._now(), blocked), late, straggler_threshold(stats)))

    def _line(self) -> ProgressLine:
        return self.app.query_one(ProgressLine)
