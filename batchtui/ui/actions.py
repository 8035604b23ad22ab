"""The catalog of the explorer's actions: which views offer them, what they ask,
what they run (`controllers.actions` confirms and runs them).

An action applies to the marked rows, or to the cursor row when none is
marked. Every one goes through a confirmation that names what will happen to
how many resources; read-only mode offers none of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..service import operations as ops
from ..service import schedules as sched
from ..service.client import BatchService
from .preconditions import Refusal
from .screens.confirm import Field
from .views import JOBS, NODES, POOLS, SCHEDULES, TASKS, ViewKey

NODE_OPTIONS = ("requeue", "terminate", "taskcompletion", "retaineddata")
SCHEDULING_OPTIONS = ("requeue", "terminate", "taskcompletion")
# The OData $filter of a job's failed tasks ('F' shows only them, 'A' reruns them).
FAILED_FILTER = "executionInfo/result eq 'failure'"

# (service, view, row key, dialog values) → the operation on one resource
RunOne = Callable[[BatchService, ViewKey, str, dict[str, Any]], Awaitable[None]]
# (service, view, row keys, dialog values) → one operation on all of them
RunAll = Callable[[BatchService, ViewKey, list[str], dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Action:
    name: str
    key: str
    kinds: tuple[str, ...]
    verb: str
    description: str
    fields: tuple[Field, ...] = ()
    run_one: RunOne | None = None
    run_all: RunAll | None = None  # for operations that take many ids at once
    single: bool = False  # one resource only (e.g. resize)
    effect: str = ""  # what else happens, said in the confirmation (e.g. a schedule's active job ends too)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("resize", "z", (POOLS,), "Resize", "Resize the pool",
               fields=(Field("dedicated", "Dedicated nodes", "int"), Field("low", "Low-priority nodes", "int"),
                       Field("deallocation", "Running tasks on removed nodes", "choice", "requeue", NODE_OPTIONS)),
               run_one=lambda s, v, k, p: ops.resize_pool(s, k, p["dedicated"], p["low"], p["deallocation"]),
               single=True),
        Action("stop_resize", "x", (POOLS,), "Stop resizing", "Stop the pool's resize",
               run_one=lambda s, v, k, p: ops.stop_pool_resize(s, k)),
        Action("reboot", "o", (NODES,), "Reboot", "Reboot the node",
               fields=(Field("option", "Running tasks", "choice", "requeue", NODE_OPTIONS),),
               run_one=lambda s, v, k, p: ops.reboot_node(s, v.parent, k, p["option"])),
        Action("reimage", "i", (NODES,), "Reimage", "Reimage the node (its disk is wiped)",
               fields=(Field("option", "Running tasks", "choice", "requeue", NODE_OPTIONS),),
               run_one=lambda s, v, k, p: ops.reimage_node(s, v.parent, k, p["option"]),
               effect="Its disk is wiped: the files of the tasks that ran there are lost."),
        Action("disable_scheduling", "p", (NODES,), "Disable scheduling on", "Stop scheduling tasks on the node",
               fields=(Field("option", "Running tasks", "choice", "requeue", SCHEDULING_OPTIONS),),
               run_one=lambda s, v, k, p: ops.disable_scheduling(s, v.parent, k, p["option"])),
        Action("enable_scheduling", "P", (NODES,), "Enable scheduling on", "Schedule tasks on the node again",
               run_one=lambda s, v, k, p: ops.enable_scheduling(s, v.parent, k)),
        Action("terminate_job", "t", (JOBS,), "Terminate", "Terminate the job",
               fields=(Field("reason", "Reason", "text", "UserTerminate"),),
               run_one=lambda s, v, k, p: ops.terminate_job(s, k, str(p["reason"]))),
        Action("disable_job", "p", (JOBS,), "Disable", "Disable the job (no new tasks start)",
               fields=(Field("option", "Running tasks", "choice", "requeue", ("requeue", "terminate", "wait")),),
               run_one=lambda s, v, k, p: ops.disable_job(s, k, p["option"])),
        Action("enable_job", "P", (JOBS,), "Enable", "Enable the job again",
               run_one=lambda s, v, k, p: ops.enable_job(s, k)),
        Action("terminate_task", "t", (TASKS,), "Terminate", "Terminate the task",
               run_one=lambda s, v, k, p: ops.terminate_task(s, v.parent, k)),
        Action("reactivate", "a", (TASKS,), "Reactivate", "Run the failed task again",
               run_one=lambda s, v, k, p: ops.reactivate_task(s, v.parent, k)),
        Action("terminate_schedule", "t", (SCHEDULES,), "Terminate",
               "Terminate the job schedule (no more runs; its active job is terminated too)",
               run_one=lambda s, v, k, p: sched.terminate_schedule(s, k),
               effect="No more jobs are created, and its active job, if any, is terminated too."),
        Action("disable_schedule", "p", (SCHEDULES,), "Disable", "Disable the job schedule (no new jobs)",
               run_one=lambda s, v, k, p: sched.disable_schedule(s, k),
               effect="No new jobs are created until it is enabled; its active job, if any, goes on."),
        Action("enable_schedule", "P", (SCHEDULES,), "Enable", "Enable the job schedule again",
               run_one=lambda s, v, k, p: sched.enable_schedule(s, k)),
        Action("delete", "ctrl+d", (POOLS, JOBS, TASKS, SCHEDULES), "Delete", "Delete it",
               run_one=lambda s, v, k, p: _delete(s, v, k)),
        Action("remove_nodes", "ctrl+d", (NODES,), "Remove from the pool", "Remove the node from its pool",
               fields=(Field("option", "Running tasks", "choice", "requeue", NODE_OPTIONS),),
               run_all=lambda s, v, keys, p: ops.remove_nodes(s, v.parent, keys, p["option"])),
    ]
}


async def _delete(service: BatchService, view: ViewKey, key: str) -> None:
    if view.kind == POOLS:
        await ops.delete_pool(service, key)
    elif view.kind == JOBS:
        await ops.delete_job(service, key)
    elif view.kind == SCHEDULES:  # (the schedule's jobs go with it)
        await sched.delete_schedule(service, key)
    else:
        await ops.delete_task(service, view.parent, key)


def for_key(key: str, kind: str) -> Action | None:
    return next((a for a in ACTIONS.values() if a.key == key and kind in a.kinds), None)


def noun(view: ViewKey, count: int) -> str:
    word = "job schedule" if view.kind == SCHEDULES else view.kind[:-1]
    plural = "" if count == 1 else "s"
    owner = {NODES: "pool", JOBS: "schedule"}.get(view.kind, "job")
    where = f" of {owner} {view.parent}" if view.parent else ""
    return f"{count} {word}{plural}{where}"


def _listed(keys: list[str]) -> str:
    return ", ".join(keys[:5]) + (f", … (+{len(keys) - 5})" if len(keys) > 5 else "")


def describe(action: Action, view: ViewKey, keys: list[str]) -> str:
    """The confirmation's question, the rows it works on, and what else happens (`Action.effect`)."""
    effect = f"\n{action.effect}" if action.effect else ""
    return f"{action.verb} {noun(view, len(keys))}?\n{_listed(keys)}{effect}"


def explain_refusals(view: ViewKey, refused: dict[str, Refusal]) -> str:
    """Which rows an action cannot work on and why (rows grouped by reason), and what would work."""
    groups: dict[Refusal, list[str]] = {}
    for key, why in refused.items():
        groups.setdefault(why, []).append(key)
    lines = []
    for why, keys in groups.items():
        word = view.kind[:-1] if len(keys) == 1 else view.kind
        lines.append(f"{word.capitalize()} {_listed(keys)}: {why.why}.")
        if why.instead:
            lines.append(f"What would work: {why.instead}.")
    return "\n".join(lines)
