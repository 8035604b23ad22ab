"""The details pane: the full document of the cursor's row (a task, job, pool
or node), fetched by a worker whenever the cursor moves or a refresh changes
that row, and shown as JSON on request. A task's details also say what it
waits for (the job's dependency book) and, once it failed, which exit option
matched and what it did to the job (the job's onTaskFailure, fetched once per
job: Batch does not let it change)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from ...service.client import BatchService
from ...service.errors import NOT_FOUND, ServiceError
from ...service.models import RestDict
from ...service.schedules import get_schedule
from ..model.task_workflow import dependency_lines, exit_lines, exit_relevant
from ..views import JOBS, POOLS, SCHEDULES, TASKS, ViewKey
from ..widgets.details import LABEL_WIDTH, DetailsPane, render_details
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp


async def fetch_document(service: BatchService, view: ViewKey, key: str) -> RestDict:
    """The full document of row `key` of `view` (a task, job, pool, node or job schedule); ServiceError if it fails."""
    if view.kind == TASKS:
        return await service.get_task(view.parent, key)
    if view.kind == JOBS:
        return await service.get_job(key)
    if view.kind == POOLS:
        return await service.get_pool(key)
    if view.kind == SCHEDULES:
        return await get_schedule(service, key)
    return await service.get_node(view.parent, key)


class DetailsLoader:
    """Loads the cursor row's document into the details pane."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app
        # The cursor row's document as the service returned it (Batch REST JSON);
        # None while it loads, or when no row is selected.
        self.doc: dict[str, Any] | None = None
        # (account, job) -> the job's onTaskFailure and usesTaskDependencies (neither can change)
        self._jobs: dict[tuple[str, str], dict[str, Any]] = {}

    def cursor_moved(self) -> None:
        """The cursor is on another row: drop the old document, load the new one."""
        self.doc = None
        self.reload()

    def reload(self) -> None:
        """Fetch the cursor row's document again (unless the pane is hidden)."""
        app = self.app
        if not app.ui_alive():
            return  # a cursor message that arrived while the app shuts down
        panes = app.query(DetailsPane)
        if not panes:  # the app is shutting down (a cursor move still queued)
            return
        key = app.table.cursor_key
        if key is None or panes.first().has_class("hidden"):
            return
        start_worker(app, self._load, app.view, key, group="details", exclusive=True)

    async def _load(self, view: ViewKey, key: str) -> None:
        app = self.app
        try:
            doc = await fetch_document(app.services[view.account], view, key)
        except ServiceError as error:
            if view == app.view and app.ui_alive() and app.table.cursor_key == key:
                message = f"{key} no longer exists" if error.kind == NOT_FOUND else f"details unavailable: {error}"
                app.query_one(DetailsPane).show(Text(message, style="bold red"))
            return
        if view.kind == TASKS and (view.account, view.parent) not in self._jobs and exit_relevant(doc):
            try:
                job = await app.services[view.account].get_job(view.parent)
                self._jobs[(view.account, view.parent)] = {
                    "onTaskFailure": job.get("onTaskFailure") or "noaction",
                    "usesTaskDependencies": bool(job.get("usesTaskDependencies"))}
            except ServiceError:
                pass  # the exit option is still told, without what it did to the job
        if view == app.view and app.ui_alive() and app.table.cursor_key == key:
            self.doc = doc
            self.rerender()

    def rerender(self) -> None:
        """Show the loaded document again (e.g. in another time zone)."""
        app = self.app
        if self.doc is None:
            return
        workflow = None
        view = app.view
        if view.kind == TASKS:
            book = app.dependencies.book(view)
            waiting = book.waiting(str(self.doc.get("id"))) if book is not None else None
            workflow = dependency_lines(self.doc, waiting) + exit_lines(
                self.doc, self._jobs.get((view.account, view.parent)))
        details = render_details(view.kind, self.doc, app.choices.zone(view.kind), workflow, app.clock())
        app.query_one(DetailsPane).show(details, hang=LABEL_WIDTH)

    def toggle(self) -> None:
        """Show or hide the pane (a shown pane loads the cursor row's document)."""
        self.app.query_one(DetailsPane).toggle_class("hidden")
        self.reload()

    def show_json(self) -> None:
        """The loaded document in the JSON screen (a warning while none is loaded)."""
        app = self.app
        if self.doc is None:
            app.notify("no resource selected (or its details are still loading)", severity="warning", timeout=3)
            return
        from ..screens.json_view import JsonScreen

        app.push_screen(JsonScreen(f"{app.view.kind[:-1]} {self.doc.get('id', '')}", self.doc))
