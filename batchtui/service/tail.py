"""Follow a task's or node's file as it grows, fetching only the new bytes.

Each `Follower.poll()` sends one HEAD for the size and, when the file grew,
GETs just the bytes past what it already has (`ocp-range: bytes=A-B`), so
following a file costs about one byte fetched per byte written. Text is
decoded incrementally: a UTF-8 character split across two reads stays whole,
invalid bytes become U+FFFD (the raw bytes stay in `Chunk.data`).

No Textual import here: the UI and `batchtui tail` both drive this.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import CONFLICT, INVALID, NOT_FOUND, ServiceError
from .models import FileProps, FileRef

if TYPE_CHECKING:
    from .client import BatchService

READ_CAP = 4 * 1024 * 1024  # bytes in one GET
POLL_CAP = 16 * 1024 * 1024  # bytes in one poll(); the rest comes with the next poll (next_delay() is 0 then)
MIN_DELAY = 1.0  # seconds between polls while the file grows
MAX_DELAY = 8.0  # seconds between polls once it has been idle a while
IDLE_GROWTH = 1.5  # each idle poll waits this much longer than the one before
LINE_MAX = 2 * 1024 * 1024  # bytes read back, at most, so that a long line at the tail is shown whole


class _QuietFailsafe(logging.Filter):
    """The SDK logs a warning with a traceback whenever an error response has no
    JSON body to deserialize, which every HEAD error (no body, by HTTP) and every
    streamed GET error does; the error itself still reaches us."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "failsafe deserialization" not in record.getMessage()


logging.getLogger("azure.batch._utils.model_base").addFilter(_QuietFailsafe())


@dataclass
class Chunk:
    """What one poll brought.

    data/text: the new bytes (raw) and their decoded text; `offset` is where
    `data` starts in the file and `size` the file's size at this poll.
    truncated: the file shrank or was replaced; drop what you showed, `data`
    is the file again from its (new) start. gone: the file, task, job or node
    no longer exists (a message; stop following). pending: the file cannot be
    read yet (the task has not started); poll again later.
    """

    data: bytes = b""
    text: str = ""
    offset: int = 0
    size: int = 0
    truncated: bool = False
    gone: str | None = None
    pending: str | None = None

    @property
    def end(self) -> int:
        """The file offset just past `data`."""
        return self.offset + len(self.data)

    @property
    def behind(self) -> int:
        """Bytes the file holds past `data`, still to fetch."""
        return max(0, self.size - self.end)


def new_decoder() -> codecs.IncrementalDecoder:
    """A UTF-8 decoder that keeps a split character for the next read and turns invalid bytes into U+FFFD."""
    return codecs.getincrementaldecoder("utf-8")(errors="replace")


class FollowerBase:
    """What every follower (files, blobs) shares: where to start, restarting after
    a truncation, the end of incremental decoding, and when to poll next.
    Subclasses keep the attributes below."""

    offset: int
    _decoder: codecs.IncrementalDecoder
    _tail_bytes: int | None
    _seek_pending: bool
    _skip_partial_line: bool
    _truncated: bool
    _grew: bool
    _behind: bool
    _delay: float
    min_delay: float
    max_delay: float
    line_max: int = LINE_MAX

    def start_at_tail(self, max_bytes: int) -> None:
        """Begin (at the next poll) with the last `max_bytes` of the file, less its partial first line.

        A long partial first line (no newline in the bytes read, or the first one past their middle) is
        not dropped but read whole instead: the bytes before it are read back to its start, up to
        `line_max` bytes more (past that, its end is shown). Also applies after a truncation. Never moves
        backwards: bytes already returned are never returned again.
        """
        self._tail_bytes = max(0, max_bytes)
        self._seek_pending = True

    def _seek_tail(self, size: int) -> None:
        self._seek_pending = False
        start = size - (self._tail_bytes or 0)
        if start <= self.offset:
            return
        # Read from one byte earlier: if it is a newline, the first line is whole and kept.
        self.offset = start - 1
        self._skip_partial_line = True
        self._decoder = new_decoder()

    async def _first_line(self, start: int, data: bytes,
                          read: Callable[[int, int], Awaitable[bytes]]) -> tuple[int, bytes]:
        """The first read after a seek to the tail, `data` from file offset `start`, without its partial
        first line, or with that line whole when it is long (see `start_at_tail`); `read(a, b)` reads
        bytes a..b (inclusive) of the file. A read that fails ends the reading back."""
        self._skip_partial_line = False
        newline = data.find(b"\n")
        if start == 0:  # (the file's first line: whole)
            return start, data
        if 0 <= newline <= len(data) // 2 or self.line_max <= 0:
            if newline >= 0:  # (no newline at all: one huge line; show its end rather than nothing)
                return start + newline + 1, data[newline + 1:]
            return start, data
        before: list[bytes] = []  # read back, block by block, until the line's start
        begin = start
        floor = max(0, start - self.line_max)
        while begin > floor:
            block_start = max(floor, begin - 64 * 1024)
            try:
                block = await read(block_start, begin - 1)
            except ServiceError:  # (keep what we have: the next poll tells what is wrong)
                break
            if len(block) != begin - block_start:  # (the file changed under us: keep what we have)
                break
            cut = block.rfind(b"\n")
            if cut >= 0:
                before.append(block[cut + 1:])
                begin = block_start + cut + 1
                break
            before.append(block)
            begin = block_start
        if not before:
            return start, data
        return begin, b"".join(reversed(before)) + data

    def _restart(self) -> None:
        self.offset = 0
        self._decoder = new_decoder()
        self._skip_partial_line = False
        self._truncated = True
        self._seek_pending = self._tail_bytes is not None

    def flush(self) -> str:
        """Text held back for an unfinished UTF-8 sequence at the end (as U+FFFD); call once at the end."""
        return self._decoder.decode(b"", final=True)

    def next_delay(self) -> float:
        """Seconds to wait before the next poll: 0 while behind, min_delay after growth, longer while idle."""
        if self._behind:
            return 0.0
        if self._grew:
            self._delay = self.min_delay
        else:
            self._delay = min(self.max_delay, self._delay * IDLE_GROWTH)
        return self._delay


class Follower(FollowerBase):
    """Follows one file. Not safe for concurrent polls; one poll at a time."""

    def __init__(self, service: BatchService, ref: FileRef, *, min_delay: float = MIN_DELAY,
                 max_delay: float = MAX_DELAY, read_cap: int = READ_CAP, poll_cap: int = POLL_CAP,
                 line_max: int = LINE_MAX) -> None:
        self.service = service
        self.ref = ref
        self.line_max = line_max
        self.min_delay = max(MIN_DELAY, min_delay)
        self.max_delay = max(self.min_delay, max_delay)
        self.read_cap = max(1, read_cap)
        self.poll_cap = max(self.read_cap, poll_cap)
        self.offset = 0  # the next byte to fetch
        self.bytes_fetched = 0  # body bytes received (the benchmark: per byte of file, ~1)
        self.requests = 0  # HEADs and GETs sent
        self._props: FileProps | None = None
        self._decoder = new_decoder()
        self._tail_bytes: int | None = None
        self._seek_pending = False
        self._skip_partial_line = False
        self._truncated = False  # seen but not yet reported in a Chunk
        self._grew = False
        self._behind = False
        self._delay = self.min_delay

    # -- polling -------------------------------------------------------------------
    async def poll(self) -> Chunk:
        """HEAD the file and fetch what is new since the last poll.

        Raises ServiceError for anything else than "gone" or "not yet"
        (unreachable, throttled, auth...); the offset is kept, so poll again
        after a back-off and nothing is lost or repeated.
        """
        try:
            self.requests += 1
            props = await self.service.file_properties(self.ref)
        except ServiceError as err:
            return await self._unreadable(err)
        if props.is_directory:
            raise ServiceError(INVALID, f"{self.ref.describe()} is a directory, not a file")
        if self._props is not None and (props.size < self.offset or _replaced(self._props, props)):
            self._restart()
        self._props = props
        if self._seek_pending:
            self._seek_tail(props.size)
        start = self.offset
        try:
            data = await self._read(props.size)
        except ServiceError as err:
            return await self._unreadable(err)
        self._grew = bool(data)
        if not data:
            start = self.offset  # (moved to 0 if the file shrank before the GET)
        if self._skip_partial_line and data:
            start, data = await self._first_line(start, data, self._read_back)
        chunk = Chunk(data, self._decoder.decode(data), start, props.size, self._truncated)
        self._truncated = False
        self._behind = chunk.behind > 0
        return chunk

    async def _read_back(self, start: int, end: int) -> bytes:
        self.requests += 1
        data = await self.service.read_range(self.ref, start, end)
        self.bytes_fetched += len(data)
        return data

    async def _read(self, size: int) -> bytes:
        """The bytes from the offset to `size` (at most poll_cap), in GETs of at most read_cap."""
        target = min(size, self.offset + self.poll_cap)
        parts: list[bytes] = []
        while self.offset < target:
            end = min(target, self.offset + self.read_cap) - 1
            try:
                self.requests += 1
                data = await self.service.read_range(self.ref, self.offset, end)
            except ServiceError as err:
                if parts:
                    break  # keep what arrived; the error comes back at the next poll
                if err.status == 416:  # shrank between the HEAD and the GET
                    self._restart()
                    return b""
                raise
            self.bytes_fetched += len(data)
            if not data:
                break
            data = data[: end - self.offset + 1]  # never trust a server to send more than asked
            parts.append(data)
            self.offset += len(data)
        return b"".join(parts)

    async def _unreadable(self, err: ServiceError) -> Chunk:
        self._grew = self._behind = False
        if err.kind == NOT_FOUND:
            return Chunk(offset=self.offset, gone=await self._why_gone())
        if err.kind == CONFLICT:
            return Chunk(offset=self.offset, pending=f"{self.ref.describe()} cannot be read yet "
                                                     "(the task has not started, or its node is not ready)")
        raise err

    async def _why_gone(self) -> str:
        """A HEAD error has no body; a one-byte GET says what is missing (file, task, job, node, pool)."""
        ref = self.ref
        try:
            self.requests += 1
            self.bytes_fetched += len(await self.service.read_range(ref, 0, 0))
        except ServiceError as err:
            code = err.code or ""
            if code == "TaskNotFound":
                return f"task {ref.task_id} of job {ref.job_id} does not exist (deleted?)"
            if code == "JobNotFound":
                return f"job {ref.job_id} does not exist (deleted?)"
            if code == "NodeNotFound":
                return f"node {ref.node_id} of pool {ref.pool_id} does not exist (removed?)"
            if code == "PoolNotFound":
                return f"pool {ref.pool_id} does not exist (deleted?)"
        return f"{ref.describe()} does not exist"



def _replaced(old: FileProps, new: FileProps) -> bool:
    """Was the file replaced by another one (of at least the size we had read)?

    A new creation time says so, unless it equals the modification time: a
    service that reports the inode change time as the creation time (the
    emulator on Linux does) moves it on every write.
    """
    if old.created is None or new.created is None or old.created == new.created:
        return False
    return new.created != new.modified


async def task_finished(service: BatchService, job_id: str, task_id: str) -> tuple[bool, int | None]:
    """(True, exit code or None) once the task has completed; (False, None) before.

    Raises ServiceError (not_found when the job or task does not exist).
    """
    task = await service.get_task(job_id, task_id)
    if task.get("state") != "completed":
        return False, None
    code = (task.get("executionInfo") or {}).get("exitCode")
    return True, code if isinstance(code, int) else None


__all__ = ["Chunk", "Follower", "FollowerBase", "task_finished"]
