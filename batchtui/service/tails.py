"""The tails of failed tasks' output, read by range, a few at a time, and the failure clusters they make.

For each task, `read_tail` HEADs stderr.txt for its size and GETs only its
last `tail_bytes` (`ocp-range`), then picks the meaningful line
(`signature.pick_line`). When stderr.txt is missing, empty, or has no line
that says it is an error, stdout.txt is read the same way, and the stronger
line wins (stderr's on a tie). So a task costs 2 requests, 4 at most.

`fetch_tails` reads many tasks' tails with at most `concurrency` requests in
flight and yields each as it arrives (an async iterator: stop iterating and
the reads still in flight are cancelled). A throttled answer (ServiceError
THROTTLED: 429 or 503, after the SDK's own retries) pauses every reader of
the batch (`Backoff`), doubling the pause while the service keeps refusing.
Tails are cached per task attempt (`TailCache`): a task that has not run
again since is not read again.

No Textual: the failure views and `batchtui wait` both use it.
"""

from __future__ import annotations

import asyncio
import random
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from .errors import NOT_FOUND, THROTTLED, ServiceError
from .models import FileRef, TaskRow
from .signature import ERRORISH, pick_line
from .tail import READ_CAP  # (importing tail also quiets the SDK's warning for every bodiless HEAD error)
from .triage import Cluster, Clusterer, TailLine

if TYPE_CHECKING:
    from .client import BatchService

TAIL_BYTES = 4096  # bytes read from the end of each file
CONCURRENCY = 8  # reads in flight
FAILED_FILTER = "state eq 'completed' and executionInfo/result eq 'failure'"
OUTPUT_FILES = ("stderr.txt", "stdout.txt")  # in the order they are read
T = TypeVar("T")

# A task attempt: job id, task id, retry count, end time. A task run again has another.
AttemptKey = tuple[str, str, int, datetime | None]


def attempt_key(task: TaskRow) -> AttemptKey:
    return task.job_id, task.id, task.retry_count, task.end_time


class TailCache:
    """What the tails of task attempts said, for the `max_entries` attempts used last (a TailLine is small:
    the line alone is kept, not the bytes read). Tails that could not be read (`TailLine.error`) are not kept."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[AttemptKey, int], TailLine] = OrderedDict()

    def get(self, task: TaskRow, tail_bytes: int = TAIL_BYTES) -> TailLine | None:
        """What this attempt's tail of `tail_bytes` said, or None when it has not been read."""
        key = (attempt_key(task), tail_bytes)
        tail = self._entries.get(key)
        if tail is not None:
            self._entries.move_to_end(key)
        return tail

    def put(self, task: TaskRow, tail: TailLine, tail_bytes: int = TAIL_BYTES) -> None:
        if tail.error is not None:
            return
        key = (attempt_key(task), tail_bytes)
        self._entries[key] = tail
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()


class Backoff:
    """A pause shared by concurrent readers. `call` runs a request; when the service throttles it
    (ServiceError THROTTLED), every reader sharing this Backoff waits before its next request: `first`
    seconds, doubled for each throttle after a pause (up to `most`), halved again by each success. A
    request throttled `tries` times raises its ServiceError."""

    def __init__(self, first: float = 0.5, most: float = 30.0, tries: int = 8) -> None:
        self.first, self.most, self.tries = first, most, tries
        self.delay = 0.0
        self.throttled = 0  # how many throttled answers it has seen (for tests and benchmarks)
        self._resume_at = 0.0

    async def call(self, request: Callable[[], Awaitable[T]]) -> T:
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            attempt += 1
            pause = self._resume_at - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            try:
                result = await request()
            except ServiceError as err:
                if err.kind != THROTTLED or attempt >= self.tries:
                    raise
                self.throttled += 1
                now = loop.time()
                if now >= self._resume_at:  # the first throttle since the last pause (not one per reader)
                    self.delay = min(self.most, max(self.first, self.delay * 2))
                    self._resume_at = now + self.delay * random.uniform(0.75, 1.0)
                continue
            self.delay = self.delay / 2 if self.delay > self.first else 0.0
            return result


async def _read_one(service: BatchService, ref: FileRef, tail_bytes: int,
                    backoff: Backoff) -> tuple[TailLine | None, int]:
    """The meaningful line of the file's last `tail_bytes` (None: no such file, empty, or no line) and the
    bytes read."""
    try:
        props = await backoff.call(lambda: service.file_properties(ref))
        if props.size <= 0 or props.is_directory:
            return None, 0
        start = max(0, props.size - tail_bytes)
        data = await backoff.call(lambda: service.read_range(ref, start, props.size - 1))
    except ServiceError as err:
        if err.kind == NOT_FOUND:
            return None, 0
        raise
    picked = pick_line(data.decode("utf-8", "replace"), partial_start=start > 0)
    if picked is None:
        return None, len(data)
    return TailLine(picked.line, ref.path, picked.strength, len(data)), len(data)


async def read_tail(service: BatchService, task: TaskRow, tail_bytes: int = TAIL_BYTES,
                    backoff: Backoff | None = None) -> TailLine:
    """What the tail of the task's output says (see the module notes). Never raises a ServiceError: a read
    that fails gives a TailLine with `error` (and the line found before it, if any)."""
    backoff = backoff or Backoff()
    tail_bytes = max(1, min(tail_bytes, READ_CAP))
    best: TailLine | None = None
    total = 0
    for name in OUTPUT_FILES:
        try:
            found, read = await _read_one(service, FileRef.task(task.job_id, task.id, name), tail_bytes, backoff)
        except ServiceError as err:
            if best is not None:
                break
            return TailLine(bytes_read=total, error=str(err))
        total += read
        if found is not None and (best is None or found.strength > best.strength):
            best = found
        if best is not None and best.strength >= ERRORISH:
            break
    if best is None:
        return TailLine(bytes_read=total)
    return TailLine(best.line, best.file, best.strength, total)


class TaskTail(NamedTuple):
    task: TaskRow
    tail: TailLine
    cached: bool  # from the TailCache, not read now


async def fetch_tails(service: BatchService, tasks: Iterable[TaskRow], *, tail_bytes: int = TAIL_BYTES,
                      concurrency: int = CONCURRENCY, cache: TailCache | None = None,
                      backoff: Backoff | None = None) -> AsyncIterator[TaskTail]:
    """Each task's tail, as it arrives: the cached ones first, then the others as their reads finish (at
    most `concurrency` tasks read at a time, throttling shared through `backoff`). Read tails go into
    `cache`. Stopping the iteration cancels the reads in flight."""
    backoff = backoff or Backoff()
    todo: list[TaskRow] = []
    for task in tasks:
        hit = cache.get(task, tail_bytes) if cache is not None else None
        if hit is not None:
            yield TaskTail(task, hit, True)
        else:
            todo.append(task)
    if not todo:
        return
    queue: asyncio.Queue[TaskTail | BaseException] = asyncio.Queue()
    next_task = iter(todo)

    async def reader() -> None:
        try:
            for task in next_task:  # (shared: each reader takes the next task)
                tail = await read_tail(service, task, tail_bytes, backoff)
                if cache is not None:
                    cache.put(task, tail, tail_bytes)
                queue.put_nowait(TaskTail(task, tail, False))
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, raised there
            queue.put_nowait(exc)

    readers = [asyncio.ensure_future(reader()) for _ in range(max(1, min(concurrency, len(todo))))]
    try:
        for _ in range(len(todo)):
            item = await queue.get()
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        for one in readers:
            one.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


async def failed_tasks(service: BatchService, job_id: str) -> list[TaskRow]:
    """The job's completed tasks whose result is failure (one filtered list: only they are fetched)."""
    return await service.list_tasks(job_id, FAILED_FILTER)


async def cluster_failures(service: BatchService, job_id: str, *, tasks: list[TaskRow] | None = None,
                           tail_bytes: int = TAIL_BYTES, concurrency: int = CONCURRENCY,
                           cache: TailCache | None = None,
                           on_tail: Callable[[TaskTail], None] | None = None) -> list[Cluster]:
    """The failure clusters of the job's failed tasks (`tasks`: these instead of listing them), biggest
    first, from the tails of their output. `on_tail` sees each tail as it arrives. Raises ServiceError when
    the failed tasks cannot be listed; a tail that cannot be read only leaves its task's line unknown."""
    if tasks is None:
        tasks = await failed_tasks(service, job_id)
    clusterer = Clusterer()
    async for item in fetch_tails(service, tasks, tail_bytes=tail_bytes, concurrency=concurrency, cache=cache):
        clusterer.add(item.task, item.tail)
        if on_tail is not None:
            on_tail(item)
    return clusterer.clusters()
