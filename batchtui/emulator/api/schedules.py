"""Job schedules: create, list, get, exists, patch, replace, delete, disable,
enable, terminate; and the jobs a schedule created. Their runs are the
engine's (schedule_lifecycle)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from .. import errors
from ..formats import iso, parse_duration, utcnow
from ..resources import new_job_schedule, set_state, stamp
from ..schedule_lifecycle import ScheduleLifecycle
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
    list_view,
    no_content,
    paged,
    read_body,
    updated,
)
from .jobs import list_job_docs

SCHEDULE_FIELDS = {
    "id": "string",
    "state": "string",
    "creationTime": "datetime",
    "stateTransitionTime": "datetime",
    "lastModified": "datetime",
    "executionInfo/nextRunTime": "datetime",
    "executionInfo/recentJob/id": "string",
}


def _conflict(code: str, message: str) -> errors.BatchError:
    return errors.BatchError(409, code, message)


_STATE_ERRORS = {
    "deleting": ("JobScheduleBeingDeleted",
                 "The specified job schedule has been marked for deletion and is being reclaimed."),
    "terminating": ("JobScheduleBeingTerminated", "The specified job schedule is being terminated."),
    "completed": ("JobScheduleCompleted", "The specified job schedule is already in a completed state."),
}


def require_open(schedule: Doc) -> None:
    """409 JobScheduleBeingDeleted / JobScheduleBeingTerminated / JobScheduleCompleted
    unless the schedule can still change."""
    problem = _STATE_ERRORS.get(schedule["state"])
    if problem:
        raise _conflict(*problem)


def lifecycle(request: web.Request) -> ScheduleLifecycle:
    return engine_of(request).schedules


def get_schedule(request: web.Request) -> Doc:
    ident = request.match_info["schedule"]
    schedule = engine_of(request).store.schedules.get(ident)
    if schedule is None:
        raise errors.BatchError(404, "JobScheduleNotFound", "The specified job schedule does not exist.")
    return schedule


def _path(schedule: Doc) -> str:
    return f"/jobschedules/{schedule['id']}"


def _stats(request: web.Request, schedule: Doc) -> Doc:
    """BatchJobScheduleStatistics over the jobs of the schedule still there: their tasks'
    outcomes counted, times and I/O zero (the emulator measures no usage)."""
    engine = engine_of(request)
    succeeded = failed = retries = 0
    for job in engine.schedules.schedule_jobs(schedule["id"]):
        for task in engine.store.job_tasks(job["id"]).values():
            info = task["executionInfo"]
            retries += info.get("retryCount", 0)
            if task["state"] == "completed":
                failed += info.get("result") == "failure"
                succeeded += info.get("result") != "failure"
    return {
        "url": f"{base_url(request)}{_path(schedule)}/stats", "startTime": schedule["creationTime"],
        "lastUpdateTime": schedule["lastModified"], "userCPUTime": "PT0S", "kernelCPUTime": "PT0S",
        "wallClockTime": "PT0S", "readIOps": "0", "writeIOps": "0", "readIOGiB": 0.0, "writeIOGiB": 0.0,
        "numSucceededTasks": str(succeeded), "numFailedTasks": str(failed), "numTaskRetries": str(retries),
        "waitTime": "PT0S",
    }


async def list_schedules(request: web.Request) -> web.Response:
    with_stats = expand_stats(request, allowed=True)
    shown = list_view(request, "jobschedule")

    def render(doc: Doc) -> Doc:
        out = shown(doc)
        if with_stats:
            out["stats"] = _stats(request, doc)
        return out

    return paged(request, engine_of(request).store.schedules, render, SCHEDULE_FIELDS, "jobschedules")


async def get_schedule_handler(request: web.Request) -> web.Response:
    schedule = get_schedule(request)
    check_conditions(request, schedule)
    extra = {"stats": _stats(request, schedule)} if expand_stats(request, allowed=True) else None
    return entity_response(request, "jobschedule", schedule, metadata="jobschedules/@Element", extra=extra)


async def schedule_exists(request: web.Request) -> web.Response:
    check_conditions(request, get_schedule(request))
    return web.Response(status=200)


async def create_schedule(request: web.Request) -> web.Response:
    engine = engine_of(request)
    body = await read_body(request, "jobschedule.add")
    if body["id"] in engine.store.schedules:
        raise _conflict("JobScheduleExists", "The specified job schedule already exists.")
    doc = new_job_schedule(body)
    engine.store.put("jobschedule", doc)
    return created(request, _path(doc), doc)


def _reschedule(schedule: Doc, configuration: Doc) -> None:
    """A new schedule configuration: the next run is due at its doNotRunUntil; else
    now for a schedule that has not run yet (or has no recurrence), else one
    recurrenceInterval from now (the emulator's choice: Batch does not say)."""
    schedule["schedule"] = configuration
    info = schedule["executionInfo"]
    until = configuration.get("doNotRunUntil")
    interval = configuration.get("recurrenceInterval")
    now = utcnow()
    if until:
        info["nextRunTime"] = until
    elif schedule.get("_runs", 0) and interval:
        info["nextRunTime"] = iso(now + timedelta(seconds=parse_duration(interval)))
    elif not schedule.get("_runs", 0):
        info["nextRunTime"] = iso(now)
    else:
        info.pop("nextRunTime", None)


def _save(request: web.Request, schedule: Doc) -> web.Response:
    stamp(schedule)
    engine_of(request).store.touch("jobschedule", schedule)
    return updated(request, _path(schedule), schedule)


async def update_schedule(request: web.Request) -> web.Response:
    """PATCH: schedule, jobSpecification and metadata, each replaced when given
    (the job specification applies to jobs created from then on)."""
    schedule = get_schedule(request)
    check_conditions(request, schedule)
    body = await read_body(request, "jobschedule.patch")
    require_open(schedule)
    if "schedule" in body:
        _reschedule(schedule, body["schedule"])
    for name in ("jobSpecification", "metadata"):
        if name in body:
            schedule[name] = body[name]
    return _save(request, schedule)


async def replace_schedule(request: web.Request) -> web.Response:
    """PUT: schedule, jobSpecification and metadata all replaced (an omitted one: empty)."""
    schedule = get_schedule(request)
    check_conditions(request, schedule)
    body = await read_body(request, "jobschedule.put")
    require_open(schedule)
    _reschedule(schedule, body.get("schedule") or {})
    schedule["jobSpecification"] = body["jobSpecification"]
    schedule["metadata"] = body.get("metadata", [])
    return _save(request, schedule)


async def delete_schedule(request: web.Request) -> web.Response:
    schedule = get_schedule(request)
    check_conditions(request, schedule)
    bool_query(request, "force")
    if schedule["state"] != "deleting":
        lifecycle(request).delete(schedule)
    return accepted(request, _path(schedule))


async def terminate_schedule(request: web.Request) -> web.Response:
    schedule = get_schedule(request)
    check_conditions(request, schedule)
    bool_query(request, "force")
    if schedule["state"] in ("deleting", "completed"):
        require_open(schedule)
    if schedule["state"] != "terminating":
        lifecycle(request).terminate(schedule)
    return accepted(request, _path(schedule), schedule)


async def disable_schedule(request: web.Request) -> web.Response:
    schedule = get_schedule(request)
    check_conditions(request, schedule)
    require_open(schedule)
    if schedule["state"] == "active":
        set_state(schedule, "disabled")
        engine_of(request).store.touch("jobschedule", schedule)
    return no_content(request, _path(schedule), schedule)


async def enable_schedule(request: web.Request) -> web.Response:
    schedule = get_schedule(request)
    check_conditions(request, schedule)
    require_open(schedule)
    if schedule["state"] == "disabled":
        set_state(schedule, "active")
        engine_of(request).store.touch("jobschedule", schedule)
    return no_content(request, _path(schedule), schedule)


async def list_schedule_jobs(request: web.Request) -> web.Response:
    """GET /jobschedules/{schedule}/jobs: the jobs it created that are still there."""
    schedule = get_schedule(request)
    jobs = Collection()
    for job in lifecycle(request).schedule_jobs(schedule["id"]):
        jobs.add(job)
    return list_job_docs(request, jobs)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/jobschedules", list_schedules),
        web.post("/jobschedules", create_schedule),
        web.get("/jobschedules/{schedule}", get_schedule_handler, allow_head=False),
        web.head("/jobschedules/{schedule}", schedule_exists),
        web.patch("/jobschedules/{schedule}", update_schedule),
        web.put("/jobschedules/{schedule}", replace_schedule),
        web.delete("/jobschedules/{schedule}", delete_schedule),
        web.post("/jobschedules/{schedule}/disable", disable_schedule),
        web.post("/jobschedules/{schedule}/enable", enable_schedule),
        web.post("/jobschedules/{schedule}/terminate", terminate_schedule),
        web.get("/jobschedules/{schedule}/jobs", list_schedule_jobs),
    ]
