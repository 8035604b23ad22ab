"""A search in a `LogBuffer`: every match in the window, and the current one.

A match is ``(line id, start, end)``: the line's id (`LogBuffer.base_id` + its index; ids never come back,
so matches stay valid while the window trims its oldest lines), and character offsets in the line as shown.
Empty matches are skipped. At most MAX_MATCHES matches are kept in all, MATCHES_PER_LINE in one line
(`capped` says so): a search for "x" in a 256 KiB line of x's stays usable.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from itertools import islice

from .log_buffer import LogBuffer

__all__ = ["MATCHES_PER_LINE", "MAX_MATCHES", "LogSearch", "Match", "compile_search"]

MAX_MATCHES = 100_000
MATCHES_PER_LINE = 1_000

Match = tuple[int, int, int]


def compile_search(text: str) -> tuple[re.Pattern[str] | None, str | None]:
    """Search text → (pattern, error): case-insensitive text, or `re:regex`."""
    if not text:
        return None, None
    if text.startswith("re:"):
        try:
            return re.compile(text[3:], re.IGNORECASE), None
        except re.error as error:
            return None, f"invalid regex: {error}"
    return re.compile(re.escape(text), re.IGNORECASE), None


class LogSearch:
    """The matches of `pattern` in a buffer's lines. Complete lines are scanned once, as they arrive
    (`scan`); the unfinished last line, which may still change, is searched when asked."""

    def __init__(self) -> None:
        self.pattern: re.Pattern[str] | None = None
        self.matches: list[Match] = []  # in complete lines, in order
        self.capped = False
        self.current: Match | None = None

    def set_pattern(self, pattern: re.Pattern[str] | None, buffer: LogBuffer) -> None:
        """Search for `pattern` (None: no search) in `buffer`; no current match."""
        self.pattern = pattern
        self.rescan(buffer)

    def rescan(self, buffer: LogBuffer) -> None:
        """Start over on every complete line of `buffer` (another buffer, or the window was emptied)."""
        self.matches = []
        self.capped = False
        if self.pattern is not None:
            self.scan(buffer, buffer.lines, 0)
        self.current = None

    def scan(self, buffer: LogBuffer, lines: list[str], first_index: int) -> None:
        """Add the matches in `lines`, new complete lines of `buffer` from index `first_index`; matches of
        lines the buffer dropped go."""
        pattern = self.pattern
        if pattern is None:
            return
        base = buffer.base_id
        matches = self.matches
        if matches and matches[0][0] < base:  # lines were dropped: so were their matches
            del matches[:bisect_left(matches, (base, -1, -1))]
        search = pattern.search
        finditer = pattern.finditer
        for offset, line in enumerate(lines):
            if len(matches) >= MAX_MATCHES:
                self.capped = True
                return
            if search(line) is None:
                continue
            line_id = base + first_index + offset
            found = [(line_id, m.start(), m.end()) for m in islice(finditer(line), MATCHES_PER_LINE)]
            matches.extend(f for f in found if f[2] > f[1])
            if len(found) == MATCHES_PER_LINE:
                self.capped = True

    def partial_matches(self, buffer: LogBuffer) -> list[Match]:
        """The matches in the unfinished last line."""
        if self.pattern is None or not buffer.partial:
            return []
        line_id = buffer.base_id + len(buffer.lines)
        found = islice(self.pattern.finditer(buffer.partial), MATCHES_PER_LINE)
        return [(line_id, m.start(), m.end()) for m in found if m.end() > m.start()]

    def all_matches(self, buffer: LogBuffer) -> list[Match]:
        """Every match in the window, in order (the unfinished line's last)."""
        base = buffer.base_id
        matches = self.matches
        if matches and matches[0][0] < base:
            del matches[:bisect_left(matches, (base, -1, -1))]
        partial = self.partial_matches(buffer)
        return matches + partial if partial else matches

    def count(self, buffer: LogBuffer) -> int:
        return len(self.matches) + len(self.partial_matches(buffer))

    def current_index(self, buffer: LogBuffer) -> int | None:
        """The 0-based position of the current match among all matches, or None."""
        if self.current is None:
            return None
        every = self.all_matches(buffer)
        index = bisect_left(every, self.current)
        return index if index < len(every) and every[index] == self.current else None

    def step(self, buffer: LogBuffer, forward: bool, from_top: bool,
             top_line: Callable[[], int]) -> tuple[bool, bool]:
        """Make the next (or previous) match current: (found, wrapped around). With no current match (or
        `from_top`), the first match from the line `top_line()` on (or the last one before it)."""
        every = self.all_matches(buffer)
        if not every:
            return False, False
        base = buffer.base_id
        current = self.current
        if current is None or current[0] < base or from_top:
            index = bisect_left(every, (base + top_line(), -1, -1))
            if not forward:
                index -= 1
        elif forward:
            index = bisect_right(every, current)
        else:
            index = bisect_left(every, current) - 1
        wrapped = not 0 <= index < len(every)
        index %= len(every)
        self.current = every[index]
        return True, wrapped

    def line_matches(self, buffer: LogBuffer, line_id: int) -> list[Match]:
        """The matches in the line with id `line_id`."""
        if self.pattern is None:
            return []
        if line_id - buffer.base_id >= len(buffer.lines):
            return self.partial_matches(buffer)
        matches = self.matches
        index = bisect_left(matches, (line_id, -1, -1))
        found = []
        while index < len(matches) and matches[index][0] == line_id:
            found.append(matches[index])
            index += 1
        return found
