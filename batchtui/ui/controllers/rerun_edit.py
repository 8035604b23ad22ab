"""Rerun with changes (ctrl+r in a job's tasks): the marked tasks' (or the cursor's) command line,
environment settings, resource files and constraints in $EDITOR, one edit for all of them; once
confirmed, each task is deleted and added again with the same id, as Batch has it.

Refused, with the reason, where Batch would refuse or the rerun would break something: the job is
completed, terminating, being deleted or disabling (`preconditions.rerun_refusal`); the task is the
job's job manager task; other tasks depend on it (read from the tasks' dependsOn when the job uses
task dependencies).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ...service import updates
from ...service.client import BatchService
from ...service.errors import OTHER, ServiceError
from ...service.operations import for_each
from ..actions import explain_refusals
from ..model.edit_text import EditProblems, changes, diff_lines, parse, render
from ..model.rerun_body import dependents, rerun_bodies, rerun_fields, rerun_header, rerun_problems
from ..preconditions import Refusal, rerun_refusal
from ..screens.confirm import NoticeScreen
from ..views import TASKS, ViewKey
from .drafts import Draft, Drafts, Review, diff_text
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp

FETCH_AT_ONCE = 8  # task documents fetched at the same time


class RerunWithChanges:
    """ctrl+r on tasks: see the module's notes."""

    def __init__(self, app: BatchApp, drafts: Drafts) -> None:
        self.app = app
        self.drafts = drafts

    def start(self) -> None:
        app = self.app
        view = app.view
        if view.kind != TASKS:
            return
        if app.actions.read_only_here():
            why = "read-only mode" if app.read_only else f"account {view.account} is read-only"
            app.notify(f"read-only: cannot rerun tasks with changes ({why})", severity="warning", timeout=4)
            return
        table = app.table
        keys = sorted(table.marked) if table.marked else ([table.cursor_key] if table.cursor_key else [])
        if not keys:
            app.notify("nothing selected", severity="warning", timeout=3)
            return
        start_worker(app, self._prepare, view, keys, group="actions")

    async def _prepare(self, view: ViewKey, keys: list[str]) -> None:
        app = self.app
        service = app.services[view.account]
        try:
            job = await service.get_job(view.parent)
            docs, refused = await self._judge(service, view, job, keys)
        except ServiceError as error:
            app.notify(f"job {view.parent}: {error}", severity="error")
            return
        if not app.ui_alive():
            return
        job_refused = rerun_refusal(str(job.get("state", "")))
        if job_refused is not None:
            lines = [f"Job {view.parent}: {job_refused.why}."]
            if job_refused.instead:
                lines.append(f"What would work: {job_refused.instead}.")
            app.push_screen(NoticeScreen("Cannot rerun with changes", "\n".join(lines)))
            return
        if not docs:
            app.push_screen(NoticeScreen("Cannot rerun with changes", explain_refusals(view, refused)))
            return
        self._edit(view, service, docs, refused)

    async def _judge(self, service: BatchService, view: ViewKey, job: dict[str, Any],
                     keys: list[str]) -> tuple[list[dict[str, Any]], dict[str, Refusal]]:
        """The documents of the tasks that can be rerun, and why the others cannot."""
        refused: dict[str, Refusal] = {}
        manager = str((job.get("jobManagerTask") or {}).get("id") or "")
        for key in keys:
            if manager and key.lower() == manager.lower():
                refused[key] = Refusal("it is the job's job manager task, which Batch never adds again",
                                       "clone the job (ctrl+n) with the job manager changed")
        if job.get("usesTaskDependencies"):
            for key, names in dependents(await updates.task_dependencies(service, view.parent), keys).items():
                shown = ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
                refused.setdefault(key, Refusal(f"other tasks depend on it ({shown}); deleting it would "
                                                "leave them waiting on a task that is gone"))
        semaphore = asyncio.Semaphore(FETCH_AT_ONCE)

        async def fetch(key: str) -> dict[str, Any]:
            async with semaphore:
                return await service.get_task(view.parent, key)

        docs = await asyncio.gather(*(fetch(k) for k in keys if k not in refused))
        return list(docs), refused

    def _edit(self, view: ViewKey, service: BatchService, docs: list[dict[str, Any]],
              refused: dict[str, Refusal]) -> None:
        ids = [str(d["id"]) for d in docs]
        before, differing = rerun_fields(docs)
        count = f"{len(ids)} task{'s' if len(ids) != 1 else ''}"

        def review(text: str) -> Review | None:
            after = parse(text)
            problems = rerun_problems(before, after)
            if problems:
                raise EditProblems(problems)
            found = changes(before, after)
            if not found:
                return None
            bodies = rerun_bodies(docs, before, after)
            each = "Each is" if len(ids) != 1 else "It is"
            heading = (f"Rerun {count} of job {view.parent} with these changes? {each} deleted and added "
                       f"again with the same id (its files and run history are lost).")
            footer = f"Tasks: {', '.join(ids[:5])}{' …' if len(ids) > 5 else ''}"
            running = [str(d["id"]) for d in docs if d.get("state") in ("running", "preparing")]
            if running:
                footer += f"\nStill running, stopped by the delete: {', '.join(running[:5])}" \
                          f"{' …' if len(running) > 5 else ''}"
            if refused:
                footer += "\nLeft alone:\n" + explain_refusals(view, refused)

            async def send() -> str:
                by_id = {b["id"]: b for b in bodies}
                result = await for_each(list(by_id), lambda k: updates.rerun_task(service, view.parent, by_id[k]))
                if len(result.failed) == len(bodies) and isinstance(result.failed[0][1], updates.Refused):
                    raise result.failed[0][1]  # (every one refused: the same edit's fault, to edit again)
                if result.failed:
                    raise ServiceError(OTHER, result.summary("rerun", "task"))
                return result.summary("rerun", "task")

            return Review("Rerun with changes", diff_text(heading, diff_lines(found), footer), "Rerun", send)

        header = rerun_header(view.parent, ids, differing)
        name = f"rerun-{ids[0]}.json" if len(ids) == 1 else f"rerun-{len(ids)}-tasks.json"
        self.drafts.open(Draft(name, render(header, before), review))
