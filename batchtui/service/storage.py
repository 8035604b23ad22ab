"""Blob storage: one async facade over azure.storage.blob.aio per storage account.

`BlobStore` lists containers and, one level at a time (by the "/" delimiter),
the virtual directories and blobs under a prefix, so a container with a
million blobs is browsed a level at a time; it reads byte ranges and saves
whole blobs. `BlobFollower` follows a blob as it grows, with the interface of
`tail.Follower` (so the log view shows a blob as it shows a task's file):
one HEAD (get properties) a poll and a ranged GET for the new bytes only.
`BlobFiles` is a store seen through the two calls the log view reads a file
by (`file_properties(ref)`, `read_range(ref, start, end)`).

Every failure surfaces as a ServiceError: 404 → not_found, 401/403 → auth,
connection failures → unreachable, 412 (the blob changed under a conditional
read) → conflict, 416 → invalid.

No Textual import here.
"""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.credentials import AzureNamedKeyCredential
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.blob.aio import BlobPrefix, BlobServiceClient, ExponentialRetry

from .errors import AUTH, CONFLICT, INVALID, NOT_FOUND, OTHER, THROTTLED, UNREACHABLE, ServiceError
from .localfiles import staged_file
from .models import FileProps
from .tail import MAX_DELAY, MIN_DELAY, POLL_CAP, READ_CAP, Chunk, FollowerBase

__all__ = [
    "APPEND_BLOB",
    "BlobFiles",
    "BlobFollower",
    "BlobProps",
    "BlobRef",
    "BlobRow",
    "BlobStore",
    "ContainerRow",
    "storage_error",
]

MiB = 1024 * 1024
GET_SIZE = 4 * MiB  # bytes in one GET of a download (the SDK's first GET and each chunk after)
OVERLAP = 256  # bytes re-read before the offset to check that a rewritten block blob only grew
APPEND_BLOB = "AppendBlob"


# -- rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContainerRow:
    name: str
    last_modified: datetime | None = None


@dataclass(frozen=True)
class BlobRow:
    """One entry of a level: a blob, or a virtual directory (`is_prefix`; its name ends with the delimiter)."""

    name: str
    is_prefix: bool = False
    size: int | None = None
    last_modified: datetime | None = None
    content_type: str | None = None
    blob_type: str | None = None

    @property
    def basename(self) -> str:
        """The last part of the name (a directory keeps its trailing "/")."""
        stripped = self.name.rstrip("/") if self.is_prefix else self.name
        base = stripped.rpartition("/")[2]
        return base + "/" if self.is_prefix else base


@dataclass(frozen=True)
class BlobProps:
    """What a HEAD on a blob says."""

    container: str
    name: str
    size: int
    etag: str | None = None
    last_modified: datetime | None = None
    created: datetime | None = None
    content_type: str | None = None
    blob_type: str | None = None


@dataclass(frozen=True)
class BlobRef:
    """A blob, named the way the log view names a file: `path` (the blob's name) and `describe()`."""

    container: str
    name: str

    @property
    def path(self) -> str:
        return self.name

    def describe(self) -> str:
        return f"blob {self.name} (container {self.container})"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


# -- errors -------------------------------------------------------------------------------------


def _first_line(text: str | None) -> str:
    text = (text or "").strip()
    return text.splitlines()[0].strip() if text else ""


def storage_error(exc: BaseException, *, container: str | None = None, name: str | None = None,
                  endpoint: str | None = None) -> ServiceError:
    """Map an azure-storage-blob / azure-identity / transport exception to a ServiceError with one clear line."""
    if isinstance(exc, ServiceError):
        return exc
    where = f" at {endpoint}" if endpoint else ""
    if isinstance(exc, (ServiceRequestError, ServiceResponseError, OSError, TimeoutError, asyncio.TimeoutError)):
        detail = _first_line(str(exc)) or type(exc).__name__
        return ServiceError(UNREACHABLE, f"cannot reach the storage account{where}: {detail}")
    if isinstance(exc, HttpResponseError):
        status = exc.status_code
        code = _text(getattr(exc, "error_code", None))
        message = _first_line(getattr(exc, "message", None) or exc.reason or str(exc))
        if code == "ContainerNotFound":
            return ServiceError(NOT_FOUND, f"container {container} does not exist", code, status)
        if code == "BlobNotFound":
            return ServiceError(NOT_FOUND, f"blob {name} does not exist in container {container}", code, status)
        if isinstance(exc, ClientAuthenticationError) or status in (401, 403):
            label = code or (str(status) if status else "authentication")
            return ServiceError(AUTH, f"{label}: {message or 'not allowed'}", code, status)
        text = f"{code or status}: {message}"
        if isinstance(exc, ResourceNotFoundError) or status == 404:
            kind = NOT_FOUND
        elif status in (429, 503):
            kind = THROTTLED
        elif status in (409, 412):
            kind = CONFLICT
        elif status in (400, 416):
            kind = INVALID
        else:
            kind = OTHER
        return ServiceError(kind, text, code, status)
    if isinstance(exc, ValueError):
        return ServiceError(INVALID, f"invalid storage settings: {_first_line(str(exc))}")
    try:
        import aiohttp

        if isinstance(exc, aiohttp.ClientError):
            return ServiceError(UNREACHABLE, f"cannot reach the storage account{where}: "
                                             f"{_first_line(str(exc)) or type(exc).__name__}")
    except ImportError:  # pragma: no cover - aiohttp is a dependency
        pass
    return ServiceError(OTHER, f"{type(exc).__name__}: {_first_line(str(exc))}")


# -- the store ----------------------------------------------------------------------------------


class BlobStore:
    """One storage account's blob service. Create it on the event loop that will use it; `close()` it."""

    def __init__(self, client: BlobServiceClient) -> None:
        self._client = client
        self.requests = 0  # requests sent (HEADs, GETs, list pages)

    @staticmethod
    def _options(timeout: float, retries: int) -> dict[str, Any]:
        return {
            "connection_timeout": timeout,
            "read_timeout": max(timeout, 30.0),
            "retry_policy": ExponentialRetry(initial_backoff=1, increment_base=2, retry_total=retries,
                                             random_jitter_range=1),
            "max_single_get_size": GET_SIZE,
            "max_chunk_get_size": GET_SIZE,
        }

    @classmethod
    def from_connection_string(cls, connection_string: str, *, timeout: float = 10.0, retries: int = 2) -> BlobStore:
        try:
            client = BlobServiceClient.from_connection_string(connection_string, **cls._options(timeout, retries))
        except Exception as exc:  # noqa: BLE001 - a malformed connection string
            raise storage_error(exc) from None
        return cls(client)

    @classmethod
    def from_key(cls, account_url: str, account_name: str, key: str, *, timeout: float = 10.0,
                 retries: int = 2) -> BlobStore:
        credential = AzureNamedKeyCredential(account_name, key)
        return cls.from_credential(account_url, credential, timeout=timeout, retries=retries)

    @classmethod
    def from_credential(cls, account_url: str, credential: Any, *, timeout: float = 10.0,
                        retries: int = 2) -> BlobStore:
        """Any credential the SDK takes: an azure-identity (aio) token credential, a SAS string, a named key."""
        try:
            client = BlobServiceClient(account_url, credential=credential, **cls._options(timeout, retries))
        except Exception as exc:  # noqa: BLE001
            raise storage_error(exc) from None
        return cls(client)

    @property
    def account_name(self) -> str | None:
        return self._client.account_name

    @property
    def url(self) -> str:
        return self._client.url

    def _error(self, exc: BaseException, container: str | None = None, name: str | None = None) -> ServiceError:
        return storage_error(exc, container=container, name=name, endpoint=self.url)

    async def close(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> BlobStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- listing ---------------------------------------------------------------------------
    async def list_containers(self, prefix: str | None = None, *, limit: int | None = None) -> list[ContainerRow]:
        """The containers (by name), at most `limit` of them."""
        rows: list[ContainerRow] = []
        try:
            pages = self._client.list_containers(name_starts_with=prefix or None).by_page()
            async for page in pages:
                self.requests += 1
                async for item in page:
                    rows.append(ContainerRow(item.name, item.last_modified))
                    if limit is not None and len(rows) >= limit:
                        return rows
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
            raise self._error(exc) from None
        return rows

    async def list_blobs(self, container: str, prefix: str = "", delimiter: str = "/", *,
                         limit: int | None = None) -> list[BlobRow]:
        """One level under `prefix`: its virtual directories (`is_prefix`) and blobs, in the SDK's order
        (a page's directories, then its blobs, each by name), at most `limit` rows. An empty `delimiter`
        lists every blob under the prefix."""
        rows: list[BlobRow] = []
        client = self._client.get_container_client(container)
        try:
            if delimiter:
                items = client.walk_blobs(name_starts_with=prefix or None, delimiter=delimiter)
            else:
                items = client.list_blobs(name_starts_with=prefix or None)
            async for page in items.by_page():
                self.requests += 1
                async for item in page:
                    rows.append(_row(item))
                    if limit is not None and len(rows) >= limit:
                        return rows
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, container) from None
        return rows

    # -- one blob --------------------------------------------------------------------------
    async def blob_properties(self, container: str, name: str) -> BlobProps:
        try:
            self.requests += 1
            props = await self._client.get_blob_client(container, name).get_blob_properties()
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, container, name) from None
        settings = getattr(props, "content_settings", None)
        return BlobProps(
            container=container,
            name=name,
            size=int(props.size or 0),
            etag=props.etag,
            last_modified=props.last_modified,
            created=getattr(props, "creation_time", None),
            content_type=getattr(settings, "content_type", None),
            blob_type=_text(props.blob_type),
        )

    async def read_range(self, container: str, name: str, start: int, end: int | None = None, *,
                         etag: str | None = None) -> bytes:
        """Bytes start..end (inclusive; None: to the end). With `etag`, only if the blob still has it
        (else ServiceError conflict, status 412). Reading from at or past the end: invalid, status 416."""
        length = None if end is None else max(0, end - start + 1)
        if length == 0:
            return b""
        options: dict[str, Any] = {}
        if etag:
            options = {"etag": etag, "match_condition": MatchConditions.IfNotModified}
        try:
            self.requests += 1
            downloader = await self._client.get_blob_client(container, name).download_blob(
                offset=start, length=length, max_concurrency=1, **options)
            data = await downloader.readall()
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, container, name) from None
        return data if length is None else data[:length]

    async def download(self, container: str, name: str, path: str,
                       progress: Callable[[int, int], None] | None = None, *, overwrite: bool = False) -> int:
        """Save the whole blob to `path`: into a temporary file beside it, then moved into place (never over
        an existing file unless `overwrite`: FileExistsError). The bytes written. The SDK reads the blob in
        GET_SIZE ranges, each conditional on the first one's etag: a blob replaced meanwhile is an error,
        never a mixed file. `progress(done, total)` after each range."""
        async with staged_file(path, overwrite) as out:
            done = 0
            try:
                self.requests += 1
                downloader = await self._client.get_blob_client(container, name).download_blob(max_concurrency=1)
                size = int(downloader.size or 0)
                if progress:
                    progress(0, size)
                async for piece in downloader.chunks():
                    await asyncio.to_thread(out.write, piece)
                    done += len(piece)
                    if progress:
                        progress(done, size)
            except HttpResponseError as exc:
                if exc.status_code == 412:
                    raise ServiceError(CONFLICT, f"blob {name} changed while it was being saved",
                                       _text(getattr(exc, "error_code", None)), 412) from None
                raise self._error(exc, container, name) from None
            except OSError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise self._error(exc, container, name) from None
            self.requests += max(0, -(-size // GET_SIZE) - 1)
            if done != size:
                raise ServiceError(OTHER, f"blob {name} changed while it was being saved "
                                          f"({done:,} of {size:,} bytes)")
        return done

    # -- for the log view -------------------------------------------------------------------
    def files(self) -> BlobFiles:
        return BlobFiles(self)

    def follower(self, container: str, name: str, **options: Any) -> BlobFollower:
        return BlobFollower(self, container, name, **options)


def _row(item: Any) -> BlobRow:
    if isinstance(item, BlobPrefix):
        return BlobRow(item.name, is_prefix=True)
    settings = getattr(item, "content_settings", None)
    return BlobRow(
        name=item.name,
        size=int(item.size or 0),
        last_modified=item.last_modified,
        content_type=getattr(settings, "content_type", None),
        blob_type=_text(getattr(item, "blob_type", None)),
    )


class BlobFiles:
    """A BlobStore through the calls the log view reads a Batch file by: `file_properties(ref)` and
    `read_range(ref, start, end)` with a BlobRef."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store

    async def file_properties(self, ref: BlobRef) -> FileProps:
        props = await self.store.blob_properties(ref.container, ref.name)
        return FileProps(size=props.size, created=props.created, modified=props.last_modified)

    async def read_range(self, ref: BlobRef, start: int, end: int | None) -> bytes:
        return await self.store.read_range(ref.container, ref.name, start, end)

    async def download(self, ref: BlobRef, path: str, *, overwrite: bool = False,
                       progress: Callable[[int, int], None] | None = None) -> int:
        return await self.store.download(ref.container, ref.name, path, progress, overwrite=overwrite)


# -- following a blob -------------------------------------------------------------------------


def _new_decoder() -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder("utf-8")(errors="replace")


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
                 max_delay: float = MAX_DELAY, read_cap: int = READ_CAP, poll_cap: int = POLL_CAP) -> None:
        self.store = store
        self.ref = BlobRef(container, name)
        self.min_delay = max(0.05, min_delay)
        self.max_delay = max(self.min_delay, max_delay)
        self.read_cap = max(1, read_cap)
        self.poll_cap = max(self.read_cap, poll_cap)
        self.offset = 0  # the next byte to fetch
        self.bytes_fetched = 0
        self.requests = 0
        self.props: BlobProps | None = None  # at the last poll
        self._last = b""  # the bytes just before the offset (at most OVERLAP), to check a re-upload by
        self._decoder = _new_decoder()
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
            self._skip_partial_line = False
            newline = data.find(b"\n")
            if newline >= 0:
                start += newline + 1
                data = data[newline + 1:]
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

