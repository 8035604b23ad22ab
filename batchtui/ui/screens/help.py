"""`?`: every key binding of the app and the table, and the `:` commands."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

COMMANDS = [
    (":pools", "the account's pools"),
    (":nodes POOL", "the nodes of a pool"),
    (":jobs", "the account's jobs"),
    (":tasks JOB", "the tasks of a job"),
    (":acct NAME", "switch to another account"),
    (":create pool|job FILE", "create from a JSON request body (checked first)"),
    (":create tasks FILE", "add the file's tasks to the job on screen, 100 per call"),
    (":storage [CONTAINER[/PREFIX]]", "the account's linked storage: containers and blobs"),
    (":quit", "leave batchtui"),
]
FILTERS = [
    ("/text", "rows containing text (case-insensitive)"),
    ("/re:pattern", "rows matching a regular expression"),
    ("/!text", "rows NOT containing text"),
    ("/$odata", "tasks view: a server-side $filter, e.g. $state eq 'active'"),
]


def _keys(bindings: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, description in bindings:
        table.add_row(Text(key), Text(description))  # plain text: "[CONTAINER[/PREFIX]]" is not markup
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close"),
                Binding("down,j", "scroll(1)", show=False), Binding("up,k", "scroll(-1)", show=False)]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 84; max-width: 100%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self._key_rows = bindings

    def action_scroll(self, lines: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=lines, animate=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("[b]Keys[/b]")
            yield Static(_keys(self._key_rows))
            yield Static("\n[b]Commands[/b] (press [b]:[/b])")
            yield Static(_keys(COMMANDS))
            yield Static("\n[b]Filters[/b] (press [b]/[/b])")
            yield Static(_keys(FILTERS))
            yield Static("\n[dim]esc closes this help[/dim]")
