"""The triage views of a job (`!` failure clusters, `%` exit codes and durations; `:failures [JOB]`,
`:histogram [JOB]`) and what they ask of the explorer: the tasks table filtered to a cluster's or a bar's
tasks (and marked, so that every bulk action applies to them), an example task's log, a cluster's task ids
copied or saved to a file.

The job is the one named, else the tasks view's, else the jobs view's cursor row. The tails of failed
tasks read for the clusters are kept for the session (`TailCache`, per task attempt): opening the view
again reads only the attempts not read before.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...service.localfiles import staged_file
from ...service.models import FileRef
from ...service.tails import TailCache
from ..actions import FAILED_FILTER
from ..job_health_source import JobHealthSource
from ..model.failure_clusters import ids_text
from ..model.table_request import ShowTasks, SwitchView
from ..screens.failures import FailuresScreen
from ..screens.histograms import HistogramScreen
from ..screens.save_file import SaveScreen
from ..views import JOBS, TASKS, ViewKey
from .workers import start_worker

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ...service.node_health import JobHealth
    from ..app import BatchApp

MARK_WAIT_SECONDS = 30.0  # how long marking waits for the tasks table to list a cluster's tasks


@dataclass(frozen=True)
class _IdsFile:
    """What the save dialog names: the default file name and what is saved."""

    path: str
    what: str

    def describe(self) -> str:
        return self.what


class Triage:
    """Opens the triage views over the explorer and carries out what they ask."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self.cache = TailCache()

    # -- opening ----------------------------------------------------------------------------
    def job_here(self, named: str = "") -> str | None:
        """The job to triage: `named`, else the tasks view's, else the jobs view's cursor row (None: no job
        here, and the user is told)."""
        app = self.app
        view = app.view
        job = named.strip() or (view.parent if view.kind == TASKS else
                                (app.table.cursor_key or "") if view.kind == JOBS else "")
        if not job:
            app.notify("open a job's tasks (or put the cursor on a job), or name it: :failures JOB",
                       severity="warning", timeout=4)
            return None
        return job

    def open_failures(self, named: str = "") -> None:
        """`!` / `:failures [JOB]`: the job's failure clusters."""
        job = self.job_here(named)
        if job is not None:
            self._push(job, "failures")

    def open_histograms(self, named: str = "") -> None:
        """`%` / `:histogram [JOB]`: the job's exit codes and durations."""
        job = self.job_here(named)
        if job is not None:
            self._push(job, "histograms")

    def _push(self, job_id: str, which: str) -> None:
        app = self.app
        account = app.view.account
        service = app.services[account]
        screen: FailuresScreen | HistogramScreen
        if which == "failures":
            screen = FailuresScreen(service, job_id, cache=self.cache, actions=self,
                                    clock=lambda: app.choices.now(TASKS),
                                    health=self._health_of(account, job_id))
        else:
            screen = HistogramScreen(service, job_id)

        def closed(asked: ShowTasks | SwitchView | None) -> None:
            self._closed(account, asked)

        app.push_screen(screen, closed)

    def _health_of(self, account: str, job_id: str) -> Callable[[], Awaitable[JobHealth]]:
        """What judges the job's nodes for the clusters view (the figures of the nodes health view)."""
        source = JobHealthSource(self.app, account, job_id)

        async def load() -> JobHealth:
            return (await source.load()).health

        return load

    def _closed(self, account: str, asked: ShowTasks | SwitchView | None) -> None:
        if not self.app.ui_alive() or account != self.app.view.account:
            return
        if isinstance(asked, SwitchView) and asked.to == "nodes-health":
            self.app.monitor.open_nodes_health(asked.job_id)
        elif isinstance(asked, SwitchView):
            self._push(asked.job_id, asked.to)
        elif isinstance(asked, ShowTasks):
            self.show_tasks(account, asked)

    # -- the tasks table --------------------------------------------------------------------
    def show_tasks(self, account: str, asked: ShowTasks) -> None:
        """The job's tasks table filtered as `asked` (a $filter, or exactly its ids), marked if asked."""
        app = self.app
        view = ViewKey(account, TASKS, asked.job_id)
        if asked.odata is not None:
            app.prompt.apply_server_filter(view, asked.odata)
            return
        server = app.refresher.server_filter.get(view)
        if server is not None and server != FAILED_FILTER:  # (a failed-only view lists every failed task)
            app.refresher.clear_server_filter(view)
        if app.view != view or (server is not None and server != FAILED_FILTER):
            app.navigator.show_view(view)
        app.table.set_filter(asked.name, keys=asked.task_ids)
        if asked.mark:
            start_worker(app, self._mark_when_listed, view, asked, group="triage-mark", exclusive=True)

    async def _mark_when_listed(self, view: ViewKey, asked: ShowTasks) -> None:
        """Mark the tasks once the table lists them all (or after MARK_WAIT_SECONDS, those it lists)."""
        app = self.app
        table = app.table
        deadline = time.monotonic() + MARK_WAIT_SECONDS
        while table.row_count < len(asked.task_ids) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if not app.ui_alive() or app.view != view or table.filter_text != asked.name:
                return
        if not app.ui_alive() or app.view != view or table.filter_text != asked.name:
            return
        table.mark_all()
        marked = len(table.marked)
        missing = len(asked.task_ids) - marked
        note = f" ({missing} not in the job any more)" if missing > 0 else ""
        app.notify(f"{marked} tasks marked{note}: a reruns them (any bulk action applies)", timeout=6)

    # -- ClusterActions ---------------------------------------------------------------------
    def open_task_log(self, job_id: str, task_id: str, file_name: str) -> None:
        """A task's file in the log view, over the triage view."""
        from ..screens.log_view import LogScreen

        app = self.app
        service = app.services[app.view.account]
        app.push_screen(LogScreen(service, FileRef.task(job_id, task_id, file_name), follow_task=(job_id, task_id)))

    def copy_ids(self, task_ids: Sequence[str], label: str) -> None:
        """The ids on the clipboard, one a line."""
        self.app.copier.put(ids_text(task_ids), label)

    def save_ids(self, job_id: str, task_ids: Sequence[str], label: str) -> None:
        """Ask for a file, then save the ids there, one a line (an existing file only on a second enter)."""
        app = self.app
        data = ids_text(task_ids).encode()
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{job_id}-failed-task-ids.txt")
        target = _IdsFile(os.path.join(".", name.lstrip(".")), label)

        async def write(path: str, *, overwrite: bool = False, progress: Callable[[int, int], None] | None = None,
                        **_: object) -> int:
            async with staged_file(path, overwrite) as out:
                await asyncio.to_thread(out.write, data)
            if progress is not None:
                progress(len(data), len(data))
            return len(data)

        def saved(result: tuple[str, int] | None) -> None:
            if result is not None:
                app.notify(f"saved {label} to {result[0]}", timeout=5)

        screen = SaveScreen(app.services[app.view.account], target, target.path, downloader=write,
                            title="Export task ids")
        app.push_screen(screen, saved)
