"""`:grep`: search the stdout.txt and stderr.txt of many tasks of a job for a pattern, by range reads.

Per task: one listing of its files (`task_files`: their sizes, one request), then for each non-empty
file GETs of its last `tail_bytes` (`ocp-range`; `tail_bytes` None: the whole file), in pieces of at most
READ_CAP bytes, each searched as it arrives (grep_lines.LineScanner). So a task costs 1 + (files read)
requests, more only for files bigger than READ_CAP. A file whose MAX_HITS lines matched is not read on.

`grep_tasks` does this for many tasks, at most `concurrency` at a time, and yields each task's
`TaskGrep` as it is done (stop iterating and the reads in flight are cancelled). A throttled answer
(429/503) pauses every reader (tails.Backoff). A task whose files cannot be listed or read is reported in
its `TaskGrep.errors` and the search goes on.

Before a big search, `size_tasks` lists the files of the tasks (the same listing; pass its `TaskFiles`
to `grep_tasks` so that it is not done twice) and `planned_bytes` says how many bytes the search will
read, so that the user can be asked first.

No Textual: the explorer's grep view drives it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import aclosing
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from .bounded import in_flight
from .errors import CONFLICT, ServiceError
from .grep_lines import GrepHit, LineScanner, Search
from .models import FileRef, FileRoot
from .tail import READ_CAP
from .tails import Backoff

if TYPE_CHECKING:
    from .client import BatchService

__all__ = ["CONCURRENCY", "DEFAULT_TAIL", "GREP_FILES", "TaskFile", "TaskFiles", "TaskGrep", "grep_tasks",
           "planned_bytes", "size_tasks", "task_files", "upper_bound"]

KiB = 1024
DEFAULT_TAIL = 64 * KiB  # bytes searched at the end of each file
GREP_FILES = ("stdout.txt", "stderr.txt")  # in the order each task's files are read
CONCURRENCY = 8  # tasks searched at a time
NOT_STARTED = "OperationInvalidForCurrentState"  # Batch's answer to listing the files of a task not started
THREAD_BYTES = 256 * KiB  # a piece at least this big is scanned in a worker thread (the event loop stays free)


@dataclass(frozen=True, slots=True)
class TaskFile:
    name: str  # "stdout.txt" or "stderr.txt"
    size: int  # bytes, when listed


@dataclass(frozen=True, slots=True)
class TaskFiles:
    """A task's output files as listed (those of GREP_FILES that exist), or why they could not be."""

    task_id: str
    files: tuple[TaskFile, ...] = ()
    error: str | None = None


@dataclass(slots=True)
class TaskGrep:
    """What the search found in one task: its matching lines (stdout.txt's, then stderr.txt's, each in
    file order), the bytes and files read, the files whose hits stopped at MAX_HITS (`capped`), and a
    message for each thing that could not be listed or read."""

    task_id: str
    hits: list[GrepHit] = field(default_factory=list)
    bytes_read: int = 0
    files_read: int = 0
    capped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def read_start(size: int, tail_bytes: int | None) -> int:
    """Where the search of a file of `size` bytes begins: 0, or `tail_bytes` before its end."""
    return 0 if tail_bytes is None else max(0, size - tail_bytes)


def planned_bytes(listed: Iterable[TaskFiles], tail_bytes: int | None) -> tuple[int, int]:
    """(bytes, files) a search of these tasks' files will read: each file's size, capped at `tail_bytes`."""
    total = files = 0
    for task in listed:
        for one in task.files:
            if one.size > 0:
                total += one.size - read_start(one.size, tail_bytes)
                files += 1
    return total, files


def upper_bound(tasks: int, tail_bytes: int | None) -> int | None:
    """The most a tail search of `tasks` tasks can read without listing them (None: unknown, `--all`)."""
    return None if tail_bytes is None else tasks * len(GREP_FILES) * tail_bytes


async def task_files(service: BatchService, job_id: str, task_id: str, backoff: Backoff) -> TaskFiles:
    """The task's stdout.txt and stderr.txt with their sizes (one listing of the task's directory; a task
    that has not started has none: Batch refuses the listing). Never raises a ServiceError: a listing that
    fails otherwise (the task, its job or its node gone, …) is `TaskFiles.error`."""
    try:
        entries = await backoff.call(
            lambda: service.list_files(FileRoot(job_id=job_id, task_id=task_id), recursive=False))
    except ServiceError as err:
        if err.kind == CONFLICT and err.code == NOT_STARTED:
            return TaskFiles(task_id)
        return TaskFiles(task_id, error=f"cannot list the files: {err}")
    sizes = {entry.name: entry.size for entry in entries if not entry.is_directory}
    return TaskFiles(task_id, tuple(TaskFile(name, sizes[name] or 0) for name in GREP_FILES if name in sizes))


async def size_tasks(service: BatchService, job_id: str, task_ids: Iterable[str], *,
                     concurrency: int = CONCURRENCY, backoff: Backoff | None = None) -> AsyncIterator[TaskFiles]:
    """Each task's TaskFiles, as they arrive (at most `concurrency` listings at a time)."""
    shared = backoff or Backoff()

    async def one(task_id: str) -> TaskFiles:
        return await task_files(service, job_id, task_id, shared)

    async with aclosing(in_flight(task_ids, one, concurrency)) as listed:
        async for item in listed:
            yield item


async def grep_file(service: BatchService, job_id: str, task_id: str, file: TaskFile, search: Search,
                    tail_bytes: int | None, backoff: Backoff,
                    on_read: Callable[[int], None] | None = None) -> tuple[LineScanner, int]:
    """The scanner that searched the file (its hits) and the bytes read. Raises ServiceError."""
    ref = FileRef.task(job_id, task_id, file.name)
    start = read_start(file.size, tail_bytes)
    position = max(0, start - 1)  # one byte before: is `start` a line's start?
    scanner = LineScanner(search, task_id, file.name, position, partial_first=start > 0)
    read = 0
    while position < file.size and not scanner.capped:
        first, last = position, min(file.size, position + READ_CAP) - 1
        data = await backoff.call(partial(service.read_range, ref, first, last))
        if not data:
            break
        data = data[:last - first + 1]
        if len(data) >= THREAD_BYTES:
            await asyncio.to_thread(scanner.feed, data)
        else:
            scanner.feed(data)
        position += len(data)
        read += len(data)
        if on_read is not None:
            on_read(len(data))
    scanner.finish()
    return scanner, read


async def grep_task(service: BatchService, job_id: str, task: str | TaskFiles, search: Search,
                    tail_bytes: int | None, backoff: Backoff,
                    on_read: Callable[[int], None] | None = None) -> TaskGrep:
    """The search of one task's files (listed first unless `task` is its TaskFiles). Never raises a
    ServiceError (see TaskGrep.errors)."""
    listed = task if isinstance(task, TaskFiles) else await task_files(service, job_id, task, backoff)
    result = TaskGrep(listed.task_id)
    if listed.error:
        result.errors.append(listed.error)
    for one in listed.files:
        if one.size <= 0:
            continue
        try:
            scanner, read = await grep_file(service, job_id, listed.task_id, one, search, tail_bytes, backoff,
                                            on_read)
        except ServiceError as err:
            result.errors.append(f"cannot read {one.name}: {err}")
            continue
        result.hits.extend(scanner.hits)
        result.bytes_read += read
        result.files_read += 1
        if scanner.capped:
            result.capped.append(one.name)
    return result


async def grep_tasks(service: BatchService, job_id: str, tasks: Iterable[str | TaskFiles], search: Search, *,
                     tail_bytes: int | None = DEFAULT_TAIL, concurrency: int = CONCURRENCY,
                     backoff: Backoff | None = None,
                     on_read: Callable[[int], None] | None = None) -> AsyncIterator[TaskGrep]:
    """Each task's TaskGrep as it is done (see the module notes): `tasks` are task ids, or TaskFiles from
    `size_tasks`; `tail_bytes` None searches whole files; `on_read` sees the size of each piece read."""
    shared = backoff or Backoff()

    async def one(task: str | TaskFiles) -> TaskGrep:
        return await grep_task(service, job_id, task, search, tail_bytes, shared, on_read)

    async with aclosing(in_flight(tasks, one, concurrency)) as done:
        async for item in done:
            yield item
