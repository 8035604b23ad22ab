"""Edit and clone a pool, job, job schedule or task in $EDITOR (`ui.controllers.drafts` runs the editor and the
confirmation); the editor's keys (`run`), export (`ui.controllers.export`) and rerun with changes
(`ui.controllers.rerun_edit`) included.

Edit: the cursor resource's updatable properties (`ui.model.resource_bodies`), sent as Batch's pool
updateproperties, job or job schedule PATCH, or task PUT. Clone: its create body with a new id ("<id>-copy"), created
once confirmed (a task in the same job). Read-only accounts refuse edits and clones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...create import add_tasks, create_job, create_job_schedule, create_pool
from ...service import updates
from ...service.client import BatchService
from ...service.errors import INVALID, ServiceError
from ..model.edit_text import EditProblems, changes, diff_lines, parse, render
from ..model.resource_bodies import (
    NOUN,
    clone_header,
    clone_problems,
    create_body,
    edit_header,
    editable,
    update_request,
)
from ..preconditions import edit_refusal
from ..screens.confirm import NoticeScreen
from ..views import JOBS, POOLS, SCHEDULES, TASKS, ViewKey
from .actions import EDIT_KINDS
from .details import fetch_document
from .drafts import Draft, Drafts, Review, diff_text
from .export import Exporter
from .rerun_edit import RerunWithChanges
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp

SENT_AS = {"pool.updateproperties": "Batch's pool updateproperties", "pool.patch": "Batch's pool PATCH",
           "job.patch": "Batch's job PATCH", "jobschedule.patch": "Batch's job schedule PATCH",
           "task.put": "Batch's task PUT"}


def draft_name(kind: str, key: str, suffix: str = "") -> str:
    """The temporary file's name of an edit or clone of `key` (e.g. "job-a.json", "jobschedule-s-copy.json")."""
    return f"{NOUN[kind].replace(' ', '')}-{key}{suffix}.json"


async def send_update(service: BatchService, view: ViewKey, key: str, operation: str, body: dict[str, Any]) -> None:
    """Send an edit's request (`operation` as `resource_bodies.UpdateRequest` names it)."""
    if operation == "pool.updateproperties":
        await updates.update_pool_properties(service, key, body)
    elif operation == "pool.patch":
        await updates.update_pool(service, key, body)
    elif operation == "job.patch":
        await updates.update_job(service, key, body)
    elif operation == "jobschedule.patch":
        await updates.update_job_schedule(service, key, body)
    else:
        await updates.replace_task(service, view.parent, key, body)


async def send_create(service: BatchService, view: ViewKey, body: dict[str, Any]) -> None:
    """Create a pool, job, job schedule or task (in the view's job) from its create body."""
    if view.kind == POOLS:
        await create_pool(service, body)
    elif view.kind == JOBS:
        await create_job(service, body)
    elif view.kind == SCHEDULES:
        await create_job_schedule(service, body)
    else:
        results = await add_tasks(service, view.parent, [body])
        if results.failed:
            raise ServiceError(INVALID, results.failed[0])


class Editing:
    """Edit (ctrl+e), clone (ctrl+n) and export (ctrl+s) on the explorer's cursor row; rerun with changes
    (ctrl+r, `RerunWithChanges`) on the marked tasks."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self.drafts = Drafts(app)
        self.rerun = RerunWithChanges(app, self.drafts)
        self.exporter = Exporter(app)

    def run(self, what: str) -> None:
        """The key's action: "edit", "clone", "export" or "rerun"."""
        {"edit": self.edit, "clone": self.clone, "export": self.exporter.start, "rerun": self.rerun.start}[what]()

    def _cursor(self, verb: str) -> str | None:
        app = self.app
        if app.view.kind not in EDIT_KINDS:
            return None
        if app.actions.read_only_here():
            why = "read-only mode" if app.read_only else f"account {app.view.account} is read-only"
            app.notify(f"read-only: cannot {verb} ({why})", severity="warning", timeout=4)
            return None
        key = app.table.cursor_key
        if not key:
            app.notify("nothing selected", severity="warning", timeout=3)
        return key

    async def _document(self, view: ViewKey, key: str) -> dict[str, Any] | None:
        try:
            doc = await fetch_document(self.app.services[view.account], view, key)
        except ServiceError as error:
            self.app.notify(f"{NOUN[view.kind]} {key}: {error}", severity="error")
            return None
        return doc if self.app.ui_alive() else None

    # -- edit -------------------------------------------------------------------------------
    def edit(self) -> None:
        """The cursor resource's updatable properties in $EDITOR; the change sent once confirmed."""
        key = self._cursor("edit")
        if key:
            start_worker(self.app, self._edit, self.app.view, key, group="actions")

    async def _edit(self, view: ViewKey, key: str) -> None:
        doc = await self._document(view, key)
        if doc is None:
            return
        refused = edit_refusal(view.kind, str(doc.get("state", "")))
        if refused is not None:
            why = f"{NOUN[view.kind].capitalize()} {key}: {refused.why}." + (
                f"\nWhat would work: {refused.instead}." if refused.instead else "")
            self.app.push_screen(NoticeScreen(f"Cannot edit {NOUN[view.kind]}", why))
            return
        before = editable(view.kind, doc)
        service = self.app.services[view.account]
        noun = NOUN[view.kind]

        def review(text: str) -> Review | None:
            after = parse(text)
            request = update_request(view.kind, before, after)
            if request is None:
                return None
            found = changes(before, after)
            heading = f"Change {noun} {key}? {len(found)} change{'s' if len(found) != 1 else ''}, " \
                      f"sent as {SENT_AS[request.operation]}:"

            async def send() -> str:
                await send_update(service, view, key, request.operation, request.body)
                return f"{noun} {key} updated"

            return Review(f"Edit {noun}", diff_text(heading, diff_lines(found)), "Send", send)

        self.drafts.open(Draft(draft_name(view.kind, key), render(edit_header(view.kind, key, before), before), review))

    # -- clone ------------------------------------------------------------------------------
    def clone(self) -> None:
        """A create body from the cursor resource (a new id asked for) in $EDITOR; created once confirmed."""
        key = self._cursor("clone")
        if key:
            start_worker(self.app, self._clone, self.app.view, key, group="actions")

    async def _clone(self, view: ViewKey, key: str) -> None:
        doc = await self._document(view, key)
        if doc is None:
            return
        body = create_body(view.kind, doc, f"{key}-copy")
        service = self.app.services[view.account]
        noun = NOUN[view.kind]
        where = f" in job {view.parent}" if view.kind == TASKS else ""

        def review(text: str) -> Review:
            edited = parse(text)
            problems = clone_problems(view.kind, edited)
            if problems:
                raise EditProblems(problems)
            new_id = str(edited["id"])
            lines = diff_lines(changes(create_body(view.kind, doc), edited))

            async def send() -> str:
                await send_create(service, view, edited)
                return f"{noun} {new_id} created{where}"

            heading = f"Create {noun} {new_id}{where}, a clone of {key}" + (
                ", with these changes:" if lines else " (the same properties)?")
            return Review(f"Clone {noun}", diff_text(heading, lines), "Create", send)

        text = render(clone_header(view.kind, key), body)
        self.drafts.open(Draft(draft_name(view.kind, key, "-copy"), text, review, "nothing created"))
