"""The prompt above the table (`widgets.prompt_line.PromptLine`): `:` runs a command (`command_runner`), `/`
filters the table as you type (text, re:regex, !text) and `$…` filters a tasks view on the server with an
OData $filter.

A `$filter` is first asked of the service (one small request): one it refuses shows the service's reason
at the prompt, and nothing else changes: the rows, the view's freshness, the filter remembered for the job.
Errors of any line (a bad regex, a command that cannot run) show at the prompt, which stays open to fix
them; Esc cancels (the table's filter goes back to what it was).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from ...service.errors import ServiceError
from ..actions import FAILED_FILTER
from ..views import TASKS, ViewKey
from ..widgets.prompt_line import PromptLine
from .command_runner import CommandRunner
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp

COMMAND_HINT = "pools | jobs | tasks JOB | nodes POOL | acct NAME | mark STATE | unmark | quit   (tab completes)"
FILTER_HINT = "text, re:regex (per cell), !text, or (tasks) $odata filter   (↑ history, tab completes ids)"


class Prompt:
    """What `:` and `/` lines do (the `PromptHandler` of the app's `PromptLine`)."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self.commands = CommandRunner(app, self)
        self._filter_before = ""  # the table's filter when `/` opened: Esc puts it back

    @property
    def line(self) -> PromptLine:
        return self.app.query_one(PromptLine)

    @property
    def is_open(self) -> bool:
        return self.line.is_open

    @property
    def mode(self) -> str:
        """"command", "filter", or "" while closed."""
        return self.line.kind

    def can_open(self) -> bool:
        """Only over the explorer itself (a dialog, the help or the log view have keys of their own), and
        not while a text field has the focus: there `:` and `/` are text."""
        return len(self.app.screen_stack) == 1 and not isinstance(self.app.focused, Input)

    def open_command(self) -> None:
        self.commands.prefetch_ids()
        self.line.open("command", "", COMMAND_HINT)

    def open_filter(self) -> None:
        """The filter prompt, holding the view's current filter, selected (typing replaces it)."""
        app = self.app
        current = app.refresher.server_filter.get(app.view)
        self._filter_before = app.table.filter_text
        self.line.open("filter", f"${current}" if current else app.table.filter_text, FILTER_HINT, select=True)

    def close(self) -> None:
        self.line.close()

    def error(self, message: str) -> None:
        """Show why a line cannot run, at the prompt (which stays open)."""
        self.line.show_message(message, error=True)

    # -- PromptHandler ----------------------------------------------------------------------
    def prompt_changed(self, kind: str, text: str) -> None:
        """Typing: the filter applies as it is typed ($filters wait for Enter); an edit clears an error."""
        line = self.line
        if kind != "filter":
            line.show_message("")
        elif text.startswith("$"):
            tasks = self.app.view.kind == TASKS
            line.show_message("enter asks the service for this $filter" if tasks
                              else "a server-side $filter is for the tasks view", error=not tasks)
        else:
            problem = self.app.table.set_filter(text)
            if problem or line.has_error:
                line.show_message(problem or "", error=bool(problem))

    def prompt_submitted(self, kind: str, text: str) -> None:
        if kind == "command":
            self.commands.run(text)
        else:
            self.submit_filter(text)

    def prompt_cancelled(self, kind: str) -> None:
        self.commands.cancel()
        if kind == "filter":
            self.app.table.set_filter(self._filter_before)

    def prompt_words(self, kind: str, head: str) -> tuple[list[str], str]:
        if kind == "command":
            return self.commands.words(head)
        if head.startswith("$") or head.startswith("!$"):
            return [], ""
        return self.app.table.all_keys(), ""

    # -- filters ----------------------------------------------------------------------------
    def submit_filter(self, text: str) -> None:
        """Enter at `/`: a `$…` filter is asked of the service first; any other applies at once."""
        app = self.app
        view = app.view
        if text.startswith("$"):
            odata = text[1:].strip()
            if view.kind != TASKS:
                self.error("a server-side $filter is for the tasks view (:tasks JOB)")
            elif not odata or odata == app.refresher.server_filter.get(view):
                self.close()
                if not odata:
                    self.clear_server_filter()
            else:
                self.line.show_message(f"asking the service about $filter {odata} …")
                start_worker(app, self._check_server_filter, view, odata, text, group="prompt", exclusive=True)
            return
        problem = app.table.set_filter(text)
        if problem:
            self.error(problem)
            return
        self.close()
        if self.clear_server_filter():
            app.table.set_filter(text)  # showing the view again cleared it

    async def _check_server_filter(self, view: ViewKey, odata: str, typed: str) -> None:
        app = self.app
        try:
            await app.services[view.account].check_task_filter(view.parent, odata)
        except ServiceError as error:
            if self._still_typed("filter", typed, view):
                self.error(f"the service refused this $filter: {error}")
            return
        if self._still_typed("filter", typed, view):
            self.close()
            self.apply_server_filter(view, odata)

    def _still_typed(self, kind: str, typed: str, view: ViewKey) -> bool:
        """The prompt of `kind` still holds `typed` over `view`: an answer about it still applies."""
        app = self.app
        return app.ui_alive() and app.view == view and self.mode == kind and self.line.value == typed

    def apply_server_filter(self, view: ViewKey, odata: str) -> None:
        """Fetch the tasks view with this $filter from now on (the local filter is dropped)."""
        app = self.app
        app.table.set_filter("")
        app.refresher.set_server_filter(view, odata)
        app.navigator.show_view(view)

    def clear_server_filter(self) -> bool:
        """Fetch the view unfiltered again; False if it had no $filter."""
        app = self.app
        if not app.refresher.clear_server_filter(app.view):
            return False
        app.navigator.show_view(app.view)
        return True

    def clear_filters(self) -> bool:
        """Esc on the table: clear the local filter, else the $filter; False if there was neither."""
        table = self.app.table
        if table.filter_text:
            table.set_filter("")
            return True
        return self.clear_server_filter()

    def toggle_failed_only(self) -> None:
        """A tasks view: only the failed tasks (a server $filter), or all again."""
        app = self.app
        if app.view.kind != TASKS:
            return
        if app.refresher.server_filter.get(app.view) == FAILED_FILTER:
            self.clear_server_filter()
        else:
            self.apply_server_filter(app.view, FAILED_FILTER)
