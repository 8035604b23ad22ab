"""Which task of a job is its job manager, for the job's tasks view (`model.job_tasks_marks` marks its row
and puts it first). Each job's manager id is asked once per session (GET /jobs/JOB with $select), in the
background when its tasks are first shown; until the answer is in, the rows go as they are."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...service.errors import ServiceError
from ...service.models import path_segment
from ..model.job_tasks_marks import manager_first
from ..model.table_row import TableRow
from ..views import TASKS, ViewKey
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp


class JobManagers:
    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self._ids: dict[tuple[str, str], str | None] = {}  # (account, job) → its job manager's id, or None
        self._asking: set[tuple[str, str]] = set()

    def manager_of(self, account: str, job_id: str) -> str | None:
        """The job's job manager task id, when known (None: none, or not known yet)."""
        return self._ids.get((account, job_id))

    def mark(self, view: ViewKey, rows: list[TableRow]) -> list[TableRow]:
        """A tasks view's rows, its job manager's marked and first (see the module's docstring)."""
        if view.kind != TASKS:
            return rows
        key = (view.account, view.parent)
        if key not in self._ids:
            if key not in self._asking and view.account in self.app.services:
                self._asking.add(key)
                start_worker(self.app, self._ask, view, group="job-manager")
            return rows
        return manager_first(rows, self._ids[key])

    async def _ask(self, view: ViewKey) -> None:
        key = (view.account, view.parent)
        service = self.app.services[view.account]
        try:
            doc = await service.get_json(f"/jobs/{path_segment(view.parent)}", {"$select": "id,jobManagerTask"})
        except ServiceError:
            return  # asked again with the next rows
        finally:
            self._asking.discard(key)
        manager = (doc.get("jobManagerTask") or {}).get("id")
        self._ids[key] = manager if isinstance(manager, str) else None
        table = self.app.table
        if manager and self.app.view == view and self.app.ui_alive() and table.get_row(manager) is not None:
            at_top = table.cursor_row == 0
            table.set_rows(manager_first(table.all_rows(), manager))  # (once a job: the rows as they are)
            if at_top:
                table.move_cursor(0)  # a cursor at the top stays there: on the job manager
