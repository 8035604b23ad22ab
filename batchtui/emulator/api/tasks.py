"""Tasks: create (one or a collection of up to 100), list, get, replace
(constraints), delete, terminate, reactivate; and a multi-instance task's subtasks."""

from __future__ import annotations

from aiohttp import web

from .. import errors
from ..formats import UNLIMITED_DURATION, format_duration, now_iso, parse_duration, parse_iso, utcnow
from ..job_manager import with_token
from ..job_specs import check_task_id
from ..multi_instance import subtask_views
from ..resources import new_task, stamp
from ..schema import validate_task_collection
from ..store import Doc
from ..task_states import TASK_ENDED
from ..task_workflow import check_new_task
from .conditions import check_conditions
from .http import (
    api_version,
    base_url,
    created,
    engine_of,
    entity_response,
    expand_stats,
    json_response,
    list_view,
    no_content,
    paged,
    read_body,
    read_checked,
    updated,
)
from .jobs import get_job, require_open

TASK_FIELDS = {
    "id": "string",
    "displayName": "string",
    "state": "string",
    "previousState": "string",
    "creationTime": "datetime",
    "stateTransitionTime": "datetime",
    "lastModified": "datetime",
    "executionInfo/exitCode": "int",
    "executionInfo/result": "string",
    "executionInfo/retryCount": "int",
    "executionInfo/requeueCount": "int",
    "executionInfo/startTime": "datetime",
    "executionInfo/endTime": "datetime",
    "nodeInfo/nodeId": "string",
    "nodeInfo/poolId": "string",
}


def get_task(request: web.Request, job: Doc) -> Doc:
    task = engine_of(request).store.job_tasks(job["id"]).get(request.match_info["task"])
    if task is None:
        raise errors.not_found("Task", request.match_info["task"])
    return task


def _task_stats(base: str, job_id: str, task: Doc) -> Doc:
    info = task["executionInfo"]
    wall = 0.0
    if info.get("startTime"):
        end = parse_iso(info["endTime"]) if info.get("endTime") else utcnow()
        wall = max(0.0, (end - parse_iso(info["startTime"])).total_seconds())
    return {
        "url": f"{base}/jobs/{job_id}/tasks/{task['id']}/stats",
        "startTime": task["creationTime"],
        "lastUpdateTime": task["stateTransitionTime"],
        "userCPUTime": "PT0S",
        "kernelCPUTime": "PT0S",
        "wallClockTime": format_duration(wall),
        "readIOps": "0",
        "writeIOps": "0",
        "readIOGiB": 0.0,
        "writeIOGiB": 0.0,
        "waitTime": "PT0S",
    }


async def list_tasks(request: web.Request) -> web.Response:
    job = get_job(request)
    with_stats = expand_stats(request, allowed=True)
    base, job_id = base_url(request), job["id"]
    shown = list_view(request, "task", job_id)

    def render(task: Doc) -> Doc:
        out = shown(task)
        if with_stats:
            out["stats"] = _task_stats(base, job_id, task)
        return out

    return paged(request, engine_of(request).store.job_tasks(job_id), render, TASK_FIELDS, "tasks")


async def get_task_handler(request: web.Request) -> web.Response:
    job = get_job(request)
    task = get_task(request, job)
    check_conditions(request, task)
    extra = None
    if expand_stats(request, allowed=True):
        extra = {"stats": _task_stats(base_url(request), job["id"], task)}
    return entity_response(request, "task", task, job["id"], metadata="tasks/@Element", extra=extra)


def _add_task(request: web.Request, job: Doc, body: Doc) -> Doc:
    engine = engine_of(request)
    check_new_task(job, body)
    check_task_id(job, body["id"])
    doc = with_token(new_task(body, job))
    if isinstance(doc.get("multiInstanceSettings"), dict):
        doc["multiInstanceSettings"].setdefault("numberOfInstances", 1)
    tasks = engine.store.job_tasks(job["id"])
    if doc["id"] in tasks:
        raise errors.exists("Task", doc["id"])
    engine.tasks.add(job["id"], doc)
    engine.workflow.task_added(job["id"], doc)
    engine.tokens.issued(job["id"], doc)
    return doc


async def create_task(request: web.Request) -> web.Response:
    job = get_job(request)
    body = await read_body(request, "task.add")
    require_open(job)
    doc = _add_task(request, job, body)
    return created(request, f"/jobs/{job['id']}/tasks/{doc['id']}", doc)


def _client_error(item: object, exc: errors.BatchError) -> Doc:
    """A task's result in a collection when it is refused: status clienterror, Batch's error."""
    error: Doc = {"code": exc.code, "message": {"lang": "en-US", "value": exc.message}}
    if exc.values:
        error["values"] = [{"key": k, "value": v} for k, v in exc.values]
    task_id = item.get("id") if isinstance(item, dict) else None
    return {"status": "clienterror", "taskId": task_id if isinstance(task_id, str) else "", "error": error}


async def add_task_collection(request: web.Request) -> web.Response:
    """Every task is checked before any is stored; each refused one gets its own
    clienterror result and the others are added (Batch's per-task results)."""
    job = get_job(request)
    version = api_version(request)
    body, checked = await read_checked(
        request, "task.addcollection", lambda sent: (sent, validate_task_collection(sent, version))
    )
    require_open(job)
    items: list[object] = body["value"] if isinstance(body, dict) else []  # checked: a dict with a list
    base = base_url(request)
    results = []
    for item, task in zip(items, checked, strict=True):
        if isinstance(task, errors.BatchError):
            results.append(_client_error(item, task))
            continue
        try:
            doc = _add_task(request, job, task)
        except errors.BatchError as exc:  # TaskExists
            results.append(_client_error(item, exc))
            continue
        results.append(
            {
                "status": "success",
                "taskId": doc["id"],
                "eTag": doc["eTag"],
                "lastModified": doc["lastModified"],
                "location": f"{base}/jobs/{job['id']}/tasks/{doc['id']}",
            }
        )
    metadata = "Microsoft.Azure.Batch.Protocol.Entities.TaskAddCollectionResult"
    return json_response(request, {"value": results}, metadata=metadata)


async def replace_task(request: web.Request) -> web.Response:
    """PUT: the task's constraints replaced (omitted ones take their defaults, the
    retry count the job's); a running task's new maxWallClockTime applies to its
    current run, counted from when its process started. 200."""
    engine = engine_of(request)
    job = get_job(request)
    task = get_task(request, job)
    check_conditions(request, task)
    body = await read_body(request, "task.put", required=False)
    given = body.get("constraints") or {}
    task["constraints"] = {
        "maxWallClockTime": given.get("maxWallClockTime", UNLIMITED_DURATION),
        "retentionTime": given.get("retentionTime", "P7D"),
        "maxTaskRetryCount": given.get("maxTaskRetryCount", job["constraints"].get("maxTaskRetryCount", 0)),
    }
    process = engine.tasks.processes.get((job["id"], task["id"]), (None, ""))[0]
    if process is not None:
        process.set_wall_clock(parse_duration(task["constraints"]["maxWallClockTime"]))
    stamp(task)
    engine.store.touch("task", task, job["id"])
    return updated(request, f"/jobs/{job['id']}/tasks/{task['id']}", task)


async def list_subtasks(request: web.Request) -> web.Response:
    """A multi-instance task's subtasks (ids 1..numberOfInstances-1) of its current or last
    run, with their nodes, states and exit codes; none for another task."""
    job = get_job(request)
    task = get_task(request, job)
    return json_response(request, {"value": subtask_views(task, base_url(request))}, metadata="subtaskinfos")


async def delete_task(request: web.Request) -> web.Response:
    job = get_job(request)
    task = get_task(request, job)
    check_conditions(request, task)
    engine_of(request).tasks.delete(job["id"], task)
    return web.Response(status=200)


async def terminate_task(request: web.Request) -> web.Response:
    engine = engine_of(request)
    job = get_job(request)
    task = get_task(request, job)
    check_conditions(request, task)
    if task["state"] != "completed":
        engine.tasks.kill(job["id"], task, TASK_ENDED)
    stamp(task)
    return no_content(request, f"/jobs/{job['id']}/tasks/{task['id']}", task)


async def reactivate_task(request: web.Request) -> web.Response:
    engine = engine_of(request)
    job = get_job(request)
    task = get_task(request, job)
    check_conditions(request, task)
    require_open(job)
    if task["state"] != "completed" or task["executionInfo"].get("result") != "failure":
        outcome = " and succeeded" if task["state"] == "completed" else ""
        raise errors.invalid_state(
            f"Only a task that completed with a failure can be reactivated; this task is {task['state']}{outcome}."
        )
    info = task["executionInfo"]
    task["executionInfo"] = {"retryCount": 0, "requeueCount": info.get("requeueCount", 0)}
    if "lastRequeueTime" in info:
        task["executionInfo"]["lastRequeueTime"] = info["lastRequeueTime"]
    stamp(task)
    engine.tasks.set_state(job["id"], task, "active", now_iso())
    return no_content(request, f"/jobs/{job['id']}/tasks/{task['id']}", task)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/jobs/{job}/tasks", list_tasks),
        web.post("/jobs/{job}/tasks", create_task),
        web.post("/jobs/{job}/addtaskcollection", add_task_collection),
        web.get("/jobs/{job}/tasks/{task}", get_task_handler),
        web.put("/jobs/{job}/tasks/{task}", replace_task),
        web.get("/jobs/{job}/tasks/{task}/subtasksinfo", list_subtasks),
        web.delete("/jobs/{job}/tasks/{task}", delete_task),
        web.post("/jobs/{job}/tasks/{task}/terminate", terminate_task),
        web.post("/jobs/{job}/tasks/{task}/reactivate", reactivate_task),
    ]
