"""Rerunning tasks with changes, Batch's way: each task deleted, then added again with the same id and
its create body changed as the user edited it.

The editor shows the fields a rerun may change (RERUN_FIELDS) that all the tasks share, with their
common value: a change there applies to each task alike. The fields the tasks differ in (e.g. a
command line naming each task's shard) are under "perTask", each task's own, so one search and
replace in the editor fixes them all. Which tasks others depend on
(`dependents`) is read from the job's tasks' dependsOn.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ...body_check import problems as body_problems
from ...rest_schema import TASK
from .edit_text import changes, top_level
from .resource_bodies import TASKS, create_body, top_name

RERUN_FIELDS = ("commandLine", "environmentSettings", "resourceFiles", "constraints")
LISTED = 5  # task ids named in a header before "…"
LISTS = ("environmentSettings", "resourceFiles")  # shown as [] where a task has none
PER_TASK = "perTask"  # the editor's section of each task's own value of the fields the tasks differ in


def common_fields(docs: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The RERUN_FIELDS all the tasks `docs` hold alike (field → value; environmentSettings and
    resourceFiles shown as [] where none has them), and the fields that differ between them."""
    shown: dict[str, Any] = {}
    differing: list[str] = []
    for name in RERUN_FIELDS:
        values = {json.dumps(create_body(TASKS, doc).get(name), sort_keys=True) for doc in docs}
        if len(values) > 1:
            differing.append(name)
            continue
        value = json.loads(values.pop())
        if value is not None:
            shown[name] = value
        elif name in LISTS:
            shown[name] = []
    return shown, differing


def rerun_fields(docs: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """What the editor shows: the common fields (see `common_fields`), then, when the tasks differ in some,
    PER_TASK: task id → its own value of each of those fields; and the names of the fields that differ."""
    shown, differing = common_fields(docs)
    if differing:
        shown[PER_TASK] = {}
        for doc in docs:
            body = create_body(TASKS, doc)
            shown[PER_TASK][str(doc["id"])] = {n: body.get(n, [] if n in LISTS else None) for n in differing
                                               if n in body or n in LISTS}
    return shown, differing


def rerun_header(job_id: str, ids: list[str], differing: list[str]) -> str:
    """The comment header of a rerun of tasks `ids` of job `job_id`."""
    named = ", ".join(ids[:LISTED]) + (f", … (+{len(ids) - LISTED})" if len(ids) > LISTED else "")
    lines = [
        f"Rerun with changes: {len(ids)} task{'s' if len(ids) != 1 else ''} of job {job_id} ({named}). Once you "
        "confirm, each is deleted and added again with the same id (its files and run history are lost); a "
        "change at the top applies to each task alike. Quit without a change to change nothing. Lines starting "
        "with // are ignored.",
        f"Can be changed: {', '.join(RERUN_FIELDS)}.",
    ]
    if differing:
        lines.append(f"The tasks differ in {', '.join(differing)}: each task's own is under {PER_TASK} (an "
                     "editor's search and replace fixes them all alike).")
    return "\n".join(lines)


def _field_problems(before: dict[str, Any], after: dict[str, Any], where: str) -> list[str]:
    found = [f"{where}{name}: cannot be changed in a rerun (can be: {', '.join(RERUN_FIELDS)})"
             for name in after if name not in RERUN_FIELDS]
    if "commandLine" in before and "commandLine" not in after:
        found.append(f"{where}commandLine: required")
    checked = {k: v for k, v in after.items() if k in RERUN_FIELDS}
    return found + [p for p in body_problems(checked, TASK, where.rstrip(".")) if top_name(p[len(where):]) in checked]


def rerun_problems(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What is wrong with the edited fields `after` (`before`: what the editor showed); [] if nothing."""
    common = {k: v for k, v in after.items() if k != PER_TASK or PER_TASK not in before}
    found = _field_problems({k: v for k, v in before.items() if k != PER_TASK}, common, "")
    if PER_TASK not in before:
        return found
    entries, was = after.get(PER_TASK), before[PER_TASK]
    if not isinstance(entries, dict) or set(entries) != set(was):
        return [*found, f"{PER_TASK}: must hold one entry for each task, keyed by its id ({', '.join(was)})"]
    for ident, entry in entries.items():
        if not isinstance(entry, dict):
            found.append(f"{PER_TASK}.{ident}: must be an object")
        else:
            found += _field_problems(was[ident], entry, f"{PER_TASK}.{ident}.")
    return found


def _apply(body: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> None:
    for name in top_level(changes(before, after)):
        if name in after:
            body[name] = after[name]
        else:
            body.pop(name, None)


def rerun_bodies(docs: list[dict[str, Any]], before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Each task's create body (same id), the fields changed from `before` to `after` set (or removed): the
    common ones on each task, a PER_TASK entry's on its task."""
    common_before = {k: v for k, v in before.items() if k != PER_TASK}
    common_after = {k: v for k, v in after.items() if k != PER_TASK}
    bodies = []
    for doc in docs:
        body = create_body(TASKS, doc)
        _apply(body, common_before, common_after)
        ident = str(doc["id"])
        if PER_TASK in before:
            _apply(body, before[PER_TASK][ident], after[PER_TASK][ident])
        bodies.append(body)
    return bodies


def _range_ids(ranges: Iterable[dict[str, Any]], wanted: set[str]) -> set[str]:
    found = set()
    for ident in wanted:
        if ident.isdigit():
            number = int(ident)
            if any(int(r.get("start", 0)) <= number <= int(r.get("end", -1)) for r in ranges):
                found.add(ident)
    return found


def dependents(tasks: Iterable[dict[str, Any]], ids: Iterable[str]) -> dict[str, list[str]]:
    """Of the task ids `ids`, those other tasks depend on: id → the ids of the tasks (from `tasks`, each
    a REST task with at least id and dependsOn) whose dependsOn names it (taskIds, or a taskIdRanges
    range holding it). Ids compare as Batch's do, ignoring case."""
    wanted = {i.lower(): i for i in ids}
    found: dict[str, list[str]] = {}
    for task in tasks:
        depends = task.get("dependsOn") or {}
        named = {str(t).lower() for t in depends.get("taskIds") or []} & set(wanted)
        named |= _range_ids(depends.get("taskIdRanges") or [], set(wanted))
        for ident in named:
            if str(task.get("id", "")).lower() != ident:
                found.setdefault(wanted[ident], []).append(str(task.get("id")))
    return found
