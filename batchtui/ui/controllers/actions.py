"""Running the explorer's actions (the catalog is `ui.actions`): which keys
apply in the current view, a confirmation naming what will happen, then the
operation on every marked row (or the cursor's) in a worker, with one summary
notification. Also creating pools, jobs and tasks from a JSON file, and
rerunning a job's failed tasks. Read-only mode refuses all of them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...service.errors import ServiceError
from ...service.operations import BulkResult, for_each
from ..actions import ACTIONS, FAILED_FILTER, Action, describe, for_key
from ..screens.confirm import ConfirmScreen, Field
from ..views import JOBS, NODES, TASKS, ViewKey
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp


class ActionRunner:
    """Confirms and runs actions on the app's current view."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app

    def read_only_here(self) -> bool:
        """True in read-only mode, or when the current view's account is read-only."""
        account = self.app.accounts.get(self.app.view.account)
        return self.app.read_only or bool(account and account.read_only)

    def available(self, action: str, parameters: tuple[object, ...]) -> bool:
        """Whether the app's key action `action` applies to the current view: actions of
        other views, and every action that changes anything in read-only mode, do not."""
        view = self.app.view
        if action == "act":
            return not self.read_only_here() and for_key(str(parameters[0]), view.kind) is not None
        if action == "rerun_failed":
            return not self.read_only_here() and view.kind == TASKS
        if action == "failed_only":
            return view.kind == TASKS
        if action in ("nodes_health", "watch"):
            return view.kind in (TASKS, JOBS)
        if action in ("open_log", "browse_files"):
            return view.kind in (TASKS, NODES)
        if action == "open_outputs":
            account = self.app.accounts.get(view.account)
            return view.kind == TASKS and bool(account and account.has_storage)
        return True

    def _targets(self) -> list[str]:
        table = self.app.table
        if table.marked:
            return sorted(table.marked)
        return [table.cursor_key] if table.cursor_key else []

    def act(self, key: str) -> None:
        """The action bound to `key` in this view, on the marked rows (else the cursor's), once confirmed."""
        self.act_on(key, self.app.view, self._targets())

    def act_on(self, key: str, view: ViewKey, keys: list[str]) -> None:
        """The action bound to `key` for `view`'s kind, on `keys`, once confirmed: the explorer's rows, or
        another screen's (the nodes health view acts on nodes of the job's pool). Nothing in read-only mode."""
        app = self.app
        action = for_key(key, view.kind)
        if action is None or self.read_only_here():
            return
        if not keys:
            app.notify("nothing selected", severity="warning", timeout=3)
            return
        if action.single and len(keys) > 1:
            app.notify(f"{action.verb.lower()} works on one {view.kind[:-1]} at a time", severity="warning")
            return
        fields = list(action.fields)
        if action.name == "resize":
            loaded = app.details.doc or {}
            doc = loaded if loaded.get("id") == keys[0] else {}
            fields[0] = Field("dedicated", "Dedicated nodes", "int", str(doc.get("targetDedicatedNodes", 0)))
            fields[1] = Field("low", "Low-priority nodes", "int", str(doc.get("targetLowPriorityNodes", 0)))
        self._confirm(action, view, keys, ConfirmScreen(action.verb, describe(action, view, keys), fields))

    def _confirm(self, action: Action, view: ViewKey, keys: list[str], screen: ConfirmScreen) -> None:
        def confirmed(values: dict[str, Any] | None) -> None:
            if values is not None:
                start_worker(self.app, self._run, action, view, keys, values, group="actions")

        self.app.push_screen(screen, confirmed)

    async def _run(self, action: Action, view: ViewKey, keys: list[str], values: dict[str, Any]) -> None:
        app = self.app
        service = app.services[view.account]
        if action.run_all is not None:
            try:
                await action.run_all(service, view, keys, values)
                result = BulkResult(list(keys), [])
            except ServiceError as error:
                result = BulkResult([], [(k, error) for k in keys])
        else:
            run_one = action.run_one
            assert run_one is not None, f"action {action.name} has neither run_one nor run_all"
            result = await for_each(keys, lambda k: run_one(service, view, k, values))
        if not app.ui_alive():
            return
        app.notify(result.summary(action.verb.lower(), view.kind[:-1]),
                   severity="error" if result.failed else "information", timeout=8)
        if view == app.view:  # (an action of another screen, such as the nodes health view, leaves them be)
            app.table.clear_marks()
            app.refresher.refresh_now()

    # -- creating from a file ---------------------------------------------------------------
    def create_from_file(self, argument: str) -> None:
        """`:create pool|job|tasks FILE.json`: validate the file, then create what it holds."""
        app = self.app
        kind, _, path = argument.partition(" ")
        if kind not in ("pool", "job", "tasks") or not path.strip():
            app.notify("usage: :create pool|job|tasks FILE.json", severity="error")
            return
        if self.read_only_here():
            app.notify("read-only: nothing can be created here", severity="error")
            return
        if kind == "tasks" and app.view.kind != TASKS:
            app.notify("open the job's tasks first (:tasks JOB), then :create tasks FILE", severity="error")
            return
        start_worker(app, self._create, app.view, kind, Path(path.strip()).expanduser(), group="actions")

    async def _create(self, view: ViewKey, kind: str, path: Path) -> None:
        from ...create import InvalidFile, add_tasks, create_job, create_pool, load

        app = self.app
        try:
            bodies = load(path, kind)
        except InvalidFile as error:
            app.notify(f"{error.path}: " + "; ".join(error.problems[:4]) + (" …" if len(error.problems) > 4 else ""),
                       title="Nothing was created", severity="error", timeout=15)
            return
        service = app.services[view.account]
        try:
            if kind == "pool":
                await create_pool(service, bodies[0])
                message, failed = f"pool {bodies[0]['id']} created", False
            elif kind == "job":
                await create_job(service, bodies[0])
                message, failed = f"job {bodies[0]['id']} created", False
            else:
                def progress(done: int, total: int) -> None:
                    if app.ui_alive() and app.view == view:
                        app.refresher.set_summary(f"adding tasks {done}/{total}")

                results = await add_tasks(service, view.parent, bodies, progress)
                message, failed = results.summary(), bool(results.failed)
        except ServiceError as error:
            message, failed = f"{kind}: {error}", True
        if app.ui_alive():
            app.notify(message, severity="error" if failed else "information", timeout=10)
            app.refresher.refresh_now()

    # -- rerunning failed tasks -------------------------------------------------------------
    def rerun_failed(self) -> None:
        """A tasks view: find the job's failed tasks, then reactivate them all once confirmed."""
        app = self.app
        if app.view.kind == TASKS and not self.read_only_here():
            start_worker(app, self._find_failed, app.view, group="actions")

    async def _find_failed(self, view: ViewKey) -> None:
        app = self.app
        try:
            failed = [t.id for t in await app.services[view.account].list_tasks(view.parent, FAILED_FILTER)]
        except ServiceError as error:
            app.notify(f"cannot list the failed tasks: {error}", severity="error")
            return
        if not app.ui_alive():
            return
        if not failed:
            app.notify(f"job {view.parent} has no failed task", timeout=4)
            return
        action = ACTIONS["reactivate"]
        message = f"Reactivate every failed task: {describe(action, view, failed)}"
        self._confirm(action, view, failed, ConfirmScreen("Rerun failed tasks", message))
