"""Resource documents: creation from request bodies (with Batch's defaults),
state transitions, and the public rendering clients receive. The bodies come
validated and normalised by the request schema (batchtui.emulator.schema)."""

from __future__ import annotations

from .formats import UNLIMITED_DURATION, new_etag, now_iso
from .store import Doc


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
    """A pool document from a validated pool.add body (an autoscale pool starts with no targets:
    its first evaluation sets them, see pool_autoscale)."""
    dedicated = body.get("targetDedicatedNodes", 0)
    low = body.get("targetLowPriorityNodes", 0)
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
        enableAutoScale=bool(body.get("enableAutoScale", False)),
        enableInterNodeCommunication=bool(body.get("enableInterNodeCommunication", False)),
        taskSlotsPerNode=body.get("taskSlotsPerNode", 1),
        taskSchedulingPolicy=body.get("taskSchedulingPolicy") or {"nodeFillType": "spread"},
    )
    doc["_deallocation"] = "requeue"
    return doc


def new_job(body: Doc) -> Doc:
    """A job document from a validated job.add body (or a schedule's jobSpecification
    with an id); executionInfo.poolId is its poolInfo.poolId, which the caller sets
    to the auto pool's id when poolInfo has an autoPoolSpecification instead."""
    constraints = dict(body.get("constraints") or {})
    constraints.setdefault("maxWallClockTime", UNLIMITED_DURATION)
    constraints.setdefault("maxTaskRetryCount", 0)
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
        executionInfo={"startTime": doc["creationTime"], "poolId": body["poolInfo"].get("poolId", "")},
    )
    return doc


def new_job_schedule(body: Doc) -> Doc:
    """A job schedule document from a validated jobschedule.add body: active, its
    first run due at doNotRunUntil (or now); `_runs` counts the jobs it created."""
    doc = _base(body)
    doc.update(state="active", schedule=body.get("schedule") or {})
    doc["executionInfo"] = {"nextRunTime": doc["schedule"].get("doNotRunUntil") or doc["creationTime"]}
    doc["_runs"] = 0
    return doc


def new_task(body: Doc, job: Doc) -> Doc:
    """A task document from a validated task.add body; its retry count defaults to the job's."""
    constraints = dict(body.get("constraints") or {})
    constraints.setdefault("maxTaskRetryCount", job["constraints"].get("maxTaskRetryCount", 0))
    constraints.setdefault("maxWallClockTime", UNLIMITED_DURATION)
    constraints.setdefault("retentionTime", "P7D")
    doc = _base(body)
    doc.update(
        state="active",
        constraints=constraints,
        requiredSlots=body.get("requiredSlots", 1),
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
    if kind == "jobschedule":
        return f"/jobschedules/{doc['id']}"
    if kind == "node":
        return f"/pools/{parent}/nodes/{doc['id']}"
    return f"/jobs/{parent}/tasks/{doc['id']}"


def public(kind: str, doc: Doc, base_url: str, parent: str = "", only: frozenset[str] | None = None) -> Doc:
    """The document as the REST API returns it: no private keys, absolute URLs. `only`: just these
    top-level properties (what a $select keeps; `id` and `url` always), for lists of many."""
    out = {"id": doc["id"], "url": base_url + url_path(kind, doc, parent)}
    if only is None:
        out.update((k, v) for k, v in doc.items() if not k.startswith("_") and k != "id")
    else:
        out.update((k, doc[k]) for k in only if k in doc and not k.startswith("_") and k != "id")
    recent = doc.get("_recentTasks")
    if kind == "node" and recent:  # TaskInformation, as Batch lists it on a node
        out["recentTasks"] = [{"taskUrl": f"{base_url}/jobs/{r['jobId']}/tasks/{r['taskId']}", **r} for r in recent]
    recent_job = (doc.get("executionInfo") or {}).get("recentJob") if kind == "jobschedule" else None
    if recent_job:  # RecentBatchJob: the job's id and URL
        job_url = f"{base_url}/jobs/{recent_job['id']}"
        out["executionInfo"] = {**out["executionInfo"], "recentJob": {**recent_job, "url": job_url}}
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
