"""Actions that change things: pools, nodes, jobs, tasks.

Each starts the operation and returns once the service accepted it (the
SDK's long-running pollers are not awaited: the explorer's refresh shows the
state moving). Every failure is a ServiceError. Bodies are always sent, even
where optional: azure-batch 15.1's aio client fails client-side without one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from azure.batch import models as m

from .client import BatchService
from .errors import ServiceError, from_exception


async def _call(coro: Awaitable[object]) -> None:
    try:
        await coro
    except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
        raise from_exception(exc) from None


async def resize_pool(s: BatchService, pool_id: str, dedicated: int, low_priority: int,
                      deallocation: str = "requeue") -> None:
    options = m.BatchPoolResizeOptions(target_dedicated_nodes=dedicated, target_low_priority_nodes=low_priority,
                                       node_deallocation_option=deallocation)
    await _call(s.sdk.begin_resize_pool(pool_id, options))


async def stop_pool_resize(s: BatchService, pool_id: str) -> None:
    await _call(s.sdk.begin_stop_pool_resize(pool_id))


async def delete_pool(s: BatchService, pool_id: str) -> None:
    await _call(s.sdk.begin_delete_pool(pool_id))


async def reboot_node(s: BatchService, pool_id: str, node_id: str, option: str = "requeue") -> None:
    # (azure-batch 15.x types the options as a model it does not export; the REST JSON is what it sends)
    await _call(s.sdk.begin_reboot_node(pool_id, node_id, {"nodeRebootOption": option}))  # type: ignore[arg-type]


async def reimage_node(s: BatchService, pool_id: str, node_id: str, option: str = "requeue") -> None:
    # (azure-batch 15.x types the options as a model it does not export; the REST JSON is what it sends)
    await _call(s.sdk.begin_reimage_node(pool_id, node_id, {"nodeReimageOption": option}))  # type: ignore[arg-type]


async def remove_nodes(s: BatchService, pool_id: str, node_ids: list[str], option: str = "requeue") -> None:
    options = m.BatchNodeRemoveOptions(node_ids=node_ids, node_deallocation_option=option)
    await _call(s.sdk.begin_remove_nodes(pool_id, options))


async def disable_scheduling(s: BatchService, pool_id: str, node_id: str, option: str = "requeue") -> None:
    options = m.BatchNodeDisableSchedulingOptions(node_disable_scheduling_option=option)
    await _call(s.sdk.disable_node_scheduling(pool_id, node_id, options))


async def enable_scheduling(s: BatchService, pool_id: str, node_id: str) -> None:
    await _call(s.sdk.enable_node_scheduling(pool_id, node_id))


async def terminate_job(s: BatchService, job_id: str, reason: str = "UserTerminate") -> None:
    # (azure-batch 15.x types the options as a model it does not export; the REST JSON is what it sends)
    body = {"terminateReason": reason or "UserTerminate"}
    await _call(s.sdk.begin_terminate_job(job_id, body))  # type: ignore[arg-type]


async def disable_job(s: BatchService, job_id: str, option: str = "requeue") -> None:
    await _call(s.sdk.begin_disable_job(job_id, m.BatchJobDisableOptions(disable_tasks=option)))


async def enable_job(s: BatchService, job_id: str) -> None:
    await _call(s.sdk.begin_enable_job(job_id))


async def delete_job(s: BatchService, job_id: str) -> None:
    await _call(s.sdk.begin_delete_job(job_id))


async def terminate_task(s: BatchService, job_id: str, task_id: str) -> None:
    await _call(s.sdk.terminate_task(job_id, task_id))


async def reactivate_task(s: BatchService, job_id: str, task_id: str) -> None:
    await _call(s.sdk.reactivate_task(job_id, task_id))


async def delete_task(s: BatchService, job_id: str, task_id: str) -> None:
    await _call(s.sdk.delete_task(job_id, task_id))


@dataclass
class BulkResult:
    done: list[str]
    failed: list[tuple[str, ServiceError]]

    def summary(self, verb: str, noun: str) -> str:
        total = len(self.done) + len(self.failed)
        text = f"{verb} {total} {noun}{'' if total == 1 else 's'}: {len(self.done)} done"
        if self.failed:
            text += f", {len(self.failed)} failed"
            ident, error = self.failed[0]
            text += f" ({ident}: {error})"
        return text


async def for_each(keys: list[str], operation: Callable[[str], Awaitable[None]], concurrency: int = 8) -> BulkResult:
    """Run `operation` on every key, a few at a time; collect per-key outcomes."""
    import asyncio

    semaphore = asyncio.Semaphore(concurrency)
    result = BulkResult([], [])

    async def one(key: str) -> None:
        async with semaphore:
            try:
                await operation(key)
                result.done.append(key)
            except ServiceError as error:
                result.failed.append((key, error))

    await asyncio.gather(*(one(k) for k in keys))
    return result
