"""What one refresh of a view fetches. No widgets here: the app runs these in
workers and applies the results.

A big job's task list is not re-listed on every tick: after the first full
listing, a refresh asks only for tasks whose state changed since the last one
(`stateTransitionTime ge …`), and re-lists in full only when tasks vanished.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..service.client import BatchService
from ..service.models import NodeCounts, TaskCounts, TaskRow
from .format import utcnow

# Up to this many tasks, a refresh simply lists the job again.
FULL_RELIST_MAX = 2000
# Overlap between incremental queries, against clock skew and same-tick changes.
WATERMARK_OVERLAP = timedelta(seconds=5)


@dataclass
class Batch:
    """One step of a refresh: rows to upsert into the table, and what else came.

    A full listing arrives as one or more batches from `start` to `final`;
    when it ends, rows it did not mention are gone. An incremental batch
    (full=False) only updates the rows it carries."""

    rows: list[Any] = field(default_factory=list)
    full: bool = True
    start: bool = True
    final: bool = True
    task_counts: TaskCounts | None = None
    node_counts: dict[str, NodeCounts] | None = None
    fetched_at: datetime = field(default_factory=utcnow)


class TaskTracker:
    """Refresh state for one job's task list."""

    def __init__(self, job_id: str, odata_filter: str | None = None) -> None:
        self.job_id = job_id
        self.odata_filter = odata_filter
        self.known: set[str] = set()
        self.watermark: datetime | None = None
        self.full_listings = 0
        self.incremental_listings = 0

    def _advance(self, rows: list[TaskRow]) -> None:
        for row in rows:
            self.known.add(row.id)
            if row.state_transition_time and (self.watermark is None or row.state_transition_time > self.watermark):
                self.watermark = row.state_transition_time

    async def refresh(self, service: BatchService) -> AsyncIterator[Batch]:
        counts = await service.task_counts(self.job_id)
        watermark = self.watermark
        if (
            watermark is None
            or self.odata_filter is not None
            or counts.total <= FULL_RELIST_MAX
            or counts.total < len(self.known)
        ):
            self.full_listings += 1
            self.known, self.watermark = set(), None
            first = True
            async for page in service.task_pages(self.job_id, self.odata_filter):
                self._advance(page)
                # Pages stream into the table; the last (empty) batch ends the listing.
                yield Batch(page, start=first, final=False, task_counts=counts)
                first = False
            yield Batch([], start=first, final=True, task_counts=counts)
            return
        self.incremental_listings += 1
        since = (watermark - WATERMARK_OVERLAP).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows = await service.list_tasks(self.job_id, f"stateTransitionTime ge datetime'{since}'")
        self._advance(rows)
        yield Batch(rows, full=False, task_counts=counts)


async def fetch_pools(service: BatchService) -> Batch:
    pools = await service.list_pools()
    return Batch(pools, node_counts=await service.node_counts())


async def fetch_nodes(service: BatchService, pool_id: str) -> Batch:
    nodes = await service.list_nodes(pool_id)
    counts = await service.node_counts()
    return Batch(nodes, node_counts={pool_id: counts[pool_id]} if pool_id in counts else {})


async def fetch_jobs(service: BatchService) -> Batch:
    return Batch(await service.list_jobs())
