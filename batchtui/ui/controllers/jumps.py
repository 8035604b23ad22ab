"""Jumps between related resources (`J`), each a new visit in the history:
from a task to the node it ran on (its pool's nodes, the cursor on that node),
from a job to its pool (the pools, the cursor on it), from a node to the
tasks that ran on it (Batch's recentTasks, listed in a dialog; `enter` opens
the task in its job's tasks); from a task to the tasks it depends on and
that depend on it (`D`: listed in a dialog from a fresh listing of its job's
tasks; `enter` puts the cursor on one); and (`s`) from a job a job schedule
created, or its tasks, to that schedule (the job schedules, the cursor on it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...service.errors import ServiceError
from ...service.schedules import schedule_of
from ...service.task_dependencies import DependencyBook
from ..model.dependency_rows import dependency_rows
from ..views import JOBS, NODES, POOLS, SCHEDULES, TASKS, ViewKey, cell_value, columns
from ..widgets.resource_table import ResourceTable
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp

# jump target → the view kind it starts from
JUMPS = {"node": TASKS, "pool": JOBS, "tasks": NODES, "deps": TASKS}


class Jumper:
    """Follows the cursor row to a related resource."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self._to_schedule = False  # whether the jump to a schedule was available at the last cursor move

    def schedule_here(self) -> str | None:
        """The job schedule the current view's job (a tasks view's, or the cursor's job) was created by."""
        view = self.app.view
        if view.kind == TASKS:
            return schedule_of(view.parent)
        if view.kind == JOBS:
            tables = self.app.query("#table").results(ResourceTable)  # (none yet while the app starts)
            key = next((table.cursor_key for table in tables), None)
            return view.parent or schedule_of(key or "")
        return None

    def available(self, target: str) -> bool:
        """Whether the jump to `target` ("node", "pool", "tasks", "deps", "schedule") starts from the current
        view."""
        if target == "schedule":
            return self.schedule_here() is not None
        return JUMPS.get(target) == self.app.view.kind

    def cursor_moved(self) -> None:
        """The footer offers `s` only on a schedule's job: refresh the keys when that changes."""
        now = self.schedule_here() is not None
        if now != self._to_schedule:
            self._to_schedule = now
            self.app.refresh_bindings()

    def jump(self, target: str) -> None:
        """From the cursor row to its related `target` (see the module's docstring)."""
        app = self.app
        view, key = app.view, app.table.cursor_key
        if not self.available(target):
            return
        if key is None:
            app.notify("nothing selected", severity="warning", timeout=3)
            return
        if target == "schedule":
            schedule = self.schedule_here()
            if schedule:
                app.navigator.show_view(ViewKey(view.account, SCHEDULES), cursor=schedule)
            return
        if target == "pool":
            row = app.table.get_row(key)
            pool_id = cell_value(row, columns(JOBS), "pool") if row else ""
            if pool_id:
                app.navigator.show_view(ViewKey(view.account, POOLS), cursor=pool_id)
            else:
                app.notify(f"job {key} names no pool (an auto pool not created yet?)", severity="warning", markup=False)
        elif target == "node":
            start_worker(app, self._to_node, view, key, group="jump", exclusive=True)
        elif target == "deps":
            start_worker(app, self._dependencies, view, key, group="jump", exclusive=True)
        else:
            start_worker(app, self._node_tasks, view, key, group="jump", exclusive=True)

    def _still_on(self, view: ViewKey, key: str) -> bool:
        app = self.app
        return app.ui_alive() and app.view == view and app.table.cursor_key == key

    async def _to_node(self, view: ViewKey, task_id: str) -> None:
        app = self.app
        try:
            doc = await app.services[view.account].get_task(view.parent, task_id)
        except ServiceError as error:
            app.notify(f"task {task_id}: {error}", severity="error", markup=False)
            return
        if not self._still_on(view, task_id):
            return  # the user moved on meanwhile
        info = doc.get("nodeInfo") or {}
        if not info.get("poolId") or not info.get("nodeId"):
            app.notify(f"task {task_id} has not run on a node yet (it is {doc.get('state', 'unknown')})",
                       severity="warning", timeout=4, markup=False)
            return
        app.navigator.show_view(ViewKey(view.account, NODES, info["poolId"]), cursor=info["nodeId"])

    async def _node_tasks(self, view: ViewKey, node_id: str) -> None:
        from ..screens.node_tasks import NodeTasksScreen

        app = self.app
        try:
            recent = await app.services[view.account].recent_tasks(view.parent, node_id)
        except ServiceError as error:
            app.notify(f"node {node_id}: {error}", severity="error", markup=False)
            return
        if not self._still_on(view, node_id):
            return

        def chosen(task: tuple[str, str] | None) -> None:
            if task is not None:
                app.navigator.show_view(ViewKey(view.account, TASKS, task[0]), cursor=task[1])

        screen = NodeTasksScreen(view.parent, node_id, recent, app.choices.now(TASKS), utc=app.choices.utc(TASKS))
        app.push_screen(screen, chosen)

    async def _dependencies(self, view: ViewKey, task_id: str) -> None:
        from ..screens.task_dependencies import TaskDependenciesScreen

        app = self.app
        try:
            rows = await app.services[view.account].list_tasks(view.parent)
        except ServiceError as error:
            app.notify(f"job {view.parent}: {error}", severity="error", markup=False)
            return
        if not self._still_on(view, task_id):
            return
        book = DependencyBook()
        book.take(rows)

        def chosen(target: str | None) -> None:
            if target is not None and app.view == view:
                app.navigator.show_view(view, cursor=target)

        app.push_screen(TaskDependenciesScreen(view.parent, task_id, dependency_rows(book, task_id)), chosen)
