"""A job's own tasks as Batch stores them: the job preparation and release tasks
with Batch's defaults filled in, checked against Batch's rules on job add.

Defaults (Batch's REST reference): the preparation task's id is
`jobpreparation`, it waits for success and reruns after a node reboot, with
unlimited wall clock, no retries and 7 days' retention; the release task's id
is `jobrelease`, its maxWallClockTime 15 minutes (no more is allowed) and its
retentionTime 7 days. A release task needs a preparation task; neither may
share its id with the other."""

from __future__ import annotations

from pathlib import Path

from . import errors
from .formats import UNLIMITED_DURATION, parse_duration
from .store import Doc

PREPARATION_ID = "jobpreparation"
RELEASE_ID = "jobrelease"
RELEASE_WALL_CLOCK = "PT15M"
RELEASE_MAX_SECONDS = 15 * 60
RETENTION = "P7D"


def fill_job_tasks(job: Doc) -> None:
    """Fill in the defaults of the job's preparation and release tasks (in place);
    400 InvalidPropertyValue for a release task without a preparation task, a
    release wall clock over 15 minutes, or the two with one id."""
    prep = job.get("jobPreparationTask")
    release = job.get("jobReleaseTask")
    if release is not None and prep is None:
        raise errors.invalid_property(
            "jobReleaseTask", "specified",
            "A Job Release Task cannot be specified without also specifying a Job Preparation Task for the Job.")
    if prep is not None:
        prep.setdefault("id", PREPARATION_ID)
        constraints = prep.setdefault("constraints", {})
        constraints.setdefault("maxWallClockTime", UNLIMITED_DURATION)
        constraints.setdefault("retentionTime", RETENTION)
        constraints.setdefault("maxTaskRetryCount", 0)
        prep.setdefault("waitForSuccess", True)
        prep.setdefault("rerunOnNodeRebootAfterSuccess", True)
    if release is not None:
        release.setdefault("id", RELEASE_ID)
        release.setdefault("maxWallClockTime", RELEASE_WALL_CLOCK)
        release.setdefault("retentionTime", RETENTION)
        if parse_duration(release["maxWallClockTime"]) > RELEASE_MAX_SECONDS:
            raise errors.invalid_property(
                "jobReleaseTask.maxWallClockTime", release["maxWallClockTime"],
                "The Job Release Task may not run longer than 15 minutes.")
        if prep is not None and release["id"] == prep["id"]:
            raise errors.invalid_property(
                "jobReleaseTask.id", release["id"], "The Job Release Task's id is the Job Preparation Task's.")


def check_task_id(job: Doc, task_id: str) -> None:
    """409 when a task added to the job has the id of its preparation or release task."""
    for key, code, name in (("jobPreparationTask", "TaskIdSameAsJobPreparationTask", "Job Preparation"),
                            ("jobReleaseTask", "TaskIdSameAsJobReleaseTask", "Job Release")):
        spec = job.get(key)
        if spec is not None and spec.get("id") == task_id:
            raise errors.BatchError(409, code, f"The task id is the same as that of the {name} task.")


def run_dir(job_id: str, spec: Doc) -> str:
    """The directory of the job's preparation or release task, relative to the node's root."""
    return f"workitems/{job_id}/job-1/{spec['id']}"


def prep_environment(job: Doc, task: Doc, node_root: Path) -> dict[str, str]:
    """AZ_BATCH_JOB_PREP_DIR and _WORKING_DIR, for every task of a job with a
    preparation task except the preparation task itself."""
    spec = job.get("jobPreparationTask")
    if not spec or task is spec:
        return {}
    prep_dir = node_root / run_dir(job["id"], spec)
    return {"AZ_BATCH_JOB_PREP_DIR": str(prep_dir), "AZ_BATCH_JOB_PREP_WORKING_DIR": str(prep_dir / "wd")}
