"""The explorer: a tree of accounts, pools, nodes, jobs and tasks; a table of
the selected collection kept fresh by self-scheduling workers; a summary and a
details pane. Nothing here touches the network on the event loop: every fetch
runs in a worker, and its result is dropped if the user has moved on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, Tree

from ..account import Account
from ..service.client import BatchService
from ..service.errors import NOT_FOUND, ServiceError
from ..service.models import FileRef
from ..service.operations import BulkResult, for_each
from .actions import ACTIONS, Action, describe, for_key
from .commands import CommandError, parse_command
from .fetch import Batch, TaskTracker, fetch_jobs, fetch_nodes, fetch_pools
from .format import ago, local_now, utcnow
from .screens.confirm import ConfirmScreen, Field
from .screens.help import HelpScreen
from .views import EMPTY_TEXT, JOBS, NODES, POOLS, ROW_BUILDERS, TASKS, ViewKey, columns, sort_key_for
from .widgets.details import DetailsPane, render_details, storage_location
from .widgets.nav_tree import NavChild, NavItem, NavTree
from .widgets.resource_table import ResourceTable
from .widgets.summary import Summary, job_summary, pool_summary, pools_overview

SORT_LETTERS = "ISDLVCKRTEUN"
FAILED_FILTER = "executionInfo/result eq 'failure'"
MAX_BACKOFF = 30.0


class BatchApp(App[str | None]):
    CSS_PATH = "batchtui.tcss"
    TITLE = "batchtui"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("colon", "command", "Cmd"),
        Binding("slash", "filter", "Filter"),
        Binding("r", "refresh", "Refresh", show=False),
        Binding("escape", "back", "Back", show=False),
        Binding("d", "toggle_details", "Details", show=False),
        Binding("y", "raw_json", "JSON"),
        Binding("f6", "focus_tree", "Tree", show=False),
        Binding("z", "act('z')", "Resize"),
        Binding("x", "act('x')", "Stop resize"),
        Binding("o", "act('o')", "Reboot"),
        Binding("i", "act('i')", "Reimage"),
        Binding("t", "act('t')", "Terminate"),
        Binding("a", "act('a')", "Rerun"),
        Binding("p", "act('p')", "Disable"),
        Binding("P", "act('P')", "Enable"),
        Binding("ctrl+d", "act('ctrl+d')", "Delete"),
        Binding("A", "rerun_failed", "Rerun failed"),
        Binding("l", "open_log('stdout.txt')", "Logs"),
        Binding("e", "open_log('stderr.txt')", "Stderr"),
        Binding("b", "browse_files", "Files"),
        Binding("O", "open_outputs", "Outputs"),
        Binding("F", "failed_only", "Failed only"),
    ] + [Binding(letter, f"sort('{letter}')", f"Sort by {letter}", show=False) for letter in SORT_LETTERS]

    def __init__(
        self,
        accounts: list[Account],
        services: dict[str, BatchService],
        *,
        refresh_seconds: float = 5.0,
        read_only: bool = False,
        clock: Callable[[], datetime] = utcnow,
        start: ViewKey | None = None,
        problems: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.accounts = {a.name: a for a in accounts}
        self.services = services
        self.refresh_seconds = max(1.0, refresh_seconds)
        self.read_only = read_only
        self.clock = clock
        self.problems = dict(problems or {})  # account → why it has no service
        first = next((a.name for a in accounts if a.name in services), accounts[0].name if accounts else "")
        self.view: ViewKey = start or ViewKey(first, JOBS)
        self._cache: dict[ViewKey, list] = {}
        self._trackers: dict[ViewKey, TaskTracker] = {}
        self._seen: set[str] = set()
        self._refresh_timer: Timer | None = None
        self._fresh_at: datetime | None = None
        self._stale: ServiceError | None = None
        self._failures = 0
        self._gone: str | None = None
        self._details_doc: dict | None = None
        self._prompt_mode = ""
        self._server_filter: dict[ViewKey, str] = {}
        self._topbar_key: tuple | None = None
        self._stores: dict = {}  # account → BlobStore, opened on first use
        self._cursor_row_changed = True  # the refresh touched the cursor's row: reload its details

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="topbar")
        with Horizontal(id="body"):
            yield NavTree(list(self.accounts), {a.name for a in self.accounts.values() if a.has_storage}, id="nav")
            with Vertical(id="main"):
                yield Static("", id="view-title")
                yield Summary("", id="summary")
                yield ResourceTable(id="table")
                yield DetailsPane(id="details")
        yield Input(id="prompt")
        yield Footer()

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#table", ResourceTable)

    async def on_unmount(self) -> None:
        for service in [*self.services.values(), *self._stores.values()]:
            try:
                await service.close()
            except Exception:  # noqa: BLE001 - closing never fails the exit
                pass

    def on_mount(self) -> None:
        for name, problem in self.problems.items():
            self.notify(f"{name}: {problem}", severity="error", timeout=10)
        self.set_interval(1.0, self._update_topbar)
        self.show_view(self.view)
        self.table.focus()

    # -- views ----------------------------------------------------------------------------
    def show_view(self, view: ViewKey, cursor: str | None = None) -> None:
        """Switch the table to `view` (cached rows at once, fresh ones by a worker)."""
        if view.account not in self.services:
            self.notify(f"{view.account}: {self.problems.get(view.account, 'no such account')}", severity="error")
            return
        self.view = view
        self._gone = None
        self._stale = None
        self._failures = 0
        self._details_doc = None
        table = self.table
        table.set_columns(columns(view.kind))
        table.set_filter("")
        table.empty_text = "Loading…"
        table.set_rows(self._cache.get(view, []))
        if cursor:
            table.move_cursor_to_key(cursor)
        title = view.title
        if view in self._server_filter:
            title += f"   $filter: {self._server_filter[view]}"
        self.query_one("#view-title", Static).update(title)
        self._set_summary("")
        self.query_one(DetailsPane).show("")
        self.refresh_bindings()
        self.refresh_now()

    def refresh_now(self) -> None:
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None
        self._refresh(self.view)

    def _schedule_refresh(self, view: ViewKey) -> None:
        if view != self.view:
            return
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
        delay = self.refresh_seconds
        if self._stale is not None:
            delay = min(MAX_BACKOFF, self.refresh_seconds * 2 ** min(self._failures, 4))
        self._refresh_timer = self.set_timer(delay, self.refresh_now)

    @work(exclusive=True, group="refresh")
    async def _refresh(self, view: ViewKey) -> None:
        service = self.services[view.account]
        self._cursor_row_changed = False  # set by _apply when this refresh touches the cursor's row
        try:
            if view.kind == TASKS:
                tracker = self._trackers.get(view)
                if tracker is None or tracker.odata_filter != self._server_filter.get(view):
                    tracker = TaskTracker(view.parent, self._server_filter.get(view))
                    self._trackers[view] = tracker
                async for batch in tracker.refresh(service):
                    if view != self.view or not self._ui_alive():
                        return
                    self._apply(view, batch)
            else:
                if view.kind == POOLS:
                    batch = await fetch_pools(service)
                elif view.kind == NODES:
                    batch = await fetch_nodes(service, view.parent)
                else:
                    batch = await fetch_jobs(service)
                if view != self.view or not self._ui_alive():
                    return
                self._apply(view, batch)
            self._stale, self._failures = None, 0
            self._fresh_at = self.clock()
            if self._cursor_row_changed:
                self._refresh_details()
        except ServiceError as error:
            if view == self.view and self._ui_alive():
                self._on_refresh_error(view, error)
        except NoMatches:
            return  # the app is shutting down under this worker
        finally:
            if self._ui_alive():
                self._update_topbar()
                self._schedule_refresh(view)

    def _ui_alive(self) -> bool:
        """False once the app is shutting down (its widgets are gone)."""
        return self.is_running and bool(self.query("#topbar"))

    def _on_refresh_error(self, view: ViewKey, error: ServiceError) -> None:
        if error.kind == NOT_FOUND and view.parent:
            what = "Pool" if view.kind == NODES else "Job"
            self._gone = f"{what} {view.parent} no longer exists ({error.code})"
            self.table.empty_text = self._gone
            self.table.set_rows([])
            self._cache.pop(view, None)
            self._set_summary(Text(self._gone, style="bold red"))
            return
        self._stale = error
        self._failures += 1

    def _apply(self, view: ViewKey, batch: Batch) -> None:
        now = local_now(self.clock())
        build = ROW_BUILDERS[view.kind]
        rows = [build(r, now) for r in batch.rows]
        table = self.table
        cursor = table.cursor_key
        before = table.get_row(cursor) if cursor else None
        with self.batch_update():
            if batch.full and batch.start:
                self._seen = set()
            if batch.full and batch.start and batch.final:
                table.set_rows(rows)
            elif rows:
                table.upsert_rows(rows)
            if batch.full:
                self._seen.update(r.key for r in rows)
                if batch.final:
                    all_keys = set(self.table.all_keys())
                    gone = all_keys - self._seen
                    if gone:
                        table.remove_rows(gone)
            table.empty_text = EMPTY_TEXT[view.kind]
            after = table.get_row(cursor) if cursor else None
            if before is None or after is None or before.cells != after.cells:
                self._cursor_row_changed = True
            if batch.final:
                self._cache[view] = self.table.all_rows()
            self._update_summary(view, batch)
            self._update_tree(view, batch)


    def _set_summary(self, content: Text | str) -> None:
        self.query_one("#summary", Summary).show(content)

    def _update_summary(self, view: ViewKey, batch: Batch) -> None:
        if view.kind == TASKS and batch.task_counts is not None:
            self._set_summary(job_summary(batch.task_counts))
        elif view.kind == NODES and batch.final:
            counts = (batch.node_counts or {}).get(view.parent)
            self._set_summary(pool_summary(list(batch.rows), counts))
        elif view.kind == POOLS and batch.node_counts is not None:
            self._set_summary(pools_overview(batch.node_counts))
        elif view.kind == JOBS:
            states: dict[str, int] = {}
            for job in batch.rows:
                states[job.state] = states.get(job.state, 0) + 1
            self._set_summary(f"{len(batch.rows)} jobs  " + "  ".join(f"{s} {n}" for s, n in sorted(states.items())))

    def _update_tree(self, view: ViewKey, batch: Batch) -> None:
        if view.kind not in (POOLS, JOBS) or not batch.final:
            return
        tree = self.query_one(NavTree)
        node = tree.find(NavItem(view.kind, view.account))
        if node is None or not node.is_expanded:
            return
        child_kind = "pool" if view.kind == POOLS else "job"
        tree.set_children(node, [NavChild(NavItem(child_kind, view.account, r.id), r.id, r.state, True) for r in batch.rows])

    # -- top bar ----------------------------------------------------------------------------
    def _update_topbar(self) -> None:
        account = self.accounts.get(self.view.account)
        text = Text()
        text.append("batchtui", style="bold")
        if account is not None:
            text.append(f"  {account.name}", style="bold cyan")
            text.append(f"  {account.endpoint}", style="dim")
            if self.read_only or account.read_only:
                text.append("  read-only", style="bold magenta")
        if self._stale is not None:
            text.append(f"  ⚠ stale since {ago(self._fresh_at, self.clock())}: {self._stale}", style="bold red")
        elif self._fresh_at is not None:
            age = (self.clock() - self._fresh_at).total_seconds()
            # While refreshes keep their pace, a steady "live" (a ticking age would
            # repaint the bar every second); the age shows once a refresh is late.
            if age <= 2 * self.refresh_seconds + 1:
                text.append(f"  ● live, every {self.refresh_seconds:g}s", style="green")
            else:
                text.append(f"  refreshed {ago(self._fresh_at, self.clock())}", style="yellow")
        key = (text.plain, tuple(text.spans))
        if key == self._topbar_key:
            return
        self._topbar_key = key
        for bar in self.query("#topbar").results(Static):  # none while the app shuts down
            bar.update(text, layout=False)

    # -- details ---------------------------------------------------------------------------
    @on(ResourceTable.RowHighlighted)
    def _row_highlighted(self, event: ResourceTable.RowHighlighted) -> None:
        self._details_doc = None
        self._refresh_details()

    def _refresh_details(self) -> None:
        details = self.query_one(DetailsPane)
        key = self.table.cursor_key
        if key is None or details.has_class("hidden"):
            return
        self._load_details(self.view, key)

    @work(exclusive=True, group="details")
    async def _load_details(self, view: ViewKey, key: str) -> None:
        service = self.services[view.account]
        try:
            if view.kind == TASKS:
                doc = await service.get_task(view.parent, key)
            elif view.kind == JOBS:
                doc = await service.get_job(key)
            elif view.kind == POOLS:
                doc = await service.get_pool(key)
            else:
                doc = await service.get_node(view.parent, key)
        except ServiceError as error:
            if view == self.view and self._ui_alive() and self.table.cursor_key == key:
                message = f"{key} no longer exists" if error.kind == NOT_FOUND else f"details unavailable: {error}"
                self.query_one(DetailsPane).show(Text(message, style="bold red"))
            return
        if view == self.view and self._ui_alive() and self.table.cursor_key == key:
            self._details_doc = doc
            self.query_one(DetailsPane).show(render_details(view.kind, doc))

    # -- navigation -----------------------------------------------------------------------
    @on(ResourceTable.RowSelected)
    def _row_selected(self, event: ResourceTable.RowSelected) -> None:
        view = self.view
        if view.kind == POOLS:
            self.show_view(ViewKey(view.account, NODES, event.key))
        elif view.kind == JOBS:
            self.show_view(ViewKey(view.account, TASKS, event.key))
        else:
            self.action_raw_json()

    @on(Tree.NodeSelected, "#nav")
    def _tree_selected(self, event: Tree.NodeSelected) -> None:
        item = event.node.data
        if item is None or item.kind == "more":
            return
        if item.kind == "storage":
            self.open_storage(item.account)
            return
        target = {
            "account": (ViewKey(item.account, JOBS), None),
            "pools": (ViewKey(item.account, POOLS), None),
            "jobs": (ViewKey(item.account, JOBS), None),
            "pool": (ViewKey(item.account, NODES, item.ident), None),
            "job": (ViewKey(item.account, TASKS, item.ident), None),
            "node": (ViewKey(item.account, NODES, item.parent), item.ident),
            "task": (ViewKey(item.account, TASKS, item.parent), item.ident),
        }[item.kind]
        if target[0] != self.view:
            self.show_view(*target)
        elif target[1]:
            self.table.move_cursor_to_key(target[1])

    @on(Tree.NodeExpanded, "#nav")
    def _tree_expanded(self, event: Tree.NodeExpanded) -> None:
        item = event.node.data
        if item is not None and item.kind in ("pools", "jobs", "pool", "job") and item.account in self.services:
            self._load_children(item)

    @work(group="tree")
    async def _load_children(self, item: NavItem) -> None:
        service = self.services[item.account]
        try:
            if item.kind == "pools":
                children = [NavChild(NavItem("pool", item.account, p.id), p.id, p.state, True) for p in await service.list_pools()]
            elif item.kind == "jobs":
                children = [NavChild(NavItem("job", item.account, j.id), j.id, j.state, True) for j in await service.list_jobs()]
            elif item.kind == "pool":
                nodes = await service.list_nodes(item.ident)
                children = [NavChild(NavItem("node", item.account, n.id, item.ident), n.id, n.state) for n in nodes]
            else:
                children = []
                async for page in service.task_pages(item.ident):
                    children.extend(NavChild(NavItem("task", item.account, t.id, item.ident), t.id, t.state) for t in page)
                    break  # the tree shows the first page; the table has them all
        except ServiceError as error:
            self.notify(f"{item.ident or item.kind}: {error}", severity="error")
            return
        for tree in self.query(NavTree).results(NavTree):
            node = tree.find(item)
            if node is not None:
                tree.set_children(node, children)

    def action_back(self) -> None:
        if self.query_one("#prompt", Input).has_class("visible"):
            self._close_prompt()
            return
        if self.table.filter_text:
            self.table.set_filter("")
            return
        up = self.view.up
        if up is not None:
            self.show_view(up, cursor=self.view.parent)

    # -- actions ------------------------------------------------------------------------
    def _read_only_here(self) -> bool:
        account = self.accounts.get(self.view.account)
        return self.read_only or bool(account and account.read_only)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide (and refuse) what does not apply here: actions of other views, and
        every action that changes anything in read-only mode."""
        if action == "act":
            return not self._read_only_here() and for_key(str(parameters[0]), self.view.kind) is not None
        if action == "rerun_failed":
            return not self._read_only_here() and self.view.kind == TASKS
        if action == "failed_only":
            return self.view.kind == TASKS
        if action in ("open_log", "browse_files"):
            return self.view.kind in (TASKS, NODES)
        if action == "open_outputs":
            account = self.accounts.get(self.view.account)
            return self.view.kind == TASKS and bool(account and account.has_storage)
        return True

    # -- storage --------------------------------------------------------------------------
    def open_storage(self, account_name: str, container: str | None = None, prefix: str = "") -> None:
        """The account's linked storage account: containers → blobs."""
        from ..account import ConfigError
        from ..service.connect import blob_store_for
        from .screens.storage_view import StorageScreen

        account = self.accounts.get(account_name)
        if account is None or not account.has_storage:
            self.notify(f"{account_name} has no linked storage account (storage_connection_string_env or "
                        "storage_account_url in accounts.toml)", severity="warning", timeout=6)
            return
        store = self._stores.get(account_name)
        if store is None:
            try:
                store = self._stores[account_name] = blob_store_for(account)
            except ConfigError as error:
                self.notify(str(error), severity="error")
                return
        self.push_screen(StorageScreen(store, title=f"Storage of {account_name}", container=container, prefix=prefix))

    def action_open_outputs(self) -> None:
        """The selected task's outputs (or inputs) in the storage view."""
        doc = self._details_doc
        if self.view.kind != TASKS or not doc or doc.get("id") != self.table.cursor_key:
            self.notify("select a task (its details must be loaded)", severity="warning", timeout=3)
            return
        target = storage_location(doc)
        if target is None:
            self.notify("this task has no output or resource files in the linked storage", timeout=4)
            return
        self.open_storage(self.view.account, *target)

    # -- logs and files ---------------------------------------------------------------------
    def action_open_log(self, name: str) -> None:
        """A task's stdout/stderr, or a node's start task output, followed live."""
        key = self.table.cursor_key
        view = self.view
        if key is None or view.kind not in (TASKS, NODES):
            return
        from .screens.log_view import LogScreen

        service = self.services[view.account]
        if view.kind == TASKS:
            ref, follow = FileRef.task(view.parent, key, name), (view.parent, key)
        else:
            ref, follow = FileRef.node(view.parent, key, f"startup/{name}"), None
        self.push_screen(LogScreen(service, ref, follow_task=follow))

    def action_browse_files(self) -> None:
        key = self.table.cursor_key
        view = self.view
        if key is None or view.kind not in (TASKS, NODES):
            return
        from .screens.file_browser import FileBrowserScreen

        service = self.services[view.account]
        if view.kind == TASKS:
            self.push_screen(FileBrowserScreen(service, job_id=view.parent, task_id=key))
        else:
            self.push_screen(FileBrowserScreen(service, pool_id=view.parent, node_id=key))

    def _targets(self) -> list[str]:
        marked = self.table.marked
        if marked:
            return sorted(marked)
        return [self.table.cursor_key] if self.table.cursor_key else []

    def action_act(self, key: str) -> None:
        action = for_key(key, self.view.kind)
        if action is None or self._read_only_here():
            return
        keys = self._targets()
        if not keys:
            self.notify("nothing selected", severity="warning", timeout=3)
            return
        if action.single and len(keys) > 1:
            self.notify(f"{action.verb.lower()} works on one {self.view.kind[:-1]} at a time", severity="warning")
            return
        fields = list(action.fields)
        if action.name == "resize":
            doc = self._details_doc if (self._details_doc or {}).get("id") == keys[0] else {}
            fields[0] = Field("dedicated", "Dedicated nodes", "int", str(doc.get("targetDedicatedNodes", 0)))
            fields[1] = Field("low", "Low-priority nodes", "int", str(doc.get("targetLowPriorityNodes", 0)))
        view = self.view
        self.push_screen(
            ConfirmScreen(action.verb, describe(action, view, keys), fields),
            lambda values: self._run_action(action, view, keys, values) if values is not None else None,
        )

    @work(group="actions")
    async def _run_action(self, action: Action, view: ViewKey, keys: list[str], values: dict) -> None:
        service = self.services[view.account]
        if action.run_all is not None:
            try:
                await action.run_all(service, view, keys, values)
                result = BulkResult(list(keys), [])
            except ServiceError as error:
                result = BulkResult([], [(k, error) for k in keys])
        else:
            result = await for_each(keys, lambda k: action.run_one(service, view, k, values))
        if not self._ui_alive():
            return
        self.notify(result.summary(action.verb.lower(), view.kind[:-1]),
                    severity="error" if result.failed else "information", timeout=8)
        self.table.clear_marks()
        if view == self.view:
            self.refresh_now()

    def _create_from_file(self, argument: str) -> None:
        kind, _, path = argument.partition(" ")
        if kind not in ("pool", "job", "tasks") or not path.strip():
            self.notify("usage: :create pool|job|tasks FILE.json", severity="error")
            return
        if self._read_only_here():
            self.notify("read-only: nothing can be created here", severity="error")
            return
        if kind == "tasks" and self.view.kind != TASKS:
            self.notify("open the job's tasks first (:tasks JOB), then :create tasks FILE", severity="error")
            return
        self._create(self.view, kind, Path(path.strip()).expanduser())

    @work(group="actions")
    async def _create(self, view: ViewKey, kind: str, path: Path) -> None:
        from ..create import InvalidFile, add_tasks, create_job, create_pool, load

        try:
            bodies = load(path, kind)
        except InvalidFile as error:
            self.notify(f"{error.path}: " + "; ".join(error.problems[:4]) + (" …" if len(error.problems) > 4 else ""),
                        title="Nothing was created", severity="error", timeout=15)
            return
        service = self.services[view.account]
        try:
            if kind == "pool":
                await create_pool(service, bodies[0])
                message, failed = f"pool {bodies[0]['id']} created", False
            elif kind == "job":
                await create_job(service, bodies[0])
                message, failed = f"job {bodies[0]['id']} created", False
            else:
                def progress(done: int, total: int) -> None:
                    if self._ui_alive() and self.view == view:
                        self._set_summary(f"adding tasks {done}/{total}")

                results = await add_tasks(service, view.parent, bodies, progress)
                message, failed = results.summary(), bool(results.failed)
        except ServiceError as error:
            message, failed = f"{kind}: {error}", True
        if self._ui_alive():
            self.notify(message, severity="error" if failed else "information", timeout=10)
            self.refresh_now()

    def action_failed_only(self) -> None:
        if self.view.kind != TASKS:
            return
        if self._server_filter.get(self.view) == FAILED_FILTER:
            self._apply_filter("")
        else:
            self._apply_filter("$" + FAILED_FILTER)

    def action_rerun_failed(self) -> None:
        if self.view.kind == TASKS and not self._read_only_here():
            self._find_failed(self.view)

    @work(group="actions")
    async def _find_failed(self, view: ViewKey) -> None:
        try:
            failed = [t.id for t in await self.services[view.account].list_tasks(view.parent, FAILED_FILTER)]
        except ServiceError as error:
            self.notify(f"cannot list the failed tasks: {error}", severity="error")
            return
        if not self._ui_alive():
            return
        if not failed:
            self.notify(f"job {view.parent} has no failed task", timeout=4)
            return
        action = ACTIONS["reactivate"]
        message = f"Reactivate every failed task: {describe(action, view, failed)}"
        self.push_screen(ConfirmScreen("Rerun failed tasks", message),
                         lambda values: self._run_action(action, view, failed, {}) if values is not None else None)

    def action_focus_tree(self) -> None:
        self.query_one(NavTree).focus()

    def action_refresh(self) -> None:
        self.refresh_now()

    def action_sort(self, letter: str) -> None:
        column = sort_key_for(self.view.kind, letter)
        if column is None:
            self.notify(f"{letter}: no such column here", severity="warning", timeout=2)
            return
        self.table.sort_by(column)

    def action_toggle_details(self) -> None:
        details = self.query_one(DetailsPane)
        details.toggle_class("hidden")
        self._refresh_details()

    def action_raw_json(self) -> None:
        if self._details_doc is None:
            self.notify("no resource selected (or its details are still loading)", severity="warning", timeout=3)
            return
        from .screens.json_view import JsonScreen

        self.push_screen(JsonScreen(f"{self.view.kind[:-1]} {self._details_doc.get('id', '')}", self._details_doc))

    def action_help(self) -> None:
        rows: list[tuple[str, str]] = []
        for binding in list(self.BINDINGS) + list(ResourceTable.BINDINGS):
            if isinstance(binding, Binding) and binding.description and not binding.action.startswith(("sort", "act")):
                keys = ", ".join(self.get_key_display(Binding(k.strip(), "")) for k in binding.key.split(","))
                rows.append((keys, binding.description))
        suffix = " — hidden: read-only" if self._read_only_here() else ""
        for action in ACTIONS.values():
            key = self.get_key_display(Binding(action.key, ""))
            rows.append((key, f"{action.description} ({', '.join(action.kinds)}){suffix}"))
        letters = " ".join(f"{k}" for k in SORT_LETTERS)
        rows.append(("shift+letter", f"sort by the column with that letter ({letters}); again reverses"))
        rows.append(("tab / f6", "move between the tree and the table"))
        self.push_screen(HelpScreen(rows))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): Textual's commands, then ours."""
        yield from super().get_system_commands(screen)
        account = self.view.account
        yield SystemCommand("Pools", "Show the account's pools", lambda: self.show_view(ViewKey(account, POOLS)))
        yield SystemCommand("Jobs", "Show the account's jobs", lambda: self.show_view(ViewKey(account, JOBS)))
        for name in self.accounts:
            if name != account:
                yield SystemCommand(f"Account {name}", f"Switch to {name}", lambda n=name: self.show_view(ViewKey(n, JOBS)))
        yield SystemCommand("Refresh", "Refresh the view now", self.refresh_now)
        yield SystemCommand("Details", "Show or hide the details pane", self.action_toggle_details)
        yield SystemCommand("Raw JSON", "The selected resource as JSON", self.action_raw_json)
        yield SystemCommand("Filter", "Filter the table", self.action_filter)
        yield SystemCommand("Keys", "Every key and command", self.action_help)

    # -- the prompt: ':' commands and '/' filters -----------------------------------------
    def action_command(self) -> None:
        self._open_prompt("command", ":", "pools | jobs | tasks JOB | nodes POOL | acct NAME | quit")

    def action_filter(self) -> None:
        current = self._server_filter.get(self.view)
        value = f"${current}" if current else self.table.filter_text
        self._open_prompt("filter", value, "text, re:regex, !text, or (tasks) $odata filter")

    def _open_prompt(self, mode: str, value: str, placeholder: str) -> None:
        prompt = self.query_one("#prompt", Input)
        self._prompt_mode = mode
        prompt.placeholder = placeholder
        prompt.value = value
        prompt.add_class("visible")
        prompt.focus()
        prompt.cursor_position = len(value)

    def _close_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.remove_class("visible")
        self._prompt_mode = ""
        self.table.focus()

    @on(Input.Changed, "#prompt")
    def _prompt_changed(self, event: Input.Changed) -> None:
        if self._prompt_mode == "filter" and not event.value.startswith("$"):
            self.table.set_filter(event.value)

    @on(Input.Submitted, "#prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        mode, value = self._prompt_mode, event.value
        self._close_prompt()
        if mode == "command":
            self._run_command(value)
        elif mode == "filter":
            self._apply_filter(value)

    def _apply_filter(self, value: str) -> None:
        view = self.view
        if value.startswith("$"):
            if view.kind != TASKS:
                self.notify("server-side $filter is for the tasks view", severity="warning")
                return
            self._server_filter[view] = value[1:].strip()
            self._trackers.pop(view, None)
            self._cache.pop(view, None)
            self.show_view(view)
            return
        if view in self._server_filter:
            del self._server_filter[view]
            self._trackers.pop(view, None)
            self.show_view(view)
        problem = self.table.set_filter(value)
        if problem:
            self.notify(problem, severity="error")

    def _run_command(self, text: str) -> None:
        try:
            command = parse_command(text)
        except CommandError as error:
            self.notify(str(error), severity="error")
            return
        account = self.view.account
        if command.name == "quit":
            self.exit(None)
        elif command.name == "help":
            self.action_help()
        elif command.name == "pools":
            self.show_view(ViewKey(account, POOLS))
        elif command.name == "jobs":
            self.show_view(ViewKey(account, JOBS))
        elif command.name == "nodes":
            self.show_view(ViewKey(account, NODES, command.argument))
        elif command.name == "tasks":
            self.show_view(ViewKey(account, TASKS, command.argument))
        elif command.name == "storage":
            container, _, prefix = command.argument.partition("/")
            self.open_storage(account, container or None, prefix)
        elif command.name == "create":
            self._create_from_file(command.argument)
        elif command.name == "acct":
            if command.argument not in self.accounts:
                self.notify(f"no account {command.argument!r}; configured: {', '.join(self.accounts)}", severity="error")
            else:
                self.show_view(ViewKey(command.argument, self.view.kind if not self.view.parent else JOBS))
