"""What the details pane says of a task's place in its job's workflow: what it
depends on, which of those tasks it still waits for and which block it (from
the job's DependencyBook), and for a completed task the exit option that
matched and what it did to the job and to the tasks depending on it.

Lines are (label, value, tone) with tone "" (plain), "error" or "dim"; the
widget styles them. No Textual here."""

from __future__ import annotations

from typing import Any

from ...service.exit_options import exit_outcome
from ...service.task_dependencies import TaskDeps, Upstream, Waiting

Line = tuple[str, str, str]
NAMED = 6  # upstream tasks a line names before "+N more"
DEPENDS_CHARS = 120  # of the dependsOn line

JOB_ACTION_DONE = {
    "terminate": "terminate: the job was terminated (terminateReason TaskFailed)",
    "disable": "disable: the job was disabled (its running tasks requeued)",
    "none": "none: the job goes on",
}


def _names(tasks: list[Upstream], more: int = 0) -> str:
    shown = [f"{u.id} ({u.state})" for u in tasks[:NAMED]]
    rest = len(tasks) - len(shown) + more
    return ", ".join(shown) + (f" +{rest} more" if rest else "")


def dependency_lines(doc: dict[str, Any], waiting: Waiting | None) -> list[Line]:
    """The task's dependsOn, and (while it is active) what it waits for; `waiting` None: not known here
    (a filtered view)."""
    deps = TaskDeps.from_rest(doc.get("dependsOn"))
    if deps is None:
        return []
    described = deps.describe()
    if len(described) > DEPENDS_CHARS:
        described = described[:DEPENDS_CHARS - 1] + "…"
    lines: list[Line] = [("depends on", described, "")]
    if doc.get("state") != "active":
        return lines
    if waiting is None:
        return [*lines, ("", "D lists their states", "dim")]
    if waiting.blockers:
        blockers = waiting.blockers
        until = (f"{blockers[0].id} is reactivated and succeeds" if len(blockers) == 1
                 else "they are reactivated and succeed")
        lines.append(("blocked by", f"{_names(blockers)}: {doc.get('id', 'this task')} stays active until {until}",
                      "error"))
    if waiting.pending or waiting.more:
        lines.append(("waits for", _names(waiting.pending, waiting.more), ""))
    if not waiting.count:
        lines.append(("waits for", "nothing now: it runs when a task slot is free", "dim"))
    lines.append(("", "D lists upstream and downstream tasks; enter jumps to one", "dim"))
    return lines


def exit_relevant(doc: dict[str, Any]) -> bool:
    """Whether exit options may tell something of the task: it completed, with exitConditions or a failure."""
    info = doc.get("executionInfo") or {}
    return doc.get("state") == "completed" and bool(doc.get("exitConditions") or info.get("result") == "failure")


def exit_lines(doc: dict[str, Any], job: dict[str, Any] | None) -> list[Line]:
    """For a completed task: the exit option that matched, its job action (as the job's onTaskFailure let it
    run) and its dependency action (when the job uses task dependencies). `job`: the job's onTaskFailure and
    usesTaskDependencies (None: unknown). Nothing for a task with no exitConditions in a job where they change
    nothing (onTaskFailure noaction, no task dependencies)."""
    job = job or {}
    on_task_failure = job.get("onTaskFailure") or ("noaction" if job else None)
    uses_dependencies = bool(job.get("usesTaskDependencies"))
    acting = on_task_failure == "performexitoptionsjobaction" or uses_dependencies
    if not exit_relevant(doc) or not (doc.get("exitConditions") or acting):
        return []
    outcome = exit_outcome(doc)
    lines: list[Line] = [("exit option", outcome.matched or "none matched: Batch's defaults", "")]
    if on_task_failure == "performexitoptionsjobaction":
        tone = "error" if outcome.job_action != "none" else ""
        lines.append(("job action", JOB_ACTION_DONE.get(outcome.job_action, outcome.job_action), tone))
    elif on_task_failure is not None:
        lines.append(("job action", "none: the job's onTaskFailure is noaction", "dim"))
    satisfied = outcome.dependency_action == "satisfy"
    if uses_dependencies or not job:
            lines.append(("dependents", "satisfied: tasks depending on it may run" if satisfied
                      else "blocked: tasks depending on it stay active", "" if satisfied else "error"))
    return lines
