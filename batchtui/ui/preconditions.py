"""Whether an action can work on a resource in its current state, decided before
it is tried. This is the one place that knows Batch's rules (the service
answers the same cases with a 409 such as `JobCompleted` or `PoolBeingResized`,
or does nothing), and what would work instead.

`refusal(action, row)` judges one row of the table by its state;
`job_refusal(action, state)` judges the job whose tasks an action
touches (reactivating tasks of a completed job fails for every task);
`rerun_refusal(state)` the job of tasks rerun with changes.
Action names are those of `ui.actions.ACTIONS`, plus "rerun_failed" and "ssh".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Job states in which Batch refuses any change to the job's tasks.
CLOSED_JOB_STATES = ("completed", "terminating", "deleting")
RESTARTABLE_NODE_STATES = ("idle", "running")


@dataclass(frozen=True)
class RowState:
    """What the table knows of one row: its state ("failed" for a task that
    completed with a failure) and, for pools, the allocation state, for nodes
    the scheduling state; `auto_scale`: a pool whose formula sets its size."""

    state: str
    detail: str = ""
    auto_scale: bool = False


@dataclass(frozen=True)
class Refusal:
    """Why an action cannot work (a clause: "it is completed"), and what would, if anything."""

    why: str
    instead: str = ""


def state_of(kind: str, doc: dict[str, Any]) -> RowState:
    """The RowState of a resource's REST document; `kind` is "pools", "nodes", "jobs" or "tasks"."""
    state = str(doc.get("state") or "")
    if kind == "tasks" and state == "completed" and (doc.get("executionInfo") or {}).get("result") == "failure":
        state = "failed"
    detail = {"pools": "allocationState", "nodes": "schedulingState"}.get(kind, "")
    auto = kind == "pools" and bool(doc.get("enableAutoScale"))
    return RowState(state, str(doc.get(detail) or "") if detail else "", auto)


# A row's state → why the action cannot work on it (None: it can).
RuleFn = Callable[[RowState], "Refusal | None"]


def refusal(action: str, row: RowState) -> Refusal | None:
    """Why `action` cannot work on a row in state `row`; None when it can (or when
    nothing is known against it)."""
    rule = _RULES.get(action)
    return rule(row) if rule is not None else None


def job_refusal(action: str, state: str) -> Refusal | None:
    """Why `action` ("reactivate", "rerun_failed") cannot work on the tasks of a
    job in `state` (the clause is about the job); None when it can."""
    if action not in ("reactivate", "rerun_failed") or state not in CLOSED_JOB_STATES:
        return None
    if state == "completed":
        return Refusal("it is completed, and Batch never reactivates the tasks of a completed job",
                       "nothing here; add the tasks again to an active job "
                       "(:create job FILE, then :create tasks FILE)")
    doing = "being deleted" if state == "deleting" else "terminating"
    return Refusal(f"it is {doing}, and Batch reactivates no task of a job that is ending",
                   "nothing here once it has ended; add the tasks again to an active job")


def rerun_refusal(state: str) -> Refusal | None:
    """Why tasks of a job in `state` cannot be rerun with changes (deleted, then added again): Batch adds
    no task to a job that is completed, terminating, being deleted or disabling. None when they can."""
    if state == "completed":
        return Refusal("it is completed, and Batch adds no task to a completed job",
                       "clone the job (ctrl+n) and add the tasks there")
    if state in ("terminating", "deleting", "disabling"):
        doing = "being deleted" if state == "deleting" else state
        return Refusal(f"it is {doing}, and Batch adds no task to it meanwhile",
                       "wait until the job is disabled or active again" if state == "disabling" else "")
    return None


def edit_refusal(kind: str, state: str) -> Refusal | None:
    """Why a pool, job or job schedule (`kind` "pools", "jobs", "schedules") in `state` cannot be edited:
    Batch changes no job or job schedule that is completed, terminating or being deleted (409 JobCompleted,
    JobScheduleCompleted …), and no pool being deleted."""
    if kind in ("jobs", "schedules") and state in CLOSED_JOB_STATES:
        doing = {"completed": "completed", "terminating": "terminating", "deleting": "being deleted"}[state]
        noun = "job" if kind == "jobs" else "job schedule"
        return Refusal(f"it is {doing}, and Batch changes no {noun} that has ended or is ending",
                       "clone it (ctrl+n) with the changes")
    if kind == "pools" and state == "deleting":
        return Refusal("it is being deleted")
    return None


def _being_deleted(row: RowState) -> Refusal | None:
    return Refusal("it is already being deleted") if row.state == "deleting" else None


def _resize(row: RowState) -> Refusal | None:
    if row.state == "deleting":
        return _being_deleted(row)
    if row.auto_scale:
        return Refusal("it autoscales: its formula sets its size at every evaluation, and Batch refuses "
                       "a manual resize of such a pool (409)",
                       "change its formula, or disable autoscale, in the autoscale editor (A); "
                       "once disabled, z resizes it")
    if row.detail and row.detail != "steady":
        return Refusal(f"it is {row.detail}; a pool can be resized only when its allocation is steady",
                       "wait until it is steady, or stop the resize first (x)")
    return None


def _stop_resize(row: RowState) -> Refusal | None:
    if row.state == "deleting":
        return _being_deleted(row)
    if row.detail and row.detail != "resizing":
        return Refusal(f"it is not resizing (its allocation is {row.detail}), so there is nothing to stop")
    return None


def _restart(verb: str) -> RuleFn:
    def rule(row: RowState) -> Refusal | None:
        if row.state in RESTARTABLE_NODE_STATES or not row.state:
            return None
        return Refusal(f"it is {row.state}; only an idle or running node can be {verb}",
                       "wait until the node is idle or running")
    return rule


def _disable_scheduling(row: RowState) -> Refusal | None:
    return Refusal("scheduling on it is already disabled", "enable it again with P") if row.detail == "disabled" \
        else None


def _enable_scheduling(row: RowState) -> Refusal | None:
    return Refusal("scheduling on it is already enabled") if row.detail == "enabled" else None


def _remove_node(row: RowState) -> Refusal | None:
    return Refusal("it is already leaving the pool") if row.state == "leavingpool" else None


def _terminate_job(row: RowState) -> Refusal | None:
    if row.state == "completed":
        return Refusal("it is already completed, so there is nothing left to terminate")
    if row.state == "terminating":
        return Refusal("it is already terminating")
    return _being_deleted(row)


def _disable_job(row: RowState) -> Refusal | None:
    if row.state in ("disabled", "disabling"):
        return Refusal(f"it is already {row.state}", "enable it again with P")
    if row.state == "completed":
        return Refusal("it is completed; a completed job can be neither disabled nor enabled")
    if row.state and row.state != "active":
        return Refusal(f"it is {row.state}; only an active job can be disabled")
    return None


def _enable_job(row: RowState) -> Refusal | None:
    if row.state in ("disabled", "disabling", ""):
        return None
    if row.state == "completed":
        return Refusal("it is completed; a completed job can be neither disabled nor enabled")
    return Refusal(f"it is {row.state}; only a disabled job can be enabled")


def _terminate_task(row: RowState) -> Refusal | None:
    if row.state in ("completed", "failed"):
        return Refusal("it has already completed, so there is nothing to terminate")
    return None


def _reactivate(row: RowState) -> Refusal | None:
    if row.state in ("failed", ""):
        return None
    if row.state == "completed":
        return Refusal("it succeeded; only a task that failed can be reactivated")
    return Refusal(f"it is {row.state}; only a task that failed can be reactivated")


def _ended_schedule(row: RowState) -> Refusal | None:
    if row.state == "completed":
        return Refusal("it is completed; a completed job schedule runs no more and cannot change")
    if row.state == "terminating":
        return Refusal("it is terminating")
    return _being_deleted(row)


def _terminate_schedule(row: RowState) -> Refusal | None:
    if row.state == "completed":
        return Refusal("it is already completed, so there is nothing left to terminate")
    return Refusal("it is already terminating") if row.state == "terminating" else _being_deleted(row)


def _disable_schedule(row: RowState) -> Refusal | None:
    if row.state == "disabled":
        return Refusal("it is already disabled", "enable it again with P")
    return _ended_schedule(row)


def _enable_schedule(row: RowState) -> Refusal | None:
    if row.state == "active":
        return Refusal("it is already active")
    return _ended_schedule(row)


_RULES: dict[str, RuleFn] = {
    "resize": _resize,
    "stop_resize": _stop_resize,
    "reboot": _restart("rebooted"),
    "reimage": _restart("reimaged"),
    "ssh": _restart("logged in to (Batch makes node users only there)"),
    "disable_scheduling": _disable_scheduling,
    "enable_scheduling": _enable_scheduling,
    "remove_nodes": _remove_node,
    "terminate_job": _terminate_job,
    "disable_job": _disable_job,
    "enable_job": _enable_job,
    "terminate_task": _terminate_task,
    "reactivate": _reactivate,
    "terminate_schedule": _terminate_schedule,
    "disable_schedule": _disable_schedule,
    "enable_schedule": _enable_schedule,
    "delete": _being_deleted,
}
