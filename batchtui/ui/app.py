"""The explorer: a tree of accounts, pools, nodes, jobs and tasks; a table of
the selected collection kept fresh by self-scheduling workers; a summary and a
details pane.

`BatchApp` composes the widgets and owns the key bindings; what each event or
key does lives in a controller (`ui/controllers/`): navigation, the refresh
loop, the details pane, the prompt, and actions. The `action_*` methods stay
here because Textual looks them (and `check_action`) up on the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.filter import LineFilter
from textual.markup import escape
from textual.notifications import SeverityLevel
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widgets import Input, Static, Tree

from ..account import Account
from ..prefs import Prefs
from ..service.client import BatchService
from ..textsafe import inert
from .actions import ACTIONS
from .controllers.actions import ActionRunner
from .controllers.autoscale import AutoScaleOpener
from .controllers.clipboard import Copier
from .controllers.dependencies import DependencyWatch
from .controllers.details import DetailsLoader
from .controllers.job_managers import JobManagers
from .controllers.job_monitor import JobMonitor
from .controllers.job_watch import JobWatch
from .controllers.jumps import Jumper
from .controllers.later import Later
from .controllers.navigation import Navigator
from .controllers.node_shell import NodeShell
from .controllers.prompt import Prompt
from .controllers.refresh import Refresher
from .controllers.tree_sync import TreeSync
from .controllers.view_choices import ViewChoices
from .controllers.workers import start_worker
from .fetch import TaskTracker
from .format import utcnow
from .key_order import run_binding_now
from .keys import EXPLORER_BINDINGS, FOOTER_FIRST, FOOTER_KEEP, FOOTER_LAST, HELP, SORT_LETTERS
from .palette import ANSI_DARK, ANSI_LIGHT, ANSI_NO_COLOUR
from .screens.help import HelpScreen
from .views import JOBS, POOLS, ViewKey, sort_key_for
from .widgets.details import DetailsPane
from .widgets.key_footer import KeyFooter
from .widgets.nav_tree import NavItem, NavTree
from .widgets.progress_line import ProgressLine
from .widgets.prompt_line import PromptLine
from .widgets.resource_table import ResourceTable
from .widgets.safe_text import DropControls
from .widgets.summary import Summary
from .widgets.view_title import ViewTitle

if TYPE_CHECKING:
    from ..service.storage import BlobStore
    from .controllers.editing import Editing
    from .controllers.triage import Triage

class ExplorerScreen(Screen[None]):
    """The explorer's own screen: the table has the keys from the start (the tree takes
    them, and shows its cursor, only when the user moves there)."""

    AUTO_FOCUS = "#table"


class BatchApp(App[str | None]):
    CSS_PATH = "batchtui.tcss"
    TITLE = "batchtui"
    ENABLE_COMMAND_PALETTE = True
    # Named colours painted so that each is itself again at 16 colours (see ui.palette).
    ansi_theme_dark = Reactive(ANSI_DARK, init=False)
    ansi_theme_light = Reactive(ANSI_LIGHT, init=False)
    BINDINGS: ClassVar[list[BindingType]] = EXPLORER_BINDINGS
    # (made at first use: their imports are not the first screen's)
    triage: Triage = Later(".triage", "Triage")  # type: ignore[assignment]  # failure clusters, histograms
    editing: Editing = Later(".editing", "Editing")  # type: ignore[assignment]  # $EDITOR: edit, clone, rerun

    def __init__(
        self,
        accounts: list[Account],
        services: dict[str, BatchService],
        *,
        refresh_seconds: float = 5.0,
        read_only: bool = False,
        clock: Callable[[], datetime] = utcnow,
        start: ViewKey | None = None,
        problems: dict[str, str] | None = None,
        prefs: Prefs | None = None,
    ) -> None:
        super().__init__()
        self.accounts = {a.name: a for a in accounts}
        self.services = services
        self.refresh_seconds = max(1.0, refresh_seconds)
        self.read_only = read_only
        self.clock = clock
        self.problems = dict(problems or {})  # account → why it has no service
        first = next((a.name for a in accounts if a.name in services), accounts[0].name if accounts else "")
        self.view: ViewKey = start or ViewKey(first, JOBS)  # what the table shows (Navigator changes it)
        self.navigator = Navigator(self)
        self.refresher = Refresher(self)
        self.details = DetailsLoader(self)
        self.prompt = Prompt(self)
        self.actions = ActionRunner(self)
        self.autoscale = AutoScaleOpener(self)  # the autoscale editor of a pool
        self.jumper = Jumper(self)
        self.tree_sync = TreeSync(self)
        self.copier = Copier(self)
        self.monitor = JobMonitor(self)  # a job's task figures: the progress line, stragglers
        self.dependencies = DependencyWatch(self)  # a job's task dependencies: WAITING ON, the details' upstream
        self.watcher = JobWatch(self)  # watched jobs: notices when they complete or fail
        self.node_shell = NodeShell(self)  # `s`: ssh to a node
        self.managers = JobManagers(self)  # which task of a job is its job manager (marked, first)
        self.choices = ViewChoices(self, prefs)  # sort, columns, UTC per view kind (prefs None: not saved)
        self._drop_controls = DropControls()
        if self.no_color:  # (Textual read NO_COLOR): states by glyph and weight, see ui.palette
            self.ansi_theme_dark = self.ansi_theme_light = ANSI_NO_COLOUR

    # -- layout -----------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[Any]:
        return ExplorerScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield Static("", id="topbar", markup=False)
        with Horizontal(id="body"):
            yield NavTree(list(self.accounts), {a.name for a in self.accounts.values() if a.has_storage},
                          self.problems, id="nav",
                          # (an emulator's applications live in its auto-storage: none without one)
                          with_applications={a.name for a in self.accounts.values()
                                             if a.has_storage or a.source != "demo"})
            with Vertical(id="main"):
                yield ViewTitle(id="view-title")
                yield Summary(id="summary")  # (plain text: a Summary never reads markup)
                yield ProgressLine(id="progress")
                yield PromptLine(self.prompt, id="prompt")
                yield ResourceTable(id="table")
                yield DetailsPane(id="details")
        yield KeyFooter(first=FOOTER_FIRST, last=FOOTER_LAST, keep=FOOTER_KEEP)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """A toast, always as plain text: messages carry ids, names, typed text and the service's errors, and
        none of them is markup (`markup` is ignored; screens' `notify` passes True by default). Control
        characters show as their inert stand-ins (textsafe), line breaks stay."""
        super().notify(inert(message, keep="\n"), title=inert(title), severity=severity, timeout=timeout,
                       markup=False)

    def action_help_quit(self) -> None:
        """ctrl+c: how to quit (Textual's own says it in markup, and every toast here is plain text)."""
        self.notify("press q to quit", title="Do you want to quit?")

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters (colours, NO_COLOR), then DropControls: no control character is ever written."""
        return [*super().get_line_filters(), self._drop_controls]

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#table", ResourceTable)

    def ui_alive(self) -> bool:
        """False once the app is shutting down (its widgets are gone)."""
        return self.is_running and bool(self.query("#topbar"))

    async def on_unmount(self) -> None:
        closing: list[BatchService | BlobStore] = [*self.services.values(), *self.navigator.stores.values()]
        for service in closing:
            try:
                await service.close()
            except Exception:  # noqa: BLE001 - closing never fails the exit
                pass

    def on_mount(self) -> None:
        self.choices.announce()
        for name, problem in self.problems.items():
            if name != self.view.account:  # (show_view says the shown account's own problem)
                self.notify(f"{name}: {problem}", severity="error", timeout=10)
        self.set_interval(1.0, self.refresher.update_topbar)
        for name in self.services:  # accounts with job schedules get their branch in the tree
            start_worker(self, self.tree_sync.probe_schedules, name, group="probe")
        self.show_view(self.view)
        self.table.focus()

    def show_view(self, view: ViewKey, cursor: str | None = None) -> None:
        """Switch the table to `view` (see Navigator.show_view)."""
        self.navigator.show_view(view, cursor)

    def refresh_now(self) -> None:
        """Refresh the current view at once."""
        self.refresher.refresh_now()

    # Read by tests and bench/tasks.py.
    @property
    def _fresh_at(self) -> datetime | None:
        return self.refresher.fresh_at

    @property
    def _trackers(self) -> dict[ViewKey, TaskTracker]:
        return self.refresher.trackers

    @property
    def _details_doc(self) -> dict[str, Any] | None:
        return self.details.doc

    # -- events -----------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        """On the explorer's screen a key runs its binding as soon as the app takes it from its queue, so
        keys typed in a burst act in their order (see `ui.key_order`); a text field gets its keys as usual."""
        if (isinstance(event, events.Key) and not event.is_forwarded and len(self.screen_stack) == 1
                and not isinstance(self.focused, Input) and await run_binding_now(self, event.key)):
            return
        await super().on_event(event)

    @on(ResourceTable.RowSelected)
    def _row_selected(self, event: ResourceTable.RowSelected) -> None:
        self.navigator.open_row(event.key)

    @on(ResourceTable.SortChanged)
    def _sort_changed(self, event: ResourceTable.SortChanged) -> None:
        if event.column is None or event.column in {c.key for c in self.table.columns}:
            self.choices.sort_changed(self.view.kind, event.column, event.descending)

    @on(ResourceTable.RowHighlighted)
    def _row_highlighted(self, event: ResourceTable.RowHighlighted) -> None:
        self.details.cursor_moved()
        self.jumper.cursor_moved()

    @on(Tree.NodeSelected, "#nav")
    def _tree_selected(self, event: Tree.NodeSelected[NavItem]) -> None:
        self.navigator.tree_selected(event.node.data)

    @on(Tree.NodeExpanded, "#nav")
    def _tree_expanded(self, event: Tree.NodeExpanded[NavItem]) -> None:
        self.navigator.tree_expanded(event.node.data)

    @on(ResourceTable.FilterChanged)
    @on(ResourceTable.MarksChanged)
    def _table_marks_or_filter(self) -> None:
        if not self.ui_alive():
            return
        title = self.query_one(ViewTitle)
        title.set_filter(self.table.filter_text)
        title.set_marks(len(self.table.marked), self.table.hidden_marks)

    # -- key actions ------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide (and refuse) what does not apply here: actions of other views, and
        every action that changes anything in read-only mode."""
        if action == "jump":
            return self.jumper.available(str(parameters[0]))
        if action in ("command", "filter"):
            return self.prompt.can_open()
        if action == "ssh":
            return self.node_shell.available()
        return self.actions.available(action, parameters)

    def action_command(self) -> None:
        self.prompt.open_command()

    def action_filter(self) -> None:
        self.prompt.open_filter()

    def action_failed_only(self) -> None:
        self.prompt.toggle_failed_only()

    def action_failures(self) -> None:
        self.triage.open_failures()

    def action_histograms(self) -> None:
        self.triage.open_histograms()

    def action_refresh(self) -> None:
        self.refresh_now()

    async def action_back(self) -> None:
        self.navigator.back()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The tree taking the focus shows a cursor (on its first row until one is chosen)."""
        if isinstance(event.widget, NavTree) and event.widget.cursor_line < 0:
            event.widget.cursor_line = 0

    def action_toggle_focus(self) -> None:
        """F6: the tree if the table has the focus, else the table."""
        tree = self.query_one(NavTree)
        if tree.has_focus:
            self.table.focus()
        else:
            tree.focus()

    def action_jump(self, target: str) -> None:
        self.jumper.jump(target)

    def action_history(self, step: int) -> None:
        self.navigator.go_history(step)

    def action_last_view(self) -> None:
        self.navigator.last_view()

    def action_read_only(self, key: str) -> None:
        self.actions.say_read_only(key)

    def action_open_log(self, name: str) -> None:
        self.navigator.open_log(name)

    def action_browse_files(self) -> None:
        self.navigator.browse_files()

    def action_open_outputs(self) -> None:
        self.navigator.open_outputs()

    def action_toggle_details(self) -> None:
        self.details.toggle()

    def action_raw_json(self) -> None:
        self.details.show_json()

    def action_toggle_utc(self) -> None:
        self.choices.toggle_utc()

    def action_copy_id(self) -> None:
        self.copier.copy_id()

    def action_copy_menu(self) -> None:
        self.copier.open_menu()

    def action_act(self, key: str) -> None:
        self.actions.act(key)

    def action_rerun_failed(self) -> None:
        self.actions.rerun_failed()

    def action_autoscale(self) -> None:
        self.autoscale.open()

    def action_editor(self, what: str) -> None:
        self.editing.run(what)

    def action_nodes_health(self) -> None:
        self.monitor.open_nodes_health()

    def action_watch(self) -> None:
        self.watcher.toggle()

    def action_ssh(self) -> None:
        self.node_shell.login()

    def action_sort(self, letter: str) -> None:
        column = sort_key_for(self.view.kind, letter)
        if column is None:
            self.notify(f"{letter}: no such column here", severity="warning", timeout=2)
            return
        self.table.sort_by(column)

    def action_help(self) -> None:
        """Every key (the bindings, then each action and the views it applies to)."""
        rows: list[tuple[str, str]] = []
        for binding in list(self.BINDINGS) + list(ResourceTable.BINDINGS):
            if isinstance(binding, Binding) and binding.description and not binding.action.startswith(("sort", "act")):
                keys = ", ".join(self.get_key_display(Binding(k.strip(), "")) for k in binding.key.split(","))
                rows.append((keys, HELP.get(binding.action, binding.description)))
        suffix = " — read-only here" if self.actions.read_only_here() else ""
        for action in ACTIONS.values():
            key = self.get_key_display(Binding(action.key, ""))
            rows.append((key, f"{action.description} ({', '.join(action.kinds)}){suffix}"))
        letters = " ".join(f"{k}" for k in SORT_LETTERS)
        rows.append(("shift+letter", f"sort by the column with that letter ({letters}); again reverses"))
        self.push_screen(HelpScreen(rows))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): Textual's commands, then ours."""
        yield from super().get_system_commands(screen)
        account = self.view.account
        yield SystemCommand("Pools", "Show the account's pools", lambda: self.show_view(ViewKey(account, POOLS)))
        yield SystemCommand("Jobs", "Show the account's jobs", lambda: self.show_view(ViewKey(account, JOBS)))
        for name in self.accounts:
            if name != account:
                # (the palette reads its titles and help as markup)
                yield SystemCommand(escape(f"Account {inert(name)}"), escape(f"Switch to {inert(name)}"),
                                    lambda n=name: self.show_view(ViewKey(n, JOBS)))
        yield SystemCommand("Refresh", "Refresh the view now", self.refresh_now)
        yield SystemCommand("Details", "Show or hide the details pane", self.action_toggle_details)
        yield SystemCommand("Raw JSON", "The selected resource as JSON", self.action_raw_json)
        yield SystemCommand("Filter", "Filter the table", self.action_filter)
        yield SystemCommand("Keys", "Every key and command", self.action_help)
