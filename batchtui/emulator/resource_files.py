"""Resource files: downloaded into the task's wd/ before its command starts,
from one of three sources — an `httpUrl` (aiohttp), a `storageContainerUrl`
or an `autoStorageContainerName` (every blob under `blobPrefix`) — with the
`fileMode` applied (0770 by default, as on Linux nodes). A `filePath` never
leaves wd/. Every problem raises StorageFailure with Batch's code."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import aiohttp
from azure.core.exceptions import AzureError, HttpResponseError
from azure.storage.blob.aio import ContainerClient

from . import nodefs
from .blob_clients import AutoStorage, url_container
from .storage_failures import StorageFailure, reason, redact_url
from .store import Doc

DEFAULT_FILE_MODE = 0o770  # Batch's default for resource files on Linux nodes
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=20, sock_read=120)
SOURCES = ("httpUrl", "storageContainerUrl", "autoStorageContainerName")


async def download_resource_file(spec: Doc, workdir: Path, auto_storage: AutoStorage) -> None:
    """Download one resourceFiles entry into `workdir` (the task's wd/)."""
    sources = [k for k in SOURCES if spec.get(k)]
    file_path = spec.get("filePath") or ""
    if len(sources) != 1:
        raise StorageFailure(
            "ResourceFileCreateFailed",
            "A resource file needs exactly one of httpUrl, storageContainerUrl and autoStorageContainerName",
            FilePath=file_path,
        )
    mode = _file_mode(spec.get("fileMode"), file_path)
    if sources[0] == "httpUrl":
        if not file_path:
            raise StorageFailure(
                "ResourceFileCreateFailed", "filePath is required with httpUrl", HttpUrl=redact_url(spec["httpUrl"])
            )
        target = _target(workdir, file_path)
        await _download_http(spec["httpUrl"], target, file_path)
        _chmod(target, mode, file_path)
        return
    if sources[0] == "storageContainerUrl":
        label = {"ContainerUrl": redact_url(spec["storageContainerUrl"])}
        try:
            container = url_container(spec["storageContainerUrl"])
        except ValueError as exc:
            raise StorageFailure("ResourceContainerListMiscError", str(exc), FilePath=file_path, **label) from None
    else:
        label = {"AutoStorageContainerName": spec["autoStorageContainerName"]}
        try:
            container = auto_storage.container(spec["autoStorageContainerName"])
        except ValueError as exc:
            raise StorageFailure("ResourceContainerListMiscError", str(exc), FilePath=file_path, **label) from None
    async with container:
        names = await _list_blobs(container, spec.get("blobPrefix") or None, file_path, label)
        for name in names:
            rel = f"{file_path.rstrip('/')}/{name}" if file_path else name
            target = _target(workdir, rel)
            await _download_blob(container, name, target, rel, label)
            _chmod(target, mode, rel)


async def _list_blobs(
    container: ContainerClient, prefix: str | None, file_path: str, label: dict[str, str]
) -> list[str]:
    try:
        return [b.name async for b in container.list_blobs(name_starts_with=prefix) if not b.name.endswith("/")]
    except HttpResponseError as exc:
        code = "ResourceContainerAccessDenied" if exc.status_code in (401, 403) else "ResourceContainerListMiscError"
        raise StorageFailure(code, reason(exc), FilePath=file_path, **label) from None
    except AzureError as exc:
        raise StorageFailure("ResourceContainerListMiscError", reason(exc), FilePath=file_path, **label) from None


async def _download_blob(container: ContainerClient, name: str, target: Path, rel: str, label: dict[str, str]) -> None:
    try:
        downloader = await container.get_blob_client(name).download_blob()
        with _open_target(target, rel) as out:
            await downloader.readinto(out)
    except HttpResponseError as exc:
        code = _download_code(exc.status_code)
        raise StorageFailure(code, reason(exc), FilePath=rel, BlobName=name, **label) from None
    except AzureError as exc:
        raise StorageFailure("BlobDownloadMiscError", reason(exc), FilePath=rel, BlobName=name, **label) from None
    except OSError as exc:
        raise StorageFailure("ResourceFileWriteFailed", exc.strerror or str(exc), FilePath=rel) from None


async def _download_http(url: str, target: Path, rel_name: str) -> None:
    safe_url = redact_url(url)
    try:
        async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session:
            async with session.get(url) as response:
                if response.status >= 400:
                    raise StorageFailure(
                        _download_code(response.status), f"The server answered {response.status} {response.reason}",
                        FilePath=rel_name, HttpUrl=safe_url,
                    )
                with _open_target(target, rel_name) as out:
                    async for chunk in response.content.iter_chunked(1 << 16):
                        out.write(chunk)
    except asyncio.TimeoutError:
        raise StorageFailure(
            "BlobDownloadTimedOut", "The download timed out", FilePath=rel_name, HttpUrl=safe_url
        ) from None
    except (aiohttp.ClientError, ValueError) as exc:
        raise StorageFailure("BlobDownloadMiscError", reason(exc), FilePath=rel_name, HttpUrl=safe_url) from None
    except OSError as exc:
        raise StorageFailure("ResourceFileWriteFailed", exc.strerror or str(exc), FilePath=rel_name) from None


def _target(workdir: Path, rel: str) -> Path:
    try:
        return nodefs.resolve_inside(workdir, rel)
    except nodefs.PathRefused:
        raise StorageFailure(
            "ResourceFileCreateFailed", "The file path must stay inside the task's working directory", FilePath=rel
        ) from None


class _open_target:
    """Open `target` for writing, creating its folders (errors: ResourceFileCreateFailed)."""

    def __init__(self, target: Path, rel: str) -> None:
        self.target, self.rel = target, rel

    def __enter__(self) -> BinaryIO:
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(self.target, "wb")
        except OSError as exc:
            raise StorageFailure("ResourceFileCreateFailed", exc.strerror or str(exc), FilePath=self.rel) from None
        return self.file

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.file.close()


def _file_mode(raw: object, file_path: str) -> int:
    if raw in (None, ""):
        return DEFAULT_FILE_MODE
    try:
        mode = int(str(raw), 8)
        if not 0 <= mode <= 0o7777:
            raise ValueError
    except ValueError:
        raise StorageFailure(
            "ResourceFileCreateFailed", f"fileMode {raw!r} is not an octal file mode", FilePath=file_path
        ) from None
    return mode


def _chmod(target: Path, mode: int, rel: str) -> None:
    try:
        os.chmod(target, mode)
    except OSError as exc:
        raise StorageFailure("ResourceFileWriteFailed", exc.strerror or str(exc), FilePath=rel) from None


def _download_code(status: int | None) -> str:
    codes = {401: "BlobAccessDenied", 403: "BlobAccessDenied", 404: "BlobNotFound"}
    return codes.get(status or 0, "BlobDownloadMiscError")
