"""The refresh loop: one self-scheduling worker per view keeps the table fresh,
and each batch it fetches is applied to the table, the tree, the summary and
the top bar. A failing refresh marks the view stale and backs off; a parent
that vanished (a deleted job or pool) is shown as gone.

Nothing here touches the network on the event loop: every fetch runs in a
worker, and its result is dropped if the user has moved on to another view.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widgets import Static

from ...service.client import BatchService
from ...service.errors import NOT_FOUND, ServiceError
from ...textsafe import inert
from ..fetch import Batch, JobCounts, TaskTracker, fetch_jobs, fetch_nodes, fetch_pools, fetch_schedules
from ..format import clock_time, redact_url
from ..heap import settle_rows
from ..model.waiting import waiting_notice
from ..summaries import Fit, job_summary, jobs_overview, pool_summary, pools_overview, schedules_overview
from ..views import EMPTY_TEXT, JOBS, NODES, POOLS, ROW_BUILDERS, SCHEDULES, TASKS, ViewKey
from ..widgets.resource_table import TableRow
from ..widgets.summary import Summary
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp

MAX_BACKOFF = 30.0  # seconds between refreshes of a view that keeps failing, at most


class Refresher:
    """Refresh state of the app's current view, and the rows last seen of every view."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self.fresh_at: datetime | None = None  # when the current view last refreshed without error
        self.stale: ServiceError | None = None  # why the last refresh failed, until one succeeds
        self.failures = 0  # refreshes failed in a row (the backoff's exponent)
        self.gone: str | None = None  # the view's pool or job no longer exists: what to say
        self.server_filter: dict[ViewKey, str] = {}  # tasks views fetched with an OData $filter
        self.trackers: dict[ViewKey, TaskTracker] = {}
        self.job_counts: dict[ViewKey, JobCounts] = {}  # jobs view → its jobs' task counts
        # view → row id → (the listed item, the day and UTC offset it was built for, its table row)
        self._memo: dict[ViewKey, dict[str, tuple[Any, tuple[date, timedelta | None], TableRow]]] = {}
        self._cache: dict[ViewKey, list[TableRow]] = {}
        self._seen: set[str] = set()  # row keys of the full listing under way
        self._timer: Timer | None = None
        self._topbar_key: tuple[object, ...] | None = None
        self._cursor_row_changed = True  # the refresh touched the cursor's row: reload its details

    # -- the current view -------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the previous view's errors (the app switched views)."""
        self.gone = None
        self.stale = None
        self.failures = 0

    def keep(self, view: ViewKey, rows: list[TableRow]) -> None:
        """The table's rows as the user leaves `view`: shown at once when the view opens again (its refresh
        state is kept too, so its next refresh brings them up to date). Taken on leaving, not on every
        refresh: a copy of a million rows a tick was half of a tick's time."""
        self._cache[view] = rows

    def cached(self, view: ViewKey) -> list[TableRow]:
        """The rows `view` showed when it was last left ([] if never shown)."""
        return self._cache.get(view, [])

    def set_server_filter(self, view: ViewKey, odata: str) -> None:
        """Fetch `view` with an OData $filter from now on; its cached rows are dropped."""
        self.server_filter[view] = odata
        self.trackers.pop(view, None)
        self._cache.pop(view, None)

    def clear_server_filter(self, view: ViewKey) -> bool:
        """Fetch `view` unfiltered again; False if it had no $filter."""
        if view not in self.server_filter:
            return False
        del self.server_filter[view]
        self.trackers.pop(view, None)
        return True

    # -- scheduling -------------------------------------------------------------------------
    def refresh_now(self) -> None:
        """Refresh the current view at once (the next one is scheduled when it ends)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        start_worker(self.app, self._refresh, self.app.view, group="refresh", exclusive=True)

    def _schedule(self, view: ViewKey) -> None:
        app = self.app
        if view != app.view:
            return
        if self._timer is not None:
            self._timer.stop()
        delay = app.refresh_seconds
        if self.stale is not None:
            delay = min(MAX_BACKOFF, app.refresh_seconds * 2 ** min(self.failures, 4))
        self._timer = app.set_timer(delay, self.refresh_now)

    async def _refresh(self, view: ViewKey) -> None:
        app = self.app
        service = app.services[view.account]
        self._cursor_row_changed = False  # set by _apply when this refresh touches the cursor's row
        try:
            async for batch in self._batches(view, service):
                if view != app.view or not app.ui_alive():
                    return
                self._apply(view, batch)
            self.stale, self.failures = None, 0
            self.fresh_at = app.clock()
            if self._cursor_row_changed:
                app.details.reload()
            self.update_topbar()
            await app.tree_sync.sync(service, view)
        except ServiceError as error:
            if view == app.view and app.ui_alive():
                self._on_error(view, error)
        except NoMatches:
            return  # the app is shutting down under this worker
        finally:
            if app.ui_alive():
                self.update_topbar()
                self._schedule(view)

    async def _batches(self, view: ViewKey, service: BatchService) -> AsyncIterator[Batch]:
        """What one refresh of `view` fetches, batch by batch."""
        if view.kind == TASKS:
            tracker = self.trackers.get(view)
            if tracker is None or tracker.odata_filter != self.server_filter.get(view):
                tracker = TaskTracker(view.parent, self.server_filter.get(view))
                self.trackers[view] = tracker
            async for batch in tracker.refresh(service):
                yield batch
        elif view.kind == JOBS:
            async for batch in fetch_jobs(service, self.job_counts.setdefault(view, JobCounts()), view.parent):
                yield batch
        elif view.kind == POOLS:
            yield await fetch_pools(service)
        elif view.kind == SCHEDULES:
            yield await fetch_schedules(service)
        else:
            yield await fetch_nodes(service, view.parent)

    def _on_error(self, view: ViewKey, error: ServiceError) -> None:
        if error.kind == NOT_FOUND and view.parent:
            what = {NODES: "Pool", JOBS: "Job schedule"}.get(view.kind, "Job")
            self.gone = f"{what} {view.parent} no longer exists ({error.code})"
            self.app.table.empty_text = self.gone
            self.app.table.set_rows([])
            self._cache.pop(view, None)
            self.set_summary(Text(self.gone, style="bold red"))
            return
        self.stale = error
        self.failures += 1

    # -- applying a batch -------------------------------------------------------------------
    def _built(self, view: ViewKey, batch: Batch, build: Callable[[Any, datetime], TableRow],
               now: datetime) -> list[TableRow]:
        """The table rows of `batch`. A pool, node, job or job schedule that is what it was at the last
        refresh (and shown on the same day, in the same time zone) keeps the row built then: 10,000 jobs
        are listed on every refresh, few of them change. A tasks view's rows are always built (their
        builders flag stragglers and dependencies), and a job schedule's (its next run reads the clock)."""
        if view.kind in (TASKS, SCHEDULES):  # (a schedule's "after job-3" depends on the time of day)
            return [build(r, now) for r in batch.rows]
        memo = self._memo.setdefault(view, {})
        stamp = (now.date(), now.utcoffset())
        out = []
        for item in batch.rows:
            kept = memo.get(item.id)
            if kept is not None and kept[1] == stamp and kept[0] == item:
                out.append(kept[2])
                continue
            row = build(item, now)
            memo[item.id] = (item, stamp, row)
            out.append(row)
        return out

    def _apply(self, view: ViewKey, batch: Batch) -> None:
        now = self.app.choices.now(view.kind)  # (UTC or local time, as chosen)
        # (a tasks view's rows: its job's figures take the batch first, so stragglers are built flagged)
        build = self.app.monitor.task_builder(view, batch) if view.kind == TASKS else ROW_BUILDERS[view.kind]
        build = self.app.dependencies.builder(view, batch, build)  # active dependents: what they wait for
        rows = self.app.managers.mark(view, self._built(view, batch, build, now))  # a job manager's row first
        table = self.app.table
        cursor = table.cursor_key
        before = table.get_row(cursor) if cursor else None
        with self.app.batch_update():
            if batch.full and batch.start:
                self._seen = batch.listed if batch.listed is not None else set()
            if batch.full and batch.start and batch.final and [r.key for r in rows] != table.all_keys():
                table.set_rows(rows)
            elif rows:
                table.upsert_rows(rows)
            if batch.full:
                if batch.listed is None:
                    self._seen.update(r.key for r in rows)
                if batch.final:
                    seen, self._seen = self._seen, set()  # (a big job's million ids: kept only while it lists)
                    # (every key listed is in the table: as many keys as it holds, and none is gone)
                    gone = set() if len(seen) == table.total_count else \
                        {key for key in table.all_keys() if key not in seen}
                    if gone:
                        table.remove_rows(gone)
                        memo = self._memo.get(view, {})
                        for key in gone:
                            memo.pop(key, None)
            self.app.monitor.applied(view, batch)  # stragglers that turned, the progress line, watched jobs
            self.app.dependencies.applied(view, batch)  # dependents whose upstream tasks changed
            table.empty_text = EMPTY_TEXT[view.kind]
            after = table.get_row(cursor) if cursor else None
            if before is None or after is None or before.cells != after.cells:
                self._cursor_row_changed = True
            if rows and batch.full:
                settle_rows(table.total_count)  # a big table's rows: out of the collector's walks
            self._update_summary(view, batch)
            if view.kind == TASKS:  # the tree shows a job's first tasks: only their states follow
                self.app.tree_sync.listed(view.account, TASKS, batch.rows, view.parent, complete=False)
            elif batch.final:
                self.app.tree_sync.listed(view.account, view.kind, batch.rows, view.parent)

    def set_summary(self, content: Text | str | Fit) -> None:
        """Show `content` in the summary line above the table."""
        self.app.query_one("#summary", Summary).show(content)

    def _update_summary(self, view: ViewKey, batch: Batch) -> None:
        if view.kind == TASKS and batch.task_counts is not None:
            self.set_summary(job_summary(batch.task_counts))
        elif view.kind == NODES and batch.final:
            counts = (batch.node_counts or {}).get(view.parent)
            self.set_summary(pool_summary(list(batch.rows), counts))
        elif view.kind == POOLS and batch.node_counts is not None:
            self.set_summary(pools_overview(batch.node_counts))
        elif view.kind == JOBS:
            self.set_summary(jobs_overview(batch.rows))
        elif view.kind == SCHEDULES:
            self.set_summary(schedules_overview(batch.rows))

    # -- the top bar ------------------------------------------------------------------------
    def waiting_notice(self) -> str | None:
        """"waiting for ENDPOINT: no answer for N s" while a read of the view's account has waited a few
        seconds (model.waiting; the app's one-second tick repaints the bar meanwhile); else None."""
        app = self.app
        account = app.accounts.get(app.view.account)
        waiting_for = getattr(app.services.get(app.view.account), "waiting_for", None)
        if account is None or waiting_for is None:
            return None
        return waiting_notice(redact_url(account.endpoint), waiting_for())

    def update_topbar(self) -> None:
        """The account, read-only mode, and how fresh the view is (live, late or stale)."""
        app = self.app
        account = app.accounts.get(app.view.account)
        text = Text()
        text.append("batchtui", style="bold")
        waiting = self.waiting_notice()
        if account is not None:
            text.append(f"  {inert(account.name)}", style="bold cyan")
            if app.read_only or account.read_only:
                text.append("  read-only", style="bold magenta")
        if waiting:
            text.append(f"  {inert(waiting)}", style="bold yellow")
        # Times, not ages: an age would change (and repaint) the bar every second.
        now = app.clock()
        last = "never" if self.fresh_at is None else clock_time(self.fresh_at, app.choices.now(app.view.kind))
        if self.stale is not None:
            text.append(f"  ⚠ stale, last refreshed {last}: {inert(str(self.stale))}", style="bold red")
        elif self.fresh_at is not None and not waiting:  # (not "live" while waiting)
            # While refreshes keep their pace, a steady "live"; once one is late, when the last one was.
            if (now - self.fresh_at).total_seconds() <= 2 * app.refresh_seconds + 1:
                text.append(f"  ● live, every {app.refresh_seconds:g}s", style="green")
            else:
                text.append(f"  late: last refreshed {last}", style="yellow")
        if account is not None and not waiting:  # last: on a narrow terminal the endpoint is what gets cut (with …)
            text.append(f"  {inert(redact_url(account.endpoint))}", style="dim")
        key = (text.plain, tuple(text.spans))
        if key == self._topbar_key:
            return
        self._topbar_key = key
        for bar in app.query("#topbar").results(Static):  # none while the app shuts down
            bar.update(text, layout=False)
