"""How the failure clusters view draws a cluster: a card in the list (count, signature, example task,
nodes, since when) and the pane under the list (the example's line as printed, nodes, times, task ids).
Everything from the service is made inert and kept out of markup (`Text` only)."""

from __future__ import annotations

import io
from datetime import datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ...service.triage import Cluster
from ...textsafe import inert
from ..format import clock_time
from ..model.failure_clusters import ids_preview, nodes_text

__all__ = ["COUNT_WIDTH", "card_key", "cluster_card", "cluster_detail", "rest_card"]

COUNT_WIDTH = 6  # cells of a card's count column
_MEASURE = Console(file=io.StringIO(), width=1000, color_system=None, legacy_windows=False)  # wraps cards


def _t(value: object) -> str:
    return inert(value)


def cluster_card(cluster: Cluster, now: datetime, width: int = 80) -> Text:
    """A cluster in the list, `width` cells wide: its count, then its signature, and a line with an example
    task, the nodes it hit and when its first task failed, wrapped under the signature (not under the count).
    Plain `Text`, wrapped here: the list measures every card, and a Text is cheap to measure."""
    signature = cluster.signature
    head = Text(_t(signature.describe().partition(": ")[0]), style="bold")
    if signature.line:
        head.append(": ")
        head.append(_t(signature.line))
    info = Text(style="dim")
    if cluster.example is not None:
        info.append(f"e.g. {_t(cluster.example.id)} · ")
    info.append(_t(nodes_text(cluster.nodes, most=1)))
    if cluster.first_failure is not None:
        info.append(f" · since {clock_time(cluster.first_failure, now)}")
    room = max(16, width - COUNT_WIDTH - 1)
    card = Text(end="")
    card.append(f"{cluster.count:>{COUNT_WIDTH},} ", style="bold red")
    for index, line in enumerate([*head.wrap(_MEASURE, room), *info.wrap(_MEASURE, room)]):
        if index:
            card.append("\n" + " " * (COUNT_WIDTH + 1))
        card.append_text(line)
    return card


def card_key(cluster: Cluster) -> tuple[object, ...]:
    """What a card shows, besides the signature: a card is drawn again only when this changes."""
    example = cluster.example.id if cluster.example is not None else None
    return cluster.count, example, cluster.nodes.most_common(1), len(cluster.nodes), cluster.first_failure


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
        start, end = clock_time(first, now), clock_time(last, now)
        grid.add_row("failed", Text(start if start == end else f"{start} to {end}"))
    grid.add_row("tasks", Text(_t(ids_preview(cluster.task_ids))))
    return grid


def rest_card(causes: int, tasks: int) -> Text:
    """The list's last line when it holds only the biggest clusters: what the others add up to."""
    text = Text(end="")
    text.append(f"{tasks:>{COUNT_WIDTH},} ", style="bold red")
    text.append(f"tasks of {causes:,} smaller cause{'' if causes == 1 else 's'} (enter lists them, m marks them)",
                style="italic")
    return text
