"""Where the explorer is: the view the table shows, drilling down (pools →
nodes, jobs → tasks, job schedules → their jobs) and back up, the history of views visited (`[` back,
`]` forward, `-` the last view, as k9s has), the account tree on the left, and
the screens opened from a row (logs, a task's or node's files, linked storage)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, NamedTuple

from textual.timer import Timer

from ...service.errors import ServiceError
from ...service.models import FileRef, JobRow, NodeRow, PoolRow, TaskRow
from ...service.schedules import ScheduleRow, list_schedule_jobs, list_schedules
from ..views import JOBS, NODES, POOLS, SCHEDULES, TASKS, ViewKey
from ..widgets.details import DetailsPane, storage_location
from ..widgets.nav_tree import NavItem
from ..widgets.view_title import ViewTitle
from .workers import start_worker

if TYPE_CHECKING:
    from ...service.storage import BlobStore
    from ..app import BatchApp


HISTORY_LIMIT = 100  # views remembered for `[` and `]`
CURSOR_WAIT = 15.0  # seconds a jump waits for its row to arrive in the table


class Place(NamedTuple):
    """A view visited, and the row its cursor was on when it was left."""

    view: ViewKey
    cursor: str | None


class Navigator:
    """Switches the app's view, remembers the views visited, and opens the screens reached from it."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self.stores: dict[str, BlobStore] = {}  # account → its linked BlobStore, opened on first use
        self.history: list[Place] = []  # views visited, oldest first
        self.position = -1  # index in `history` of the view on screen
        self._pending: tuple[ViewKey, str, float] | None = None  # (view, row key, give up at) for show_view
        self._pending_timer: Timer | None = None

    # -- the table's view -------------------------------------------------------------------
    def show_view(self, view: ViewKey, cursor: str | None = None, *, record: bool = True) -> None:
        """Switch the table to `view` (cached rows at once, fresh ones by a worker),
        the cursor on the row `cursor` if given (as soon as that row arrives).
        `record` adds the view to the history (`[`/`]` move in it without recording)."""
        app = self.app
        if view.account not in app.services:
            app.notify(f"{view.account}: {app.problems.get(view.account, 'no such account')}", severity="error")
            return
        self._remember_cursor()
        if record:
            self._record(view, cursor)
        self._pending = None
        app.refresher.keep(app.view, app.table.all_rows())
        before, app.view = app.view, view
        app.monitor.view_shown(before, view)  # the progress line, the watched open job
        app.refresher.reset()
        app.details.doc = None
        table = app.table
        table.set_columns(app.choices.columns(view.kind))
        app.choices.apply_sort(view.kind)
        table.set_filter("")
        table.empty_text = "Loading…"
        table.set_rows(app.refresher.cached(view))
        if not (cursor and table.move_cursor_to_key(cursor)):
            table.move_cursor(0)  # a view opens on its first row (not on the last view's row number)
            if cursor:
                self._await_cursor(view, cursor)
        table.clear_marks()
        app.query_one(ViewTitle).show_view(view.title, app.refresher.server_filter.get(view))
        app.refresher.set_summary("")
        app.query_one(DetailsPane).show("")
        app.refresh_bindings()
        app.tree_sync.show_current()
        app.refresher.refresh_now()

    def open_row(self, key: str) -> None:
        """Enter on a row: a pool's nodes, a job's tasks, a job schedule's jobs, else the row's JSON."""
        view = self.app.view
        if view.kind == POOLS:
            self.show_view(ViewKey(view.account, NODES, key))
        elif view.kind == SCHEDULES:
            self.show_view(ViewKey(view.account, JOBS, key))
        elif view.kind == JOBS:
            self.show_view(ViewKey(view.account, TASKS, key))
        else:
            self.app.details.show_json()

    def back(self) -> None:
        """Escape: close the prompt, else clear the filter (local, then $filter), else go up a level."""
        app = self.app
        if app.prompt.is_open:
            app.prompt.close()
            return
        if app.prompt.clear_filters():
            return
        up = app.view.up
        if up is not None:
            self.show_view(up, cursor=app.view.parent)

    def _await_cursor(self, view: ViewKey, key: str) -> None:
        """Put the cursor on `key` once a refresh brings that row (unless the user moves first)."""
        self._pending = (view, key, time.monotonic() + CURSOR_WAIT)
        if self._pending_timer is None:
            self._pending_timer = self.app.set_interval(0.1, self.land_cursor)

    def land_cursor(self) -> None:
        """The pending cursor of the last show_view, on its row if it has arrived. Given up
        when the view changed, the user moved the cursor, or it waited too long."""
        pending, table = self._pending, self.app.table
        if pending is not None and pending[0] == self.app.view and time.monotonic() < pending[2] \
                and table.cursor_row == 0:
            if not table.move_cursor_to_key(pending[1]):
                return  # not there yet
        self._pending = None
        if self._pending_timer is not None:
            self._pending_timer.stop()
            self._pending_timer = None

    # -- history ------------------------------------------------------------------------------
    def _record(self, view: ViewKey, cursor: str | None) -> None:
        """A new visit: the views after the current one are forgotten (as a browser does);
        showing the current view again (a new filter) is no new visit."""
        if 0 <= self.position < len(self.history) and self.history[self.position].view == view:
            self.history[self.position] = Place(view, cursor or self.history[self.position].cursor)
            return
        del self.history[self.position + 1:]
        self.history.append(Place(view, cursor))
        del self.history[:-HISTORY_LIMIT]
        self.position = len(self.history) - 1

    def _remember_cursor(self) -> None:
        """Note where the cursor is in the view being left, to come back to that row."""
        app = self.app
        if 0 <= self.position < len(self.history) and self.history[self.position].view == app.view:
            self.history[self.position] = Place(app.view, app.table.cursor_key or self.history[self.position].cursor)

    def go_history(self, step: int) -> None:
        """`[` (step -1) and `]` (+1): the previous or next view in the history, its cursor where it was left."""
        target = self.position + step
        if not 0 <= target < len(self.history):
            self.app.notify("no earlier view" if step < 0 else "no later view", timeout=2)
            return
        place = self.history[target]
        if place.view.account not in self.app.services:
            return
        self._remember_cursor()
        self.position = target
        self.show_view(place.view, place.cursor, record=False)

    def last_view(self) -> None:
        """`-`: the view shown before this one, as a new visit (so `-` again comes back here)."""
        if self.position < 1:
            self.app.notify("no earlier view", timeout=2)
            return
        place = self.history[self.position - 1]
        self._remember_cursor()
        self.show_view(place.view, place.cursor)

    # -- the tree ---------------------------------------------------------------------------
    def tree_selected(self, item: NavItem | None) -> None:
        """A tree node chosen: its view, with the cursor on it for a node or task."""
        if item is None or item.kind == "more":
            return
        if item.kind == "storage":
            self.open_storage(item.account)
            return
        if item.kind == "applications":
            self.open_applications(item.account)
            return
        target = {
            "account": (ViewKey(item.account, JOBS), None),
            "pools": (ViewKey(item.account, POOLS), None),
            "jobs": (ViewKey(item.account, JOBS), None),
            "pool": (ViewKey(item.account, NODES, item.ident), None),
            "job": (ViewKey(item.account, TASKS, item.ident), None),
            "node": (ViewKey(item.account, NODES, item.parent), item.ident),
            "task": (ViewKey(item.account, TASKS, item.parent), item.ident),
            "schedules": (ViewKey(item.account, SCHEDULES), None),
            "schedule": (ViewKey(item.account, JOBS, item.ident), None),
        }[item.kind]
        if target[0] != self.app.view:
            self.show_view(*target)
        elif target[1]:
            self.app.table.move_cursor_to_key(target[1])

    def tree_expanded(self, item: NavItem | None) -> None:
        """A tree node opened: list its children in a worker."""
        app = self.app
        if item is not None and item.kind in ("pools", "jobs", "pool", "job", "schedules", "schedule") \
                and item.account in app.services:
            start_worker(app, self._load_children, item, group="tree")

    async def _load_children(self, item: NavItem) -> None:
        app = self.app
        service = app.services[item.account]
        rows: list[PoolRow] | list[JobRow] | list[NodeRow] | list[TaskRow] | list[ScheduleRow]
        parent = ""
        try:
            if item.kind == "pools":
                kind, rows = POOLS, await service.list_pools()
            elif item.kind == "jobs":
                kind, rows = JOBS, await service.list_jobs()
            elif item.kind == "schedules":
                kind, rows = SCHEDULES, await list_schedules(service)
            elif item.kind == "schedule":
                kind, rows, parent = JOBS, await list_schedule_jobs(service, item.ident), item.ident
            elif item.kind == "pool":
                kind, rows = NODES, await service.list_nodes(item.ident)
            else:
                kind, rows = TASKS, []
                async for page in service.task_pages(item.ident):
                    rows = page
                    break  # the tree shows the first page; the table has them all
        except ServiceError as error:
            app.notify(f"{item.ident or item.kind}: {error}", severity="error")
            return
        app.tree_sync.listed(item.account, kind, rows, item.ident if kind in (NODES, TASKS) else parent)

    # -- screens reached from a row ---------------------------------------------------------
    def open_log(self, name: str) -> None:
        """A task's stdout/stderr (`name`), or a node's start task output, followed live."""
        app = self.app
        key = app.table.cursor_key
        view = app.view
        if key is None or view.kind not in (TASKS, NODES):
            return
        from ..screens.log_view import LogScreen

        service = app.services[view.account]
        if view.kind == TASKS:
            ref, follow = FileRef.task(view.parent, key, name), (view.parent, key)
        else:
            ref, follow = FileRef.node(view.parent, key, f"startup/{name}"), None
        app.push_screen(LogScreen(service, ref, follow_task=follow))

    def browse_files(self) -> None:
        """The files of the cursor's task or node."""
        app = self.app
        key = app.table.cursor_key
        view = app.view
        if key is None or view.kind not in (TASKS, NODES):
            return
        from ..screens.file_browser import FileBrowserScreen

        service = app.services[view.account]
        read_only, why = app.actions.read_only_here(), self._why_read_only(view.account)
        if view.kind == TASKS:
            app.push_screen(FileBrowserScreen(service, job_id=view.parent, task_id=key, read_only=read_only,
                                              why_read_only=why))
        else:
            app.push_screen(FileBrowserScreen(service, pool_id=view.parent, node_id=key, read_only=read_only,
                                              why_read_only=why))

    def _why_read_only(self, account_name: str) -> str:
        return "read-only mode" if self.app.read_only else f"account {account_name} is read-only"

    def _store(self, account_name: str, *, quiet: bool = False) -> BlobStore | None:
        """The account's linked BlobStore (opened once), or None after saying why (`quiet`: not saying
        that there is none)."""
        from ...account import ConfigError
        from ...service.connect import blob_store_for

        app = self.app
        account = app.accounts.get(account_name)
        if account is None or not account.has_storage:
            if not quiet:
                app.notify(f"{account_name} has no linked storage account (storage_connection_string_env or "
                           "storage_account_url in accounts.toml)", severity="warning", timeout=6)
            return None
        store = self.stores.get(account_name)
        if store is None:
            try:
                store = blob_store_for(account)
            except ConfigError as error:
                app.notify(str(error), severity="error")
                return None
            if store is None:  # has_storage said yes, so the account names one; be safe all the same
                app.notify(f"{account_name} has no linked storage account", severity="warning")
                return None
            self.stores[account_name] = store
        return store

    def _read_only(self, account_name: str) -> bool:
        account = self.app.accounts.get(account_name)
        return self.app.read_only or bool(account and account.read_only)

    def open_storage(self, account_name: str, container: str | None = None, prefix: str = "") -> None:
        """The account's linked storage account: containers → blobs."""
        from ..screens.storage_writes import StorageWritesScreen

        store = self._store(account_name)
        if store is not None:
            self.app.push_screen(StorageWritesScreen(
                store, title=f"Storage of {account_name}", container=container, prefix=prefix,
                read_only=self._read_only(account_name), why_read_only=self._why_read_only(account_name)))

    def open_applications(self, account_name: str) -> None:
        """The account's applications and package versions (the package store: the linked storage's
        batchtui-applications container, where there is one)."""
        from ...service.applications import PackageStore
        from ..screens.applications_view import ApplicationsScreen

        service = self.app.services.get(account_name)
        if service is None:
            return
        store = self._store(account_name, quiet=True)
        self.app.push_screen(ApplicationsScreen(
            service, PackageStore(store) if store is not None else None, title=f"Applications of {account_name}",
            read_only=self._read_only(account_name), why_read_only=self._why_read_only(account_name)))

    def open_outputs(self) -> None:
        """The selected task's outputs (or inputs) in the storage view."""
        app = self.app
        doc = app.details.doc
        if app.view.kind != TASKS or not doc or doc.get("id") != app.table.cursor_key:
            app.notify("select a task (its details must be loaded)", severity="warning", timeout=3)
            return
        target = storage_location(doc)
        if target is None:
            app.notify("this task has no output or resource files in the linked storage", timeout=4)
            return
        self.open_storage(app.view.account, *target)
