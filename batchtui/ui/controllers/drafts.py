"""Editing a draft in the user's $EDITOR (falling back to `vi`), then reviewing and sending it: the loop
edit, clone and rerun-with-changes share.

`Drafts.open(draft)` writes the draft's text to a temporary file, suspends the app and runs the editor
on it (a terminal without suspend support, e.g. a test's, runs it as it is), reads the text back, and
asks the draft to review it: problems (bad JSON, a field that is wrong, or the service's refusal of a
field) open a dialog whose "Edit again" reopens the editor on the text as typed (esc there keeps the
text in the state folder's drafts/, and says where); no
change says so and sends nothing; else a confirmation shows what will change, then the draft's send
runs in a worker and its outcome is a notice.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import SuspendNotSupported

from ...paths import state_dir
from ...service.errors import ServiceError
from ...service.updates import Refused
from ...textsafe import inert
from ..model.edit_text import EditProblems
from ..screens.confirm import ConfirmScreen
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp

FALLBACK_EDITOR = "vi"
SHOWN_PROBLEMS = 12  # problems listed in the dialog before "… and N more"
SHOWN_LINES = 16  # diff lines a confirmation shows, the last one "… and N more lines" when there are more
DIFF_STYLES = {"+": "green", "-": "red", "~": "yellow"}


@dataclass(frozen=True)
class Review:
    """What a saved draft will do: the confirmation's title, message and button, and `send`, which does
    it and returns the line to notify (ServiceError when the service refuses; a Refused names fields)."""

    title: str
    message: Text
    confirm: str
    send: Callable[[], Awaitable[str]]


@dataclass
class Draft:
    """A text being edited: `name` (the temporary file's name, e.g. "job-a.json"), `text` (what the
    editor opens: the last text typed), `review(text)` → a Review, None when nothing changed, or
    EditProblems; `unchanged`: what to say when nothing changed."""

    name: str
    text: str
    review: Callable[[str], Review | None]
    unchanged: str = "nothing changed: nothing was sent"


def editor_command() -> list[str]:
    """$EDITOR split as a shell would (e.g. "code --wait"), else `vi`."""
    return shlex.split(os.environ.get("EDITOR", "").strip() or FALLBACK_EDITOR)


def diff_text(heading: str, lines: list[str], footer: str = "") -> Text:
    """A confirmation's message: `heading`, then each diff line coloured by its sign, then `footer`."""
    text = Text(inert(heading, keep="\n"))
    if len(lines) > SHOWN_LINES:
        lines = [*lines[:SHOWN_LINES - 1], f"… and {len(lines) - SHOWN_LINES + 1} more lines"]
    for line in lines:
        text.append("\n")
        text.append(inert(line), style=DIFF_STYLES.get(line[:1], ""))
    if footer:
        text.append("\n\n" + inert(footer, keep="\n"))
    return text


class Drafts:
    """Runs drafts for the app: editor, review, confirmation, sending."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app

    def run_editor(self, draft: Draft) -> str | None:
        """The draft's text after the editor ran on it; None (and a notice) when the editor could not run
        or failed. The app is suspended meanwhile, where the terminal allows it."""
        command = editor_command()
        with tempfile.TemporaryDirectory(prefix="batchtui-edit-") as folder:
            path = Path(folder) / draft.name
            path.write_text(draft.text, encoding="utf-8")
            try:
                try:
                    with self.app.suspend():
                        code = subprocess.call([*command, str(path)])
                except SuspendNotSupported:
                    code = subprocess.call([*command, str(path)], stdin=subprocess.DEVNULL)
            except OSError as error:
                self.app.notify(f"cannot run the editor {command[0]!r} ($EDITOR): {error.strerror}",
                                severity="error", timeout=10)
                return None
            if code != 0:
                self.app.notify(f"the editor {command[0]!r} exited with {code}: nothing was sent",
                                severity="warning", timeout=8)
                return None
            return path.read_text(encoding="utf-8", errors="replace")

    def open(self, draft: Draft) -> None:
        """Edit `draft` in $EDITOR, then review what was typed (see the module's notes)."""
        text = self.run_editor(draft)
        if text is None or not self.app.ui_alive():
            return
        draft.text = text
        try:
            review = draft.review(text)
        except EditProblems as problems:
            self.problems(draft, problems.problems)
            return
        if review is None:
            self.app.notify(draft.unchanged, timeout=5)
            return
        self._confirm(draft, review)

    def problems(self, draft: Draft, problems: list[str], heading: str = "Nothing was sent:") -> None:
        """The dialog that lists `problems`; its "Edit again" reopens the editor on the text as typed."""
        listed = problems[:SHOWN_PROBLEMS]
        if len(problems) > SHOWN_PROBLEMS:
            listed.append(f"… and {len(problems) - SHOWN_PROBLEMS} more")
        message = diff_text(heading, [f"• {p}" for p in listed],
                            "Edit again reopens the editor with what you typed; esc discards it.")

        def chosen(values: dict[str, object] | None) -> None:
            if values is not None:
                self.open(draft)
            else:
                self._keep(draft)

        self.app.push_screen(ConfirmScreen("Problems", message, confirm_label="Edit again"), chosen)

    def _keep(self, draft: Draft) -> None:
        """A discarded draft's text, kept in the state folder (drafts/NAME) so that nothing typed is lost."""
        path = state_dir() / "drafts" / draft.name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(draft.text, encoding="utf-8")
        except OSError as error:
            self.app.notify(f"discarded (not kept: {error.strerror})", severity="warning", timeout=6)
            return
        self.app.notify(f"discarded; what you typed is kept in {path}", timeout=8)

    def _confirm(self, draft: Draft, review: Review) -> None:
        def confirmed(values: dict[str, object] | None) -> None:
            if values is not None:
                start_worker(self.app, self._send, draft, review, group="actions")

        self.app.push_screen(ConfirmScreen(review.title, review.message, confirm_label=review.confirm), confirmed)

    async def _send(self, draft: Draft, review: Review) -> None:
        app = self.app
        try:
            message = await review.send()
        except Refused as error:
            if app.ui_alive():
                self.problems(draft, list(error.fields), f"The service refused it ({error.code}):")
            return
        except ServiceError as error:
            if app.ui_alive():
                app.notify(f"{review.title}: {error}", severity="error", timeout=12)
            return
        if app.ui_alive():
            app.notify(message, timeout=8)
            app.refresher.refresh_now()
            app.details.reload()
