"""What a task's dependsOn and exitConditions do to its job, as Batch does it:
the checks a new task gets against its job (400s), dependent tasks held back
from scheduling (see dependencies), and the job action of a completed task's
exit option (see exit_options) when the job's onTaskFailure is
performexitoptionsjobaction: terminate (terminateReason TaskFailed) or
disable (as a job disable with disableTasks requeue).

Batch's error codes ("Batch status and error codes"; BatchErrorCodeStrings):
TaskDependenciesNotSpecifiedOnJob (dependsOn on a job without
usesTaskDependencies), TaskDependencyListTooLong (taskIds longer than 64,000
characters in all), TaskDependencyRangesTooLong (the ranges too long to be
stored); a jobAction on a job whose onTaskFailure is noaction is an
InvalidPropertyValue (ExitOptions.jobAction in the REST reference)."""

from __future__ import annotations

from collections.abc import Container

from . import errors
from .dependencies import Dependencies
from .exit_options import exit_outcome
from .job_lifecycle import JobLifecycle
from .store import Doc, Store

# dependsOn.taskIds: "limited to 64000 characters total (i.e. the combined length of all Task IDs)".
MAX_DEPENDENCY_IDS_CHARS = 64_000
# dependsOn.taskIdRanges: Batch documents TaskDependencyRangesTooLong ("the list of task id ranges was too long
# to be stored") but no number. Choice: the ranges written as "start-end" and joined by commas get the taskIds'
# 64,000 characters, and together they cover at most 1,000,000 task ids.
MAX_DEPENDENCY_RANGES_CHARS = 64_000
MAX_DEPENDENCY_RANGE_IDS = 1_000_000


def _bad(code: str, message: str) -> errors.BatchError:
    return errors.BatchError(400, code, message)


def _job_actions(conditions: Doc) -> list[tuple[str, object]]:
    """(property path, jobAction) of every exit option that names a jobAction."""
    found: list[tuple[str, object]] = []
    for kind in ("exitCodes", "exitCodeRanges"):
        for i, entry in enumerate(conditions.get(kind) or []):
            options = entry.get("exitOptions") or {}
            if "jobAction" in options:
                found.append((f"exitConditions.{kind}[{i}].exitOptions.jobAction", options["jobAction"]))
    for kind in ("preProcessingError", "fileUploadError", "default"):
        options = conditions.get(kind) or {}
        if "jobAction" in options:
            found.append((f"exitConditions.{kind}.jobAction", options["jobAction"]))
    return found


def check_new_task(job: Doc, body: Doc) -> None:
    """Raise Batch's 400 for a task (a validated task.add body) its job cannot take."""
    depends = body.get("dependsOn")
    if depends:
        if not job.get("usesTaskDependencies"):
            raise _bad("TaskDependenciesNotSpecifiedOnJob", "A task was specified as depending on other tasks, "
                       "but the job did not specify that it would use task dependencies.")
        if sum(len(i) for i in depends.get("taskIds") or []) > MAX_DEPENDENCY_IDS_CHARS:
            raise _bad("TaskDependencyListTooLong", "A task was specified as depending on other tasks, "
                       "but the list of dependencies was too long to be stored.")
        ranges = depends.get("taskIdRanges") or []
        for i, bounds in enumerate(ranges):
            if bounds["start"] > bounds["end"]:
                raise errors.invalid_property(f"dependsOn.taskIdRanges[{i}]", f"{bounds['start']}-{bounds['end']}",
                                              "The start of a task id range must not be greater than its end.")
        text = ",".join(f"{r['start']}-{r['end']}" for r in ranges)
        if len(text) > MAX_DEPENDENCY_RANGES_CHARS or sum(
            r["end"] - r["start"] + 1 for r in ranges
        ) > MAX_DEPENDENCY_RANGE_IDS:
            raise _bad("TaskDependencyRangesTooLong", "A task was specified as depending on other tasks, "
                       "but the list of task id ranges was too long to be stored.")
    if job.get("onTaskFailure", "noaction") == "noaction":
        for path, action in _job_actions(body.get("exitConditions") or {}):
            raise errors.invalid_property(path, action, "A jobAction can only be given when the job's "
                                          "onTaskFailure is performexitoptionsjobaction.")


class TaskWorkflow:
    """Holds dependent tasks back (held()) and acts on completed tasks (task_completed())."""

    def __init__(self, store: Store, jobs: JobLifecycle) -> None:
        self.store = store
        self.jobs = jobs
        self.dependencies = Dependencies(store)

    def held(self, job: Doc) -> Container[str]:
        """The ids of the job's active tasks that may not be scheduled yet."""
        return self.dependencies.held(job)

    def task_added(self, job_id: str, task: Doc) -> None:
        job = self.store.jobs.get(job_id)
        if job is not None:
            self.dependencies.task_added(job, task)

    def task_completed(self, job_id: str, task: Doc) -> None:
        """Tell its dependents; run its exit option's job action on an active job."""
        job = self.store.jobs.get(job_id)
        if job is None:
            return
        self.dependencies.task_completed(job, task)
        if job.get("onTaskFailure") != "performexitoptionsjobaction" or job["state"] != "active":
            return
        action = exit_outcome(task).job_action
        if action == "terminate":
            self.jobs.terminate(job, "TaskFailed")
        elif action == "disable":
            self.jobs.disable(job, "requeue")
