"""What one refresh of a view fetches. No widgets here: the app runs these in
workers and applies the results.

The jobs view fetches each job's task counts (bounded concurrency, completed
jobs' counts fetched once: `JobCounts`); the pools view what each pool's nodes
run (`PoolUsage`).

A big job's task list is not re-listed on every tick: after the first full
listing, a refresh asks only for tasks whose state changed since the last one
(`stateTransitionTime ge …`), and re-lists in full only when tasks vanished.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from ..service.client import BatchService
from ..service.errors import NOT_FOUND, ServiceError
from ..service.models import JobRow, NodeCounts, PoolRow, PoolUsage, TaskCounts, TaskRow
from ..service.schedules import list_schedule_jobs, list_schedules
from .format import utcnow

# Up to this many tasks, a refresh simply lists the job again.
FULL_RELIST_MAX = 2000
# Overlap between incremental queries, against clock skew and same-tick changes.
WATERMARK_OVERLAP = timedelta(seconds=5)
# Requests in flight at once for the jobs' task counts, and for the pools' usage.
COUNTS_CONCURRENCY = 8
USAGE_CONCURRENCY = 4
# Most jobs whose task counts one refresh of the jobs view fetches.
COUNTS_PER_REFRESH = 100


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
    listed: set[str] | None = None
    """Of a full listing whose fetcher keeps the keys it listed (a job's tasks): that set, growing with each
    batch and whole at `final`. Whoever needs the keys a listing mentioned reads them here rather than
    keeping a set of its own (three sets of a million task ids were some 100 MB at the fill's peak)."""


class TaskTracker:
    """Refresh state for one job's task list."""

    def __init__(self, job_id: str, odata_filter: str | None = None) -> None:
        self.job_id = job_id
        self.odata_filter = odata_filter
        self.known: set[str] = set()
        self.watermark: datetime | None = None
        self.full_listings = 0
        self.incremental_listings = 0

    def _advance(self, rows: list[TaskRow], watermark: datetime | None) -> datetime | None:
        """Note `rows` as known; the latest state transition of them and `watermark`."""
        for row in rows:
            self.known.add(row.id)
            if row.state_transition_time and (watermark is None or row.state_transition_time > watermark):
                watermark = row.state_transition_time
        return watermark

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
            first, reached = True, None
            async for page in service.task_pages(self.job_id, self.odata_filter):
                reached = self._advance(page, reached)
                # Pages stream into the table; the last (empty) batch ends the listing.
                yield Batch(page, start=first, final=False, task_counts=counts, listed=self.known)
                first = False
            # (only a whole listing sets the watermark: one left half way, as the user leaves the view, is
            # listed again in full the next time, not asked for what changed since its last page)
            self.watermark = reached
            yield Batch([], start=first, final=True, task_counts=counts, listed=self.known)
            return
        self.incremental_listings += 1
        since = (watermark - WATERMARK_OVERLAP).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows = await service.list_tasks(self.job_id, f"stateTransitionTime ge datetime'{since}'")
        self.watermark = self._advance(rows, watermark)
        yield Batch(rows, full=False, task_counts=counts)


@dataclass(frozen=True)
class JobEntry:
    """A job of the jobs table, with its task counts (None until they are known)."""

    job: JobRow
    counts: TaskCounts | None = None

    @property
    def id(self) -> str:
        return self.job.id

    @property
    def state(self) -> str:
        return self.job.state


@dataclass(frozen=True)
class PoolEntry:
    """A pool of the pools table, with what its nodes run (None until it is known)."""

    pool: PoolRow
    usage: PoolUsage | None = None

    @property
    def id(self) -> str:
        return self.pool.id

    @property
    def state(self) -> str:
        return self.pool.state


K = TypeVar("K")
V = TypeVar("V")


async def fetch_each(keys: list[K], fetch: Callable[[K], Awaitable[V]], limit: int) -> dict[K, V]:
    """fetch(key) for every key, at most `limit` at once. A key whose resource is gone
    (a NOT_FOUND ServiceError) is left out; any other ServiceError is raised once all
    fetches ended."""
    gate = asyncio.Semaphore(limit)

    async def one(key: K) -> V:
        async with gate:
            return await fetch(key)

    results = await asyncio.gather(*(one(k) for k in keys), return_exceptions=True)
    out: dict[K, V] = {}
    failure: BaseException | None = None
    for key, result in zip(keys, results, strict=True):
        if isinstance(result, ServiceError) and result.kind == NOT_FOUND:
            continue
        if isinstance(result, BaseException):
            failure = failure or result
            continue
        out[key] = result
    if failure is not None:
        raise failure
    return out


class JobCounts:
    """The task counts of an account's jobs, for the jobs table (`GET /jobs/{id}/taskcounts`
    per job, COUNTS_CONCURRENCY at once).

    A completed job's counts no longer change: they are fetched once after it completed
    and then reused. The others are fetched again on each refresh, at most
    COUNTS_PER_REFRESH of them: jobs not completed first (those fetched longest ago
    first), with a quarter of the turns kept for completed jobs whose final counts
    are not known yet; the rest keep their last counts until their turn comes. (An
    account of 10,000 jobs, 500 of them active, has every active job's counts after
    seven refreshes, and 25 more completed jobs' counts with each.)"""

    def __init__(self) -> None:
        # job id → (its counts, fetched while the job was completed, the refresh that fetched them)
        self._known: dict[str, tuple[TaskCounts, bool, int]] = {}
        self._refreshes = 0
        self.fetched = 0  # taskcounts requests sent (for tests and benchmarks)
        self.last_fetched: list[str] = []  # the jobs whose counts the last refresh asked for

    def known(self, job_id: str) -> TaskCounts | None:
        """The job's counts as last fetched (None if never)."""
        entry = self._known.get(job_id)
        return entry[0] if entry else None

    async def refresh(self, service: BatchService, jobs: list[JobRow]) -> dict[str, TaskCounts]:
        """Counts of `jobs` (job id → counts; a job whose counts are not known yet is absent)."""
        self._refreshes += 1
        known = self._known
        due = [j for j in jobs if not (j.id in known and known[j.id][1] and j.state == "completed")]
        due.sort(key=lambda j: known[j.id][2] if j.id in known else -1)
        live = [j for j in due if j.state != "completed"]
        final = [j for j in due if j.state == "completed"]
        # active jobs first, but a quarter of the turns stays with completed jobs not known yet (their
        # failures count too), whenever there are such jobs
        live = live[:COUNTS_PER_REFRESH - min(len(final), COUNTS_PER_REFRESH // 4)]
        due = live + final[:COUNTS_PER_REFRESH - len(live)]
        self.fetched += len(due)
        self.last_fetched = [j.id for j in due]
        fresh = await fetch_each([j.id for j in due], service.task_counts, COUNTS_CONCURRENCY)
        completed = {j.id for j in due if j.state == "completed"}
        for job_id, counts in fresh.items():
            known[job_id] = (counts, job_id in completed, self._refreshes)
        listed = {j.id for j in jobs}
        for job_id in [k for k in known if k not in listed]:
            del known[job_id]  # deleted jobs
        return {job_id: entry[0] for job_id, entry in known.items()}


async def fetch_pools(service: BatchService) -> Batch:
    """The pools, what their nodes run (pools with nodes: one listing each), and the node counts."""
    pools = await service.list_pools()
    busy = [p.id for p in pools if p.current_dedicated + p.current_low_priority > 0]
    usage = await fetch_each(busy, service.pool_usage, USAGE_CONCURRENCY)
    rows = [PoolEntry(p, usage.get(p.id, PoolUsage() if p.id not in busy else None)) for p in pools]
    return Batch(rows, node_counts=await service.node_counts())


async def fetch_nodes(service: BatchService, pool_id: str) -> Batch:
    nodes = await service.list_nodes(pool_id)
    counts = await service.node_counts()
    return Batch(nodes, node_counts={pool_id: counts[pool_id]} if pool_id in counts else {})


async def fetch_jobs(service: BatchService, counts: JobCounts, schedule: str = "") -> AsyncIterator[Batch]:
    """The jobs (of job schedule `schedule`, if given), page by page as they come, with the task counts
    known so far (an account of 10,000 jobs shows its first ones after one page, not ten); then all of
    them again with fresh counts (see JobCounts), the batch that ends the listing."""
    jobs: list[JobRow] = []
    if schedule:
        jobs = await list_schedule_jobs(service, schedule)
        yield Batch([JobEntry(j, counts.known(j.id)) for j in jobs], final=False)
    else:
        first = True
        async for page in service.pages("/jobs"):
            rows = [JobRow.from_rest(d) for d in page]
            jobs += rows
            yield Batch([JobEntry(j, counts.known(j.id)) for j in rows], start=first, final=False)
            first = False
    fresh = await counts.refresh(service, jobs)
    yield Batch([JobEntry(j, fresh.get(j.id)) for j in jobs], start=False)


async def fetch_schedules(service: BatchService) -> Batch:
    """The account's job schedules."""
    return Batch(await list_schedules(service))
