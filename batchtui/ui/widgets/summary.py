"""The strip above the table: a job's progress from taskcounts, or a pool's
node-state heatmap from its nodes, as Batch Explorer shows them."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...service.models import NodeCounts, NodeRow, TaskCounts
from ..format import STATE_STYLES

BAR_WIDTH = 30


def job_summary(counts: TaskCounts) -> Text:
    total = counts.total
    done = counts.completed
    filled = round(BAR_WIDTH * done / total) if total else 0
    failed_cells = min(filled, round(BAR_WIDTH * counts.failed / total)) if total else 0
    text = Text()
    text.append("█" * (filled - failed_cells), style="green")
    text.append("█" * failed_cells, style="red")
    text.append("░" * (BAR_WIDTH - filled), style="dim")
    pct = f"{100 * done / total:5.1f}%" if total else "  —  "
    text.append(f" {pct} {done}/{total} done  ")
    for label, value, style in (
        ("active", counts.active, "cyan"),
        ("running", counts.running, "yellow"),
        ("succeeded", counts.succeeded, "green"),
        ("failed", counts.failed, "bold red" if counts.failed else "dim"),
    ):
        text.append(f"{label} ", style="dim")
        text.append(f"{value}", style=style)
        text.append("  ")
    return text


def node_heatmap(nodes: list[NodeRow], width: int = 60) -> Text:
    text = Text()
    for node in nodes[: width * 2]:
        text.append("■", style=STATE_STYLES.get(node.state, "white"))
    if len(nodes) > width * 2:
        text.append(f" +{len(nodes) - width * 2}", style="dim")
    return text


def pool_summary(nodes: list[NodeRow], counts: NodeCounts | None) -> Text:
    text = node_heatmap(nodes)
    tally: dict[str, int] = {}
    for node in nodes:
        tally[node.state] = tally.get(node.state, 0) + 1
    text.append("  ")
    for state, number in sorted(tally.items(), key=lambda kv: -kv[1]):
        text.append(f"{state} ", style="dim")
        text.append(f"{number}  ", style=STATE_STYLES.get(state, ""))
    if counts is not None:
        low = counts.low_priority.get("total", 0)
        text.append(f"dedicated {counts.dedicated.get('total', 0)}  low-priority {low}", style="dim")
    return text


def pools_overview(counts: dict[str, NodeCounts]) -> Text:
    states: dict[str, int] = {}
    for c in counts.values():
        for bucket in (c.dedicated, c.low_priority):
            for state, number in bucket.items():
                if state != "total" and number:
                    states[state.lower()] = states.get(state.lower(), 0) + number
    text = Text()
    total = sum(states.values())
    text.append(f"{len(counts)} pools, {total} nodes  ")
    for state, number in sorted(states.items(), key=lambda kv: -kv[1]):
        text.append("■" * min(number, 40), style=STATE_STYLES.get(state, "white"))
        text.append(f" {state} {number}  ", style="dim")
    return text


class Summary(Static):
    DEFAULT_CSS = """
    Summary { height: 1; padding: 0 1; color: $text; background: $boost; }
    """

    _shown: tuple[object, ...] | None = None

    def show(self, content: Text | str) -> None:
        """Update only when the content changed (an unchanged repaint still costs bytes over SSH)."""
        key = (content.plain, tuple(content.spans)) if isinstance(content, Text) else (content,)
        if key != self._shown:
            self._shown = key
            self.update(content, layout=False)
