"""Deleting a task's or a compute node's file (Batch's DELETE …/files/{path}).

Every failure is a ServiceError (a missing file: not_found, FileNotFound / NodeFileNotFound).
"""
from __future__ import annotations

from .client import BatchService
from .errors import from_exception
from .models import FileRef


async def delete_file(s: BatchService, ref: FileRef, *, recursive: bool = False) -> None:
    """Delete the file `ref` names (a directory only with `recursive`)."""
    try:
        if ref.job_id:
            await s.sdk.delete_task_file(ref.job_id, ref.task_id or "", ref.path, recursive=recursive)
        else:
            await s.sdk.delete_node_file(ref.pool_id or "", ref.node_id or "", ref.path, recursive=recursive)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
        raise from_exception(exc) from None
