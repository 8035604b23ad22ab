"""`!` (or `:failures [JOB]`): a job's failed tasks grouped by cause, streaming in as their tails are read.

The screen lists the job's failed tasks (one filtered list), then reads the tail of each one's output
(`service.tails.fetch_tails`: a few KiB by range, a few tasks at a time, throttling shared, each task
attempt read once a session through the controller's `TailCache`) and groups them as they arrive
(`service.triage.Clusterer`). The progress line says how far it is ("read 812 of 1,200 tails"); the list
is redrawn at most every REDRAW_SECONDS while tails arrive, and not at all once they are in.

Each cluster shows its count, its signature (exit code, failureInfo code and category, the normalised
meaningful line), an example task, the nodes it hit and when its first task failed; the pane below
shows the highlighted cluster's example line as printed, its nodes, and its first task ids. From a cluster:
`enter` lists its tasks (the tasks table filtered to exactly them), `m` marks them there too (then every
bulk action applies: `a` reruns them), `l` opens the example's log, `c` copies its task ids, `s` saves them
to a file; `%` shows the job's exit codes and durations; `r` reads again (new attempts only).

Everything from the service is shown inert (plain `Text`, control characters as stand-ins).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ...service.errors import ServiceError
from ...service.tails import CONCURRENCY, TAIL_BYTES, TailCache, failed_tasks, fetch_tails
from ...service.triage import Cluster, Clusterer
from ...textsafe import inert
from ..format import clock_time
from ..model.failure_clusters import Progress, filter_name, ids_preview, nodes_text
from ..model.table_request import ShowTasks, SwitchView

if TYPE_CHECKING:
    from ...service.client import BatchService

__all__ = ["ClusterActions", "FailuresScreen"]

REDRAW_SECONDS = 0.25  # the list is redrawn at most this often while tails arrive


class ClusterActions(Protocol):
    """What the screen asks of the app for the highlighted cluster (`controllers.triage.Triage`)."""

    def open_task_log(self, job_id: str, task_id: str, file_name: str) -> None: ...

    def copy_ids(self, task_ids: Sequence[str], label: str) -> None: ...

    def save_ids(self, job_id: str, task_ids: Sequence[str], label: str) -> None: ...


def _t(value: object) -> str:
    return inert(value)


def cluster_card(cluster: Cluster, now: datetime) -> Table:
    """A cluster in the list: its count, then its signature, and a line with an example task, the nodes it
    hit and when its first task failed (the text wraps under the signature, not under the count)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=6, justify="right", no_wrap=True)
    grid.add_column(ratio=1)
    signature = cluster.signature
    head = Text(_t(signature.describe().partition(": ")[0]), style="bold")
    if signature.line:
        head.append(": ")
        head.append(_t(signature.line))
    grid.add_row(Text(f"{cluster.count:,}", style="bold red"), head)
    info = Text(style="dim")
    if cluster.example is not None:
        info.append(f"e.g. {_t(cluster.example.id)} · ")
    info.append(_t(nodes_text(cluster.nodes, most=1)))
    if cluster.first_failure is not None:
        info.append(f" · since {clock_time(cluster.first_failure, now)}")
    grid.add_row("", info)
    return grid


def cluster_detail(cluster: Cluster | None, now: datetime) -> Table | Text:
    """The pane under the list: the highlighted cluster's example line as printed, nodes, times, ids."""
    if cluster is None:
        return Text("")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column(ratio=1)
    example = Text()
    if cluster.example is not None:
        example.append(_t(cluster.example.id), style="bold")
        if cluster.example_line:
            example.append(f" {_t(cluster.example_file or '')}: ", style="dim")
            example.append(_t(cluster.example_line))
        elif cluster.example.failure_message:
            example.append(" failureInfo: ", style="dim")
            example.append(_t(cluster.example.failure_message))
    grid.add_row("example", example)
    grid.add_row("nodes", Text(_t(nodes_text(cluster.nodes, most=4))))
    first, last = cluster.first_failure, cluster.last_failure
    if first is not None and last is not None:
        span = clock_time(first, now) + (f" to {clock_time(last, now)}" if last != first else "")
        grid.add_row("failed", Text(span))
    grid.add_row("tasks", Text(_t(ids_preview(cluster.task_ids))))
    return grid


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
        Binding("r", "reload", "Reread"),
        Binding("j", "cursor('down')", show=False),
        Binding("k", "cursor('up')", show=False),
    ]
    DEFAULT_CSS = """
    FailuresScreen { background: $surface; layout: vertical; }
    FailuresScreen > #failures-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    FailuresScreen > #failures-progress { height: 1; padding: 0 1; }
    FailuresScreen > #clusters { height: 1fr; border: none; padding: 0; }
    FailuresScreen > #cluster-detail { height: auto; max-height: 7; padding: 0 1; background: $panel; }
    """

    def __init__(self, service: BatchService, job_id: str, *, cache: TailCache, actions: ClusterActions,
                 clock: Callable[[], datetime], tail_bytes: int = TAIL_BYTES, concurrency: int = CONCURRENCY) -> None:
        super().__init__()
        self.service = service
        self.job_id = job_id
        self.cache = cache
        self.actions = actions
        self.clock = clock
        self.tail_bytes = tail_bytes
        self.concurrency = concurrency
        self.progress = Progress()
        self.clusterer = Clusterer()
        self.shown: list[Cluster] = []  # the clusters in the list, in its order

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Failure clusters of job {_t(self.job_id)}"), id="failures-title", markup=False)
        yield Static(Text(self.progress.text(), style="dim"), id="failures-progress", markup=False)
        yield OptionList(id="clusters")
        yield Static("", id="cluster-detail", markup=False)
        yield Footer()

    @property
    def cluster_list(self) -> OptionList:
        return self.query_one("#clusters", OptionList)

    @property
    def highlighted(self) -> Cluster | None:
        index = self.cluster_list.highlighted
        return self.shown[index] if index is not None and 0 <= index < len(self.shown) else None

    def on_mount(self) -> None:
        self.cluster_list.focus()
        self.gather()

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
        drawn = time.monotonic()
        async for item in fetch_tails(self.service, tasks, tail_bytes=self.tail_bytes,
                                      concurrency=self.concurrency, cache=self.cache):
            clusterer.add(item.task, item.tail)
            progress.read += 1
            progress.cached += item.cached
            progress.unread += item.tail.error is not None
            if time.monotonic() - drawn >= REDRAW_SECONDS:
                self._draw()
                drawn = time.monotonic()
        progress.done = True
        self._draw()

    def _draw(self) -> None:
        """Show the progress and the clusters (the highlight stays on its cluster)."""
        if not self.is_attached:
            return
        progress = self.progress
        clusters = self.clusterer.clusters()
        progress.causes = len(clusters)
        style = "bold red" if progress.problem else ("" if progress.done else "yellow")
        self.query_one("#failures-progress", Static).update(Text(_t(progress.text()), style=style))
        listing = self.cluster_list
        now = self.clock()
        # The highlight stays on its cluster as others overtake it, or on the top one (the biggest) if it was.
        before = self.highlighted if listing.highlighted else None
        if [c.signature for c in clusters] == [c.signature for c in self.shown]:
            for index, cluster in enumerate(clusters):
                listing.replace_option_prompt_at_index(index, cluster_card(cluster, now))
        else:
            listing.set_options(Option(cluster_card(cluster, now)) for cluster in clusters)
            if clusters:
                signatures = [c.signature for c in clusters]
                keep = before.signature if before is not None else None
                listing.highlighted = signatures.index(keep) if keep in signatures else 0
        self.shown = clusters
        self._show_detail()

    def _show_detail(self) -> None:
        self.query_one("#cluster-detail", Static).update(cluster_detail(self.highlighted, self.clock()))

    @on(OptionList.OptionHighlighted, "#clusters")
    def _highlighted(self) -> None:
        self._show_detail()

    # -- keys -------------------------------------------------------------------------------
    def _chosen(self) -> Cluster | None:
        cluster = self.highlighted
        if cluster is None:
            self.notify("no cluster chosen" if self.shown else "no failure cluster yet", severity="warning",
                        timeout=3, markup=False)
        return cluster

    def _to_table(self, mark: bool) -> None:
        cluster = self._chosen()
        if cluster is not None:
            self.dismiss(ShowTasks(self.job_id, filter_name(cluster), tuple(cluster.task_ids), mark=mark))

    def action_tasks(self) -> None:
        self._to_table(mark=False)

    def action_mark(self) -> None:
        self._to_table(mark=True)

    def action_log(self) -> None:
        cluster = self._chosen()
        if cluster is not None and cluster.example is not None:
            self.actions.open_task_log(self.job_id, cluster.example.id, cluster.example_file or "stderr.txt")

    def _label(self, cluster: Cluster) -> str:
        return f"{cluster.count} task id{'' if cluster.count == 1 else 's'} of cause #{self.shown.index(cluster) + 1}"

    def action_copy(self) -> None:
        cluster = self._chosen()
        if cluster is not None:
            self.actions.copy_ids(cluster.task_ids, self._label(cluster))

    def action_save(self) -> None:
        cluster = self._chosen()
        if cluster is not None:
            self.actions.save_ids(self.job_id, cluster.task_ids, self._label(cluster))

    def action_histograms(self) -> None:
        self.dismiss(SwitchView(self.job_id, "histograms"))

    def action_reload(self) -> None:
        self.gather()

    def action_cursor(self, direction: str) -> None:
        listing = self.cluster_list
        listing.action_cursor_down() if direction == "down" else listing.action_cursor_up()

    def action_back(self) -> None:
        self.dismiss(None)
