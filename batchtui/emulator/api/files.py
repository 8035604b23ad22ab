"""Task files and node files: list (recursive), properties (HEAD), content
(GET with ocp-range), delete. Paths never leave the task's or node's tree."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from .. import errors, nodefs
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


def _resolve(root: Path, rel: str) -> Path:
    try:
        path = nodefs.resolve_inside(root, rel)
    except nodefs.PathRefused:
        raise errors.BatchError(
            400, "InvalidUri", "The requested URI does not represent any resource on the server.",
            [("Reason", "The file path leaves the task's or node's directory.")],
        ) from None
    if not path.exists():
        raise errors.not_found("File", rel)
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


def _list(request: web.Request, root: Path, prefix: str) -> web.Response:
    recursive = bool_query(request, "recursive")
    base = base_url(request) + prefix
    items = Collection()
    for info in nodefs.list_files(root, recursive):
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


async def _properties(request: web.Request, root: Path, prefix: str) -> web.Response:
    rel = request.match_info["path"]
    info = nodefs.file_info(root, _resolve(root, rel))
    headers = _file_headers(info, f"{base_url(request)}{prefix}/{quote(rel)}")
    headers["Content-Length"] = str(info.size)
    return web.Response(status=200, headers=headers)


async def _content(request: web.Request, root: Path, prefix: str) -> web.Response:
    rel = request.match_info["path"]
    path = _resolve(root, rel)
    info = nodefs.file_info(root, path)
    if info.is_directory:
        raise errors.invalid_state("The specified path is a directory; list it instead of reading it.")
    start, end = 0, None
    raw_range = request.headers.get("ocp-range")
    if raw_range:
        m = RANGE_RE.fullmatch(raw_range.strip())
        bounds = [int(g) if len(g) <= 19 else MAX_OFFSET + 1 for g in m.groups() if g] if m else []
        if not m or any(b > MAX_OFFSET for b in bounds) or (len(bounds) == 2 and bounds[1] < bounds[0]):
            raise errors.BatchError(
                400, "InvalidHeaderValue", "The value for one of the HTTP headers is not in the correct format.",
                [("HeaderName", "ocp-range"), ("HeaderValue", raw_range[:256])],
            )
        start = bounds[0]
        end = min(bounds[1], max(info.size - 1, 0)) if len(bounds) == 2 else None  # nothing past the file's end
        if start >= info.size and info.size > 0 or (start > 0 and info.size == 0):
            raise errors.BatchError(
                416, "InvalidRange", "The range specified is invalid for the current size of the resource.",
                [("Reason", f"The file has {info.size} bytes.")],
            )
    body = nodefs.read_range(path, start, end)
    headers = _file_headers(info, f"{base_url(request)}{prefix}/{quote(rel)}")
    return web.Response(status=200, body=body, headers=headers)


async def _delete(request: web.Request, root: Path) -> web.Response:
    rel = request.match_info["path"]
    path = _resolve(root, rel)
    if path == Path(root).resolve():
        raise errors.invalid_state("The root directory cannot be deleted.")
    if path.is_dir():
        if not bool_query(request, "recursive") and any(path.iterdir()):
            raise errors.BatchError(
                409, "DirectoryNotEmpty", "The directory is not empty; delete it with recursive=true."
            )
        nodefs.remove_tree(path)
    else:
        path.unlink()
    return web.Response(status=200)


async def list_task_files(request: web.Request) -> web.Response:
    return _list(request, *_task_root(request))


async def task_file_properties(request: web.Request) -> web.Response:
    return await _properties(request, *_task_root(request))


async def task_file_content(request: web.Request) -> web.Response:
    return await _content(request, *_task_root(request))


async def delete_task_file(request: web.Request) -> web.Response:
    return await _delete(request, _task_root(request)[0])


async def list_node_files(request: web.Request) -> web.Response:
    return _list(request, *_node_root(request))


async def node_file_properties(request: web.Request) -> web.Response:
    return await _properties(request, *_node_root(request))


async def node_file_content(request: web.Request) -> web.Response:
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
