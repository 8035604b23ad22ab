"""`?` in the log view: its keys (the log view's bindings and the log widget's), and how search works.

The rows come from the bindings themselves, so a key added to the view shows here too; `DETAILS` says
more than a binding's short description where that helps. It is the app's help screen (`HelpScreen`:
same frame, same keys to close it) with this content.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..widgets.log_lines import LogLines
from .help import HelpScreen, _keys

if TYPE_CHECKING:
    from textual.screen import Screen

__all__ = ["DETAILS", "LogHelpScreen", "SEARCH"]

DETAILS = {
    "back": "close the search line, else leave the log view",
    "follow": "follow the end of the file (scrolling up stops following)",
    "top": "the top of what is loaded; the head of the file when the view starts further on",
    "bottom": "back to the tail, following",
    "search": "search the loaded lines as you type (enter keeps the search, esc drops it)",
    "next_match": "next match",
    "previous_match": "previous match",
    "toggle_wrap": "wrap long lines (off: scroll sideways)",
    "toggle_colour": "colours on or off (off: colour sequences are shown inert, like every control sequence)",
    "toggle_numbers": "line numbers on or off",
    "save": "save the whole file to a local file",
    "reload": "start over at the tail (also after the view stopped following)",
    "help": "this help",
    "line_up": "up a line",
    "line_down": "down a line",
    "column_left": "scroll left",
    "column_right": "scroll right",
    "page_left": "scroll left a page",
    "page_right": "scroll right a page",
    "line_start": "scroll back to the start of the lines",
    "line_end": "scroll to the end of the longest line on screen",
    "page_up": "up a page",
    "page_down": "down a page",
    "window_top": "the top of what is loaded",
}
SEARCH = [
    ("/text", "lines containing text (case-insensitive), as shown: colour sequences are not part of it"),
    ("/re:pattern", "lines matching a regular expression"),
]


class LogHelpScreen(HelpScreen):
    """The log view's keys: those of `screen` (a LogScreen) and of its `LogLines`."""

    def __init__(self, screen: Screen[Any]) -> None:
        rows: list[tuple[str, str]] = []
        for binding in [*screen.BINDINGS, *LogLines.BINDINGS]:
            if isinstance(binding, Binding):
                keys = ", ".join(screen.app.get_key_display(Binding(key.strip(), ""))
                                 for key in binding.key.split(","))
                rows.append((keys, DETAILS.get(binding.action, binding.description)))
        super().__init__(rows)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("Log view keys", style="bold"))
            yield Static(_keys(self._key_rows))
            yield Static(Text("\nSearch (press /)", style="bold"))
            yield Static(_keys(SEARCH))
            yield Static(Text("\nesc closes this help", style="dim"))
