"""The request schema's entry points: which body kinds there are, and checking
a body of one kind for one api-version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import BatchError
from . import jobs, pools, problems, tasks
from .emulated import NOT_EMULATED
from .versions import version_index
from .vocabulary import Ctx, Object

# kind -> the body's schema. The route each kind belongs to is in the comment.
KINDS: Mapping[str, Object] = {
    "pool.add": pools.POOL_ADD,  # POST /pools
    "pool.patch": pools.POOL_PATCH,  # PATCH /pools/{pool}
    "pool.updateproperties": pools.POOL_UPDATE_PROPERTIES,  # POST /pools/{pool}/updateproperties
    "pool.resize": pools.POOL_RESIZE,  # POST /pools/{pool}/resize
    "pool.removenodes": pools.POOL_REMOVE_NODES,  # POST /pools/{pool}/removenodes
    "pool.enableautoscale": pools.POOL_ENABLE_AUTOSCALE,  # POST /pools/{pool}/enableautoscale
    "pool.evaluateautoscale": pools.POOL_EVALUATE_AUTOSCALE,  # POST /pools/{pool}/evaluateautoscale
    "node.reboot": pools.NODE_REBOOT,  # POST /pools/{pool}/nodes/{node}/reboot
    "node.reimage": pools.NODE_REIMAGE,  # POST /pools/{pool}/nodes/{node}/reimage
    "node.disablescheduling": pools.NODE_DISABLE_SCHEDULING,  # POST .../nodes/{node}/disablescheduling
    "node.deallocate": pools.NODE_DEALLOCATE,  # POST .../nodes/{node}/deallocate
    "node.uploadbatchservicelogs": pools.UPLOAD_LOGS,  # POST .../nodes/{node}/uploadbatchservicelogs
    "node.adduser": pools.NODE_USER_ADD,  # POST /pools/{pool}/nodes/{node}/users
    "node.replaceuser": pools.NODE_USER_REPLACE,  # PUT /pools/{pool}/nodes/{node}/users/{user}
    "job.add": jobs.JOB_ADD,  # POST /jobs
    "job.patch": jobs.JOB_PATCH,  # PATCH /jobs/{job}
    "job.put": jobs.JOB_PUT,  # PUT /jobs/{job}
    "job.disable": jobs.JOB_DISABLE,  # POST /jobs/{job}/disable
    "job.terminate": jobs.JOB_TERMINATE,  # POST /jobs/{job}/terminate
    "task.add": tasks.TASK_ADD,  # POST /jobs/{job}/tasks
    "task.addcollection": tasks.TASK_COLLECTION,  # POST /jobs/{job}/addtaskcollection
    "task.put": tasks.TASK_PUT,  # PUT /jobs/{job}/tasks/{task}
    "jobschedule.add": jobs.JOB_SCHEDULE_ADD,  # POST /jobschedules
    "jobschedule.patch": jobs.JOB_SCHEDULE_PATCH,  # PATCH /jobschedules/{schedule}
    "jobschedule.put": jobs.JOB_SCHEDULE_PUT,  # PUT /jobschedules/{schedule}
}


def _context(api_version: str, not_emulated: Mapping[str, tuple[object, ...]]) -> Ctx:
    return Ctx(version_index(api_version), not_emulated)


def _object(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise problems.invalid_body("The request body must be a JSON object.")
    return body


def validate(kind: str, body: object, api_version: str, *,
             not_emulated: Mapping[str, tuple[object, ...]] = NOT_EMULATED) -> dict[str, Any]:
    """Check a request body (as json.loads / parse_body returned it) against the
    schema of `kind` (a key of KINDS) in `api_version`, and return it normalised:
    the same properties in the same order, integers and booleans sent as JSON
    strings converted, enum values in their canonical spelling, "P" durations as
    "PT0S". Defaults are not filled in.

    Raises BatchError 400: InvalidRequestBody (not an object), MissingRequiredProperty,
    InvalidPropertyValue (wrong type, out of range, bad id or duration, ...),
    UnsupportedProperty (not in that api-version's schema, or marked in
    `not_emulated`), UnsupportedRequestVersion (an api-version not in API_VERSIONS);
    each names the property's full path (`startTask.resourceFiles[2].httpUrl`).
    KeyError for an unknown kind (a bug in the caller)."""
    schema = KINDS[kind]
    out: dict[str, Any] = schema.check(_object(body), "", _context(api_version, not_emulated))
    return out


def validate_task_collection(body: object, api_version: str, *,
                             not_emulated: Mapping[str, tuple[object, ...]] = NOT_EMULATED,
                             ) -> list[dict[str, Any] | BatchError]:
    """An addtaskcollection body checked task by task: the envelope must hold (else
    BatchError 400 as validate raises, e.g. `value` missing, not a list, empty, or
    over MAX_TASKS_PER_COLLECTION), then each task gives its normalised body or the
    BatchError it fails with (paths relative to the task, `commandLine`; `value[3]`
    for an item that is not an object), so the handler can answer that task's
    result with status clienterror and go on.
    validate("task.addcollection", ...) instead refuses the whole body at the first
    bad task (paths `value[3].commandLine`)."""
    ctx = _context(api_version, not_emulated)
    envelope = tasks.TASK_COLLECTION_ENVELOPE.check(_object(body), "", ctx)
    results: list[dict[str, Any] | BatchError] = []
    for index, item in enumerate(envelope["value"]):
        try:
            if not isinstance(item, dict):  # no property of its own to name: the item's place
                raise tasks.TASK_ADD.wrong(item, f"value[{index}]")
            results.append(tasks.TASK_ADD.check(item, "", ctx))
        except BatchError as exc:
            results.append(exc)
    return results
