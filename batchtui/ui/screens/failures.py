"""`!` (or `:failures [JOB]`): a job's failed tasks grouped by cause, streaming in as their tails are read.

The screen lists the job's failed tasks (one filtered list), then reads the tail of each one's output
(`service.tails.fetch_tails`: a few KiB by range, a few tasks at a time, throttling shared, each task
attempt read once a session through the controller's `TailCache`) and groups them as they arrive
(`service.triage.Clusterer`). The progress line says how far it is ("read 812 of 1,200 tails"); the list
is redrawn at most every REDRAW_SECONDS while tails arrive (less often when drawing takes longer: it takes
at most a fifth of the time), only the cards that changed, and not at all once every tail is in. The biggest
MAX_CARDS clusters have a card each; the smaller ones share the list's last line (their tasks can be listed,
marked, copied and saved together).

Each cluster shows its count, its signature (exit code, failureInfo code and category, the normalised
meaningful line), an example task, the nodes it hit and when its first task failed; the pane below
shows the highlighted cluster's example line as printed, its nodes, and its first task ids. From a cluster:
`enter` lists its tasks (the tasks table filtered to exactly them), `m` marks them there too (then every
bulk action applies: `a` reruns them), `l` opens the example's log, `c` copies its task ids, `s` saves them
to a file; `%` shows the job's exit codes and durations; `r` reads again (new attempts only).

The line under the progress names the job's bad nodes (`service.node_health`'s rules, the figures of the
nodes health view), so a cause that is a node rather than the code shows on the same screen; `H` opens
the nodes health view, where a flagged node's tasks, disable scheduling, reboot and reimage are.

Everything from the service is shown inert (plain `Text`, control characters as stand-ins).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...service.errors import ServiceError
from ...service.node_health import JobHealth
from ...service.tails import CONCURRENCY, TAIL_BYTES, TailCache, failed_tasks, fetch_tails
from ...service.triage import Cluster, Clusterer
from ...textsafe import inert
from ...wording import plural
from ..model.failure_clusters import Progress, filter_name
from ..model.table_request import ShowTasks, SwitchView
from ..node_health_view import bad_nodes_line
from ..widgets.cluster_cards import card_key, cluster_card, cluster_detail, rest_card
from ..widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from ...service.client import BatchService

__all__ = ["ClusterActions", "FailuresScreen"]

REDRAW_SECONDS = 0.25  # the list is redrawn at most this often while tails arrive (and takes <= 1/5 of the time)
MAX_CARDS = 200  # clusters listed one by one; the smaller ones share the list's last line


@dataclass(frozen=True)
class Choice:
    """What the highlighted line stands for: one cluster, or the smaller ones together (`cluster` None)."""

    task_ids: list[str]
    name: str  # the tasks table's filter to them
    label: str  # what a copy or an export of their ids is called
    cluster: Cluster | None


class ClusterActions(Protocol):
    """What the screen asks of the app for the highlighted cluster (`controllers.triage.Triage`)."""

    def open_task_log(self, job_id: str, task_id: str, file_name: str) -> None: ...

    def copy_ids(self, task_ids: Sequence[str], label: str) -> None: ...

    def save_ids(self, job_id: str, task_ids: Sequence[str], label: str) -> None: ...


class FailuresScreen(ModalScreen[ShowTasks | SwitchView | None]):
    """The failure clusters of `job_id`, gathered through `service` with the session's `cache`; `actions`
    does what the keys ask that keeps the screen open, `clock` gives the time zone times are shown in.
    Dismissed with what the user asked of the tasks table (`ShowTasks`), `SwitchView`, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
        Binding("enter", "tasks", "Tasks", priority=True),
        Binding("m", "mark", "Mark"),
        Binding("l", "log", "Log"),
        Binding("c", "copy", "Copy ids"),
        Binding("s", "save", "Save"),
        Binding("percent_sign", "histograms", "Histograms"),
        Binding("H", "nodes_health", "Nodes health"),
        Binding("r", "reload", "Reread"),
        Binding("j", "cursor('down')", show=False),
        Binding("k", "cursor('up')", show=False),
    ]
    DEFAULT_CSS = """
    FailuresScreen { background: $surface; layout: vertical; }
    FailuresScreen > #failures-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    FailuresScreen > #failures-progress { height: 1; padding: 0 1; }
    FailuresScreen > #failures-nodes { height: auto; max-height: 2; padding: 0 1; }
    FailuresScreen > #clusters { height: 1fr; border: none; padding: 0; }
    FailuresScreen > #cluster-detail { height: auto; max-height: 7; padding: 0 1; background: $panel; }
    """

    def __init__(self, service: BatchService, job_id: str, *, cache: TailCache, actions: ClusterActions,
                 clock: Callable[[], datetime], tail_bytes: int = TAIL_BYTES, concurrency: int = CONCURRENCY,
                 health: Callable[[], Awaitable[JobHealth]] | None = None) -> None:
        super().__init__()
        self.load_health = health  # the job's node health (the bad nodes line), if the app can judge it
        self.health: JobHealth | None = None
        self.service = service
        self.job_id = job_id
        self.cache = cache
        self.actions = actions
        self.clock = clock
        self.tail_bytes = tail_bytes
        self.concurrency = concurrency
        self.progress = Progress()
        self.clusterer = Clusterer()
        self.shown: list[Cluster] = []  # the clusters with a card of their own, in the list's order
        self.rest: list[Cluster] = []  # the smaller ones, on the list's last line
        self._card_keys: list[tuple[object, ...]] = []  # what each card shows (see _card_key)
        self._card_width = 0  # the width the cards are wrapped to
        self._rest_key = (0, 0)  # what the line of the smaller clusters says: how many, how many tasks

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Failure clusters of job {inert(self.job_id)}"), id="failures-title", markup=False)
        yield Static(Text(self.progress.text(), style="dim"), id="failures-progress", markup=False)
        if self.load_health is not None:
            yield Static(bad_nodes_line(None), id="failures-nodes", markup=False)
        yield OptionList(id="clusters")
        yield Static("", id="cluster-detail", markup=False)
        yield KeyFooter()

    @property
    def cluster_list(self) -> OptionList:
        return self.query_one("#clusters", OptionList)

    @property
    def highlighted(self) -> Cluster | None:
        """The highlighted cluster (None: none, or the line of the smaller ones)."""
        index = self.cluster_list.highlighted
        return self.shown[index] if index is not None and 0 <= index < len(self.shown) else None

    def on_mount(self) -> None:
        self.cluster_list.focus()
        # The cards are wrapped to the list's width, which its scrollbar takes from when it comes or goes.
        self.watch(self.cluster_list, "show_vertical_scrollbar", lambda _: self._draw(), init=False)
        self.gather()
        self.judge_nodes()

    # -- gathering --------------------------------------------------------------------------
    @work(exclusive=True, group="failures")
    async def gather(self) -> None:
        """List the failed tasks, then read their tails into clusters, redrawing as they arrive."""
        self.progress = progress = Progress()
        self.clusterer = clusterer = Clusterer()
        self._draw()
        try:
            tasks = await failed_tasks(self.service, self.job_id)
        except ServiceError as error:
            progress.problem = str(error)
            self._draw()
            return
        progress.failed = len(tasks)
        self._draw()
        due = time.monotonic() + REDRAW_SECONDS
        async for item in fetch_tails(self.service, tasks, tail_bytes=self.tail_bytes,
                                      concurrency=self.concurrency, cache=self.cache):
            clusterer.add(item.task, item.tail)
            progress.read += 1
            progress.cached += item.cached
            progress.unread += item.tail.error is not None
            if time.monotonic() >= due:
                began = time.monotonic()
                self._draw()
                due = time.monotonic() + max(REDRAW_SECONDS, 4 * (time.monotonic() - began))
        progress.done = True
        self._draw()

    @work(exclusive=True, group="failures-nodes", exit_on_error=False)
    async def judge_nodes(self) -> None:
        """Judge the job's nodes (`service.node_health`) and name the bad ones on the nodes line."""
        if self.load_health is None:
            return
        try:
            self.health = health = await self.load_health()
        except ServiceError as error:
            line = bad_nodes_line(None, str(error))
        else:
            line = bad_nodes_line(health)
        if self.is_attached:
            self.query_one("#failures-nodes", Static).update(line)

    def _draw(self) -> None:
        """Show the progress and the clusters (the highlight stays on its cluster). Only cards whose cluster
        changed are drawn again while the order holds (the list measures every card on each change)."""
        if not self.is_attached:
            return
        progress = self.progress
        clusters = self.clusterer.clusters()
        progress.causes = len(clusters)
        style = "bold red" if progress.problem else ("" if progress.done else "yellow")
        self.query_one("#failures-progress", Static).update(Text(inert(progress.text()), style=style))
        listing = self.cluster_list
        now = self.clock()
        padding = listing.get_component_styles("option-list--option").padding.width
        width = (listing.scrollable_content_region.width or self.app.size.width) - padding
        shown, rest = clusters[:MAX_CARDS], clusters[MAX_CARDS:]
        keys = [card_key(cluster) for cluster in shown]
        rest_key = (len(rest), sum(c.count for c in rest))
        # The highlight stays on its cluster as others overtake it, or on the top one (the biggest) if it was.
        before = self.highlighted if listing.highlighted else None
        same = [c.signature for c in shown] == [c.signature for c in self.shown] and bool(rest) == bool(self.rest)
        if same and width == self._card_width:
            for index, (cluster, key) in enumerate(zip(shown, keys, strict=True)):
                if key != self._card_keys[index]:
                    listing.replace_option_prompt_at_index(index, cluster_card(cluster, now, width))
            if rest and rest_key != self._rest_key:
                listing.replace_option_prompt_at_index(len(shown), rest_card(*rest_key))
        else:
            options = [Option(cluster_card(cluster, now, width)) for cluster in shown]
            listing.set_options([*options, Option(rest_card(*rest_key))] if rest else options)
            if shown:
                signatures = [c.signature for c in shown]
                keep = before.signature if before is not None else None
                listing.highlighted = signatures.index(keep) if keep in signatures else 0
        self.shown, self.rest, self._card_keys, self._card_width, self._rest_key = shown, rest, keys, width, rest_key
        self._show_detail()

    def on_resize(self) -> None:
        self._draw()  # (the cards are wrapped to the list's width)

    def _show_detail(self) -> None:
        self.query_one("#cluster-detail", Static).update(cluster_detail(self.highlighted, self.clock()))

    @on(OptionList.OptionHighlighted, "#clusters")
    def _highlighted(self) -> None:
        self._show_detail()

    # -- keys -------------------------------------------------------------------------------
    def _chosen(self) -> Choice | None:
        """The highlighted cluster's tasks (or the smaller clusters' together); None, and why, if neither."""
        cluster = self.highlighted
        if cluster is not None:
            many = "" if cluster.count == 1 else "s"
            label = f"{cluster.count} task id{many} of cause #{self.shown.index(cluster) + 1}"
            return Choice(cluster.task_ids, filter_name(cluster), label, cluster)
        if self.rest and self.cluster_list.highlighted == len(self.shown):
            ids = sorted(task_id for small in self.rest for task_id in small.task_ids)
            causes = plural(len(self.rest), "smaller cause")
            return Choice(ids, f"{plural(len(ids), 'task')} of {causes}", f"{plural(len(ids), 'task id')} of {causes}",
                          None)
        self.notify("no cluster chosen" if self.shown else "no failure cluster yet", severity="warning",
                    timeout=3, markup=False)
        return None

    def _to_table(self, mark: bool) -> None:
        chosen = self._chosen()
        if chosen is not None:
            self.dismiss(ShowTasks(self.job_id, chosen.name, tuple(chosen.task_ids), mark=mark))

    def action_tasks(self) -> None:
        self._to_table(mark=False)

    def action_mark(self) -> None:
        self._to_table(mark=True)

    def action_log(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        cluster = chosen.cluster
        if cluster is None or cluster.example is None:
            self.notify("choose one cause to open its example's log", severity="warning", timeout=3, markup=False)
            return
        self.actions.open_task_log(self.job_id, cluster.example.id, cluster.example_file or "stderr.txt")

    def action_copy(self) -> None:
        chosen = self._chosen()
        if chosen is not None:
            self.actions.copy_ids(chosen.task_ids, chosen.label)

    def action_save(self) -> None:
        chosen = self._chosen()
        if chosen is not None:
            self.actions.save_ids(self.job_id, chosen.task_ids, chosen.label)

    def action_histograms(self) -> None:
        self.dismiss(SwitchView(self.job_id, "histograms"))

    def action_nodes_health(self) -> None:
        self.dismiss(SwitchView(self.job_id, "nodes-health"))

    def action_reload(self) -> None:
        self.gather()
        self.judge_nodes()

    def action_cursor(self, direction: str) -> None:
        listing = self.cluster_list
        listing.action_cursor_down() if direction == "down" else listing.action_cursor_up()

    def action_back(self) -> None:
        self.dismiss(None)
