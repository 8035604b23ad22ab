"""Writes to blob storage: upload local files or a folder under a prefix, delete
blobs, download a prefix as a folder, create a container.

Nothing is overwritten silently: an upload names the blobs it would replace
first (`existing_blobs`) and only replaces them with `overwrite=True` (else
ServiceError conflict); a folder download names the local files it would
replace (`existing_files`) and raises FileExistsError without `overwrite`.
Progress is reported as `progress(done_bytes, total_bytes)`. Every service
failure is a ServiceError (see storage.storage_error); local failures are OSError.

No Textual import here.
"""
from __future__ import annotations

import asyncio
import glob
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

from ..wording import plural
from .errors import CONFLICT, INVALID, ServiceError
from .storage import BlobStore, storage_error

__all__ = [
    "Transfer",
    "create_container",
    "delete_blobs",
    "download_prefix",
    "existing_blobs",
    "existing_files",
    "plan_download",
    "plan_upload",
    "upload",
]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Transfer:
    """One file to move: the local path, the blob's name, its size in bytes."""

    local: Path
    blob: str
    size: int


def _join(prefix: str, rel: str) -> str:
    """A blob name: `prefix` (a container's root when "", else a virtual directory) then `rel`."""
    prefix = prefix.strip("/")
    return f"{prefix}/{rel}" if prefix else rel


def plan_upload(local: str | Path, prefix: str = "") -> list[Transfer]:
    """What uploading `local` under `prefix` writes: a file becomes PREFIX/NAME; a folder becomes
    PREFIX/FOLDER/… (every regular file under it, "/"-separated; symbolic links inside are not
    followed); a glob pattern (`data/*.csv`) is each path it matches, so. By blob name.
    FileNotFoundError when nothing is there; ValueError when two paths would make the same blob."""
    text = os.path.expanduser(str(local))
    paths = [Path(text)] if os.path.lexists(text) or not glob.has_magic(text) else \
        [Path(p) for p in sorted(glob.glob(text))]
    found: list[Transfer] = []
    for path in paths:
        found += _plan_one(path, prefix)
    if not paths or not (found or any(p.is_dir() for p in paths)):
        raise FileNotFoundError(text)
    names = [item.blob for item in found]
    if len(set(names)) != len(names):
        raise ValueError(f"{text}: two files would be uploaded to the same blob name")
    return sorted(found, key=lambda item: item.blob)


def _plan_one(path: Path, prefix: str) -> list[Transfer]:
    if path.is_file():
        return [Transfer(path, _join(prefix, path.name), path.stat().st_size)]
    if not path.is_dir():
        raise FileNotFoundError(str(path))
    base = _join(prefix, path.resolve().name)
    found: list[Transfer] = []
    for folder, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            file = Path(folder, name)
            if file.is_file() and not file.is_symlink():
                rel = file.relative_to(path).as_posix()
                found.append(Transfer(file, f"{base}/{rel}", file.stat().st_size))
    return found


async def existing_blobs(store: BlobStore, container: str, names: list[str]) -> list[str]:
    """Those of `names` that exist in `container` (by name). One listing under their common prefix."""
    if not names:
        return []
    common = os.path.commonprefix(names)
    rows = await store.list_blobs(container, common, delimiter="")
    present = {row.name for row in rows}
    return [name for name in names if name in present]


async def upload(store: BlobStore, container: str, items: list[Transfer], *, overwrite: bool = False,
                 progress: Progress | None = None) -> int:
    """Upload each file to its blob (block blobs); the bytes sent. Without `overwrite`, an existing
    blob stops the upload: ServiceError conflict (the blobs before it stay uploaded)."""
    total = sum(item.size for item in items)
    done = 0
    if progress:
        progress(0, total)
    for item in items:
        blob = store.client.get_blob_client(container, item.blob)
        start = done
        try:
            with open(item.local, "rb") as data:
                store.requests += 1
                await blob.upload_blob(data, length=item.size, overwrite=overwrite, max_concurrency=1,
                                       progress_hook=_upload_hook(progress, start, total))
        except ResourceExistsError:
            raise ServiceError(CONFLICT, f"blob {item.blob} already exists in container {container}",
                               "BlobAlreadyExists", 409) from None
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
            raise storage_error(exc, container=container, name=item.blob, endpoint=store.url) from None
        done = start + item.size
        if progress:
            progress(done, total)
    return done


def _upload_hook(progress: Progress | None, start: int, total: int
                 ) -> Callable[[int, int | None], Awaitable[None]]:
    """The SDK's (async) progress hook for one blob of an upload that began at byte `start`."""

    async def hook(current: int, _size: int | None) -> None:
        if progress:
            progress(start + current, total)

    return hook


async def delete_blobs(store: BlobStore, container: str, names: list[str]) -> int:
    """Delete these blobs; a name ending in "/" is a virtual directory: every blob under it. The number
    of blobs deleted (one already gone counts as deleted)."""
    client = store.client.get_container_client(container)
    deleted = 0
    for name in names:
        targets = [row.name for row in await store.list_blobs(container, name, delimiter="")] \
            if name.endswith("/") else [name]
        for target in targets:
            try:
                store.requests += 1
                await client.delete_blob(target, delete_snapshots="include")
            except ResourceNotFoundError:
                pass
            except Exception as exc:  # noqa: BLE001
                raise storage_error(exc, container=container, name=target, endpoint=store.url) from None
            deleted += 1
    return deleted


async def plan_download(store: BlobStore, container: str, prefix: str, folder: str | Path) -> list[Transfer]:
    """What downloading everything under `prefix` into `folder` writes: each blob at its name less the
    prefix's directory part (so `out/a/` puts `out/a/x.txt` at FOLDER/a/x.txt). ServiceError invalid
    for a blob name that would leave `folder` (`..`, an absolute part)."""
    base = Path(folder).expanduser()
    parent = prefix.rstrip("/").rpartition("/")[0]
    cut = len(parent) + 1 if parent else 0
    found: list[Transfer] = []
    for row in await store.list_blobs(container, prefix, delimiter=""):
        rel = PurePosixPath(row.name[cut:])
        if not rel.parts or rel.is_absolute() or any(part in ("", ".", "..") for part in rel.parts) \
                or row.name.endswith("/"):
            raise ServiceError(INVALID, f"blob {row.name} cannot be saved under a folder")
        found.append(Transfer(base.joinpath(*rel.parts), row.name, row.size or 0))
    return found


def existing_files(items: list[Transfer]) -> list[Path]:
    """Those local paths of `items` that exist already."""
    return [item.local for item in items if os.path.lexists(item.local)]


async def download_prefix(store: BlobStore, container: str, items: list[Transfer], *, overwrite: bool = False,
                          progress: Progress | None = None) -> int:
    """Download each blob to its local path (folders made as needed; each file written beside its target
    and moved into place); the bytes written. FileExistsError (before anything is written) when a
    target exists and not `overwrite`."""
    if not overwrite and (present := existing_files(items)):
        raise FileExistsError(f"{plural(len(present), 'file')} {'exists' if len(present) == 1 else 'exist'}, "
                              f"e.g. {present[0]}")
    total = sum(item.size for item in items)
    done = 0
    if progress:
        progress(0, total)
    for item in items:
        await asyncio.to_thread(item.local.parent.mkdir, parents=True, exist_ok=True)
        start = done

        def hook(current: int, _size: int, start: int = start) -> None:
            if progress:
                progress(start + current, total)

        done = start + await store.download(container, item.blob, str(item.local), hook, overwrite=overwrite)
    if progress:
        progress(done, total)
    return done


async def create_container(store: BlobStore, name: str) -> None:
    """Create a container; ServiceError conflict when it exists, invalid for a bad name."""
    try:
        store.requests += 1
        await store.client.create_container(name)
    except ResourceExistsError:
        raise ServiceError(CONFLICT, f"container {name} already exists", "ContainerAlreadyExists", 409) from None
    except Exception as exc:  # noqa: BLE001
        raise storage_error(exc, container=name, endpoint=store.url) from None
