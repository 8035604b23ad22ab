"""A node's service logs uploaded to a blob container, as
`POST /pools/{pool}/nodes/{node}/uploadbatchservicelogs` does on Batch.

What a node's "Batch service logs" are in the emulator: the start task's
stdout.txt and stderr.txt (last written within the requested time window), and
`batch-agent.log`, the node's own record as the emulator keeps it (its state,
boots, start task, task counts), written at the time of the upload. They go
under the virtual directory `{pool}/{node}/{unique id}/` of the container, as
Batch names it (the node id's underscores become hyphens there)."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from azure.core.exceptions import AzureError

from .blob_clients import url_container
from .formats import now_iso, parse_iso
from .storage_failures import reason, redact_url
from .store import Doc

STARTUP_LOGS = ("startup/stdout.txt", "startup/stderr.txt")
AGENT_LOG = "batch-agent.log"


class UploadFailed(Exception):
    """The container could not be written; str() is a secret-free reason."""


@dataclass(frozen=True)
class Uploaded:
    virtual_directory: str
    files: int


def _agent_log(pool_id: str, node: Doc) -> bytes:
    record = {key: value for key, value in node.items() if not key.startswith("_")}
    lines = [f"{now_iso()} batchtui emulator node agent log for node {node['id']} of pool {pool_id}",
             json.dumps(record, indent=2, sort_keys=True)]
    return ("\n".join(lines) + "\n").encode()


def _window_files(node_root: Path, start: datetime, end: datetime | None) -> list[tuple[str, bytes]]:
    """(name, content) of the startup logs last written within [start, end]."""
    out = []
    for rel in STARTUP_LOGS:
        path = node_root / rel
        try:
            modified = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
            if modified < start or (end is not None and modified > end):
                continue
            out.append((rel, path.read_bytes()))
        except OSError:
            continue
    return out


async def upload_node_logs(pool_id: str, node: Doc, node_root: Path, container_url: str,
                           start_time: str, end_time: str | None) -> Uploaded:
    """Upload the node's logs of [start_time, end_time] (ISO-8601) to the container at
    `container_url` (with its SAS token). Raises UploadFailed."""
    start = parse_iso(start_time)
    end = parse_iso(end_time) if end_time else None
    files = await asyncio.to_thread(_window_files, node_root, start, end)
    files.append((AGENT_LOG, _agent_log(pool_id, node)))
    directory = f"{pool_id}/{node['id'].replace('_', '-')}/{uuid.uuid4()}"
    try:
        parsed = urlsplit(container_url)
        if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
            raise ValueError("an http(s) URL is needed")  # the SDK would make "https://" + any text one
        container = url_container(container_url)
    except ValueError as exc:
        raise UploadFailed(f"containerUrl {redact_url(container_url)} is not a container URL: {exc}") from None
    try:
        async with container:
            for name, data in files:
                await container.upload_blob(f"{directory}/{name}", data, overwrite=True)
    except (AzureError, OSError, ValueError) as exc:
        raise UploadFailed(f"The container {redact_url(container_url)} could not be written: {reason(exc)}") from None
    return Uploaded(directory, len(files))
