"""Follow a blob as it grows, the way `tail.Follower` follows a task's file.

`BlobFollower` has `tail.Follower`'s interface (so the log view shows a blob
as it shows a task's file): one HEAD (get properties) a poll and a ranged GET
for the new bytes only. A blob re-uploaded with more bytes (a block blob is
rewritten whole) costs only the new bytes plus OVERLAP, re-read to check that
it only grew.

No Textual import here.
"""

from __future__ import annotations

from functools import partial

from .errors import NOT_FOUND, ServiceError
from .storage import APPEND_BLOB, BlobProps, BlobRef, BlobStore
from .tail import LINE_MAX, MAX_DELAY, MIN_DELAY, POLL_CAP, READ_CAP, Chunk, FollowerBase, new_decoder

__all__ = ["OVERLAP", "BlobFollower"]

OVERLAP = 256  # bytes re-read before the offset to check that a rewritten block blob only grew


def _recreated(old: BlobProps, new: BlobProps) -> bool:
    """A blob deleted and created again (or overwritten: Azurite moves the creation time then), or of
    another type now."""
    if old.blob_type and new.blob_type and old.blob_type != new.blob_type:
        return True
    return old.created is not None and new.created is not None and old.created != new.created


class BlobFollower(FollowerBase):
    """Follows one blob as it grows: `tail.Follower`'s interface (poll → Chunk, start_at_tail, next_delay,
    flush, offset, bytes_fetched, requests, ref.describe()). Not safe for concurrent polls.

    Each poll HEADs the blob and, when it grew, reads only the bytes past the offset. The blob is taken as
    truncated or replaced (Chunk.truncated; the blob again from its start, or its tail) when it shrank
    below the offset, or when its etag changed and — for a block blob (re-uploaded), or an append blob
    created anew — the OVERLAP bytes just before the offset are not what they were. Those are read
    together with the new bytes, so a re-upload that only appended still costs only the new bytes (plus
    OVERLAP); an append blob that was appended to costs just the new bytes. Reads of a block blob are
    conditional on the HEAD's etag: a blob replaced between the HEAD and the GET is polled again at once.
    A rewrite that keeps the size and the last OVERLAP bytes is not noticed.
    """

    def __init__(self, store: BlobStore, container: str, name: str, *, min_delay: float = MIN_DELAY,
                 max_delay: float = MAX_DELAY, read_cap: int = READ_CAP, poll_cap: int = POLL_CAP,
                 line_max: int = LINE_MAX) -> None:
        self.store = store
        self.ref = BlobRef(container, name)
        self.line_max = line_max
        self.min_delay = max(0.05, min_delay)
        self.max_delay = max(self.min_delay, max_delay)
        self.read_cap = max(1, read_cap)
        self.poll_cap = max(self.read_cap, poll_cap)
        self.offset = 0  # the next byte to fetch
        self.bytes_fetched = 0
        self.requests = 0
        self.props: BlobProps | None = None  # at the last poll
        self._last = b""  # the bytes just before the offset (at most OVERLAP), to check a re-upload by
        self._decoder = new_decoder()
        self._tail_bytes: int | None = None
        self._seek_pending = False
        self._skip_partial_line = False
        self._truncated = False
        self._grew = False
        self._behind = False
        self._delay = self.min_delay

    # -- where to start ----------------------------------------------------------------------
    def _seek_tail(self, size: int) -> None:
        before = self.offset
        super()._seek_tail(size)
        if self.offset != before:
            self._last = b""  # the overlap kept for replacement checks belongs to the old offset

    def _restart(self) -> None:
        super()._restart()
        self._last = b""

    # -- polling -----------------------------------------------------------------------------
    async def poll(self) -> Chunk:
        """HEAD the blob and fetch what is new. A missing blob or container: Chunk.gone. Raises ServiceError
        for anything else (unreachable, auth…); the offset is kept, so poll again after a back-off."""
        ref = self.ref
        try:
            self.requests += 1
            props = await self.store.blob_properties(ref.container, ref.name)
        except ServiceError as err:
            if err.kind == NOT_FOUND:
                self._grew = self._behind = False
                return Chunk(offset=self.offset, gone=str(err))
            raise
        old = self.props
        verify = False
        if old is not None:
            if props.size < self.offset:
                self._restart()
            elif props.etag != old.etag and self._last and (props.blob_type != APPEND_BLOB or _recreated(old, props)):
                verify = True  # re-uploaded (or created anew): the bytes before the offset say whether it only grew
        self.props = props
        if self._seek_pending:
            before = self.offset
            self._seek_tail(props.size)
            if self.offset != before:
                verify = False
        try:
            start, data = await self._read(props, verify)
        except ServiceError as err:
            if err.kind == NOT_FOUND:
                self._grew = self._behind = False
                return Chunk(offset=self.offset, gone=str(err))
            raise
        self._grew = bool(data)
        if self._skip_partial_line and data:
            start, data = await self._first_line(start, data, partial(self._get, props))
        chunk = Chunk(data, self._decoder.decode(data), start, props.size, self._truncated)
        self._truncated = False
        self._behind = self._behind or chunk.behind > 0
        return chunk

    async def _get(self, props: BlobProps, start: int, end: int) -> bytes:
        etag = props.etag if props.blob_type != APPEND_BLOB else None
        self.requests += 1
        data = await self.store.read_range(props.container, props.name, start, end, etag=etag)
        self.bytes_fetched += len(data)
        return data[: end - start + 1]

    async def _read(self, props: BlobProps, verify: bool) -> tuple[int, bytes]:
        """(where the bytes start, the bytes from the offset to the blob's size, at most poll_cap)."""
        self._behind = False
        size = props.size
        if verify:
            overlap = self._last
            begin = self.offset - len(overlap)
            end = min(size, self.offset + self.read_cap) - 1
            try:
                data = await self._get(props, begin, end)
            except ServiceError as err:
                if err.status in (412, 416):  # changed again since the HEAD: look again at once
                    self._behind = True
                    return self.offset, b""
                raise
            if data[: len(overlap)] != overlap:
                self._restart()
                if self._seek_pending:
                    self._seek_tail(size)
            else:
                return await self._read_on(props, data[len(overlap):])
        return await self._read_on(props, b"")

    async def _read_on(self, props: BlobProps, first: bytes) -> tuple[int, bytes]:
        start = self.offset
        parts: list[bytes] = []
        if first:
            parts.append(first)
            self._advance(first)
        target = min(props.size, start + self.poll_cap)
        while self.offset < target:
            end = min(target, self.offset + self.read_cap) - 1
            try:
                data = await self._get(props, self.offset, end)
            except ServiceError as err:
                if parts:
                    break  # keep what arrived; the error comes back at the next poll
                if err.status == 416:  # shrank between the HEAD and the GET
                    self._restart()
                    return self.offset, b""
                if err.status == 412:  # replaced between the HEAD and the GET: look again at once
                    self._behind = True
                    return self.offset, b""
                raise
            if not data:
                break
            parts.append(data)
            self._advance(data)
        return start, b"".join(parts)

    def _advance(self, data: bytes) -> None:
        self.offset += len(data)
        self._last = (self._last + data[-OVERLAP:])[-OVERLAP:]

