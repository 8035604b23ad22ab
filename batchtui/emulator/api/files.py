"""Task files and node files: list (recursive), properties (HEAD), content
(GET with ocp-range, streamed), delete. Paths never leave the task's or node's
tree; only regular files are read (file_access.py); every filesystem call runs
in a worker thread."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from .. import errors, file_access, nodefs
from ..formats import iso, rfc1123
from ..store import Collection, Doc
from .http import base_url, bool_query, engine_of, paged
from .jobs import get_job
from .pools import get_node, get_pool
from .tasks import get_task

RANGE_RE = re.compile(r"bytes=([0-9]+)-([0-9]*)")
MAX_OFFSET = 2**63 - 1  # a range's bounds are 64-bit file offsets


def _task_root(request: web.Request) -> tuple[Path, str]:
    job = get_job(request)
    task = get_task(request, job)
    root = engine_of(request).tasks.files_dir(task)
    return root, f"/jobs/{job['id']}/tasks/{task['id']}/files"


def _node_root(request: web.Request) -> tuple[Path, str]:
    pool = get_pool(request)
    node = get_node(request, pool)
    return engine_of(request).runtime.node_root(node["id"]), f"/pools/{pool['id']}/nodes/{node['id']}/files"


def _outside(reason: str = "The file path leaves the task's or node's directory.") -> errors.BatchError:
    return errors.BatchError(
        400, "InvalidUri", "The requested URI does not represent any resource on the server.", [("Reason", reason)]
    )


@contextmanager
def _file_errors(rel: str) -> Iterator[None]:
    """What a filesystem call on `rel` raised, as Batch's answer: 400 InvalidUri
    (out of the tree), 404 FileNotFound, 409 for what cannot be read or deleted
    (a directory, a special file, a file with other hard links, no permission)."""
    try:
        yield
    except nodefs.PathRefused:
        raise _outside() from None
    except (FileNotFoundError, NotADirectoryError):
        raise errors.not_found("File", rel) from None
    except file_access.NotReadable as exc:
        if exc.is_directory:
            raise errors.invalid_state("The specified path is a directory; list it instead of reading it.") from None
        raise errors.invalid_state(exc.reason) from None
    except IsADirectoryError:
        raise errors.BatchError(
            409, "DirectoryNotEmpty", "The directory is not empty; delete it with recursive=true."
        ) from None
    except OSError as exc:  # e.g. a task made its file unreadable (chmod 000), or a symlink swapped in (ELOOP)
        raise errors.invalid_state(f"The file cannot be accessed: {exc.strerror or exc}.") from None


def _resolve(root: Path, rel: str) -> Path:
    """The real path of `rel` inside `root`, which must exist (raises, not mapped: see _file_errors)."""
    path = nodefs.resolve_inside(root, rel)
    path.lstat()  # FileNotFoundError when there is nothing there
    return path


def _file_headers(info: nodefs.FileInfo, url: str) -> dict[str, str]:
    return {
        "ocp-creation-time": rfc1123(info.created),
        "ocp-batch-file-isdirectory": str(info.is_directory).lower(),
        "ocp-batch-file-url": url,
        "ocp-batch-file-mode": info.mode,
        "Last-Modified": rfc1123(info.modified),
        "Content-Type": "application/octet-stream",
    }


async def _list(request: web.Request, root: Path, prefix: str) -> web.Response:
    recursive = bool_query(request, "recursive")
    base = base_url(request) + prefix
    items = Collection()
    for info in await asyncio.to_thread(nodefs.list_files, root, recursive):
        entry: Doc = {
            "id": info.name, "name": info.name, "url": f"{base}/{quote(info.name)}", "isDirectory": info.is_directory
        }
        if not info.is_directory:
            entry["properties"] = {
                "creationTime": iso(info.created),
                "lastModified": iso(info.modified),
                "contentLength": str(info.size),
                "contentType": "application/octet-stream",
                "fileMode": info.mode,
            }
        items.add(entry)
    return paged(request, items, _without_id, {"name": "string"}, "files")


def _without_id(entry: Doc) -> Doc:
    """A file entry as listed: its id is only the Collection's key."""
    return {k: v for k, v in entry.items() if k != "id"}


def _stat(root: Path, rel: str) -> nodefs.FileInfo:
    with _file_errors(rel):
        return nodefs.file_info(root, _resolve(root, rel))


async def _properties(request: web.Request, root: Path, prefix: str) -> web.Response:
    rel = request.match_info["path"]
    info = await asyncio.to_thread(_stat, root, rel)
    headers = _file_headers(info, f"{base_url(request)}{prefix}/{quote(rel)}")
    headers["Content-Length"] = str(info.size)
    return web.Response(status=200, headers=headers)


def _byte_range(raw_range: str | None, size: int) -> tuple[int, int]:
    """[start, stop) of the file to send for an ocp-range header (inclusive
    bytes=A-B, or bytes=A-), or the whole file; BatchError 400 or 416."""
    if not raw_range:
        return 0, size
    m = RANGE_RE.fullmatch(raw_range.strip())
    bounds = [int(g) if len(g) <= 19 else MAX_OFFSET + 1 for g in m.groups() if g] if m else []
    if not m or any(b > MAX_OFFSET for b in bounds) or (len(bounds) == 2 and bounds[1] < bounds[0]):
        raise errors.BatchError(
            400, "InvalidHeaderValue", "The value for one of the HTTP headers is not in the correct format.",
            [("HeaderName", "ocp-range"), ("HeaderValue", raw_range[:256])],
        )
    start = bounds[0]
    if start >= size and size > 0 or (start > 0 and size == 0):
        raise errors.BatchError(
            416, "InvalidRange", "The range specified is invalid for the current size of the resource.",
            [("Reason", f"The file has {size} bytes.")],
        )
    return start, min(size, bounds[1] + 1) if len(bounds) == 2 else size  # nothing past the file's end


def _open(root: Path, rel: str) -> tuple[int, nodefs.FileInfo]:
    """The descriptor and properties of the regular file `rel` (see file_access)."""
    with _file_errors(rel):
        fd, st = file_access.open_for_reading(root, _resolve(root, rel))
    return fd, nodefs.info_from_stat(rel, st)


async def _content(request: web.Request, root: Path, prefix: str) -> web.StreamResponse:
    """The file's bytes (or its ocp-range), streamed a chunk at a time from a
    worker thread: never the whole file in memory, never a read on the event loop."""
    rel = request.match_info["path"]
    fd, info = await asyncio.to_thread(_open, root, rel)
    try:
        start, stop = _byte_range(request.headers.get("ocp-range"), info.size)
        headers = _file_headers(info, f"{base_url(request)}{prefix}/{quote(rel)}")
        response = web.StreamResponse(status=200, headers=headers)
        response.content_length = stop - start
        await response.prepare(request)
        offset = start
        while offset < stop:
            chunk = await asyncio.to_thread(file_access.read_chunk, fd, offset, stop)
            if not chunk:  # the file shrank since it was opened: end the connection, the client sees a short body
                response.force_close()
                break
            await response.write(chunk)
            offset += len(chunk)
        await response.write_eof()
        return response
    finally:
        os.close(fd)


def _delete_entry(root: Path, rel: str, recursive: bool) -> None:
    with _file_errors(rel):
        if not nodefs.split_rel(rel):
            raise errors.invalid_state("The root directory cannot be deleted.")
        file_access.remove(root, rel, recursive)


async def _delete(request: web.Request, root: Path) -> web.Response:
    recursive = bool_query(request, "recursive")
    await asyncio.to_thread(_delete_entry, root, request.match_info["path"], recursive)
    return web.Response(status=200)


async def list_task_files(request: web.Request) -> web.Response:
    return await _list(request, *_task_root(request))


async def task_file_properties(request: web.Request) -> web.Response:
    return await _properties(request, *_task_root(request))


async def task_file_content(request: web.Request) -> web.StreamResponse:
    return await _content(request, *_task_root(request))


async def delete_task_file(request: web.Request) -> web.Response:
    return await _delete(request, _task_root(request)[0])


async def list_node_files(request: web.Request) -> web.Response:
    return await _list(request, *_node_root(request))


async def node_file_properties(request: web.Request) -> web.Response:
    return await _properties(request, *_node_root(request))


async def node_file_content(request: web.Request) -> web.StreamResponse:
    return await _content(request, *_node_root(request))


async def delete_node_file(request: web.Request) -> web.Response:
    return await _delete(request, _node_root(request)[0])


def routes() -> list[web.RouteDef]:
    task_file = "/jobs/{job}/tasks/{task}/files/{path:.+}"
    node_file = "/pools/{pool}/nodes/{node}/files/{path:.+}"
    return [
        web.get("/jobs/{job}/tasks/{task}/files", list_task_files),
        web.head(task_file, task_file_properties),
        web.get(task_file, task_file_content, allow_head=False),
        web.delete(task_file, delete_task_file),
        web.get("/pools/{pool}/nodes/{node}/files", list_node_files),
        web.head(node_file, node_file_properties),
        web.get(node_file, node_file_content, allow_head=False),
        web.delete(node_file, delete_node_file),
    ]
