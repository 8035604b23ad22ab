"""Watched jobs: the terminal is told when one completes or its failed count rises.

A job is watched while its tasks view is open (its refresh brings the taskcounts: `JobMonitor.applied`
calls `observe`), and after `W` marked it (jobs view: the marked rows or the cursor's; tasks view: the
open job), until `W` again. Marked jobs that are not open are polled for their taskcounts every refresh
interval, by one worker at a time, and never while they are open (one reader per job, so one change is
told once; `WatchBook` says what is news).

A notice is a toast in the app (plain text) and, as `BATCHTUI_NOTIFY` or the terminal allows
(`model.terminal_notify`), the bell and an OSC desktop notification, written through Textual's driver as
one write (its writer thread keeps it whole, between frames).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ...service.errors import NOT_FOUND, ServiceError
from ...service.models import TaskCounts
from ..model.terminal_notify import Method, choose, sequence
from ..model.watch_book import JobKey, Notice, WatchBook
from ..views import JOBS, TASKS, ViewKey
from .workers import start_worker

if TYPE_CHECKING:
    from textual.timer import Timer

    from ..app import BatchApp

TITLE = "batchtui"


class JobWatch:
    """The watched jobs of the app, their polling, and the notices."""

    def __init__(self, app: BatchApp, environ: Mapping[str, str] = os.environ) -> None:
        self.app = app
        self.book = WatchBook()
        self.method: Method = choose(environ)
        self._timer: Timer | None = None
        self._problem_told = False

    # -- which jobs -------------------------------------------------------------------------
    def _open_job(self) -> JobKey | None:
        view = self.app.view
        return (view.account, view.parent) if view.kind == TASKS else None

    def is_watched(self, job: JobKey) -> bool:
        return job in self.book.marked or job == self._open_job()

    def toggle(self) -> None:
        """`W`: watch or stop watching the open job (tasks view) or the marked jobs / the cursor's (jobs)."""
        app = self.app
        view = app.view
        if view.kind == TASKS:
            jobs = [view.parent]
        elif view.kind == JOBS:
            jobs = sorted(app.table.marked) or ([app.table.cursor_key] if app.table.cursor_key else [])
        else:
            return
        if not jobs:
            app.notify("no job selected", severity="warning", timeout=3)
            return
        now_watched = [job for job in jobs if self.book.toggle((view.account, job))]
        stopped = [job for job in jobs if job not in now_watched]
        for job in stopped:
            if (view.account, job) != self._open_job():
                self.book.forget((view.account, job))
        parts = []
        if now_watched:
            parts.append(f"watching {_jobs(now_watched)}: you are told when it completes or a task fails"
                         if len(now_watched) == 1 else
                         f"watching {_jobs(now_watched)}: you are told when one completes or a task fails")
        if stopped:
            parts.append(f"no longer watching {_jobs(stopped)}")
        app.notify("; ".join(parts), timeout=5)
        if now_watched:
            self.poll_now()

    def view_changed(self, before: ViewKey, after: ViewKey) -> None:
        """The explorer left `before` for `after`: a job open only (not marked) is no longer watched."""
        if before.kind == TASKS and before != after:
            job = (before.account, before.parent)
            if job not in self.book.marked:
                self.book.forget(job)
        self._schedule()

    # -- looks and notices ------------------------------------------------------------------
    def observe(self, account: str, job_id: str, counts: TaskCounts) -> None:
        """A look at a job's taskcounts (from its open view's refresh, or the poll)."""
        job = (account, job_id)
        if not self.is_watched(job):
            return
        notice = self.book.observe(job, counts, time.monotonic())
        if notice is not None:
            self._tell(notice)

    def _tell(self, notice: Notice) -> None:
        app = self.app
        if not app.ui_alive():
            return
        app.notify(notice.message, title=TITLE, severity="warning" if notice.failed_more else "information",
                   timeout=10)
        if self.method.problem and not self._problem_told:
            self._problem_told = True
            app.notify(self.method.problem, severity="warning", timeout=8)
        written = sequence(self.method, TITLE, notice.message)
        if written:
            self._driver_write(written)

    def _driver_write(self, data: str) -> None:
        driver = self.app._driver  # (Textual has no public way to write a raw sequence; App.bell does this)
        if driver is not None:  # (a headless driver writes nothing)
            driver.write(data)

    # -- polling the marked jobs that are not open ------------------------------------------
    def _polled(self) -> list[JobKey]:
        open_job = self._open_job()
        return sorted(job for job in self.book.marked if job != open_job and job[0] in self.app.services)

    def _schedule(self) -> None:
        if self._timer is None and self._polled():
            self._timer = self.app.set_timer(self.app.refresh_seconds, self.poll_now)

    def poll_now(self) -> None:
        """Look at every polled job now (the next look is scheduled when this one ends)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._polled():
            start_worker(self.app, self._poll, group="watch", exclusive=True)

    async def _poll(self) -> None:
        app = self.app
        try:
            for job in self._polled():
                try:
                    counts = await app.services[job[0]].task_counts(job[1])
                except ServiceError as error:
                    if error.kind == NOT_FOUND and app.ui_alive():
                        self.book.marked.discard(job)
                        self.book.forget(job)
                        app.notify(f"job {job[1]} no longer exists: no longer watched", severity="warning")
                    continue
                if app.ui_alive() and job != self._open_job():  # (opened meanwhile: its view reads it now)
                    self.observe(job[0], job[1], counts)
        finally:
            self._timer = None
            if app.ui_alive():
                self._schedule()


def _jobs(ids: list[str]) -> str:
    shown = ", ".join(ids[:3]) + (f" (+{len(ids) - 3})" if len(ids) > 3 else "")
    return f"job{'s' if len(ids) > 1 else ''} {shown}"
