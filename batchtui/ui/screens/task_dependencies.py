"""`D` on a task: the tasks it depends on (upstream: blockers first, then those
not done, then satisfied ones) and the tasks that depend on it (downstream),
with their states; `enter` puts the tasks view's cursor on the chosen task,
`esc` goes back."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ..model.dependency_rows import BLOCKS, SATISFIED, DependencyRow
from ..widgets.resource_table import Column, ResourceTable, TableRow
from ..widgets.safe_text import inert, state_text

COLUMNS = [
    Column("direction", "DIRECTION", 10),
    Column("task", "TASK", 24, flex=True),
    Column("state", "STATE", 11),
    Column("meaning", "FOR THE DEPENDENCY", 18),
]
MEANING_STYLE = {BLOCKS: "bold red", SATISFIED: "green"}


def dependency_row(row: DependencyRow) -> TableRow:
    """A table row; its key "upstream/ID" or "downstream/ID" (a task may be both)."""
    failed = row.state == "failed"
    return TableRow(
        key=f"{row.direction}/{row.task_id}",
        cells=(row.direction, inert(row.task_id), state_text("completed" if failed else row.state, failed),
               Text(row.meaning, style=MEANING_STYLE.get(row.meaning, "yellow"))),
        sort_keys=(row.direction, row.task_id, row.state, row.meaning),
    )


class TaskDependenciesScreen(ModalScreen[str | None]):
    """Dismisses with the chosen task's id, None on `esc`."""

    BINDINGS = [Binding("escape,q", "back", "Back"), Binding("enter", "open", "Go to the task")]
    DEFAULT_CSS = """
    TaskDependenciesScreen { background: $surface; layout: vertical; }
    TaskDependenciesScreen > #deps-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    TaskDependenciesScreen > ResourceTable { height: 1fr; }
    TaskDependenciesScreen > #deps-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, job_id: str, task_id: str, rows: list[DependencyRow]) -> None:
        super().__init__()
        self.job_id = job_id
        self.task_id = task_id
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield Static(Text(inert(f"Dependencies of task {self.task_id} (job {self.job_id})")), id="deps-title",
                     markup=False)
        yield ResourceTable(COLUMNS, empty_text="This task depends on no task, and no task depends on it",
                            id="deps-table")
        up = sum(r.direction == "upstream" for r in self.rows)
        down = len(self.rows) - up
        hint = "  ·  enter goes to the task" if self.rows else ""
        yield Static(Text(f"{up} upstream, {down} downstream{hint}", style="dim"), id="deps-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(ResourceTable)
        table.set_rows(dependency_row(r) for r in self.rows)
        table.move_cursor(0)
        table.focus()

    @on(ResourceTable.RowSelected)
    def _selected(self, event: ResourceTable.RowSelected) -> None:
        event.stop()
        self._open(event.key)

    def _open(self, key: str | None) -> None:
        if key:
            self.dismiss(key.partition("/")[2])

    def action_open(self) -> None:
        self._open(self.query_one(ResourceTable).cursor_key)

    def action_back(self) -> None:
        self.dismiss(None)
