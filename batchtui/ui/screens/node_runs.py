"""`NodeRunsScreen`: a dialog listing runs of a job's own tasks on nodes (its preparation and release tasks,
a multi-instance task's subtasks), with the cursor run's line under the table. `l` (or enter) opens the
cursor run's stdout.txt and `e` its stderr.txt in the log view, read through the node's files; `r`
refreshes (it refreshes itself too, as the explorer does); `esc` goes back.

A subclass says what to list: `fetch()` (one refresh: the line above the table, the rows, the text of an
empty table), `cursor_text()` and `log_file()`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Static

from ...service.errors import ServiceError
from ...service.models import FileRef
from ...textsafe import inert
from ..views import TASKS
from ..widgets.resource_table import Column, ResourceTable, TableRow

if TYPE_CHECKING:
    from ...service.client import BatchService
    from ..app import BatchApp

KEYS_HINT = "l stdout · e stderr · r refresh · esc back"


class NodeRunsScreen(ModalScreen[None]):
    """Runs on nodes, listed by a subclass; see the module's docstring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
        Binding("l", "open_log('stdout.txt')", "Stdout"),
        Binding("e", "open_log('stderr.txt')", "Stderr"),
        Binding("r", "reload", "Refresh"),
    ]
    DEFAULT_CSS = """
    NodeRunsScreen { background: $surface; layout: vertical; }
    NodeRunsScreen > #runs-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    NodeRunsScreen > #runs-summary { height: auto; max-height: 2; padding: 0 1; background: $boost; }
    NodeRunsScreen > ResourceTable { height: 1fr; }
    NodeRunsScreen > #runs-cursor { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    """

    def __init__(self, account: str, title: str, columns: list[Column], what: str) -> None:
        """`title`: the first line; `what`: what the first refresh lists (said while it does)."""
        super().__init__()
        self.account = account
        self.title_text = title
        self.columns = columns
        self.what = what
        self.loads = 0  # refreshes done (tests wait on it)
        self.loaded = False  # a refresh has answered
        self._timer: Timer | None = None

    @property
    def batch_app(self) -> BatchApp:
        return cast("BatchApp", self.app)

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#runs-table", ResourceTable)

    def compose(self) -> ComposeResult:
        yield Static(Text(inert(self.title_text)), id="runs-title", markup=False)
        yield Static(Text(f"listing {self.what}…", style="dim"), id="runs-summary", markup=False)
        yield ResourceTable(self.columns, empty_text="Loading…", id="runs-table")
        yield Static("", id="runs-cursor", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.table.focus()
        self._load()

    def now(self) -> datetime:
        """The app's clock, in the time zone times are shown in."""
        return self.batch_app.choices.now(TASKS)

    # -- what a subclass says ---------------------------------------------------------------
    async def fetch(self, service: BatchService) -> tuple[Text, list[TableRow], str]:
        """One refresh: the line above the table, the rows, the text of an empty table (ServiceError)."""
        raise NotImplementedError

    def cursor_text(self, key: str | None) -> Text:
        """The line under the table for the cursor row `key`."""
        raise NotImplementedError

    def log_file(self, key: str, name: str) -> tuple[FileRef, str] | None:
        """The node file `name` of the run of row `key`, and the log view's title; None when it has none."""
        raise NotImplementedError

    # -- loading ----------------------------------------------------------------------------
    def action_reload(self) -> None:
        self._load()

    @work(exclusive=True, group="node-runs", exit_on_error=False)
    async def _load(self) -> None:
        app = self.batch_app
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        try:
            summary, rows, empty = await self.fetch(app.services[self.account])
        except ServiceError as error:
            if self.is_attached:
                self.query_one("#runs-summary", Static).update(
                    Text(f"cannot list {self.what}: {inert(str(error))}", style="bold red"))
        else:
            if self.is_attached:
                self._show(summary, rows, empty)
        finally:
            self.loads += 1
            if self.is_attached and app.is_running:
                self._timer = self.set_timer(max(app.refresh_seconds, 2.0), self._load)

    def _show(self, summary: Text, rows: list[TableRow], empty: str) -> None:
        self.loaded = True
        table = self.table
        if not table.total_count:
            table.set_rows(rows)
        else:
            table.upsert_rows(rows)
            table.remove_rows(set(table.all_keys()) - {row.key for row in rows})
        table.empty_text = empty
        self.query_one("#runs-summary", Static).update(summary)
        self._show_cursor()

    def _show_cursor(self) -> None:
        self.query_one("#runs-cursor", Static).update(self.cursor_text(self.table.cursor_key))

    # -- the table's messages stay here (the explorer's own table answers those that reach the app) ----
    @on(ResourceTable.RowHighlighted)
    def _highlighted(self, event: ResourceTable.RowHighlighted) -> None:
        event.stop()
        self._show_cursor()

    @on(ResourceTable.RowSelected)
    def _selected(self, event: ResourceTable.RowSelected) -> None:
        event.stop()
        self.action_open_log("stdout.txt")

    @on(ResourceTable.SortChanged)
    @on(ResourceTable.FilterChanged)
    @on(ResourceTable.MarksChanged)
    def _table_changed(self, event: ResourceTable.SortChanged) -> None:
        event.stop()

    # -- keys -------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss()

    def action_open_log(self, name: str) -> None:
        """The cursor run's `name` (stdout.txt, stderr.txt), followed in the log view."""
        from .log_view import LogScreen

        key = self.table.cursor_key
        found = self.log_file(key, name) if key is not None else None
        if found is None:
            self.app.notify("no run under the cursor", severity="warning", timeout=3)
            return
        ref, title = found
        self.app.push_screen(LogScreen(self.batch_app.services[self.account], ref, title=title))
