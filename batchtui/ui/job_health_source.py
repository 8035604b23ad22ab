"""Where a job's node health comes from: the job's pool, the figures of its tasks (the explorer's own refresh
when its unfiltered tasks view of the job is open, else a listing of its own: in full once, then only what
changed) and the pool's nodes. Used by the nodes health view and the failure clusters view alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..service.errors import ServiceError
from ..service.models import NodeRow
from ..service.node_health import JobHealth, assess
from ..service.task_stats import TaskStats
from .fetch import TaskTracker

if TYPE_CHECKING:
    from .app import BatchApp

__all__ = ["HealthLoad", "JobHealthSource"]


@dataclass(frozen=True)
class HealthLoad:
    """One load: the job's health, its pool (empty: not known), the pool's nodes by id, and `note`: why the
    nodes could not be listed (empty: they were)."""

    health: JobHealth
    pool_id: str
    nodes: dict[str, NodeRow]
    note: str


class JobHealthSource:
    """The node health of `job_id` in `account`, loaded again on each `load()`."""

    def __init__(self, app: BatchApp, account: str, job_id: str) -> None:
        self.app = app
        self.account = account
        self.job_id = job_id
        self.pool_id = ""
        self._stats = TaskStats()  # its own figures, when the explorer's refresh does not keep them
        self._tracker = TaskTracker(job_id)

    async def load(self) -> HealthLoad:
        """The job's health now. Raises ServiceError when the job or its tasks cannot be listed (the pool's
        nodes failing only leaves `note` set)."""
        service = self.app.services[self.account]
        if not self.pool_id:
            doc = await service.get_job(self.job_id)
            self.pool_id = str((doc.get("poolInfo") or {}).get("poolId")
                               or (doc.get("executionInfo") or {}).get("poolId") or "")
        stats = self.app.monitor.fed_stats(self.account, self.job_id)
        if stats is None:
            stats = self._stats
            async for batch in self._tracker.refresh(service):
                stats.take(batch.rows, full=batch.full, start=batch.start, final=batch.final, listed=batch.listed)
        nodes: dict[str, NodeRow] = {}
        note = ""
        try:
            nodes = {n.id: n for n in await service.list_nodes(self.pool_id)} if self.pool_id else {}
        except ServiceError as error:
            note = f"  (the pool's nodes: {error})"
        return HealthLoad(assess(stats.by_node().values(), stats.durations, nodes.values()), self.pool_id, nodes,
                          note)
