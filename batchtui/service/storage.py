"""Blob storage: one async facade over azure.storage.blob.aio per storage account.

`BlobStore` lists containers and, one level at a time (by the "/" delimiter),
the virtual directories and blobs under a prefix, so a container with a
million blobs is browsed a level at a time; it reads byte ranges and saves
whole blobs. `BlobFiles` is a store seen through the two calls the log view
reads a file by (`file_properties(ref)`, `read_range(ref, start, end)`).
Following a blob as it grows: `blob_follower.BlobFollower`; writing (uploads,
deletes, folder downloads, new containers): `blob_writes`.

Every failure surfaces as a ServiceError: 404 → not_found, 401/403 → auth,
connection failures → unreachable, 412 (the blob changed under a conditional
read) → conflict, 416 → invalid.

No Textual import here.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
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
from azure.storage.blob import BlobProperties
from azure.storage.blob.aio import BlobPrefix, BlobServiceClient, ExponentialRetry

from .errors import AUTH, CONFLICT, INVALID, NOT_FOUND, OTHER, THROTTLED, UNREACHABLE, ServiceError
from .localfiles import staged_file
from .models import FileProps

__all__ = [
    "APPEND_BLOB",
    "BlobFiles",
    "BlobProps",
    "BlobRef",
    "BlobRow",
    "BlobStore",
    "ContainerRow",
    "storage_error",
]

MiB = 1024 * 1024
GET_SIZE = 4 * MiB  # bytes in one GET of a download (the SDK's first GET and each chunk after)
PUT_SIZE = 4 * MiB  # bytes in one PUT of an upload (a blob up to this size in one PUT, else blocks of it)
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
            # uploads in blocks of PUT_SIZE, so an upload's progress moves a block at a time
            "max_single_put_size": PUT_SIZE,
            "max_block_size": PUT_SIZE,
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

    @property
    def client(self) -> BlobServiceClient:
        """The SDK's client (blob_writes writes through it)."""
        return self._client

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
        pages: AsyncIterator[AsyncIterator[BlobProperties | BlobPrefix]]
        try:
            if delimiter:
                pages = client.walk_blobs(name_starts_with=prefix or None, delimiter=delimiter).by_page()
            else:
                pages = client.list_blobs(name_starts_with=prefix or None).by_page()
            async for page in pages:
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
        blob = self._client.get_blob_client(container, name)
        try:
            self.requests += 1
            if etag:  # (the SDK passes an etag=None on to the transport, which refuses it)
                downloader = await blob.download_blob(offset=start, length=length, max_concurrency=1, etag=etag,
                                                      match_condition=MatchConditions.IfNotModified)
            else:
                downloader = await blob.download_blob(offset=start, length=length, max_concurrency=1)
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
