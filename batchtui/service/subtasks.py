"""A multi-instance task's subtasks: Batch's GET /jobs/{job}/tasks/{task}/subtasksinfo, as plain rows.

`list_subtasks(service, job_id, task_id)` lists them in the service's (id) order; a task that is not
multi-instance has none. Failures raise ServiceError."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .models import FileRef, RestDict, parse_time, path_segment

if TYPE_CHECKING:
    from .client import BatchService


@dataclass(frozen=True, slots=True)
class Subtask:
    """One subtask (Batch's SubtaskInformation): an instance of a multi-instance task beside its primary."""

    id: int
    state: str  # preparing, running or completed
    result: str | None
    exit_code: int | None
    start_time: datetime | None
    end_time: datetime | None
    failure: str  # "CODE: message" of its failureInfo, "" without one
    pool_id: str
    node_id: str
    task_root: str  # its directory on its node, relative to the node's root

    @property
    def failed(self) -> bool:
        return self.state == "completed" and self.result == "failure"

    @classmethod
    def from_rest(cls, d: RestDict) -> Subtask:
        failure = d.get("failureInfo") or {}
        node = d.get("nodeInfo") or {}
        return cls(
            id=int(d.get("id") or 0),
            state=d.get("state", ""),
            result=d.get("result"),
            exit_code=d.get("exitCode"),
            start_time=parse_time(d.get("startTime")),
            end_time=parse_time(d.get("endTime")),
            failure=f"{failure.get('code', '')}: {failure.get('message', '')}" if failure else "",
            pool_id=node.get("poolId", ""),
            node_id=node.get("nodeId", ""),
            task_root=node.get("taskRootDirectory", ""),
        )

    def file_ref(self, name: str) -> FileRef | None:
        """Its node file `name` (stdout.txt, stderr.txt); None when it has no node or directory."""
        if not (self.pool_id and self.node_id and self.task_root):
            return None
        return FileRef.node(self.pool_id, self.node_id, f"{self.task_root}/{name}")


async def list_subtasks(service: BatchService, job_id: str, task_id: str) -> list[Subtask]:
    """The task's subtasks ([] for a task that is not multi-instance)."""
    doc = await service.get_json(f"/jobs/{path_segment(job_id)}/tasks/{path_segment(task_id)}/subtasksinfo")
    return [Subtask.from_rest(d) for d in doc.get("value") or []]
