"""How a `LogBuffer`'s lines are laid out on screen rows: wrapping (row ↔ line), and the styled runs of a row
(stand-ins, search matches and colour runs).

Without wrapping a line is one row. With wrapping a line of `n` cells takes ``ceil(n / width)`` rows (at
least one), and no wide character is split between two rows. `WrapIndex` keeps the rows of each complete
line and their running total, so finding the line of a row is a binary search; it is extended as lines
arrive and trimmed with them. Rich appears only for terminal cell widths.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import accumulate
from operator import itemgetter
from typing import Any

from rich.cells import get_character_cell_size

from .log_search import Match
from .log_sgr import Rendition

__all__ = ["CONTROL", "CURRENT", "MATCH", "Run", "WrapIndex", "cell_checkpoints", "char_at_cell", "line_runs",
           "row_breaks", "rows_of"]

# What a run of a line is (flags): a control character's stand-in, a match, the current match.
CONTROL, MATCH, CURRENT = 1, 2, 4
Run = tuple[int, int, int, Rendition | None]  # (start, end, flags, colour pen or None)


def row_breaks(line: str, width: int) -> list[int]:
    """The character index where each wrapped row of a (non-ASCII) line starts; no wide character is split."""
    starts = [0]
    row = 0
    for index, char in enumerate(line):
        size = get_character_cell_size(char)
        if row + size > width and row:
            starts.append(index)
            row = 0
        row += size
    return starts


CHECKPOINT = 256  # characters between two checkpoints of `cell_checkpoints`


def cell_checkpoints(line: str) -> array[int]:
    """The cells before every CHECKPOINT-th character of `line` (0, before character 256, before 512, …): for
    `char_at_cell` on a long line with wide characters."""
    points = array("q", [0])
    total = 0
    for start in range(0, len(line) - CHECKPOINT + 1, CHECKPOINT):
        total += sum(map(get_character_cell_size, line[start:start + CHECKPOINT]))
        points.append(total)
    return points


def char_at_cell(line: str, checkpoints: array[int], cell: int) -> tuple[int, int]:
    """(index, first cell) of the character of `line` that covers cell `cell` (len(line) and the line's
    cells past its end); `checkpoints` is `cell_checkpoints(line)`."""
    block = max(0, bisect_right(checkpoints, cell) - 1)
    index, at = block * CHECKPOINT, checkpoints[block]
    length = len(line)
    while index < length:
        size = get_character_cell_size(line[index])
        if at + size > cell:
            break
        at += size
        index += 1
    return index, at


def rows_of(line: str, width: int) -> int:
    """The rows `line` takes wrapped at `width` cells (at least 1)."""
    if line.isascii():
        return max(1, -(-len(line) // width))
    return len(row_breaks(line, width))


class WrapIndex:
    """The rows of each complete line wrapped at `width`, and their running total.

    ``prefix[i] - prefix[0]`` is the first row of line `i` (``prefix[0]`` is not 0 once lines were dropped
    from the front: dropping does not renumber)."""

    def __init__(self) -> None:
        self.width = 0
        self.rows = array("l")
        self.prefix = array("q", [0])
        self.valid = False

    def ensure(self, lines: Sequence[str], width: int) -> bool:
        """Build the index for `lines` at `width` unless it is built already; True if it was (re)built."""
        if self.valid and self.width == width:
            return False
        self.width = width
        rows = array("l", (rows_of(line, width) for line in lines))
        self.rows = rows
        self.prefix = array("q", accumulate(rows, initial=0))
        self.valid = True
        return True

    def follow(self, lines: Sequence[str], dropped: int) -> int:
        """`lines` (all the complete lines now) grew at the end and lost `dropped` lines at the front: keep up.
        The rows dropped with them (`dropped` when the index is not built: then it stays unbuilt)."""
        if not self.valid:
            return dropped
        removed_rows = dropped
        rows, prefix = self.rows, self.prefix
        drop = min(dropped, len(rows))
        if drop:
            removed_rows = prefix[drop] - prefix[0]
            del rows[:drop]
            del prefix[:drop]
        if dropped > drop or len(rows) > len(lines):
            self.valid = False  # (the new lines were trimmed too: rebuild)
            return removed_rows
        width = self.width
        last = prefix[-1]
        for line in lines[len(rows):]:
            n = rows_of(line, width)
            rows.append(n)
            last += n
            prefix.append(last)
        return removed_rows

    def total(self) -> int:
        """The rows of the complete lines."""
        return self.prefix[-1] - self.prefix[0]

    def locate(self, row: int, partial: str) -> tuple[int, int] | None:
        """(line index, row within the line) of `row`; the unfinished line `partial` follows the complete
        ones. None past the end."""
        prefix = self.prefix
        absolute = row + prefix[0]
        if absolute < prefix[-1]:
            index = bisect_right(prefix, absolute) - 1
            return index, absolute - prefix[index]
        if partial:
            sub = absolute - prefix[-1]
            if sub < rows_of(partial, self.width):
                return len(prefix) - 1, sub
        return None

    def first_row_of(self, index: int) -> int:
        """The first row of line `index` (the unfinished line's, past the complete ones)."""
        prefix = self.prefix
        index = min(index, len(prefix) - 1)
        return prefix[index] - prefix[0]


def _within(spans: tuple[Any, ...], begin: int, end: int) -> list[Any]:
    """The spans ((start, end, …), in order, not overlapping) that meet [begin, end)."""
    if not spans:
        return []
    first = max(0, bisect_right(spans, begin, key=itemgetter(0)) - 1)
    last = bisect_left(spans, end, key=itemgetter(0))
    return [span for span in spans[first:last] if span[1] > begin]


def line_runs(line: str, begin: int, end: int, matches: Sequence[Match],
              current: Match | None) -> list[Run]:
    """The runs of ``line[begin:end]`` as (start, end, flags, pen): flags CONTROL inside a control character's
    stand-in (`line.spans`, see `clean_line`), CURRENT inside the current match, else MATCH inside a match;
    pen the colour run's Rendition (`line.colours`) or None."""
    if begin >= end:
        return []
    controls = _within(getattr(line, "spans", ()), begin, end)
    colours = _within(getattr(line, "colours", ()), begin, end)
    shown = [m for m in matches if m[2] > begin and m[1] < end]
    if not controls and not shown and not colours:
        return [(begin, end, 0, None)]
    # a sweep over span boundaries: kind 0 control, 1 match, 2 current match, 3 colour (ends sort first)
    events: list[tuple[int, int, int, Rendition | None]] = []
    for start, stop in controls:
        events.append((max(start, begin), 1, 0, None))
        events.append((min(stop, end), -1, 0, None))
    for match in shown:
        kind = 2 if match == current else 1
        events.append((max(match[1], begin), 1, kind, None))
        events.append((min(match[2], end), -1, kind, None))
    for start, stop, pen in colours:
        events.append((max(start, begin), 1, 3, pen))
        events.append((min(stop, end), -1, 3, None))
    events.sort(key=itemgetter(0, 1, 2))
    active = [0, 0, 0]
    pen_now: Rendition | None = None
    runs: list[Run] = []
    position = begin
    for point, delta, kind, pen in events:
        if point > position:
            runs.append((position, point, _flags(active), pen_now))
            position = point
        if kind == 3:
            pen_now = pen if delta > 0 else None
        else:
            active[kind] += delta
    if position < end:
        runs.append((position, end, _flags(active), pen_now))
    return runs


def _flags(active: list[int]) -> int:
    flags = CONTROL if active[0] > 0 else 0
    if active[2] > 0:
        return flags | CURRENT
    return flags | MATCH if active[1] > 0 else flags
