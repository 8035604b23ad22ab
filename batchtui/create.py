"""Create pools, jobs and tasks from JSON files: the REST request bodies (the
same JSON `az batch … --json-file` takes), validated before anything is sent,
with errors reported by field. Tasks go through the collection API, 100 a call.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .service.client import BatchService
from .service.errors import ServiceError, from_exception

KINDS = ("pool", "job", "tasks")
Body = dict[str, Any]  # a REST request body, as parsed from the file
CHUNK = 100

# Top-level properties of each request body and their JSON types; "!" marks a required one.
POOL = {"id!": str, "displayName": str, "vmSize!": str, "virtualMachineConfiguration": dict, "resizeTimeout": str,
        "resourceTags": dict, "targetDedicatedNodes": int, "targetLowPriorityNodes": int, "enableAutoScale": bool,
        "autoScaleFormula": str, "autoScaleEvaluationInterval": str, "enableInterNodeCommunication": bool,
        "networkConfiguration": dict, "startTask": dict, "applicationPackageReferences": list,
        "taskSlotsPerNode": int, "taskSchedulingPolicy": dict, "userAccounts": list, "metadata": list,
        "mountConfiguration": list, "targetNodeCommunicationMode": str, "upgradePolicy": dict}
JOB = {"id!": str, "displayName": str, "usesTaskDependencies": bool, "priority": int, "allowTaskPreemption": bool,
       "maxParallelTasks": int, "constraints": dict, "jobManagerTask": dict, "jobPreparationTask": dict,
       "jobReleaseTask": dict, "commonEnvironmentSettings": list, "poolInfo!": dict, "onAllTasksComplete": str,
       "onTaskFailure": str, "networkConfiguration": dict, "metadata": list}
TASK = {"id!": str, "displayName": str, "exitConditions": dict, "commandLine!": str, "containerSettings": dict,
        "resourceFiles": list, "outputFiles": list, "environmentSettings": list, "affinityInfo": dict,
        "constraints": dict, "requiredSlots": int, "userIdentity": dict, "multiInstanceSettings": dict,
        "dependsOn": dict, "applicationPackageReferences": list, "authenticationTokenSettings": dict}
NESTED_REQUIRED = {"startTask": ("commandLine",), "poolInfo": ()}
TYPE_NAMES = {str: "a string", int: "a whole number", bool: "true or false", dict: "an object", list: "a list"}


class InvalidFile(ValueError):
    """The file is not a valid body; `problems` lists "field: what is wrong"."""

    def __init__(self, path: str, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def _check(body: object, schema: dict[str, type], where: str) -> list[str]:
    if not isinstance(body, dict):
        return [f"{where or 'the file'}: must be a JSON object"]
    problems: list[str] = []
    known = {name.rstrip("!"): kind for name, kind in schema.items()}
    prefix = f"{where}." if where else ""
    for name in schema:
        if name.endswith("!") and body.get(name[:-1]) in (None, ""):
            problems.append(f"{prefix}{name[:-1]}: required")
    for name, value in body.items():
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"{prefix}{name}: unknown property{hint}")
            continue
        kind = known[name]
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            problems.append(f"{prefix}{name}: must be {TYPE_NAMES[kind]}, not {json.dumps(value)[:40]}")
        elif name in NESTED_REQUIRED and isinstance(value, dict):
            for inner in NESTED_REQUIRED[name]:
                if value.get(inner) in (None, ""):
                    problems.append(f"{prefix}{name}.{inner}: required")
    if schema is JOB and isinstance(body.get("poolInfo"), dict) and not body["poolInfo"].get("poolId") \
            and not body["poolInfo"].get("autoPoolSpecification"):
        problems.append(f"{prefix}poolInfo.poolId: required")
    return problems


def load(path: Path, kind: str) -> list[Body]:
    """The bodies in the file (one for a pool or job; a list for tasks), or InvalidFile."""
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
        problems = _check(data, POOL, "")
        bodies = [data]
    elif kind == "job":
        problems = _check(data, JOB, "")
        bodies = [data]
    else:
        tasks = data.get("value") if isinstance(data, dict) and "value" in data else data
        if isinstance(tasks, dict):
            tasks = [tasks]
        if not isinstance(tasks, list) or not tasks:
            raise InvalidFile(name, ["expected a task object, a list of tasks, or {\"value\": [tasks]}"])
        problems = [p for i, task in enumerate(tasks) for p in _check(task, TASK, f"tasks[{i}]")]
        ids = [t.get("id") for t in tasks if isinstance(t, dict)]
        duplicates = sorted({i for i in ids if i is not None and ids.count(i) > 1})
        problems += [f"tasks: id {d!r} appears more than once" for d in duplicates]
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
        text = f"{self.added} tasks added"
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


__all__ = ["KINDS", "InvalidFile", "ServiceError", "TaskResults", "add_tasks", "create_job", "create_pool", "load"]
