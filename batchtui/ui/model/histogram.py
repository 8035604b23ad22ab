"""Histograms of a job's completed tasks: how many ended with each exit code, and how long they ran, as
bars of text that read at 80 columns, with the durations' p50, p95 and max.

Pure: TaskRows in, `Bar`s and strings out (no Textual). Each `Bar` knows its tasks' ids, and for an exit
code the OData $filter that lists them on the service, so choosing a bar can filter the tasks table to it.

Durations (end time less start time, seconds) are binned by a stated rule: when the slowest task took
more than ten times the median (and at least 10 s), the bins grow by steps of about 2x (1-2-5 and clock
steps: 1s, 2s, 5s, 10s, 30s, 1m, 2m, 5m …), so a long tail reads as well as the bulk; otherwise the bins are
even, at most `MAX_BINS`, on a round step (0.1 s, 1 s, 15 s, 1 m, 5 m, 1 h …).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ...service.models import TaskRow
from ..format import duration

__all__ = ["Bar", "Spread", "bar_line", "bar_text", "duration_bars", "durations_of", "exit_code_bars",
           "exit_codes_of", "percentile", "seconds_text", "span_label", "spread"]

MAX_BINS = 10
MAX_CODES = 12  # exit codes shown as bars of their own; the rarer ones share an "other" bar
# Round steps for even bins, in seconds.
STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
         86400, 172800, 604800)
# Edges of the growing bins, in seconds (0 below the first).
GROWING = (0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400, 172800,
           604800)
EIGHTHS = " ▏▎▍▌▋▊▉"


@dataclass(frozen=True)
class Bar:
    """One bar: its label ("exit 3", "10s–15s"), how many tasks, which (sorted ids), the $filter that
    lists them on the service (None: only by their ids), and the name of the tasks table's filter to them
    ("12 tasks that ran 10s–15s")."""

    label: str
    count: int
    task_ids: tuple[str, ...]
    odata: str | None = None
    name: str = ""


def _tasks(count: int) -> str:
    return f"{count:,} task{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class Spread:
    """The spread of `count` durations (seconds): median, 95th percentile, slowest."""

    count: int
    p50: float
    p95: float
    most: float


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ascending values (`fraction` 0.5 for p50); ValueError when empty."""
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def spread(seconds: Iterable[float]) -> Spread | None:
    """p50, p95 and max of the durations (None when there are none)."""
    ordered = sorted(seconds)
    if not ordered:
        return None
    return Spread(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.95), ordered[-1])


def durations_of(tasks: Iterable[TaskRow]) -> dict[str, float]:
    """Task id → how long it ran (seconds), for the tasks with a start and an end time."""
    return {t.id: max(0.0, (t.end_time - t.start_time).total_seconds())
            for t in tasks if t.start_time is not None and t.end_time is not None}


def exit_codes_of(tasks: Iterable[TaskRow]) -> dict[str, int | None]:
    """Task id → its exit code (None: it has none)."""
    return {t.id: t.exit_code for t in tasks}


def exit_code_bars(codes_of: dict[str, int | None], most_codes: int = MAX_CODES) -> list[Bar]:
    """One bar per exit code (`codes_of`: task id → exit code), in the order of the codes, then "none"
    (tasks without one). With more than `most_codes` codes, the rarest share one "other" bar (by ids)."""
    by_code: dict[int | None, list[str]] = {}
    for task_id, code in codes_of.items():
        by_code.setdefault(code, []).append(task_id)
    codes = [c for c in by_code if c is not None]
    kept = set(sorted(codes, key=lambda c: (-len(by_code[c]), c))[:most_codes - 1]) if len(codes) > most_codes \
        else set(codes)
    bars = [Bar(f"exit {code}", len(by_code[code]), tuple(sorted(by_code[code])),
                f"executionInfo/exitCode eq {code}", f"{_tasks(len(by_code[code]))} with exit code {code}")
            for code in sorted(kept)]
    others = sorted(c for c in codes if c not in kept)
    rest = sorted(i for c in others for i in by_code[c])
    if rest:
        listed = ", ".join(map(str, others[:4])) + (", …" if len(others) > 4 else "")
        bars.append(Bar(f"{len(others)} other codes", len(rest), tuple(rest),
                        name=f"{_tasks(len(rest))} with exit codes {listed}"))
    if None in by_code:
        none = by_code[None]
        bars.append(Bar("no exit code", len(none), tuple(sorted(none)),
                        name=f"{_tasks(len(none))} without an exit code"))
    return bars


def _even_edges(low: float, high: float, most_bins: int) -> list[float]:
    step = next((s for s in STEPS if (high - math.floor(low / s) * s) / s <= most_bins), STEPS[-1])
    start = math.floor(low / step) * step
    count = max(1, math.floor((high - start) / step) + 1)
    return [round(start + i * step, 6) for i in range(count + 1)]


def _growing_edges(low: float, high: float) -> list[float]:
    first = bisect_right(GROWING, low) - 1
    edges = [0.0 if first < 0 else GROWING[first]]
    edges += [e for e in GROWING if edges[0] < e <= high]
    beyond = [e for e in GROWING if e > high]
    edges.append(beyond[0] if beyond else high * 2)
    return edges


def span_label(start: float, end: float) -> str:
    """A bin's span for people: "10s–15s", "0.1s–0.2s", "1m–2m"."""
    return f"{seconds_text(start)}–{seconds_text(end)}"


def seconds_text(value: float) -> str:
    """A duration for people: "0.4s" under a minute when not whole, else as the tables show it ("1m30s",
    "2h05m"), a whole minute, hour or day without its zero tail ("1m", "2h")."""
    if value < 60 and value != int(value):
        return f"{value:.1f}s"
    text = duration(value)
    return text[:-3] if text.endswith(("m00s", "h00m", "d00h")) else text


def duration_bars(seconds: dict[str, float], most_bins: int = MAX_BINS) -> list[Bar]:
    """The durations (task id → seconds) in bins (see the module notes), every bin from the fastest
    task's to the slowest's, empty ones too (the shape must read right)."""
    if not seconds:
        return []
    values = sorted(seconds.values())
    low, high, median = values[0], values[-1], percentile(values, 0.5)
    if high == low:
        return [Bar(seconds_text(low), len(values), tuple(sorted(seconds)),
                    name=f"{_tasks(len(values))} that ran {seconds_text(low)}")]
    growing = high >= 10 and high > 10 * median
    edges = _growing_edges(low, high) if growing else _even_edges(low, high, most_bins)
    bins: list[list[str]] = [[] for _ in range(len(edges) - 1)]
    for task_id, value in seconds.items():
        index = min(len(bins) - 1, max(0, bisect_right(edges, value) - 1))
        bins[index].append(task_id)
    while len(bins) > 1 and not bins[-1]:  # (a round step can leave the last bin past the slowest task)
        bins.pop()
        edges.pop()
    spans = [span_label(edges[i], edges[i + 1]) for i in range(len(bins))]
    return [Bar(span, len(ids), tuple(sorted(ids)), name=f"{_tasks(len(ids))} that ran {span}")
            for span, ids in zip(spans, bins, strict=True)]


def bar_text(count: int, most: int, width: int) -> str:
    """A bar `count/most` of `width` cells long, in eighths of a cell; a count above 0 shows at least one
    eighth. Padded with spaces to `width`."""
    if width <= 0 or most <= 0 or count <= 0:
        return " " * max(0, width)
    eighths = max(1, round(8 * width * min(count, most) / most))
    full, part = divmod(eighths, 8)
    text = "█" * full + (EIGHTHS[part] if part else "")
    return text.ljust(width)


def shares(counts: list[int]) -> list[str]:
    """Each count's share of their sum in whole percents ("92%", "3%") that add up to 100% (largest-remainder
    rounding: the percents lost to rounding down go to the largest fractions, earlier counts first on a tie);
    a count above 0 whose share rounds to 0 reads "<1%", never as none. All "" when the sum is 0."""
    total = sum(counts)
    if total <= 0:
        return ["" for _ in counts]
    whole = [100 * count // total for count in counts]
    by_remainder = sorted(range(len(counts)), key=lambda i: (-(100 * counts[i] % total), i))
    for index in by_remainder[:100 - sum(whole)]:
        whole[index] += 1
    return ["<1%" if percent == 0 and count else f"{percent}%" for percent, count in zip(whole, counts, strict=True)]


def bar_line(bar: Bar, most: int, total: int, width: int, label_width: int,
             share: str | None = None) -> tuple[str, str, str]:
    """The three parts of a bar's line `width` cells wide: its label (right-aligned to `label_width`), the
    bar, and "count  share%" (e.g. "1,234  56%", "1  <1%"). `share`: the share to show (from `shares`, so
    that a chart's shares add up); None: this bar's own share of `total`."""
    if share is None:
        share = shares([bar.count, total - bar.count])[0]
    tail = f" {bar.count:>7,} {share:>4}"
    label = bar.label.rjust(label_width)[:max(label_width, 1)]
    room = max(4, width - label_width - 1 - len(tail))
    return label + " ", bar_text(bar.count, most, room), tail
