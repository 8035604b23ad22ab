"""How a `LogBuffer`'s lines are laid out on screen rows: wrapping (row ↔ line), and the styled runs of a row.

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

from rich.cells import get_character_cell_size

from .log_search import Match

__all__ = ["CONTROL", "CURRENT", "MATCH", "WrapIndex", "line_runs", "row_breaks", "rows_of"]

# What a run of a line is (flags): a control character's stand-in, a match, the current match.
CONTROL, MATCH, CURRENT = 1, 2, 4


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


def line_runs(line: str, begin: int, end: int, matches: Sequence[Match],
              current: Match | None) -> list[tuple[int, int, int]]:
    """The runs of ``line[begin:end]`` as (start, end, flags): flags CONTROL inside a control character's
    stand-in (`line.spans`, see `clean_line`), CURRENT inside the current match, else MATCH inside a match."""
    if begin >= end:
        return []
    controls = getattr(line, "spans", ())
    if controls:
        first = max(0, bisect_right(controls, (begin, begin)) - 1)
        controls = [c for c in controls[first:bisect_left(controls, (end, end))] if c[1] > begin]
    shown = [m for m in matches if m[2] > begin and m[1] < end]
    if not controls and not shown:
        return [(begin, end, 0)]
    # a sweep over span boundaries: kind 0 control, 1 match, 2 current match
    events: list[tuple[int, int, int]] = []
    for start, stop in controls:
        events.append((max(start, begin), 0, 1))
        events.append((min(stop, end), 0, -1))
    for match in shown:
        kind = 2 if match == current else 1
        events.append((max(match[1], begin), kind, 1))
        events.append((min(match[2], end), kind, -1))
    events.sort()
    active = [0, 0, 0]
    runs: list[tuple[int, int, int]] = []
    position = begin
    for point, kind, delta in events:
        if point > position:
            runs.append((position, point, _flags(active)))
            position = point
        active[kind] += delta
    if position < end:
        runs.append((position, end, _flags(active)))
    return runs


def _flags(active: list[int]) -> int:
    flags = CONTROL if active[0] > 0 else 0
    if active[2] > 0:
        return flags | CURRENT
    return flags | MATCH if active[1] > 0 else flags
