"""Rerunning tasks with changes, Batch's way: each task deleted, then added again with the same id and
its create body changed as the user edited it.

The editor shows the fields a rerun may change (RERUN_FIELDS) that all the tasks share, with their
common value; a field that differs between the tasks is left out (and named in the header): adding
it sets it on every task. A change applies to each task alike. Which tasks others depend on
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
        elif name in ("environmentSettings", "resourceFiles"):
            shown[name] = []
    return shown, differing


def rerun_header(job_id: str, ids: list[str], differing: list[str]) -> str:
    """The comment header of a rerun of tasks `ids` of job `job_id`."""
    named = ", ".join(ids[:LISTED]) + (f", … (+{len(ids) - LISTED})" if len(ids) > LISTED else "")
    lines = [
        f"Rerun with changes: {len(ids)} task{'s' if len(ids) != 1 else ''} of job {job_id} ({named}). Once you "
        "confirm, each is deleted and added again with the same id (its files and run history are lost); every "
        "change here applies to each task alike. Quit without a change to change nothing. Lines starting with "
        "// are ignored.",
        f"Can be changed: {', '.join(RERUN_FIELDS)}.",
    ]
    if differing:
        lines.append(f"Not shown, as the tasks differ in them (each keeps its own unless you add it here): "
                     f"{', '.join(differing)}.")
    return "\n".join(lines)


def rerun_problems(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What is wrong with the edited fields `after` (`before`: what the editor showed); [] if nothing."""
    found = [f"{name}: cannot be changed in a rerun (can be: {', '.join(RERUN_FIELDS)})"
             for name in after if name not in RERUN_FIELDS]
    if "commandLine" in before and "commandLine" not in after:
        found.append("commandLine: required")
    checked = {k: v for k, v in after.items() if k in RERUN_FIELDS}
    return found + [p for p in body_problems(checked, TASK) if top_name(p) in checked]


def rerun_bodies(docs: list[dict[str, Any]], before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Each task's create body (same id), the fields changed from `before` to `after` set (or removed)."""
    changed = top_level(changes(before, after))
    bodies = []
    for doc in docs:
        body = create_body(TASKS, doc)
        for name in changed:
            if name in after:
                body[name] = after[name]
            else:
                body.pop(name, None)
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
