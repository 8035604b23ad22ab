"""Export (ctrl+s): the cursor resource's create body, or the marked ones', written through the save
dialog in the shape `batchtui create` and `az batch … --json-file` take: tasks as one file holding a
list; pools, jobs and job schedules one file each (those commands take one a file), "{id}" in the path
standing for each one's id. A file that exists is overwritten only when the dialog confirmed it (for
several files: never; they are left alone and named)."""

from __future__ import annotations

import asyncio
import json
import os
from typing import TYPE_CHECKING, Any

from ...service.errors import ServiceError
from ...service.localfiles import staged_file
from ..model.resource_bodies import NOUN, export_bodies, export_paths
from ..screens.save_file import SaveScreen
from ..views import SCHEDULES, TASKS, ViewKey
from .actions import EDIT_KINDS
from .details import fetch_document
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp


CREATE_WORD = {TASKS: "tasks", SCHEDULES: "jobschedule"}  # `batchtui create KIND`, where KIND is not the noun


class ExportedJson:
    """What the save dialog names: the resources being exported (a ShownFile)."""

    def __init__(self, path: str, what: str) -> None:
        self.path = path
        self._what = what

    def describe(self) -> str:
        return self._what


class Exporter:
    """ctrl+s in the pools, jobs, job schedules and tasks views."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app

    def start(self) -> None:
        app = self.app
        view = app.view
        key = app.table.cursor_key
        if view.kind not in EDIT_KINDS:
            return
        if not key:
            app.notify("nothing selected", severity="warning", timeout=3)
            return
        keys = sorted(app.table.marked) if app.table.marked else [key]
        start_worker(app, self._export, view, keys, group="actions")

    async def _export(self, view: ViewKey, keys: list[str]) -> None:
        app = self.app
        service = app.services[view.account]
        try:
            docs = list(await asyncio.gather(*(fetch_document(service, view, k) for k in keys)))
        except ServiceError as error:
            app.notify(f"export: {error}", severity="error")
            return
        if not app.ui_alive():
            return
        noun = NOUN[view.kind]
        kind_word = CREATE_WORD.get(view.kind, noun)
        each = view.kind != TASKS and len(keys) > 1
        if each:
            texts = [_json(export_bodies(view.kind, [doc])) for doc in docs]
            what = f"{len(keys)} {noun}s, one file each ({{id}} in the path stands for each id)"
            default = "./{id}.json"
        else:
            texts = [_json(export_bodies(view.kind, docs))]
            what = f"{noun} {keys[0]}" if len(keys) == 1 else f"{len(keys)} tasks"
            default = f"./{keys[0] if len(keys) == 1 else view.parent + '-tasks'}.json"
        outcome: dict[str, list[str]] = {"written": [], "left": []}

        async def write(path: str, *, overwrite: bool = False, progress: Any = None) -> int:
            targets = export_paths(path, keys) if each else [path]
            size = 0
            for target, text in zip(targets, texts, strict=True):
                if each and os.path.lexists(target):
                    outcome["left"].append(target)
                    continue
                encoded = text.encode("utf-8")
                async with staged_file(target, overwrite and not each) as out:
                    out.write(encoded)
                outcome["written"].append(target)
                size += len(encoded)
            return size

        def saved(result: tuple[str, int] | None) -> None:
            if result is None:
                return
            written, left = outcome["written"], outcome["left"]
            message = f"{what.split(',')[0]} saved to {', '.join(written) or 'no file'}" \
                      f" (batchtui create {kind_word} FILE takes it)"
            if left:
                message += f"; left alone, as they exist: {', '.join(left)}"
            app.notify(message, severity="warning" if left else "information", timeout=10)

        ref = ExportedJson(default, f"{what} as JSON (the body batchtui create {kind_word} takes)")
        title = f"Export the create {'bodies' if len(keys) > 1 else 'body'}"
        app.push_screen(SaveScreen(service, ref, default, downloader=write, title=title), saved)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
