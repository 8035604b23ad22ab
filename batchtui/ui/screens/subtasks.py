"""The subtasks view (`:subtasks [TASK]` on a job's tasks): a multi-instance task's subtasks (ids
1..numberOfInstances-1), each with its state, exit code (its coordination command's), node, start and
end; under the table the cursor subtask's failure and directory. `l`/`e` open the subtask's stdout/stderr
on its node (see `NodeRunsScreen`); the primary's are the task's own (`l`/`e` in the tasks view). The rows
come from Batch's GET /jobs/{job}/tasks/{task}/subtasksinfo (`service.subtasks`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ...service.models import FileRef
from ...service.subtasks import Subtask, list_subtasks
from ..subtasks_view import SUBTASK_COLUMNS, subtask_line, subtask_row, task_line
from ..widgets.resource_table import TableRow
from .node_runs import NodeRunsScreen

if TYPE_CHECKING:
    from ...service.client import BatchService


class SubtasksScreen(NodeRunsScreen):
    """The subtasks of task `task_id` of job `job_id`."""

    def __init__(self, account: str, job_id: str, task_id: str) -> None:
        super().__init__(account, f"Subtasks of task {task_id} (job {job_id})", SUBTASK_COLUMNS,
                         "the task's subtasks")
        self.job_id = job_id
        self.task_id = task_id
        self.subtasks: list[Subtask] | None = None  # None until the first answer

    async def fetch(self, service: BatchService) -> tuple[Text, list[TableRow], str]:
        task = await service.get_task(self.job_id, self.task_id)
        subtasks = await list_subtasks(service, self.job_id, self.task_id)
        self.subtasks = subtasks
        empty = ("Not a multi-instance task: it has no subtasks" if not task.get("multiInstanceSettings")
                 else "No subtask yet: the task waits for enough free nodes")
        now = self.now()
        return task_line(self.job_id, task, subtasks), [subtask_row(s, now) for s in subtasks], empty

    def _subtask(self, key: str | None) -> Subtask | None:
        return next((s for s in self.subtasks or [] if str(s.id) == key), None)

    def cursor_text(self, key: str | None) -> Text:
        return subtask_line(self._subtask(key), self.now())

    def log_file(self, key: str, name: str) -> tuple[FileRef, str] | None:
        sub = self._subtask(key)
        ref = sub.file_ref(name) if sub is not None else None
        if sub is None or ref is None:
            return None
        return ref, f"{name} of subtask {sub.id} of task {self.task_id} (job {self.job_id}) on node {sub.node_id}"
