"""`ProgressLine`: the line under a tasks view's summary: the job's throughput, its estimated time to
completion, a sparkline of completions over the last hour, and its stragglers (figures from
`service.progress`). Hidden on every other view.

The sparkline takes what room the line has left: the hour's 60 one-minute buckets summed into 60, 30, 20,
15, 12, 10 or 6 cells. The line is repainted only when its text changes (or the widget's width does).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from ...service.progress import Pace
from ..format import duration

__all__ = ["PaceView", "ProgressLine", "progress_text", "sparkline"]

BARS = "▁▂▃▄▅▆▇█"
SPARK_CELLS = (60, 30, 20, 15, 12, 10, 6)


@dataclass(frozen=True)
class PaceView:
    """What the line shows: the pace (None: not measurable, `note` says why), how many stragglers and the
    duration past which a running task is one (None: too few finished tasks to tell)."""

    pace: Pace | None
    stragglers: int = 0
    threshold: float | None = None
    note: str = ""


def sparkline(values: tuple[int, ...], cells: int) -> str:
    """`values` summed into `cells` groups (cells divides len(values)), one bar each, scaled to the
    largest; an empty group is the lowest bar."""
    size = max(1, len(values) // cells)
    groups = [sum(values[i:i + size]) for i in range(0, len(values), size)]
    top = max(groups, default=0)
    if top == 0:
        return BARS[0] * len(groups)
    return "".join(BARS[0] if v == 0 else BARS[1 + round((len(BARS) - 2) * v / top)] for v in groups)


def _rate(per_minute: float) -> str:
    if per_minute >= 10:
        return f"{per_minute:.0f}"
    return f"{per_minute:.1f}" if per_minute >= 1 else f"{per_minute:.2f}"


def _eta(seconds: float) -> str:
    if seconds >= 120:
        seconds = round(seconds / 60) * 60  # minutes are enough, and the line stays still longer
    return duration(seconds)


def _tasks(number: int) -> str:
    return f"{number} task{'' if number == 1 else 's'}"


def progress_text(view: PaceView, width: int) -> Text:
    """The line for `view`, fitted to `width` cells (the sparkline shrinks, or goes, first)."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    pace = view.pace
    if pace is None:
        text.append(view.note or "pace: measuring…", style="dim")
        return text
    if pace.remaining == 0:
        text.append("all done", style="bold green")
    elif pace.all_blocked:
        text.append(f"blocked: {_tasks(pace.blocked)} wait on failed tasks", style="bold red")
    elif pace.per_minute is None:
        text.append("rate measuring…", style="dim")
    else:
        text.append(f"{_rate(pace.per_minute)}/min", style="bold")
        text.append("  ETA ", style="dim")
        if pace.stalled_seconds is not None:
            text.append(f"— none done for {duration(pace.stalled_seconds)}", style="yellow")
        else:
            text.append(_eta(pace.eta_seconds) if pace.eta_seconds is not None else "—",
                        style="bold cyan" if pace.eta_seconds is not None else "dim")
    if pace.blocked and not pace.all_blocked:
        text.append(f", {_tasks(pace.blocked)} blocked", style="red")
    tail = Text(end="")
    if view.stragglers:
        tail.append(f"  ▶ {view.stragglers} straggler{'s' if view.stragglers != 1 else ''}", style="bold yellow")
        if view.threshold is not None:
            tail.append(f" > {duration(view.threshold)}", style="yellow")
    room = width - text.cell_len - tail.cell_len - len("  ") - len(" last hour")
    cells = next((c for c in SPARK_CELLS if c <= room), 0)
    if cells:
        text.append("  ")
        text.append(sparkline(pace.last_hour, cells), style="green")
        text.append(" last hour", style="dim")
    text.append_text(tail)
    return text


class ProgressLine(Widget):
    """One line; `show(view)` on a tasks view's refresh, `show(None)` hides it (other views)."""

    DEFAULT_CSS = """
    ProgressLine { height: 1; padding: 0 1; background: $boost; display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._view: PaceView | None = None

    @property
    def plain(self) -> str:
        """The line as shown now, without styles ("" while hidden)."""
        return progress_text(self._view, self.content_region.width).plain if self._view else ""

    def show(self, view: PaceView | None) -> None:
        """Show `view` (None: hide); a view that reads as the line already shown repaints nothing."""
        before = self._view
        self._view = view
        if view is None or before is None:
            self.display = view is not None
            self.refresh()
            return
        width = self.content_region.width
        old, new = progress_text(before, width), progress_text(view, width)
        if (old.plain, old.spans) != (new.plain, new.spans):
            self.refresh()

    def render(self) -> RenderResult:
        return progress_text(self._view, self.content_region.width) if self._view else Text()
