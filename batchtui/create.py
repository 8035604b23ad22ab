"""Create pools, jobs, job schedules and tasks from JSON files: the REST request bodies (the
same JSON `az batch … --json-file` takes), validated before anything is sent
(every property at every level, `body_check`), with errors reported by field.
Tasks go through the collection API, 100 a call.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .body_check import problems as body_problems
from .rest_schema import JOB, JOB_SCHEDULE, POOL, TASK
from .service.client import BatchService
from .service.errors import ServiceError, from_exception
from .wording import plural

KINDS = ("pool", "job", "jobschedule", "tasks")
Body = dict[str, Any]  # a REST request body, as parsed from the file
CHUNK = 100

MAX_PROBLEMS = 1000  # a file with more stops being checked there (e.g. 10,000 tasks with the same mistake)


class InvalidFile(ValueError):
    """The file is not a valid body; `problems` lists "field: what is wrong"."""

    def __init__(self, path: str, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def pool_info_problems(body: Body, where: str = "") -> list[str]:
    """What the schema cannot say: a job's poolInfo names a pool or describes an auto pool
    (`where`: the path of the job's properties, "jobSpecification." for a schedule's)."""
    pool_info = body.get("poolInfo")
    if isinstance(pool_info, dict) and not pool_info.get("poolId") and not pool_info.get("autoPoolSpecification"):
        return [f"{where}poolInfo.poolId: required (or {where}poolInfo.autoPoolSpecification)"]
    return []


def load(path: Path, kind: str) -> list[Body]:
    """The bodies in the file (one for a pool, job or job schedule; a list for tasks), or InvalidFile."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidFile(name, [f"cannot read it: {exc.strerror}"]) from None
    except UnicodeDecodeError:
        raise InvalidFile(name, ["not UTF-8 text"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidFile(name, [f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"]) from None
    if kind == "pool":
        problems = body_problems(data, POOL)
        bodies = [data]
    elif kind == "job":
        problems = body_problems(data, JOB)
        if isinstance(data, dict):
            problems += pool_info_problems(data)
        bodies = [data]
    elif kind == "jobschedule":
        problems = body_problems(data, JOB_SCHEDULE)
        spec = data.get("jobSpecification") if isinstance(data, dict) else None
        if isinstance(spec, dict):
            problems += pool_info_problems(spec, "jobSpecification.")
        bodies = [data]
    else:
        tasks = data.get("value") if isinstance(data, dict) and "value" in data else data
        if isinstance(tasks, dict):
            tasks = [tasks]
        if not isinstance(tasks, list) or not tasks:
            raise InvalidFile(name, ["expected a task object, a list of tasks, or {\"value\": [tasks]}"])
        problems = []
        for index, task in enumerate(tasks):
            problems += body_problems(task, TASK, f"tasks[{index}]")
            if len(problems) >= MAX_PROBLEMS:
                problems.append(f"(stopped checking at task {index}: {len(problems)} problems so far)")
                break
        # (ids are case-insensitive in Batch: "A" and "a" are the same task)
        ids = Counter(t["id"].lower() for t in tasks if isinstance(t, dict) and isinstance(t.get("id"), str))
        problems += [f"tasks: id {i!r} appears more than once" for i, count in sorted(ids.items()) if count > 1]
        bodies = tasks
    if problems:
        raise InvalidFile(name, problems)
    return bodies


@dataclass
class TaskResults:
    added: int = 0
    failed: list[str] = field(default_factory=list)  # "id: code message"

    def summary(self) -> str:
        """One line: how many were added and, when some failed, the first three failures."""
        failed = self.failed
        text = f"{plural(self.added, 'task')} added"
        if failed:
            text += f", {len(failed)} failed: " + "; ".join(failed[:3]) + (" …" if len(failed) > 3 else "")
        return text


# The `type: ignore[arg-type]`s below: azure-batch 15.x types these bodies as its models, but sends a
# JSON mapping as it is. The body from the file goes out unchanged (no model is built from it, so there
# is no client-side conversion to fail).


async def create_pool(service: BatchService, body: Body) -> None:
    """Create a pool from its REST body; ServiceError when the service refuses it."""
    try:
        await service.sdk.create_pool(body)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001
        raise from_exception(exc) from None


async def create_job(service: BatchService, body: Body) -> None:
    """Create a job from its REST body; ServiceError when the service refuses it."""
    try:
        await service.sdk.create_job(body)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001
        raise from_exception(exc) from None


async def create_job_schedule(service: BatchService, body: Body) -> None:
    """Create a job schedule from its REST body; ServiceError when the service refuses it."""
    try:
        await service.sdk.create_job_schedule(body)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001
        raise from_exception(exc) from None


async def add_tasks(service: BatchService, job_id: str, tasks: list[Body],
                    progress: Callable[[int, int], None] | None = None) -> TaskResults:
    """Add tasks 100 a call; per-task client errors are collected, not raised."""
    results = TaskResults(0, [])
    for start in range(0, len(tasks), CHUNK):
        chunk = tasks[start:start + CHUNK]
        try:
            body = {"value": chunk}
            response = await service.sdk.create_task_collection(job_id, body)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            raise from_exception(exc) from None
        for item in response.get("value") or []:  # the SDK's result model is a Mapping of the REST JSON
            status = item.get("status")
            if status == "success":
                results.added += 1
            else:
                error = item.get("error") or {}
                message = (error.get("message") or {}).get("value", "")
                results.failed.append(f"{item.get('taskId')}: {error.get('code')} {message}".strip())
        if progress:
            progress(min(start + CHUNK, len(tasks)), len(tasks))
    return results


__all__ = ["KINDS", "InvalidFile", "ServiceError", "TaskResults", "add_tasks", "create_job", "create_job_schedule",
           "create_pool", "load"]
