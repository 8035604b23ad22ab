"""Jobs and their task counts."""

from __future__ import annotations

from aiohttp import web

from .. import errors
from ..formats import format_duration, parse_iso, utcnow
from ..resources import new_job, public, set_state
from ..store import Doc
from .http import (
    accepted,
    base_url,
    bool_query,
    created,
    engine_of,
    entity_response,
    expand_stats,
    json_response,
    paged,
    read_body,
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
    store = engine_of(request).store
    with_stats = expand_stats(request, allowed=True)
    base = base_url(request)

    def render(job: Doc) -> Doc:
        out = public("job", job, base)
        if with_stats:
            out["stats"] = _job_stats(request, job)
        return out

    return paged(request, store.jobs, render, JOB_FIELDS, "jobs")


async def get_job_handler(request: web.Request) -> web.Response:
    job = get_job(request)
    extra = {"stats": _job_stats(request, job)} if expand_stats(request, allowed=True) else None
    return entity_response(request, "job", job, metadata="jobs/@Element", extra=extra)


async def create_job(request: web.Request) -> web.Response:
    engine = engine_of(request)
    doc = new_job(await read_body(request, "job.add"))
    if doc["id"] in engine.store.jobs:
        raise errors.exists("Job", doc["id"])
    engine.store.put("job", doc)
    return created(request, f"/jobs/{doc['id']}", doc)


async def delete_job(request: web.Request) -> web.Response:
    engine = engine_of(request)
    job = get_job(request)
    if job["state"] != "deleting":
        set_state(job, "deleting")
        engine.store.touch("job", job)
    return accepted(request, f"/jobs/{job['id']}")


async def terminate_job(request: web.Request) -> web.Response:
    engine = engine_of(request)
    job = get_job(request)
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
    option = (await read_body(request, "job.disable"))["disableTasks"]
    require_open(job)
    if job["state"] != "active":
        raise errors.invalid_state(f"The job is {job['state']}; only an active job can be disabled.")
    engine.jobs.disable(job, option)
    return accepted(request, f"/jobs/{job['id']}", job)


async def enable_job(request: web.Request) -> web.Response:
    engine = engine_of(request)
    job = get_job(request)
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


def routes() -> list[web.RouteDef]:
    return [
        web.get("/jobs", list_jobs),
        web.post("/jobs", create_job),
        web.get("/jobs/{job}", get_job_handler),
        web.delete("/jobs/{job}", delete_job),
        web.post("/jobs/{job}/terminate", terminate_job),
        web.post("/jobs/{job}/disable", disable_job),
        web.post("/jobs/{job}/enable", enable_job),
        web.get("/jobs/{job}/taskcounts", task_counts),
    ]
