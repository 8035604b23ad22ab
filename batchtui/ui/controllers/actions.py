"""Running the explorer's actions (the catalog is `ui.actions`): which keys
apply in the current view; whether the action can work on the rows in their
state (`ui.preconditions`: if not, a notice says why before anything is
tried); a confirmation naming what will happen; then the operation on every
marked row (or the cursor's) in a worker, with one summary notification. Also
creating pools, jobs and tasks from a JSON file, and rerunning a job's failed
tasks. Read-only mode refuses all of them, and says so when a key is pressed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...service.errors import ServiceError
from ...service.operations import BulkResult, for_each
from ..actions import ACTIONS, FAILED_FILTER, Action, describe, explain_refusals, for_key
from ..keys import EDITOR_KEYS
from ..preconditions import Refusal, job_refusal, refusal, state_of
from ..screens.confirm import ConfirmScreen, Field, NoticeScreen
from ..views import JOBS, NODES, POOLS, SCHEDULES, TASKS, ViewKey, columns, row_state
from .details import fetch_document
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp

RERUN_KINDS = (TASKS, JOBS)  # where `A` (rerun a job's failed tasks) applies; on pools it edits autoscale
EDIT_KINDS = (POOLS, JOBS, TASKS, SCHEDULES)  # where edit, clone and export apply
# The editor's actions that change something (ui.controllers.editing): what → its key and the kinds it applies to.
EDITOR_ACTIONS = {"edit": ("ctrl+e", EDIT_KINDS), "clone": ("ctrl+n", EDIT_KINDS), "rerun": ("ctrl+r", (TASKS,))}
RECHECK_MAX = 20  # rows refused by the table's state that are fetched again before saying no


class ActionRunner:
    """Confirms and runs actions on the app's current view."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app

    def read_only_here(self) -> bool:
        """True in read-only mode, or when the current view's account is read-only."""
        account = self.app.accounts.get(self.app.view.account)
        return self.app.read_only or bool(account and account.read_only)

    def applies(self, key: str) -> bool:
        """Whether the mutating key `key` ("A" included) names an action in the current view."""
        kind = self.app.view.kind
        editor = next((kinds for k, kinds in EDITOR_ACTIONS.values() if k == key), None)
        if editor is not None:
            return kind in editor
        return kind in (*RERUN_KINDS, POOLS) if key == "A" else for_key(key, kind) is not None

    def available(self, action: str, parameters: tuple[object, ...]) -> bool:
        """Whether the app's key action `action` applies to the current view: actions of
        other views, and every action that changes anything in read-only mode, do not.
        In read-only mode the "read_only" action takes a mutating key instead (to say so)."""
        view = self.app.view
        if action == "act":
            return not self.read_only_here() and self.applies(str(parameters[0]))
        if action == "rerun_failed":
            return not self.read_only_here() and view.kind in RERUN_KINDS
        if action == "autoscale":
            return not self.read_only_here() and view.kind == POOLS
        if action == "editor" and parameters[0] == "export":
            return view.kind in EDIT_KINDS
        if action == "editor":
            return not self.read_only_here() and self.applies(EDITOR_ACTIONS[str(parameters[0])][0])
        if action == "read_only":
            return self.read_only_here() and self.applies(str(parameters[0]))
        if action == "failed_only":
            return view.kind == TASKS
        if action in ("failures", "histograms", "nodes_health", "watch"):  # the tasks view's job or the cursor's
            return view.kind in (TASKS, JOBS)
        if action in ("open_log", "browse_files"):
            return view.kind in (TASKS, NODES)
        if action == "open_outputs":
            account = self.app.accounts.get(view.account)
            return view.kind == TASKS and bool(account and account.has_storage)
        return True

    def say_read_only(self, key: str, what: str = "") -> None:
        """A mutating key pressed in read-only mode: say that it is, and why nothing happens
        (`what`: the thing refused, when the key alone does not say it)."""
        app = self.app
        action = for_key(key, app.view.kind)
        if not what:
            what = action.description.lower() if action else (
                "edit the pool's autoscale" if key == "A" and app.view.kind == POOLS
                else EDITOR_KEYS.get(key, "rerun failed tasks"))
        why = "read-only mode" if app.read_only else f"account {app.view.account} is read-only"
        app.notify(f"read-only: cannot {what} ({why})", severity="warning", timeout=4, markup=False)

    def _targets(self) -> list[str]:
        table = self.app.table
        if table.marked:
            return sorted(table.marked)
        return [table.cursor_key] if table.cursor_key else []

    def act(self, key: str) -> None:
        """The action bound to `key` in this view, on the marked rows (else the cursor's)."""
        self.act_on(key, self.app.view, self._targets())

    def act_on(self, key: str, view: ViewKey, keys: list[str]) -> None:
        """The action bound to `key` for `view`'s kind, on `keys`: the explorer's rows, or another
        screen's (the nodes health view acts on nodes of the job's pool). A notice if it cannot work
        on them, else a confirmation, then the operation; in read-only mode it says so."""
        app = self.app
        action = for_key(key, view.kind)
        if action is None:
            return
        if self.read_only_here():
            self.say_read_only(key)
            return
        if not keys:
            app.notify("nothing selected", severity="warning", timeout=3)
            return
        if action.single and len(keys) > 1:
            app.notify(f"{action.verb.lower()} works on one {view.kind[:-1]} at a time", severity="warning")
            return
        if action.name == "reactivate":  # the job's state decides too: fetch it first
            start_worker(app, self._check_job, action, view, keys, group="actions")
        else:
            self._check(action, view, keys)

    async def _check_job(self, action: Action, view: ViewKey, keys: list[str]) -> None:
        try:
            state = (await self.app.services[view.account].get_job(view.parent)).get("state", "")
        except ServiceError as error:
            self.app.notify(f"job {view.parent}: {error}", severity="error", markup=False)
            return
        if not self.app.ui_alive() or self.app.view != view:
            return  # the user moved on: the rows to judge are gone from the table
        refused = job_refusal(action.name, state)
        if refused is not None:
            self._job_notice(f"Cannot {action.verb.lower()}", view.parent, refused)
        else:
            self._check(action, view, keys)

    def _job_notice(self, title: str, job_id: str, refused: Refusal) -> None:
        lines = [f"Job {job_id}: {refused.why}."]
        if refused.instead:
            lines.append(f"What would work: {refused.instead}.")
        self.app.push_screen(NoticeScreen(title, "\n".join(lines)))

    def _check(self, action: Action, view: ViewKey, keys: list[str]) -> None:
        """Confirm `action` on the `keys` it can work on, judged by their rows' states; rows
        it seems not to work on are fetched again first (the table may be a refresh behind)."""
        app = self.app
        refused: dict[str, Refusal] = {}
        for key in keys:
            row = app.table.get_row(key)
            why = refusal(action.name, row_state(view.kind, row, columns(view.kind))) if row else None
            if why is not None:
                refused[key] = why
        if refused:
            start_worker(app, self._recheck, action, view, keys, refused, group="actions")
        else:
            self._decide(action, view, keys, refused)

    async def _recheck(self, action: Action, view: ViewKey, keys: list[str], refused: dict[str, Refusal]) -> None:
        """Judge the refused rows again by their current documents (the first RECHECK_MAX of them)."""
        service = self.app.services[view.account]
        for key in list(refused)[:RECHECK_MAX]:
            try:
                doc = await fetch_document(service, view, key)
            except ServiceError:
                continue  # gone, or unreachable: the table's word stands (the service would say so too)
            why = refusal(action.name, state_of(view.kind, doc))
            if why is None:
                del refused[key]
            else:
                refused[key] = why
        if self.app.ui_alive():
            self._decide(action, view, keys, refused)

    def _decide(self, action: Action, view: ViewKey, keys: list[str], refused: dict[str, Refusal]) -> None:
        """A notice when `action` works on none of `keys`, else the confirmation for those it works on."""
        app = self.app
        allowed = [k for k in keys if k not in refused]
        if not allowed:
            app.push_screen(NoticeScreen(f"Cannot {action.verb.lower()}", explain_refusals(view, refused)))
            return
        message = describe(action, view, allowed)
        if refused:
            message += f"\n\nLeft alone, as {action.verb.lower()} cannot work on them:\n" \
                       + explain_refusals(view, refused)
        if action.name != "resize":
            self._confirm(action, view, allowed, ConfirmScreen(action.verb, message, list(action.fields)))
        elif (app.details.doc or {}).get("id") == allowed[0]:
            self._confirm_resize(action, view, allowed, message, app.details.doc or {})
        else:  # the fields start at the pool's current targets: fetch them first
            start_worker(app, self._fetch_then_resize, action, view, allowed, message, group="actions")

    async def _fetch_then_resize(self, action: Action, view: ViewKey, keys: list[str], message: str) -> None:
        try:
            doc = await fetch_document(self.app.services[view.account], view, keys[0])
        except ServiceError as error:
            self.app.notify(f"pool {keys[0]}: {error}", severity="error", markup=False)
            return
        if self.app.ui_alive():
            self._confirm_resize(action, view, keys, message, doc)

    def _confirm_resize(self, action: Action, view: ViewKey, keys: list[str], message: str,
                        pool: dict[str, Any]) -> None:
        """The resize dialog, its node counts starting at the pool's current targets."""
        fields = list(action.fields)
        fields[0] = Field("dedicated", "Dedicated nodes", "int", str(pool.get("targetDedicatedNodes", 0)))
        fields[1] = Field("low", "Low-priority nodes", "int", str(pool.get("targetLowPriorityNodes", 0)))
        self._confirm(action, view, keys, ConfirmScreen(action.verb, message, fields))

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
        """`:create pool|job|jobschedule|tasks FILE.json`: validate the file, then create what it holds."""
        app = self.app
        kind, _, path = argument.partition(" ")
        if kind not in ("pool", "job", "jobschedule", "tasks") or not path.strip():
            app.notify("usage: :create pool|job|jobschedule|tasks FILE.json", severity="error")
            return
        if self.read_only_here():
            app.notify("read-only: nothing can be created here", severity="error")
            return
        if kind == "tasks" and app.view.kind != TASKS:
            app.notify("open the job's tasks first (:tasks JOB), then :create tasks FILE", severity="error")
            return
        start_worker(app, self._create, app.view, kind, Path(path.strip()).expanduser(), group="actions")

    async def _create(self, view: ViewKey, kind: str, path: Path) -> None:
        from ...create import InvalidFile, add_tasks, create_job, create_job_schedule, create_pool, load

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
            elif kind == "jobschedule":
                await create_job_schedule(service, bodies[0])
                message, failed = f"job schedule {bodies[0]['id']} created", False
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
        """A job's failed tasks (the tasks view's job, or the jobs view's cursor row),
        reactivated once confirmed; a notice instead when the job's state forbids it."""
        app = self.app
        view = app.view
        if view.kind not in RERUN_KINDS:
            return
        if self.read_only_here():
            self.say_read_only("A")
            return
        job_id = view.parent if view.kind == TASKS else app.table.cursor_key
        if not job_id:
            app.notify("nothing selected", severity="warning", timeout=3)
            return
        start_worker(app, self._find_failed, ViewKey(view.account, TASKS, job_id), group="actions")

    async def _find_failed(self, tasks: ViewKey) -> None:
        """`tasks`: the view of the job whose failed tasks to rerun."""
        app = self.app
        service = app.services[tasks.account]
        try:
            state = (await service.get_job(tasks.parent)).get("state", "")
            refused = job_refusal("rerun_failed", state)
            failed = [] if refused else [t.id for t in await service.list_tasks(tasks.parent, FAILED_FILTER)]
        except ServiceError as error:
            app.notify(f"cannot list the failed tasks of job {tasks.parent}: {error}", severity="error", markup=False)
            return
        if not app.ui_alive():
            return
        if refused is not None:
            self._job_notice("Cannot rerun failed tasks", tasks.parent, refused)
            return
        if not failed:
            app.notify(f"job {tasks.parent} has no failed task", timeout=4, markup=False)
            return
        action = ACTIONS["reactivate"]
        message = f"Reactivate every failed task: {describe(action, tasks, failed)}"
        self._confirm(action, tasks, failed, ConfirmScreen("Rerun failed tasks", message))
