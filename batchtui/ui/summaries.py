"""The one-line summaries above the table: a job's progress from its task counts,
a pool's node-state heatmap, an overview of the jobs or the pools.

Each is a `Fit`: the same facts at decreasing widths. The summary widget
(`widgets.summary.Summary`) shows the widest that fits, so on a narrow terminal
the decorations (bars, heatmaps) go first and the facts that matter stay;
failures come first in every one. Only when even the narrowest does not fit is
it cut, with `…`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rich.cells import cell_len
from rich.text import Text

from ..service.models import NodeCounts, NodeRow, TaskCounts
from ..service.schedules import ScheduleRow
from ..wording import plural
from .format import STATE_STYLES

BAR_WIDTH = 30
# Node states that mean trouble: counted first, and in the heatmap's colours of failure.
BAD_NODE_STATES = ("starttaskfailed", "unusable", "offline", "preempted", "unknown")


@dataclass(frozen=True)
class Fit:
    """One line in several widths, widest first (each a complete statement)."""

    choices: tuple[Text, ...]

    def at(self, width: int) -> Text:
        """The widest choice that fits `width` cells, else the narrowest cut to `width` with `…`."""
        for choice in self.choices:
            if cell_len(choice.plain) <= width:
                return choice
        cut = self.choices[-1].copy()
        cut.truncate(max(0, width), overflow="ellipsis")
        return cut


def _counts(parts: Iterable[tuple[str, int, str]], text: Text | None = None) -> Text:
    """`label value` pairs, two spaces apart; a zero is dim."""
    text = text if text is not None else Text()
    for label, value, style in parts:
        if text.plain:
            text.append("  ")
        text.append(f"{label} ", style="dim")
        text.append(f"{value:,}", style=style if value else "dim")  # (1,000,000 reads at a glance)
    return text


def _bar(counts: TaskCounts, width: int) -> Text:
    total, done = counts.total, counts.completed
    filled = round(width * done / total) if total else 0
    failed_cells = min(filled, max(1 if counts.failed else 0, round(width * counts.failed / total))) if total else 0
    text = Text()
    text.append("█" * (filled - failed_cells), style="green")
    text.append("█" * failed_cells, style="red")
    text.append("░" * (width - filled), style="dim")
    return text


def job_summary(counts: TaskCounts) -> Fit:
    """A job's progress: failed first, then running, active and succeeded tasks, the
    fraction done, and a bar (dropped first when the line is short)."""
    total, done = counts.total, counts.completed
    failed = ("failed", counts.failed, "bold red")
    others = [("running", counts.running, "yellow"), ("active", counts.active, "cyan"),
              ("succeeded", counts.succeeded, "green")]
    pct = f" {100 * done / total:.1f}%" if total else ""
    short = [("failed", counts.failed, "bold red"), ("run", counts.running, "yellow"),
             ("act", counts.active, "cyan"), ("ok", counts.succeeded, "green")]

    def line(bar: int, progress: str) -> Text:
        text = _bar(counts, bar) + Text(" ") if bar else Text()
        text.append(progress)
        return _counts([failed, *others], text)

    done_pct, done_of = f"{done:,}/{total:,} done{pct}", f"{done:,}/{total:,} done"
    return Fit((line(BAR_WIDTH, done_pct), line(12, done_pct), line(0, done_pct), line(0, done_of),
                _counts(short, Text(f"{done:,}/{total:,}")), _counts(short[:1], Text(f"{done:,}/{total:,}"))))


class _Job(Protocol):
    @property
    def state(self) -> str: ...

    @property
    def counts(self) -> TaskCounts | None: ...


def jobs_overview(jobs: Sequence[_Job]) -> Fit:
    """The jobs view: how many jobs have failed tasks (first), then jobs by state."""
    states: dict[str, int] = {}
    for job in jobs:
        states[job.state] = states.get(job.state, 0) + 1
    failing = sum(1 for job in jobs if job.counts is not None and job.counts.failed)
    tally = Text(plural(len(jobs), "job"))
    for state, number in sorted(states.items()):
        tally.append(f"  {state} ", style="dim")
        tally.append(str(number), style=STATE_STYLES.get(state, ""))
    if not failing:
        return Fit((tally,))
    alert = Text(f"✗ {failing} with failed tasks", style="bold red")
    return Fit((alert + Text("  ") + tally, alert + Text("  " + plural(len(jobs), "job"))))


def schedules_overview(schedules: Sequence[ScheduleRow]) -> Fit:
    """The job schedules view: how many there are, by state."""
    states: dict[str, int] = {}
    for schedule in schedules:
        states[schedule.state] = states.get(schedule.state, 0) + 1
    tally = Text(plural(len(schedules), "job schedule"))
    for state, number in sorted(states.items()):
        tally.append(f"  {state} ", style="dim")
        tally.append(str(number), style=STATE_STYLES.get(state, ""))
    return Fit((tally,))


def node_heatmap(nodes: list[NodeRow], squares: int = 120) -> Text:
    """The nodes' states as `squares` coloured squares at most: one a node, in the pool's order, when they
    fit; else each state gets its share of the squares (troubled states first, and never fewer than one
    square, so that 3 failed nodes of 5,000 still show), followed by how many nodes a square stands for."""
    text = Text()
    if len(nodes) <= squares:
        for node in nodes:
            text.append("■", style=STATE_STYLES.get(node.state, "white"))
        return text
    tally: dict[str, int] = {}
    for node in nodes:
        tally[node.state] = tally.get(node.state, 0) + 1
    shares = {state: max(1, round(squares * number / len(nodes))) for state, number in tally.items()}
    while sum(shares.values()) > squares:  # (the rounding up of the small ones): taken from the biggest
        biggest = max(shares, key=lambda state: (shares[state], state not in BAD_NODE_STATES))
        shares[biggest] -= 1
    for state, _ in _by_concern(tally):
        text.append("■" * shares[state], style=STATE_STYLES.get(state, "white"))
    text.append(f" ■≈{-(-len(nodes) // squares):,} nodes", style="dim")
    return text


def _by_concern(tally: dict[str, int]) -> list[tuple[str, int]]:
    """States with trouble first, then the most common."""
    return sorted(tally.items(), key=lambda kv: (kv[0] not in BAD_NODE_STATES, -kv[1], kv[0]))


def pool_summary(nodes: list[NodeRow], counts: NodeCounts | None) -> Fit:
    """A pool's nodes: a heatmap of their states, then how many in each state
    (troubled states first) and of each kind; the heatmap is kept at every width."""
    tally: dict[str, int] = {}
    for node in nodes:
        tally[node.state] = tally.get(node.state, 0) + 1
    states = Text()
    for state, number in _by_concern(tally):
        if states.plain:
            states.append("  ")
        states.append(f"{state} ", style="dim")
        states.append(f"{number}", style=STATE_STYLES.get(state, ""))
    full = states.copy()
    if counts is not None:
        low = counts.low_priority.get("total", 0)
        full.append(f"{'  ' if full.plain else ''}dedicated {counts.dedicated.get('total', 0)}  low-priority {low}",
                    style="dim")
    if not nodes:
        return Fit((full, states))
    heatmaps = [node_heatmap(nodes, squares) + Text("  ") for squares in (120, 40, 10)]
    # The heatmap stays at every width: narrower, the counts of each kind go, then the squares shrink; the
    # last choice (the smallest heatmap, troubled states first) is cut with … where even it is too wide.
    return Fit((*(h + full for h in heatmaps), *(h + states for h in heatmaps[1:])))


def pools_overview(counts: dict[str, NodeCounts]) -> Fit:
    """The pools view: how many pools and nodes, and the nodes by state (troubled first)."""
    states: dict[str, int] = {}
    for c in counts.values():
        for bucket in (c.dedicated, c.low_priority):
            for state, number in bucket.items():
                if state != "total" and number:
                    states[state.lower()] = states.get(state.lower(), 0) + number
    head = Text(f"{plural(len(counts), 'pool')}, {plural(sum(states.values()), 'node')}")

    def line(squares: int) -> Text:
        text = head.copy()
        for state, number in _by_concern(states):
            text.append("  ")
            if squares:
                text.append("■" * min(number, squares) + " ", style=STATE_STYLES.get(state, "white"))
            text.append(f"{state} ", style="dim")
            text.append(str(number), style=STATE_STYLES.get(state, ""))
        return text

    return Fit((line(40), line(8), line(0)))
