"""From a resource's REST document (GET /pools/{id}, /jobs/{id}, /jobs/{job}/tasks/{id}) to the bodies
Batch takes: what an edit may change and the request that sends it, and the create body a clone or
an export starts from (server-set properties removed).

Kinds are the explorer's view kinds: "pools", "jobs", "tasks". What can be changed, per Batch's REST
reference:
- a pool: startTask, applicationPackageReferences and metadata (POST /pools/{id}/updateproperties,
  which replaces the three: a startTask left out is removed, an empty list clears one); on a pool with
  no nodes, also its size, image, slots and the like (PATCH /pools/{id}, with what changed);
- a job: priority, maxParallelTasks, allowTaskPreemption, constraints, onAllTasksComplete, poolInfo
  and metadata (PATCH /jobs/{id}: only the properties changed are sent; one left out stays as it is);
- a task: its constraints (PUT /jobs/{job}/tasks/{id}: a constraint left out takes its default);
- a job schedule ("schedules"): schedule, jobSpecification and metadata (PATCH /jobschedules/{id}: only
  the properties changed are sent, each whole; one left out stays as it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...body_check import problems as body_problems
from ...body_check import properties
from ...create import pool_info_problems
from ...rest_schema import JOB, JOB_SCHEDULE, POOL, TASK, TYPES
from .edit_text import EditProblems, changes, top_level

POOLS, JOBS, TASKS, SCHEDULES = "pools", "jobs", "tasks", "schedules"
CREATE_TYPES = {POOLS: POOL, JOBS: JOB, TASKS: TASK, SCHEDULES: JOB_SCHEDULE}
UPDATABLE: dict[str, tuple[str, ...]] = {
    POOLS: ("startTask", "applicationPackageReferences", "metadata"),
    JOBS: ("priority", "maxParallelTasks", "allowTaskPreemption", "constraints", "onAllTasksComplete", "poolInfo",
           "metadata"),
    TASKS: ("constraints",),
    SCHEDULES: ("schedule", "jobSpecification", "metadata"),
}
# A pool's properties Batch's pool PATCH changes only while the pool has no nodes (allocation steady).
EMPTY_POOL_PATCH = ("displayName", "vmSize", "taskSlotsPerNode", "taskSchedulingPolicy",
                    "enableInterNodeCommunication", "virtualMachineConfiguration", "networkConfiguration",
                    "upgradePolicy")
# Shown in the editor even when the document leaves them out (the service's default), so they can be set.
SHOWN_DEFAULTS: dict[str, dict[str, Any]] = {
    POOLS: {"applicationPackageReferences": [], "metadata": []},
    JOBS: {"metadata": []},
    TASKS: {"constraints": {}},
    SCHEDULES: {"metadata": []},
}
HOW_SENT = {
    POOLS: "Sent as Batch's pool updateproperties, which replaces all three: a startTask removed here is removed "
           "from the pool. They take effect on each node as it next joins the pool, reboots or is reimaged.",
    JOBS: "Sent as Batch's job PATCH: only what you change is sent; a property cannot be removed (give it "
          "another value instead).",
    TASKS: "Sent as Batch's task PUT: a constraint removed here takes its default (maxTaskRetryCount: the "
           "job's; maxWallClockTime: unlimited; retentionTime: 7 days).",
    SCHEDULES: "Sent as Batch's job schedule PATCH: only what you change is sent, each property whole (a schedule "
               "sent replaces the one there: a recurrenceInterval removed from it is removed); a property cannot "
               "be removed. A changed jobSpecification applies to the jobs the schedule creates from now on, "
               "not to its active job.",
}
NOUN = {POOLS: "pool", JOBS: "job", TASKS: "task", SCHEDULES: "job schedule"}
PATCHED = {JOBS: "job", SCHEDULES: "job schedule"}  # kinds whose edit is a PATCH: what is left out stays


def is_empty_pool(doc: dict[str, Any]) -> bool:
    """Whether a pool's document says it has no nodes and a steady allocation (its PATCH may change more)."""
    return doc.get("allocationState") == "steady" and not doc.get("currentDedicatedNodes") \
        and not doc.get("currentLowPriorityNodes")


def updatable(kind: str, before: dict[str, Any]) -> tuple[str, ...]:
    """The properties an edit that started from `before` (what `editable` showed) may change."""
    if kind == POOLS and "vmSize" in before:  # (an empty pool's edit shows its vmSize)
        return (*UPDATABLE[kind], *EMPTY_POOL_PATCH)
    return UPDATABLE[kind]


def editable(kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The properties of `doc` an edit may change, in Batch's order (defaults shown where absent); for a pool
    with no nodes, those its PATCH changes too (EMPTY_POOL_PATCH, the ones it has)."""
    shown = SHOWN_DEFAULTS[kind]
    found = {name: doc.get(name, shown.get(name)) for name in UPDATABLE[kind] if name in doc or name in shown}
    if kind == POOLS and is_empty_pool(doc):
        found.update((name, doc[name]) for name in EMPTY_POOL_PATCH if name in doc)
    if kind == SCHEDULES:  # (its jobSpecification and schedule as a create body has them)
        found = prune(found, JOB_SCHEDULE)
    return found


def edit_header(kind: str, ident: str, before: dict[str, Any] | None = None) -> str:
    """The comment header of an edit (`before`: what it shows): what is edited, what can change, how it is
    sent, how to quit."""
    extra = [name for name in updatable(kind, before or {}) if name not in UPDATABLE[kind]]
    lines = [
        f"Edit {NOUN[kind]} {ident}: change the properties below, then save and quit; a diff is shown before "
        "anything is sent. Quit without a change to change nothing. Lines starting with // are ignored.",
        f"Can be changed: {', '.join(UPDATABLE[kind])}.",
        HOW_SENT[kind],
    ]
    if extra:
        lines.append(f"As the pool has no nodes, these can be changed too: {', '.join(extra)}. A change to any "
                     "of them sends everything changed as Batch's pool PATCH (which cannot remove a startTask).")
    return "\n".join(lines)


def _checked(kind: str, after: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    """The problems of `after`'s properties, each checked as in a create body (`batchtui create`'s check);
    properties not in `allowed` refused."""
    found = [f"{name}: cannot be changed here (can be: {', '.join(allowed)})" for name in after if name not in allowed]
    checked = {k: v for k, v in after.items() if k in allowed}
    return found + [p for p in body_problems(checked, CREATE_TYPES[kind]) if top_name(p) in checked]


def top_name(problem: str) -> str:
    """The top-level property a body_check problem ("a.b[0].c: …") is about: the create body's required
    properties (e.g. id) missing from an edit's properties are no problem of the edit."""
    return problem.split(":")[0].split(".")[0].split("[")[0]


def update_problems(kind: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What is wrong with the edited properties `after` (`before`: what the editor showed); [] if nothing."""
    found = _checked(kind, after, updatable(kind, before))
    patched = kind in PATCHED or any(n in EMPTY_POOL_PATCH for n in top_level(changes(before, after)))
    if patched:
        what = PATCHED.get(kind, "pool")
        found += [f"{name}: cannot be removed (Batch's {what} PATCH leaves it as it is); give it a value"
                  for name in before if name not in after]
    return found


@dataclass(frozen=True)
class UpdateRequest:
    """The request an edit sends: `operation` is "pool.updateproperties", "pool.patch", "job.patch",
    "jobschedule.patch" or "task.put"."""

    operation: str
    body: dict[str, Any]


def update_request(kind: str, before: dict[str, Any], after: dict[str, Any]) -> UpdateRequest | None:
    """The request that makes `before` into `after` (None when nothing changed); EditProblems if it cannot."""
    found = update_problems(kind, before, after)
    if found:
        raise EditProblems(found)
    changed = changes(before, after)
    if not changed:
        return None
    if kind == POOLS and any(n in EMPTY_POOL_PATCH for n in top_level(changed)):
        return UpdateRequest("pool.patch", {name: after[name] for name in top_level(changed)})
    if kind == POOLS:
        body = {name: after.get(name, []) for name in ("applicationPackageReferences", "metadata")}
        if after.get("startTask") is not None:
            body = {"startTask": after["startTask"], **body}
        return UpdateRequest("pool.updateproperties", body)
    if kind in PATCHED:
        operation = "job.patch" if kind == JOBS else "jobschedule.patch"
        return UpdateRequest(operation, {name: after[name] for name in top_level(changed)})
    return UpdateRequest("task.put", {"constraints": after.get("constraints") or {}})


# -- create bodies ------------------------------------------------------------------------------------
def prune(value: Any, type_name: str) -> Any:
    """`value` cut to what a `type_name` (a rest_schema type) create body holds, at every level: every
    property the create body does not know (url, eTag, state, stats, executionInfo, nodeInfo, …) dropped."""
    if not isinstance(value, dict):
        return value
    known = properties(type_name)
    kept: dict[str, Any] = {}
    for name, item in value.items():
        prop = known.get(name)
        if prop is None or item is None:
            continue
        kind = prop.kind
        if kind.startswith("[") and isinstance(item, list):
            inner = kind[1:-1]
            kept[name] = [prune(x, inner) if inner in TYPES else x for x in item]
        elif kind in TYPES:
            kept[name] = prune(item, kind)
        else:
            kept[name] = item
    return kept


def create_body(kind: str, doc: dict[str, Any], new_id: str | None = None) -> dict[str, Any]:
    """The create body of `doc` (server-set properties removed), its id replaced by `new_id` if given."""
    body = prune(doc, CREATE_TYPES[kind])
    if new_id is not None:
        body = {"id": new_id, **{k: v for k, v in body.items() if k != "id"}}
    return body


def clone_header(kind: str, ident: str) -> str:
    """The comment header of a clone: what it creates, where the new id goes."""
    where = " in the same job" if kind == TASKS else ""
    return "\n".join([
        f"Clone {NOUN[kind]} {ident}: a new {NOUN[kind]}{where} is created from this body. Set its id (1 to 64 "
        "letters, digits, hyphens and underscores), change what you like, then save and quit: a confirmation "
        "follows (esc there creates nothing). Lines starting with // are ignored.",
        "Server-set properties (url, eTag, state, times, stats, executionInfo, nodeInfo) are removed.",
    ])


def clone_problems(kind: str, body: dict[str, Any]) -> list[str]:
    """What `batchtui create` would say of the clone `body`; [] if nothing."""
    found = body_problems(body, CREATE_TYPES[kind])
    job, where = (body.get("jobSpecification"), "jobSpecification.") if kind == SCHEDULES else (body, "")
    if kind in (JOBS, SCHEDULES) and isinstance(job, dict):
        found += pool_info_problems(job, where)
    return found


def export_bodies(kind: str, docs: list[dict[str, Any]]) -> Any:
    """What an export writes, in the shape `batchtui create` and `az batch … --json-file` take: one create
    body for a pool, job or job schedule, a list of create bodies for tasks."""
    bodies = [create_body(kind, doc) for doc in docs]
    return bodies if kind == TASKS else bodies[0]


def export_paths(path: str, ids: list[str]) -> list[str]:
    """One file path per id: "{id}" in `path` replaced by each id; a path without it gets "-<id>" before
    its extension ("./jobs.json" → "./jobs-a.json", "./jobs-b.json")."""
    if "{id}" in path:
        return [path.replace("{id}", ident) for ident in ids]
    stem, dot, extension = path.rpartition(".") if "." in path.rpartition("/")[2] else (path, "", "")
    return [f"{stem}-{ident}{dot}{extension}" for ident in ids]
