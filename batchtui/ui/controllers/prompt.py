"""The prompt under the table: `:` runs a command (`:jobs`, `:tasks JOB`,
`:create pool FILE` …, parsed by `ui.commands`), `/` filters the table as
you type (text, re:regex, !text), and `$…` filters a tasks view on the
server with an OData $filter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from ..actions import FAILED_FILTER
from ..commands import CommandError, parse_command
from ..views import JOBS, NODES, POOLS, TASKS, ViewKey

if TYPE_CHECKING:
    from ..app import BatchApp


class Prompt:
    """The command line and filter input (`#prompt`), and what it runs."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self.mode = ""  # "command", "filter", or "" while closed

    @property
    def is_open(self) -> bool:
        return self.app.query_one("#prompt", Input).has_class("visible")

    def open_command(self) -> None:
        self._open("command", ":", "pools | jobs | tasks JOB | nodes POOL | acct NAME | quit")

    def open_filter(self) -> None:
        """The filter prompt, holding the view's current filter."""
        app = self.app
        current = app.refresher.server_filter.get(app.view)
        value = f"${current}" if current else app.table.filter_text
        self._open("filter", value, "text, re:regex, !text, or (tasks) $odata filter")

    def _open(self, mode: str, value: str, placeholder: str) -> None:
        prompt = self.app.query_one("#prompt", Input)
        self.mode = mode
        prompt.placeholder = placeholder
        prompt.value = value
        prompt.add_class("visible")
        prompt.focus()
        prompt.cursor_position = len(value)

    def close(self) -> None:
        """Hide the prompt; the table takes the focus."""
        prompt = self.app.query_one("#prompt", Input)
        prompt.remove_class("visible")
        self.mode = ""
        self.app.table.focus()

    def changed(self, value: str) -> None:
        """Typing in the filter prompt filters the table as you type ($filters wait for enter)."""
        if self.mode == "filter" and not value.startswith("$"):
            self.app.table.set_filter(value)

    def submitted(self, value: str) -> None:
        """Enter: close the prompt, then run the command or apply the filter."""
        mode = self.mode
        self.close()
        if mode == "command":
            self.run_command(value)
        elif mode == "filter":
            self.apply_filter(value)

    # -- filters ----------------------------------------------------------------------------
    def apply_filter(self, value: str) -> None:
        """`$odata` filters the tasks view on the server; anything else filters the table."""
        app = self.app
        view = app.view
        if value.startswith("$"):
            if view.kind != TASKS:
                app.notify("server-side $filter is for the tasks view", severity="warning")
                return
            app.refresher.set_server_filter(view, value[1:].strip())
            app.navigator.show_view(view)
            return
        if app.refresher.clear_server_filter(view):
            app.navigator.show_view(view)
        problem = app.table.set_filter(value)
        if problem:
            app.notify(problem, severity="error")

    def toggle_failed_only(self) -> None:
        """A tasks view: only the failed tasks (a server $filter), or all again."""
        app = self.app
        if app.view.kind != TASKS:
            return
        if app.refresher.server_filter.get(app.view) == FAILED_FILTER:
            self.apply_filter("")
        else:
            self.apply_filter("$" + FAILED_FILTER)

    # -- commands ---------------------------------------------------------------------------
    def run_command(self, text: str) -> None:
        """Parse and run one `:` command (an error notification if it does not parse)."""
        app = self.app
        try:
            command = parse_command(text)
        except CommandError as error:
            app.notify(str(error), severity="error")
            return
        account = app.view.account
        show_view = app.navigator.show_view
        if command.name == "quit":
            app.exit(None)
        elif command.name == "help":
            app.action_help()
        elif command.name == "pools":
            show_view(ViewKey(account, POOLS))
        elif command.name == "jobs":
            show_view(ViewKey(account, JOBS))
        elif command.name == "nodes":
            show_view(ViewKey(account, NODES, command.argument))
        elif command.name == "tasks":
            show_view(ViewKey(account, TASKS, command.argument))
        elif command.name == "storage":
            container, _, prefix = command.argument.partition("/")
            app.navigator.open_storage(account, container or None, prefix)
        elif command.name == "create":
            app.actions.create_from_file(command.argument)
        elif command.name == "acct":
            if command.argument not in app.accounts:
                configured = ", ".join(app.accounts)
                app.notify(f"no account {command.argument!r}; configured: {configured}", severity="error")
            else:
                show_view(ViewKey(command.argument, app.view.kind if not app.view.parent else JOBS))
