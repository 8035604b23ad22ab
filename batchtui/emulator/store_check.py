"""Is a stored row a resource document the engine can work with?

A row of the store is (kind, parent, id, JSON text). Loading checks each one
against the properties the engine reads without a guard — a document missing
one of them, or holding one of the wrong type, would stop the recovery or
every scheduler tick later — and names what is wrong, so that the row can be
set aside instead of refusing the whole data dir.
"""

from __future__ import annotations

from typing import Any

from . import fast_json

KINDS = ("pool", "node", "job", "task", "jobschedule")
PARENT_KIND = {"node": "pool", "task": "job"}

_STR, _INT, _BOOL, _DICT = str, int, bool, dict
# (property path, type, required). A path "a/b" is checked when "a" is there.
_SHAPES: dict[str, tuple[tuple[str, type, bool], ...]] = {
    "pool": (
        ("state", _STR, True), ("allocationState", _STR, True), ("vmSize", _STR, True),
        ("creationTime", _STR, True), ("lastModified", _STR, True),
        ("targetDedicatedNodes", _INT, True), ("targetLowPriorityNodes", _INT, True),
        ("currentDedicatedNodes", _INT, True), ("currentLowPriorityNodes", _INT, True),
        ("taskSlotsPerNode", _INT, True), ("taskSchedulingPolicy", _DICT, True), ("startTask", _DICT, False),
    ),
    "node": (
        ("state", _STR, True), ("schedulingState", _STR, True), ("isDedicated", _BOOL, True),
        ("affinityId", _STR, True), ("runningTasksCount", _INT, True), ("runningTaskSlotsCount", _INT, True),
        ("totalTasksRun", _INT, True), ("totalTasksSucceeded", _INT, True), ("startTaskInfo", _DICT, False),
    ),
    "job": (
        ("state", _STR, True), ("creationTime", _STR, True), ("lastModified", _STR, True),
        ("poolInfo", _DICT, True), ("constraints", _DICT, True), ("priority", _INT, False),
        ("maxParallelTasks", _INT, False),
    ),
    "jobschedule": (
        ("state", _STR, True), ("creationTime", _STR, True), ("lastModified", _STR, True),
        ("schedule", _DICT, True), ("jobSpecification", _DICT, True), ("executionInfo", _DICT, True),
        ("jobSpecification/poolInfo", _DICT, True), ("_runs", _INT, False),
    ),
    "task": (
        ("state", _STR, True), ("commandLine", _STR, True), ("creationTime", _STR, True),
        ("stateTransitionTime", _STR, True), ("constraints", _DICT, True), ("executionInfo", _DICT, True),
        ("constraints/maxWallClockTime", _STR, True), ("requiredSlots", _INT, False), ("nodeInfo", _DICT, False),
        ("nodeInfo/nodeId", _STR, True), ("nodeInfo/poolId", _STR, True), ("nodeInfo/taskRootDirectory", _STR, True),
    ),
}
STATES = {
    "pool": ("active", "deleting"),
    "node": (
        "creating", "starting", "waitingforstarttask", "idle", "running", "rebooting", "reimaging",
        "starttaskfailed", "unusable", "offline", "preempted", "leavingpool", "unknown", "deallocated",
        "deallocating", "upgradingos",
    ),
    "job": ("active", "disabling", "disabled", "enabling", "terminating", "completed", "deleting"),
    "task": ("active", "preparing", "running", "completed"),
    "jobschedule": ("active", "completed", "disabled", "terminating", "deleting"),
}


def describe(kind: str, parent: str, ident: str) -> str:
    """A resource named as a person would: task 't1' of job 'j1'."""
    if kind in PARENT_KIND:
        return f"{kind} {ident!r} of {PARENT_KIND[kind]} {parent!r}"
    return f"{kind} {ident!r}"


def parse_row(kind: str, parent: str, ident: str, text: str) -> tuple[dict[str, Any] | None, str | None]:
    """(the document, None) for a sound row, else (None, what is wrong with it)."""
    if kind not in KINDS:
        return None, f"unknown kind {kind!r}"
    if (kind in PARENT_KIND) != bool(parent):
        return None, f"a {kind} row {'needs' if kind in PARENT_KIND else 'has no'} parent id"
    try:
        doc = fast_json.loads(text)
    except (TypeError, ValueError) as exc:
        return None, f"not JSON ({exc})"
    if not isinstance(doc, dict):
        return None, f"not a JSON object but {type(doc).__name__}"
    if doc.get("id") != ident:
        return None, f"its document's id {doc.get('id')!r} is not the row's id"
    problem = _shape_problem(kind, doc)
    return (None, problem) if problem else (doc, None)


def _compiled(shapes: tuple[tuple[str, type, bool], ...]) -> tuple[tuple[str, tuple[str, ...], str, type, bool], ...]:
    """Each entry with its path split once: (path, parents, name, type, required)."""
    return tuple((path, tuple(path.split("/")[:-1]), path.rsplit("/", 1)[-1], expected, required)
                 for path, expected, required in shapes)


# The entries as _shape_problem walks them (a store of a million rows checks each one on load).
_CHECKS = {kind: _compiled(shapes) for kind, shapes in _SHAPES.items()}


def _shape_problem(kind: str, doc: dict[str, Any]) -> str | None:
    for path, parents, name, expected, required in _CHECKS[kind]:
        holder: Any = doc
        for parent in parents:
            holder = holder.get(parent)
            if not isinstance(holder, dict):
                break
        else:
            if name not in holder:
                if required:
                    return f"property {path} is missing"
                continue
            value = holder[name]
            if type(value) is not expected and (not isinstance(value, expected) or expected is int):
                return f"property {path} is {type(value).__name__}, not {expected.__name__}"
    if doc["state"] not in STATES[kind]:
        return f"state {doc['state']!r} is not a {kind} state"
    return None
