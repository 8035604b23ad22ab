"""A job's preparation and release tasks on its nodes: Batch's
GET /jobs/{job}/jobpreparationandreleasetaskstatus, as plain rows.

`prep_release_status(service, job_id)` lists one `NodePrepRelease` per node the
preparation task ran on (every page), in the service's (node id) order; a job
without a preparation task has none (Batch answers it 409
JobPreparationTaskNotSpecified, which is not an error here). Other failures
raise ServiceError."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .errors import ServiceError
from .models import FileRef, RestDict, parse_time, path_segment

if TYPE_CHECKING:
    from .client import BatchService

NO_PREPARATION = "JobPreparationTaskNotSpecified"


@dataclass(frozen=True, slots=True)
class JobTaskRun:
    """One node's run of the job's preparation or release task (Batch's
    JobPreparationTaskExecutionInfo / JobReleaseTaskExecutionInfo)."""

    state: str  # running or completed
    result: str | None  # success or failure, once completed
    exit_code: int | None
    start_time: datetime | None
    end_time: datetime | None
    retry_count: int  # (always 0 for a release task)
    failure: str  # "CODE: message" of its failureInfo, "" without one
    task_root: str  # its directory, relative to the node's root (e.g. workitems/JOB/job-1/jobpreparation)

    @property
    def failed(self) -> bool:
        return self.state == "completed" and self.result == "failure"

    @classmethod
    def from_rest(cls, d: RestDict) -> JobTaskRun:
        failure = d.get("failureInfo") or {}
        text = f"{failure.get('code', '')}: {failure.get('message', '')}" if failure else ""
        return cls(
            state=d.get("state", ""),
            result=d.get("result"),
            exit_code=d.get("exitCode"),
            start_time=parse_time(d.get("startTime")),
            end_time=parse_time(d.get("endTime")),
            retry_count=int(d.get("retryCount") or 0),
            failure=text,
            task_root=d.get("taskRootDirectory", ""),
        )


@dataclass(frozen=True, slots=True)
class NodePrepRelease:
    """The preparation and release task runs of one job on one node (release: None until it ran)."""

    pool_id: str
    node_id: str
    preparation: JobTaskRun | None
    release: JobTaskRun | None

    @classmethod
    def from_rest(cls, d: RestDict) -> NodePrepRelease:
        prep, release = d.get("jobPreparationTaskExecutionInfo"), d.get("jobReleaseTaskExecutionInfo")
        return cls(
            pool_id=d.get("poolId", ""),
            node_id=d.get("nodeId", ""),
            preparation=JobTaskRun.from_rest(prep) if prep else None,
            release=JobTaskRun.from_rest(release) if release else None,
        )

    def run(self, which: str) -> JobTaskRun | None:
        """The "preparation" or "release" run."""
        return self.preparation if which == "preparation" else self.release

    def file_ref(self, which: str, name: str) -> FileRef | None:
        """The node file `name` (stdout.txt, stderr.txt) of the "preparation" or "release"
        run, read through the node's file routes; None when that run has no directory."""
        run = self.run(which)
        if run is None or not run.task_root:
            return None
        return FileRef.node(self.pool_id, self.node_id, f"{run.task_root}/{name}")


async def prep_release_status(service: BatchService, job_id: str) -> list[NodePrepRelease]:
    """Every node's entry for the job (all pages); [] for a job without a preparation task."""
    out: list[NodePrepRelease] = []
    try:
        async for page in service.pages(f"/jobs/{path_segment(job_id)}/jobpreparationandreleasetaskstatus"):
            out.extend(NodePrepRelease.from_rest(d) for d in page)
    except ServiceError as error:
        if error.code == NO_PREPARATION:
            return []
        raise
    return out
