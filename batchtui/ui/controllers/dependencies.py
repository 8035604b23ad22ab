"""Task dependencies in a tasks view: the job's `DependencyBook` (service.task_dependencies), fed by the
refresh of its tasks view, and what is drawn from it: the WAITING ON column (shown once a task of the job
depends on another), whose cells follow the upstream tasks' changes, and what the details pane says of the
cursor task's upstream tasks.

The refresher calls `builder` before it builds a batch's rows (the book takes the batch first, so an active
dependent's row is built with what it waits for) and `applied` once they are in the table (the rows of
dependents whose upstream tasks changed, though they did not, are drawn again; tasks gone from a full
listing are forgotten). A view with a server `$filter` is not fed: its rows are not the whole job.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from ...service.models import TaskRow
from ...service.task_dependencies import DependencyBook
from ..fetch import Batch
from ..views import TASKS, ViewKey, task_row
from ..widgets.resource_table import TableRow

if TYPE_CHECKING:
    from ..app import BatchApp

MAX_JOBS = 4  # jobs whose books are kept (the most recently shown)
Builder = Callable[[TaskRow, datetime], TableRow]


class _Fed:
    """One tasks view's book, the rows of its dependents, and the listing under way."""

    def __init__(self) -> None:
        self.book = DependencyBook()
        self.dependents: dict[str, TaskRow] = {}
        self.seen: set[str] = set()
        self.redraw: set[str] = set()


class DependencyWatch:
    """The dependency books of the last MAX_JOBS tasks views shown."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self._fed: OrderedDict[ViewKey, _Fed] = OrderedDict()

    def book(self, view: ViewKey) -> DependencyBook | None:
        """The view's book, when it is fed (an unfiltered tasks view that has been listed)."""
        fed = self._fed.get(view)
        return fed.book if fed is not None else None

    def extra_columns(self, kind: str) -> tuple[str, ...]:
        """The optional columns the current view shows: WAITING ON in a tasks view whose tasks have dependencies."""
        book = self.book(self.app.view) if kind == TASKS else None
        return ("waiting",) if book is not None and book.any else ()

    def builder(self, view: ViewKey, batch: Batch, build: Builder) -> Builder:
        """Feed `batch` to the view's book; the row builder, active dependents drawn with what they wait for."""
        if view.kind != TASKS or view in self.app.refresher.server_filter:
            return build
        fed = self._fed.get(view)
        if fed is None:
            fed = self._fed[view] = _Fed()
            while len(self._fed) > MAX_JOBS:
                self._fed.popitem(last=False)
        self._fed.move_to_end(view)
        if batch.full and batch.start:
            fed.seen = set() if batch.listed is None else batch.listed  # (the lister's own set, when it keeps one)
        rows: list[TaskRow] = batch.rows
        if batch.listed is None:
            fed.seen.update(r.id for r in rows)
        for row in rows:
            if row.depends_on is not None:
                fed.dependents[row.id] = row
        touched = fed.book.take(rows)
        fed.redraw |= touched - {r.id for r in rows}
        book = fed.book
        if not book.any:
            return build

        def build_waiting(row: TaskRow, now: datetime) -> TableRow:
            label = book.label(row.id) if row.state == "active" and row.depends_on is not None else ""
            return task_row(row, now, False, label) if label else build(row, now)

        return build_waiting

    def applied(self, view: ViewKey, batch: Batch) -> None:
        """`batch` is in the table: forget gone tasks, redraw dependents whose upstream changed, show the column."""
        fed = self._fed.get(view)
        if fed is None or view.kind != TASKS:
            return
        if batch.full and batch.final:
            # (the book took every task listed: as many tasks as were listed, and none is gone)
            gone = [] if len(fed.book.tasks) == len(fed.seen) else [t for t in fed.book.tasks if t not in fed.seen]
            fed.book.forget(gone)
            fed.redraw.update(d for t in gone for d in fed.book.downstream(t))
            for task_id in gone:
                fed.dependents.pop(task_id, None)
            fed.seen = set()  # (a million ids, needed only while a listing runs)
        table = self.app.table
        if fed.book.any and view == self.app.view and "waiting" not in {c.key for c in table.columns}:
            table.set_columns(self.app.choices.columns(TASKS))
        now = self.app.choices.now(TASKS)
        rows = []
        for task_id in fed.redraw:
            row = fed.dependents.get(task_id)
            if row is not None and row.state == "active" and table.get_row(task_id) is not None:
                rows.append(task_row(row, now, False, fed.book.label(task_id)))
        fed.redraw.clear()
        if rows:
            table.upsert_rows(rows)
