"""Jobs: create, list, get, patch, replace, delete, terminate, disable, enable;
their task counts, and their preparation and release tasks' status per node."""

from __future__ import annotations

from aiohttp import web

from .. import auto_pools, errors
from ..engine import Engine
from ..formats import UNLIMITED_DURATION, format_duration, parse_iso, utcnow
from ..prep_release import PREP, RELEASE, records
from ..resources import set_state, stamp
from ..store import Collection, Doc
from .conditions import check_conditions
from .http import (
    accepted,
    base_url,
    bool_query,
    created,
    engine_of,
    entity_response,
    expand_stats,
    json_response,
    list_view,
    paged,
    read_body,
    updated,
)

JOB_FIELDS = {
    "id": "string",
    "state": "string",
    "priority": "int",
    "creationTime": "datetime",
    "stateTransitionTime": "datetime",
    "lastModified": "datetime",
    "executionInfo/poolId": "string",
    "poolInfo/poolId": "string",
}


def get_job(request: web.Request) -> Doc:
    job = engine_of(request).store.jobs.get(request.match_info["job"])
    if job is None:
        raise errors.not_found("Job", request.match_info["job"])
    return job


def require_open(job: Doc) -> None:
    """409 unless the job can still take changes to its tasks."""
    if job["state"] == "completed":
        raise errors.BatchError(409, "JobCompleted", "The specified job is already in a completed state.")
    if job["state"] == "deleting":
        raise errors.BatchError(
            409, "JobBeingDeleted", "The specified job has been marked for deletion and is being garbage collected."
        )
    if job["state"] == "terminating":
        raise errors.BatchError(409, "JobBeingTerminated", "The specified job is being terminated.")


def _job_stats(request: web.Request, job: Doc) -> Doc:
    tasks = list(engine_of(request).store.job_tasks(job["id"]).values())
    done = [t for t in tasks if t["state"] == "completed"]
    failed = sum(1 for t in done if t["executionInfo"].get("result") == "failure")
    started = parse_iso(job["creationTime"])
    return {
        "url": f"{base_url(request)}/jobs/{job['id']}/stats",
        "startTime": job["creationTime"],
        "lastUpdateTime": job["lastModified"],
        "userCPUTime": "PT0S",
        "kernelCPUTime": "PT0S",
        "wallClockTime": format_duration((utcnow() - started).total_seconds()),
        "readIOps": "0",
        "writeIOps": "0",
        "readIOGiB": 0.0,
        "writeIOGiB": 0.0,
        "numSucceededTasks": str(len(done) - failed),
        "numFailedTasks": str(failed),
        "numTaskRetries": str(sum(t["executionInfo"].get("retryCount", 0) for t in tasks)),
        "waitTime": "PT0S",
    }


async def list_jobs(request: web.Request) -> web.Response:
    return list_job_docs(request, engine_of(request).store.jobs)


def list_job_docs(request: web.Request, jobs: Collection) -> web.Response:
    """One page of `jobs` as GET /jobs answers (with $filter, $select, $expand=stats)."""
    with_stats = expand_stats(request, allowed=True)
    shown = list_view(request, "job")

    def render(job: Doc) -> Doc:
        out = shown(job)
        if with_stats:
            out["stats"] = _job_stats(request, job)
        return out

    return paged(request, jobs, render, JOB_FIELDS, "jobs")


async def get_job_handler(request: web.Request) -> web.Response:
    job = get_job(request)
    check_conditions(request, job)
    extra = {"stats": _job_stats(request, job)} if expand_stats(request, allowed=True) else None
    return entity_response(request, "job", job, metadata="jobs/@Element", extra=extra)


async def create_job(request: web.Request) -> web.Response:
    engine = engine_of(request)
    body = await read_body(request, "job.add")
    auto_pools.check_for_job(body["poolInfo"])
    if body["id"] in engine.store.jobs:
        raise errors.exists("Job", body["id"])
    doc = engine.jobs.create(body)
    return created(request, f"/jobs/{doc['id']}", doc)


async def delete_job(request: web.Request) -> web.Response:
    engine = engine_of(request)
    job = get_job(request)
    check_conditions(request, job)
    if job["state"] != "deleting":
        set_state(job, "deleting")
        engine.store.touch("job", job)
    return accepted(request, f"/jobs/{job['id']}")


async def terminate_job(request: web.Request) -> web.Response:
    engine = engine_of(request)
    job = get_job(request)
    check_conditions(request, job)
    body = await read_body(request, "job.terminate", required=False)
    bool_query(request, "force")
    if job["state"] in ("completed", "deleting"):
        require_open(job)
    if job["state"] != "terminating":
        engine.jobs.terminate(job, body.get("terminateReason") or "UserTerminate")
    return accepted(request, f"/jobs/{job['id']}", job)


async def disable_job(request: web.Request) -> web.Response:
    engine = engine_of(request)
    job = get_job(request)
    check_conditions(request, job)
    option = (await read_body(request, "job.disable"))["disableTasks"]
    require_open(job)
    if job["state"] != "active":
        raise errors.invalid_state(f"The job is {job['state']}; only an active job can be disabled.")
    engine.jobs.disable(job, option)
    return accepted(request, f"/jobs/{job['id']}", job)


async def enable_job(request: web.Request) -> web.Response:
    engine = engine_of(request)
    job = get_job(request)
    check_conditions(request, job)
    require_open(job)
    if job["state"] not in ("disabled", "disabling"):
        raise errors.invalid_state(f"The job is {job['state']}; only a disabled job can be enabled.")
    set_state(job, "enabling")
    engine.store.touch("job", job)
    return accepted(request, f"/jobs/{job['id']}", job)


async def task_counts(request: web.Request) -> web.Response:
    job = get_job(request)
    counts = engine_of(request).tasks.job_counts(job["id"]).as_rest()
    return json_response(request, counts, metadata="taskcountsresult/@Element")


def _change_pool(engine: Engine, job: Doc, pool_info: Doc) -> None:
    """A job's pool changes only while the job is disabled (Batch's rule); a new
    auto pool specification gets a new auto pool, and the old auto pool goes."""
    if pool_info == job["poolInfo"]:
        return
    if job["state"] != "disabled":
        raise errors.invalid_state(f"The job is {job['state']}; its pool can change only while it is disabled.")
    auto_pools.check_for_job(pool_info)
    auto_pools.release(engine.store, job)
    job.pop("_autoPool", None)
    job["poolInfo"] = pool_info
    job["executionInfo"]["poolId"] = auto_pools.pool_for_job(engine.store, job)


def _completion(job: Doc, value: str) -> None:
    if job.get("onAllTasksComplete") == "terminatejob" and value != "terminatejob":
        raise errors.invalid_property(
            "onAllTasksComplete", value, "A job's onAllTasksComplete cannot change from terminatejob to noaction.")
    job["onAllTasksComplete"] = value


async def update_job(request: web.Request) -> web.Response:
    """PATCH: the properties given replace the job's (constraints: the constraints
    given replace those, the others are kept); the rest is left as it is. 200."""
    engine = engine_of(request)
    job = get_job(request)
    check_conditions(request, job)
    body = await read_body(request, "job.patch")
    require_open(job)
    if "poolInfo" in body:
        _change_pool(engine, job, body.pop("poolInfo"))
    if "onAllTasksComplete" in body:
        _completion(job, body.pop("onAllTasksComplete"))
    if "constraints" in body:
        job["constraints"] = {**job["constraints"], **body.pop("constraints")}
    job.update(body)
    stamp(job)
    engine.store.touch("job", job)
    return updated(request, f"/jobs/{job['id']}", job)


async def replace_job(request: web.Request) -> web.Response:
    """PUT: priority, maxParallelTasks, allowTaskPreemption, constraints, poolInfo,
    metadata and onAllTasksComplete all replaced; an omitted one takes its default. 200."""
    engine = engine_of(request)
    job = get_job(request)
    check_conditions(request, job)
    body = await read_body(request, "job.put")
    require_open(job)
    _change_pool(engine, job, body["poolInfo"])
    _completion(job, body.get("onAllTasksComplete", "noaction"))
    constraints = body.get("constraints") or {}
    job.update(
        priority=body.get("priority", 0),
        maxParallelTasks=body.get("maxParallelTasks", -1),
        allowTaskPreemption=body.get("allowTaskPreemption", False),
        constraints={"maxWallClockTime": constraints.get("maxWallClockTime", UNLIMITED_DURATION),
                     "maxTaskRetryCount": constraints.get("maxTaskRetryCount", 0)},
        metadata=body.get("metadata", []),
    )
    stamp(job)
    engine.store.touch("job", job)
    return updated(request, f"/jobs/{job['id']}", job)


STATUS_FIELDS = {
    "nodeId": "string",
    "poolId": "string",
    f"{PREP}/state": "string",
    f"{PREP}/exitCode": "int",
    f"{PREP}/result": "string",
    f"{RELEASE}/state": "string",
    f"{RELEASE}/exitCode": "int",
    f"{RELEASE}/result": "string",
}


async def preparation_and_release_status(request: web.Request) -> web.Response:
    """The job's preparation and release task runs, one entry per node they ran on
    (in node id order, paged, $filter on STATUS_FIELDS); 409 JobPreparationTaskNotSpecified
    for a job without a preparation task."""
    job = get_job(request)
    if not job.get("jobPreparationTask"):
        raise errors.BatchError(409, "JobPreparationTaskNotSpecified",
                                "The specified job does not have a job preparation task.")
    base = base_url(request)
    entries = Collection()
    for node_id, record in records(job).items():
        node_url = f"{base}/pools/{record['poolId']}/nodes/{node_id}"
        entry: Doc = {"id": node_id, "poolId": record["poolId"], "nodeId": node_id, "nodeUrl": node_url}
        for kind in (PREP, RELEASE):
            if record.get(kind):
                info = dict(record[kind])
                info["taskRootDirectoryUrl"] = f"{node_url}/files/{info['taskRootDirectory']}"
                entry[kind] = info
        entries.add(entry)
    return paged(request, entries, lambda e: {k: v for k, v in e.items() if k != "id"}, STATUS_FIELDS,
                 "jobpreparationandreleasetaskstatuslist")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/jobs", list_jobs),
        web.post("/jobs", create_job),
        web.get("/jobs/{job}", get_job_handler),
        web.patch("/jobs/{job}", update_job),
        web.put("/jobs/{job}", replace_job),
        web.delete("/jobs/{job}", delete_job),
        web.post("/jobs/{job}/terminate", terminate_job),
        web.post("/jobs/{job}/disable", disable_job),
        web.post("/jobs/{job}/enable", enable_job),
        web.get("/jobs/{job}/taskcounts", task_counts),
        web.get("/jobs/{job}/jobpreparationandreleasetaskstatus", preparation_and_release_status),
    ]
