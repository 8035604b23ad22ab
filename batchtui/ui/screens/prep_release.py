"""The preparation and release view (`:prep [JOB]`): per node the job's preparation task ran on, its
run (state, exit code, start, end) and, once the job has ended, its release task's; under the table the
cursor run's failure, retries, duration and directory. `l`/`e` open the run's stdout/stderr (see
`NodeRunsScreen`). The rows come from Batch's GET /jobs/{job}/jobpreparationandreleasetaskstatus
(`service.prep_release`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from ...service.models import FileRef
from ...service.prep_release import NodePrepRelease, prep_release_status
from ...textsafe import inert
from ..prep_release_view import PREP_COLUMNS, cursor_line, job_line, prep_rows, split_key
from ..widgets.resource_table import TableRow
from .node_runs import NodeRunsScreen

if TYPE_CHECKING:
    from ...service.client import BatchService


class PrepReleaseScreen(NodeRunsScreen):
    """The preparation and release task runs of `job_id`, node by node."""

    def __init__(self, account: str, job_id: str) -> None:
        super().__init__(account, f"Preparation and release tasks of job {job_id}", PREP_COLUMNS,
                         "the job's preparation and release tasks")
        self.job_id = job_id
        self.entries: list[NodePrepRelease] | None = None  # None until the first answer

    async def fetch(self, service: BatchService) -> tuple[Text, list[TableRow], str]:
        job = await service.get_job(self.job_id)
        entries = await prep_release_status(service, self.job_id)
        self.entries = entries
        rows = prep_rows(entries, self.now())
        if not job.get("jobPreparationTask"):
            return (Text(f"job {inert(self.job_id)} has no preparation task", style="dim"), rows,
                    "This job has no preparation task (and so no release task)")
        return (job_line(self.job_id, entries, bool(job.get("jobReleaseTask"))), rows,
                "The preparation task has not run on any node yet (no task of the job has)")

    def _entry(self, key: str | None) -> tuple[NodePrepRelease | None, str]:
        if key is None or not self.entries:
            return None, ""
        node_id, which = split_key(key)
        return next((e for e in self.entries if e.node_id == node_id), None), which

    def cursor_text(self, key: str | None) -> Text:
        return cursor_line(*self._entry(key), self.now())

    def log_file(self, key: str, name: str) -> tuple[FileRef, str] | None:
        entry, which = self._entry(key)
        ref = entry.file_ref(which, name) if entry is not None else None
        if entry is None or ref is None:
            return None
        return ref, f"{name} of the {which} task of job {self.job_id} on node {entry.node_id}"
