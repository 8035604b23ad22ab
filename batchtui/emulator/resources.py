"""Resource documents: creation from request bodies (with Batch's defaults and
validation), state transitions, and the public rendering clients receive."""

from __future__ import annotations

import re
from typing import Any

from . import errors
from .formats import UNLIMITED_DURATION, new_etag, now_iso, parse_duration
from .store import Doc

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NODE_DEALLOCATION_OPTIONS = ("requeue", "terminate", "taskcompletion", "retaineddata")


def check_id(body: Doc, name: str = "id") -> str:
    ident = body.get(name)
    if ident in (None, ""):
        raise errors.missing_property(name)
    if not isinstance(ident, str) or not ID_RE.match(ident):
        raise errors.invalid_property(
            name, ident, "An id may contain letters, digits, hyphens and underscores, 1 to 64 characters."
        )
    return ident


def require(body: Doc, name: str, kind: type | tuple[type, ...] = str) -> Any:
    value = body.get(name)
    if value is None or value == "":
        raise errors.missing_property(name)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise errors.invalid_property(name, value, f"{name} has the wrong type.")
    return value


def check_duration(holder: Doc, name: str, prefix: str) -> None:
    value = holder.get(name)
    if value is None:
        return
    try:
        if parse_duration(value) < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise errors.invalid_property(f"{prefix}{name}", value, "Not an ISO-8601 duration.") from None


def check_count(holder: Doc, name: str, prefix: str = "", minimum: int = 0) -> int:
    value = holder.get(name, 0) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise errors.invalid_property(f"{prefix}{name}", value, f"Must be an integer of at least {minimum}.")
    return value


def stamp(doc: Doc) -> None:
    doc["eTag"] = new_etag()
    doc["lastModified"] = now_iso()


def set_state(doc: Doc, state: str, when: str | None = None, keep_previous: bool = True) -> None:
    if doc.get("state") == state:
        return
    when = when or now_iso()
    if keep_previous and "state" in doc:
        doc["previousState"] = doc["state"]
        doc["previousStateTransitionTime"] = doc.get("stateTransitionTime", when)
    doc["state"] = state
    doc["stateTransitionTime"] = when


def _base(body: Doc) -> Doc:
    doc = {k: v for k, v in body.items() if not k.startswith("_")}
    now = now_iso()
    doc["creationTime"] = now
    doc["eTag"] = new_etag()
    doc["lastModified"] = now
    doc["stateTransitionTime"] = now
    return doc


def new_pool(body: Doc) -> Doc:
    check_id(body)
    require(body, "vmSize")
    if body.get("enableAutoScale"):
        raise errors.invalid_property(
            "enableAutoScale", True, "Autoscale formulas are not evaluated by the batchtui emulator."
        )
    dedicated = check_count(body, "targetDedicatedNodes")
    low = check_count(body, "targetLowPriorityNodes")
    slots = check_count(body, "taskSlotsPerNode", minimum=1) if "taskSlotsPerNode" in body else 1
    check_duration(body, "resizeTimeout", "")
    start_task = body.get("startTask")
    if start_task is not None:
        require(start_task, "commandLine")
    doc = _base(body)
    doc.update(
        state="active",
        allocationState="resizing" if dedicated + low else "steady",
        allocationStateTransitionTime=doc["creationTime"],
        resizeTimeout=body.get("resizeTimeout", "PT15M"),
        currentDedicatedNodes=0,
        currentLowPriorityNodes=0,
        targetDedicatedNodes=dedicated,
        targetLowPriorityNodes=low,
        enableAutoScale=False,
        enableInterNodeCommunication=bool(body.get("enableInterNodeCommunication", False)),
        taskSlotsPerNode=slots,
        taskSchedulingPolicy=body.get("taskSchedulingPolicy") or {"nodeFillType": "spread"},
    )
    doc["_deallocation"] = "requeue"
    return doc


def new_job(body: Doc) -> Doc:
    check_id(body)
    pool_info = body.get("poolInfo")
    if not isinstance(pool_info, dict) or not (pool_info.get("poolId") or pool_info.get("autoPoolSpecification")):
        raise errors.missing_property("poolInfo.poolId")
    if "autoPoolSpecification" in pool_info and not pool_info.get("poolId"):
        raise errors.invalid_property(
            "poolInfo.autoPoolSpecification", "…", "Auto pools are not supported by the batchtui emulator."
        )
    constraints = dict(body.get("constraints") or {})
    check_duration(constraints, "maxWallClockTime", "constraints.")
    constraints.setdefault("maxWallClockTime", UNLIMITED_DURATION)
    constraints.setdefault("maxTaskRetryCount", 0)
    for option, allowed in (
        ("onAllTasksComplete", ("noaction", "terminatejob")),
        ("onTaskFailure", ("noaction", "performexitoptionsjobaction")),
    ):
        value = body.get(option, "noaction")
        if value not in allowed:
            raise errors.invalid_property(option, value, f"Must be one of {', '.join(allowed)}.")
    doc = _base(body)
    doc.update(
        state="active",
        priority=body.get("priority", 0),
        maxParallelTasks=body.get("maxParallelTasks", -1),
        allowTaskPreemption=body.get("allowTaskPreemption", False),
        usesTaskDependencies=body.get("usesTaskDependencies", False),
        constraints=constraints,
        onAllTasksComplete=body.get("onAllTasksComplete", "noaction"),
        onTaskFailure=body.get("onTaskFailure", "noaction"),
        executionInfo={"startTime": doc["creationTime"], "poolId": pool_info["poolId"]},
    )
    return doc


def new_task(body: Doc, job: Doc) -> Doc:
    check_id(body)
    require(body, "commandLine")
    constraints = dict(body.get("constraints") or {})
    for name in ("maxWallClockTime", "retentionTime"):
        check_duration(constraints, name, "constraints.")
    retries = constraints.get("maxTaskRetryCount", job["constraints"].get("maxTaskRetryCount", 0))
    if not isinstance(retries, int) or retries < -1:
        raise errors.invalid_property("constraints.maxTaskRetryCount", retries, "Must be -1 or more.")
    constraints["maxTaskRetryCount"] = retries
    constraints.setdefault("maxWallClockTime", UNLIMITED_DURATION)
    constraints.setdefault("retentionTime", "P7D")
    slots = body.get("requiredSlots", 1)
    if not isinstance(slots, int) or slots < 1:
        raise errors.invalid_property("requiredSlots", slots, "Must be at least 1.")
    for setting in body.get("environmentSettings") or []:
        if not isinstance(setting, dict) or not setting.get("name"):
            raise errors.missing_property("environmentSettings.name")
    doc = _base(body)
    doc.update(
        state="active",
        constraints=constraints,
        requiredSlots=slots,
        userIdentity=body.get("userIdentity") or {"autoUser": {"scope": "pool", "elevationLevel": "nonadmin"}},
        executionInfo={"retryCount": 0, "requeueCount": 0},
    )
    return doc


def new_node(node_id: str, pool: Doc, dedicated: bool, ip_suffix: int) -> Doc:
    now = now_iso()
    doc = {
        "id": node_id,
        "state": "creating",
        "schedulingState": "enabled",
        "stateTransitionTime": now,
        "allocationTime": now,
        "ipAddress": f"10.0.{ip_suffix // 250}.{ip_suffix % 250 + 4}",
        "affinityId": f"TVM:{node_id}",
        "vmSize": pool["vmSize"],
        "totalTasksRun": 0,
        "totalTasksSucceeded": 0,
        "runningTasksCount": 0,
        "runningTaskSlotsCount": 0,
        "isDedicated": dedicated,
        "nodeAgentInfo": {"version": "1.12.0.0 (batchtui emulator)", "lastUpdateTime": now},
    }
    vm = pool.get("virtualMachineConfiguration") or {}
    if vm.get("imageReference"):
        doc["virtualMachineInfo"] = {"imageReference": vm["imageReference"]}
    if pool.get("startTask"):
        doc["startTask"] = pool["startTask"]
    return doc


def url_path(kind: str, doc: Doc, parent: str = "") -> str:
    if kind == "pool":
        return f"/pools/{doc['id']}"
    if kind == "job":
        return f"/jobs/{doc['id']}"
    if kind == "node":
        return f"/pools/{parent}/nodes/{doc['id']}"
    return f"/jobs/{parent}/tasks/{doc['id']}"


def public(kind: str, doc: Doc, base_url: str, parent: str = "") -> Doc:
    """The document as the REST API returns it: no private keys, absolute URLs."""
    out = {"id": doc["id"], "url": base_url + url_path(kind, doc, parent)}
    out.update((k, v) for k, v in doc.items() if not k.startswith("_") and k != "id")
    recent = doc.get("_recentTasks")
    if kind == "node" and recent:  # TaskInformation, as Batch lists it on a node
        out["recentTasks"] = [{"taskUrl": f"{base_url}/jobs/{r['jobId']}/tasks/{r['taskId']}", **r} for r in recent]
    info = out.get("nodeInfo")
    if info:
        info = dict(info)
        node_url = f"{base_url}/pools/{info['poolId']}/nodes/{info['nodeId']}"
        info["nodeUrl"] = node_url
        info["taskRootDirectoryUrl"] = f"{node_url}/files/{info['taskRootDirectory']}"
        out["nodeInfo"] = info
    return out


def select(doc: Doc, fields: list[str] | None) -> Doc:
    """Keep only the $select-ed properties (top-level or a/b paths)."""
    if not fields:
        return doc
    out: Doc = {}
    for path in fields:
        parts = path.split("/")
        src, dst = doc, out
        for i, part in enumerate(parts):
            if not isinstance(src, dict) or part not in src:
                break
            if i == len(parts) - 1:
                dst[part] = src[part]
            else:
                src = src[part]
                dst = dst.setdefault(part, {})
    return out
