"""The nodes health view (`H` on a job, or `:nodes-health [JOB]`): per node of the job's tasks, how many
ran, failed, their median duration against the job's, the node's start task and state, and the nodes
that stand out flagged with why (the rules: `service.node_health`).

From a node (the cursor's; for actions, the marked nodes if any): enter or `t` shows its tasks (the job's
tasks view, filtered to that node), `p` disables scheduling on it, `o` reboots it, `i` reimages it (the
explorer's own node actions, confirmed first; none in read-only mode).

The figures come from the explorer's refresh of the job's tasks view when that view is the one open
(unfiltered); otherwise this view lists the job's tasks itself (in full, then only what changed). The
pool's nodes are listed on every refresh, which is self-scheduling like the explorer's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Static

from ...service.errors import ServiceError
from ...service.models import NodeRow
from ...service.node_health import JobHealth, NodeHealth, describe_rules
from ...service.progress import STRAGGLER_MIN_FINISHED, STRAGGLER_QUANTILE, STRAGGLER_TOLERANCE
from ...textsafe import inert
from ..job_health_source import JobHealthSource
from ..node_health_view import HEALTH_COLUMNS, health_row, job_line, why_line
from ..views import NODES, TASKS, ViewKey
from ..widgets.key_footer import KeyFooter
from ..widgets.resource_table import ResourceTable
from .help import HelpScreen, _keys

if TYPE_CHECKING:
    from ..app import BatchApp

KEYS = [
    ("enter, t", "the node's tasks: the job's tasks view, filtered to this node"),
    ("p", "disable scheduling on the node (marked nodes, else the cursor's), confirmed first"),
    ("o", "reboot the node, confirmed first"),
    ("i", "reimage the node (its disk is wiped), confirmed first"),
    ("space", "mark or unmark the node"),
    ("r", "refresh now"),
    ("esc, q", "back to the explorer"),
]
_REGEX_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")


def node_filter(node_id: str) -> str:
    """The tasks view's filter for the tasks of `node_id`: its NODE cell, exactly."""
    escaped = _REGEX_SPECIAL.sub(r"\\\1", node_id)
    return f"re:^{escaped}$"


class NodesHealthHelp(HelpScreen):
    """`?` on the nodes health view: its keys and the rules behind its flags."""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("Nodes health: keys", style="bold"))
            yield Static(_keys(KEYS))
            yield Static(Text("\nA node is flagged", style="bold"))
            yield Static(_keys(describe_rules()))
            yield Static(Text("\nStragglers (tasks view)", style="bold"))
            yield Static(_keys([("straggler", f"a running task past the p{STRAGGLER_QUANTILE * 100:.0f} of its job's "
                                              f"finished tasks' durations + {STRAGGLER_TOLERANCE:g} s "
                                              f"(at least {STRAGGLER_MIN_FINISHED} finished); :stragglers lists "
                                              "them")]))
            yield Static(Text("\nesc closes this help", style="dim"))


class NodesHealthScreen(ModalScreen[None]):
    """The nodes of `job_id`'s tasks, with their figures and flags."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
        Binding("t", "node_tasks", "Its tasks"),
        Binding("p", "node_action('p')", "Disable scheduling"),
        Binding("o", "node_action('o')", "Reboot"),
        Binding("i", "node_action('i')", "Reimage"),
        Binding("r", "reload", "Refresh"),
        Binding("question_mark", "help", "Help"),
    ]
    DEFAULT_CSS = """
    NodesHealthScreen { background: $surface; layout: vertical; }
    NodesHealthScreen > #health-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    NodesHealthScreen > #health-summary { height: auto; max-height: 2; padding: 0 1; background: $boost; }
    NodesHealthScreen > ResourceTable { height: 1fr; }
    NodesHealthScreen > #health-why { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    """

    def __init__(self, account: str, job_id: str) -> None:
        super().__init__()
        self.account = account
        self.job_id = job_id
        self.pool_id = ""
        self.health: JobHealth | None = None
        self.loads = 0  # refreshes done (tests wait on it)
        self._pool_nodes: dict[str, NodeRow] = {}
        self._timer: Timer | None = None
        self._shown: dict[str, object] = {}
        self._source: JobHealthSource | None = None

    @property
    def batch_app(self) -> BatchApp:
        return cast("BatchApp", self.app)

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#health-table", ResourceTable)

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Nodes health of job {inert(self.job_id)}   (? the rules)"), id="health-title",
                     markup=False)
        yield Static(Text("listing the job's tasks and its pool's nodes…", style="dim"), id="health-summary",
                     markup=False)
        yield ResourceTable(HEALTH_COLUMNS, empty_text="Loading…", id="health-table")
        yield Static("", id="health-why", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.table.focus()
        self._load()

    # -- loading ----------------------------------------------------------------------------
    def action_reload(self) -> None:
        self._load()

    @work(exclusive=True, group="nodes-health", exit_on_error=False)
    async def _load(self) -> None:
        app = self.batch_app
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._source is None:
            self._source = JobHealthSource(app, self.account, self.job_id)
        try:
            loaded = await self._source.load()
        except ServiceError as error:
            if self.is_attached:
                self._set("#health-summary", Text(f"cannot list job {inert(self.job_id)}: {inert(str(error))}",
                                                  style="bold red"))
        else:
            self.pool_id, self._pool_nodes = loaded.pool_id, loaded.nodes
            if self.is_attached:
                self._show(loaded.health, loaded.note)
        finally:
            self.loads += 1
            if self.is_attached and app.is_running:
                self._timer = self.set_timer(max(app.refresh_seconds, 2.0), self._load)

    def _set(self, selector: str, text: Text) -> None:
        """Update a line only when its text changed (an unchanged repaint still costs bytes)."""
        key = (text.plain, tuple(text.spans))
        if self._shown.get(selector) != key:
            self._shown[selector] = key
            self.query_one(selector, Static).update(text)

    def _show(self, health: JobHealth, note: str) -> None:
        self.health = health
        table = self.table
        rows = [health_row(h, health.median_seconds) for h in health.nodes]
        if not table.total_count:
            table.set_rows(rows)  # flagged first, then by failure rate (service.node_health)
        else:
            table.upsert_rows(rows)
            table.remove_rows(set(table.all_keys()) - {row.key for row in rows})
        table.empty_text = "No task of this job has run on a node yet"
        summary = job_line(self.job_id, self.pool_id, health)
        if note:
            summary.append(inert(note), style="yellow")
        self._set("#health-summary", summary)
        self._show_why()

    def _cursor_health(self) -> NodeHealth | None:
        key = self.table.cursor_key
        if self.health is None or key is None:
            return None
        return next((h for h in self.health.nodes if h.node_id == key), None)

    def _show_why(self) -> None:
        self._set("#health-why", why_line(self._cursor_health()))

    # -- the table's messages stay here (the explorer's own table answers those that reach the app) ----
    @on(ResourceTable.RowHighlighted)
    def _highlighted(self, event: ResourceTable.RowHighlighted) -> None:
        event.stop()
        self._show_why()

    @on(ResourceTable.RowSelected)
    def _selected(self, event: ResourceTable.RowSelected) -> None:
        event.stop()
        self.action_node_tasks()

    @on(ResourceTable.SortChanged)
    @on(ResourceTable.FilterChanged)
    @on(ResourceTable.MarksChanged)
    def _table_changed(self, event: ResourceTable.SortChanged) -> None:
        event.stop()

    # -- keys -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "node_action":
            return not self.batch_app.actions.read_only_here()
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_help(self) -> None:
        self.app.push_screen(NodesHealthHelp([]))

    def action_node_tasks(self) -> None:
        """The job's tasks view, filtered to the cursor's node."""
        key = self.table.cursor_key
        if key is None:
            return
        app = self.batch_app
        view = ViewKey(self.account, TASKS, self.job_id)
        self.dismiss()
        if app.view != view:
            app.show_view(view)
        app.table.set_filter(node_filter(key))

    def action_node_action(self, key: str) -> None:
        """`p`, `o`, `i`: the explorer's node action on the marked nodes (else the cursor's)."""
        app = self.batch_app
        table = self.table
        targets = sorted(table.marked) or ([table.cursor_key] if table.cursor_key else [])
        if not self.pool_id:
            app.notify("the job's pool is not known yet", severity="warning", timeout=4)
            return
        gone = [t for t in targets if t not in self._pool_nodes]
        if gone:
            app.notify(f"not in pool {self.pool_id} any more: {', '.join(gone[:3])}", severity="warning", timeout=5)
        targets = [t for t in targets if t not in gone]
        if targets or not gone:
            app.actions.act_on(key, ViewKey(self.account, NODES, self.pool_id), targets)
