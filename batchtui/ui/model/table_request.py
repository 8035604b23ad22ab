"""What a triage view (failure clusters, histograms) asks for when it closes: the job's tasks table
filtered to some tasks (and maybe marked), or the other triage view. Plain values; the triage controller
carries them out (`controllers.triage`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ShowTasks", "SwitchView"]


@dataclass(frozen=True)
class ShowTasks:
    """The tasks table of `job_id`, filtered: by `odata` (a server $filter) when given, else to exactly
    `task_ids`, the filter named `name`; `mark`: then mark them all (for a bulk action)."""

    job_id: str
    name: str
    task_ids: tuple[str, ...] = ()
    odata: str | None = None
    mark: bool = False


@dataclass(frozen=True)
class SwitchView:
    """Another triage view of the same job: "failures", "histograms" or "nodes-health"."""

    job_id: str
    to: str
