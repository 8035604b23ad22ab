"""Changing a resource's settings, as Batch's REST reference has it: a pool's updateproperties, a job's
and a job schedule's PATCH, a task's PUT (its constraints), and a task rerun with changes (deleted, then
added again with the same id). Bodies are REST JSON, sent as they are.

A refusal is a `Refused` (a ServiceError) that names the fields the service found wrong, from its
error's details (PropertyName, Reason), so an editor can show them by field.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import HttpResponseError

from .client import BatchService
from .errors import ServiceError, from_exception
from .models import path_segment

Body = dict[str, Any]


@dataclass
class Refused(ServiceError):
    """The service refused a change; `fields` lists "property.path: why" for each field it named."""

    fields: tuple[str, ...] = ()


def refused(exc: BaseException) -> ServiceError:
    """`from_exception`, a Refused naming the field when the service's error names one."""
    error = from_exception(exc)
    if not isinstance(exc, HttpResponseError):
        return error
    details = {str(getattr(d, "code", "")): str(getattr(d, "message", ""))
               for d in getattr(getattr(exc, "error", None), "details", None) or []}
    name = details.get("PropertyName")
    if not name:
        return error
    why = details.get("Reason") or error.message
    return Refused(error.kind, error.message, error.code, error.status, (f"{name}: {why}",))


async def _send(call: Awaitable[object]) -> None:
    try:
        await call
    except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
        raise refused(exc) from None


# The `type: ignore[arg-type]`s: azure-batch 15.x types these bodies as its models, but sends a JSON mapping
# as it is (so the body goes out unchanged, with nothing converted client-side).


async def update_pool_properties(service: BatchService, pool_id: str, body: Body) -> None:
    """POST /pools/{pool}/updateproperties: startTask, applicationPackageReferences and metadata replaced."""
    await _send(service.sdk.replace_pool_properties(pool_id, body))  # type: ignore[arg-type]


async def update_pool(service: BatchService, pool_id: str, body: Body) -> None:
    """PATCH /pools/{pool}: the properties in `body` replace the pool's; the others stay (Batch changes most
    of them only on a pool with no nodes)."""
    await _send(service.sdk.update_pool(pool_id, body))  # type: ignore[arg-type]


async def update_job(service: BatchService, job_id: str, body: Body) -> None:
    """PATCH /jobs/{job}: the properties in `body` replace the job's; the others stay."""
    await _send(service.sdk.update_job(job_id, body))  # type: ignore[arg-type]


async def update_job_schedule(service: BatchService, schedule_id: str, body: Body) -> None:
    """PATCH /jobschedules/{schedule}: the properties in `body` (schedule, jobSpecification, metadata) replace
    the schedule's, each whole; the others stay. A changed jobSpecification applies to the jobs created next."""
    await _send(service.sdk.update_job_schedule(schedule_id, body))  # type: ignore[arg-type]


async def replace_task(service: BatchService, job_id: str, task_id: str, body: Body) -> None:
    """PUT /jobs/{job}/tasks/{task}: the task's constraints replaced (those left out take their defaults)."""
    await _send(service.sdk.replace_task(job_id, task_id, body))  # type: ignore[arg-type]


async def create_task(service: BatchService, job_id: str, body: Body) -> None:
    """POST /jobs/{job}/tasks: one task from its create body."""
    await _send(service.sdk.create_task(job_id, body))  # type: ignore[arg-type]


async def rerun_task(service: BatchService, job_id: str, body: Body) -> None:
    """Batch's way of running a task again with changes: DELETE the task `body["id"]`, then add `body`
    (same id). ServiceError when either step fails; if the add fails, the task is gone and the error's
    message says so (its body is the caller's to add again)."""
    await _send(service.sdk.delete_task(job_id, body["id"]))
    try:
        await _send(service.sdk.create_task(job_id, body))  # type: ignore[arg-type]
    except ServiceError as error:
        error.message = f"deleted, but not added again: {error.message}"
        raise


async def task_dependencies(service: BatchService, job_id: str) -> list[Body]:
    """Every task of the job, as {"id", "dependsOn"} (one $select-ed listing)."""
    found: list[Body] = []
    async for page in service.pages(f"/jobs/{path_segment(job_id)}/tasks", {"$select": "id,dependsOn"}):
        found.extend(page)
    return found
