"""`J` on a node: the tasks that ran on it since it joined its pool (Batch's
recentTasks), newest first, the cursor on the first; `enter` opens the task in
its job's tasks view, `esc` goes back."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from ...service.models import RecentTask
from ..format import clock_time, duration, elapsed
from ..widgets.key_footer import KeyFooter
from ..widgets.resource_table import Column, ResourceTable, TableRow
from ..widgets.safe_text import inert, state_text

COLUMNS = [
    Column("job", "JOB", 16),
    Column("task", "TASK", 16, flex=True),
    Column("state", "STATE", 11),
    Column("exit", "EXIT", 5, "right"),
    Column("start", "START", 9),
    Column("end", "END", 9),
    Column("duration", "DURATION", 8, "right"),
]


def recent_task_row(task: RecentTask, now: datetime) -> TableRow:
    """A table row of one recent task (times in the time zone of `now`); its key is "JOB/TASK"
    (Batch ids never hold "/")."""
    failed = task.state == "completed" and task.result == "failure"
    seconds = elapsed(task.start_time, task.end_time, now) if task.start_time else None
    return TableRow(
        key=f"{task.job_id}/{task.task_id}",
        cells=(inert(task.job_id), inert(task.task_id), state_text(task.state, failed),
               "" if task.exit_code is None else str(task.exit_code),
               clock_time(task.start_time, now), clock_time(task.end_time, now), duration(seconds)),
        sort_keys=(task.job_id, task.task_id, "failed" if failed else task.state, task.exit_code,
                   task.start_time, task.end_time, seconds),
    )


def newest_first(tasks: list[RecentTask]) -> list[RecentTask]:
    """Running and unstarted tasks first, then by start time, newest first."""
    return sorted(tasks, key=lambda t: (t.start_time is not None and t.end_time is not None,
                                        -(t.start_time.timestamp() if t.start_time else float("inf"))))


class NodeTasksScreen(ModalScreen[tuple[str, str] | None]):
    """Dismisses with (job id, task id) of the chosen task, None on `esc`."""

    BINDINGS = [Binding("escape,q", "back", "Back"), Binding("enter", "open", "Open the task")]
    DEFAULT_CSS = """
    NodeTasksScreen { background: $surface; layout: vertical; }
    NodeTasksScreen > #node-tasks-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    NodeTasksScreen > ResourceTable { height: 1fr; }
    NodeTasksScreen > #node-tasks-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, pool_id: str, node_id: str, tasks: list[RecentTask], now: datetime, utc: bool = False) -> None:
        """`now`: the app's clock in the time zone times are shown in; `utc`: that zone is UTC (the time
        columns say so, as the explorer's do)."""
        super().__init__()
        self.pool_id = pool_id
        self.node_id = node_id
        self.tasks = newest_first(tasks)
        self.now = now
        self.columns = [replace(c, label=f"{c.label} UTC") if utc and c.key in ("start", "end") else c
                        for c in COLUMNS]

    def compose(self) -> ComposeResult:
        yield Static(Text(inert(f"Tasks that ran on node {self.node_id} (pool {self.pool_id})")),
                     id="node-tasks-title", markup=False)
        yield ResourceTable(self.columns, empty_text="No task has run on this node since it joined the pool",
                            id="node-tasks")
        count = len(self.tasks)
        hint = "  ·  enter opens the task in its job" if count else ""
        yield Static(Text(f"{count} recent task{'' if count == 1 else 's'} (Batch's recentTasks){hint}",
                          style="dim"), id="node-tasks-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(ResourceTable)
        table.set_rows(recent_task_row(t, self.now) for t in self.tasks)
        table.move_cursor(0)
        table.focus()

    @on(ResourceTable.RowSelected)
    def _selected(self, event: ResourceTable.RowSelected) -> None:
        event.stop()
        self._open(event.key)

    def _open(self, key: str | None) -> None:
        if key:
            job_id, _, task_id = key.partition("/")
            self.dismiss((job_id, task_id))

    def action_open(self) -> None:
        self._open(self.query_one(ResourceTable).cursor_key)

    def action_back(self) -> None:
        self.dismiss(None)
