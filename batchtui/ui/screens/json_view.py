"""`y`: a resource's full JSON, as the REST API returned it (SAS signatures and
passwords in URLs redacted, as everywhere on screen); `c` copies it."""

from __future__ import annotations

import json
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...textsafe import inert
from ..format import redact_urls


class JsonScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,y", "dismiss", "Close"), Binding("c", "copy", "Copy the JSON"),
                Binding("j", "scroll_down", show=False), Binding("k", "scroll_up", show=False)]
    DEFAULT_CSS = """
    JsonScreen { align: center middle; }
    JsonScreen > VerticalScroll { width: 95%; height: 95%; border: round $accent; background: $surface; }
    """

    def __init__(self, title: str, doc: dict[str, Any]) -> None:
        super().__init__()
        self._heading = title
        self._doc = doc
        # ensure_ascii=False keeps names readable; control and bidi characters
        # (which json.dumps leaves raw above U+007F) are escaped here.
        text = json.dumps(redact_urls(doc), indent=2, sort_keys=False, ensure_ascii=False)
        self.text = "".join(c if c.isprintable() or c == "\n" else f"\\u{ord(c):04x}" for c in text)

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll()
        scroll.border_title = Text(inert(self._heading))  # a Text: never markup
        with scroll:
            yield Static(Syntax(self.text, "json", theme="ansi_dark", word_wrap=True))

    def action_copy(self) -> None:
        """`c`: the JSON as shown, to the clipboard (OSC 52)."""
        self.app.copy_to_clipboard(self.text)
        self.notify(f"copied the JSON of {self._heading}", timeout=3)

    def action_scroll_down(self) -> None:
        self.query_one(VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one(VerticalScroll).scroll_up()
