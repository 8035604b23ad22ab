"""Copying the cursor row's id (`c`), or through a small menu (`ctrl+y`) its command line or JSON, to the
clipboard, with a toast that says what was copied.

The clipboard is the terminal's: Textual writes OSC 52 (``ESC ] 52 ; c ; BASE64 BEL``), which works over
ssh, and inside tmux once tmux passes it on (``set -g set-clipboard on``). What is copied is what the
screen shows: control characters as their inert stand-ins (a pasted command line must not carry an
escape sequence into a shell), the JSON with URL secrets redacted as in the JSON view.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...service.errors import ServiceError
from ...textsafe import inert
from ..format import redact_urls
from ..screens.copy_menu import CopyMenu
from ..views import JOBS, POOLS, TASKS, ViewKey
from .details import fetch_document
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp


def command_line(kind: str, doc: dict[str, Any]) -> str | None:
    """A task's command line; a pool's start task's; a job's job manager task's. None if there is none."""
    if kind == TASKS:
        return doc.get("commandLine")
    if kind == POOLS:
        return (doc.get("startTask") or {}).get("commandLine")
    if kind == JOBS:
        return (doc.get("jobManagerTask") or {}).get("commandLine")
    return None


def size_label(text: str) -> str:
    size = len(text.encode())
    return f"{size} bytes" if size < 1024 else f"{size / 1024:.1f} KiB"


class Copier:
    """Puts what the cursor's row holds on the clipboard."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app

    def _subject(self, view: ViewKey, key: str) -> str:
        return f"{view.kind[:-1]} {inert(key)}"

    def _cursor(self) -> str | None:
        key = self.app.table.cursor_key
        if key is None:
            self.app.notify("nothing to copy: no row selected", severity="warning", timeout=3)
        return key

    def copy_id(self) -> None:
        """`c`: the cursor row's id."""
        key = self._cursor()
        if key is not None:
            self.put(key, f"{self._subject(self.app.view, key)} id")

    def open_menu(self) -> None:
        """`ctrl+y`: a menu of what to copy (id, command line, JSON)."""
        key = self._cursor()
        if key is None:
            return
        view = self.app.view

        def chosen(what: str | None) -> None:
            if what == "id":
                self.put(key, f"{self._subject(view, key)} id")
            elif what is not None:
                start_worker(self.app, self._copy_from_document, view, key, what, group="copy", exclusive=True)

        self.app.push_screen(CopyMenu(self._subject(view, key)), chosen)

    async def _copy_from_document(self, view: ViewKey, key: str, what: str) -> None:
        app = self.app
        subject = self._subject(view, key)
        doc = app.details.doc
        if doc is None or doc.get("id") != key or view != app.view:
            try:
                doc = await fetch_document(app.services[view.account], view, key)
            except ServiceError as error:
                app.notify(f"cannot copy the {what} of {subject}: {error}", severity="error")
                return
        if what == "command":
            command = command_line(view.kind, doc)
            if not command:
                app.notify(f"{subject} has no command line", severity="warning", timeout=4)
                return
            self.put(command, f"{subject} command line")
        else:
            text = json.dumps(redact_urls(doc), indent=2, ensure_ascii=False)
            self.put(text, f"{subject} JSON ({size_label(text)})")

    def put(self, text: str, label: str) -> None:
        """Copy `text` (made inert, line breaks and tabs kept) and say "copied LABEL"."""
        self.app.copy_to_clipboard(inert(text, keep="\n\t"))
        self.app.notify(f"copied {label}", timeout=3)
