"""Adding tasks to the emulator through the official SDK, 100 a call: one call at a time (the round trip,
the SDK's own work included), and the SDK's `create_tasks` with several calls in flight (what the emulator
itself takes in a second, as a bulk submission sees it). Shared by bench/tasks.py."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from _common import SignedHttp
from azure.batch import models as m

CONCURRENCY = 4  # the SDK's create_tasks(max_concurrency=…)


def _job(client, job_id: str) -> None:
    client.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id="no-such-pool")))


def _tasks(count: int, prefix: str) -> list:
    return [m.BatchTaskCreateOptions(id=f"{prefix}-{i:06d}", command_line=f"/bin/sh -c 'echo task {i}'")
            for i in range(count)]


def add_tasks(emu, count: int, job_id: str = "add-bench") -> dict:
    """`count` tasks one call at a time (add_tasks_per_s), then `count` more through create_tasks with
    CONCURRENCY calls in flight (add_tasks_concurrent_per_s); each into a job of its own."""
    client = emu.client()
    _job(client, job_id)
    tasks = _tasks(count, "add")
    failed = 0
    start = time.perf_counter()
    for first in range(0, count, 100):
        result = client.create_task_collection(job_id, m.BatchTaskGroup(task_values=tasks[first:first + 100]))
        failed += sum(1 for r in result.result_values or [] if r.status != "success")
    seconds = time.perf_counter() - start
    counts = client.get_job_task_counts(job_id).task_counts
    out = {"add_tasks": count, "add_tasks_s": round(seconds, 3), "add_tasks_per_s": round(count / seconds, 1),
           "add_tasks_failed": failed, "add_tasks_active": counts.active}
    concurrent_job = f"{job_id}-concurrent"
    _job(client, concurrent_job)
    tasks = _tasks(count, "bulk")
    start = time.perf_counter()
    client.create_tasks(concurrent_job, tasks, max_concurrency=CONCURRENCY)
    seconds = time.perf_counter() - start
    counts = client.get_job_task_counts(concurrent_job).task_counts
    out.update(add_tasks_concurrent_per_s=round(count / seconds, 1), add_tasks_concurrent_active=counts.active,
               add_tasks_concurrency=CONCURRENCY)
    client.close()
    out.update(_raw_adds(emu, count, f"{job_id}-raw"))
    return out


def _raw_adds(emu, count: int, job_id: str) -> dict:
    """`count` tasks as plain signed HTTP, the JSON of each call serialized before the clock starts, CONCURRENCY
    calls in flight: what the emulator itself takes (add_tasks_raw_per_s), without a Python SDK's own work
    (which, on this two-core machine, the emulator waits on: it was idle half the time under create_tasks)."""
    client = emu.client()
    _job(client, job_id)
    client.close()
    bodies = [json.dumps({"value": [{"id": f"raw-{i:06d}", "commandLine": f"/bin/sh -c 'echo task {i}'"}
                                    for i in range(first, min(first + 100, count))]}).encode()
              for first in range(0, count, 100)]
    sessions = [SignedHttp(emu.endpoint, emu.account, emu.key) for _ in range(CONCURRENCY)]
    path = f"/jobs/{job_id}/addtaskcollection"

    def post(index: int) -> int:
        answer = sessions[index % CONCURRENCY].post_json(path, bodies[index]).json()
        return sum(1 for r in answer["value"] if r.get("status") != "success")

    start = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        failed = sum(pool.map(post, range(len(bodies))))
    seconds = time.perf_counter() - start
    return {"add_tasks_raw_per_s": round(count / seconds, 1), "add_tasks_raw_failed": failed}
