"""The lines of a log file: a bounded window of text (`LogBuffer`) and a Line
API widget that renders only the rows on screen (`LogLines`).

What reaches the terminal
-------------------------
A log is untrusted input. Nothing in it is ever passed to the terminal as a
control: every C0 control but tab (U+0000–U+001F), DEL and every C1 control
(U+0080–U+009F) is shown as a visible stand-in in a dim style, as are the
Unicode bidi controls and line/paragraph separators:

    ESC → ^[  BEL → ^G  NUL → ^@  (caret notation, as `cat -v` and less)
    DEL → ^?  U+009B → <9B>   U+202E → <U+202E>

so ``\\x1b[2J`` shows as ``^[[2J`` and OSC 52 as ``^[]52;c;…^G``, inert (the dim
style tells a stand-in from the same characters in the text). ASCII
stand-ins, not the Control Pictures block (␛): many terminal fonts lack
those glyphs. Tabs expand to spaces (stops every 8 cells).

Carriage returns: a line that ends in ``\\r\\n`` loses the ``\\r``; otherwise
only the text after the last ``\\r`` of a line is kept, which is what a
terminal ends up showing for a ``\\r``-redrawn progress bar in the common case
(each redraw at least as long as the one before).

Memory
------
`LogBuffer` keeps a window of whole lines, at most `max_chars` characters and
`max_lines` lines, dropping the oldest lines when either is exceeded, plus the
file offset where each line ends (8 bytes a line), so the view can say which
bytes of the file it holds. A poll that brings more than the window holds is
cut before it is split into lines.

Rendering
---------
`LogLines` keeps no rendered form of lines that are off screen: `render_line`
builds the strip of one screen row from the line's text, with an LRU cache of
recent rows. In wrap mode an index of rows per line (an array of ints) maps
screen rows to lines; it is extended as lines arrive and trimmed with them.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate, islice
from typing import ClassVar

from rich.cells import cell_len, get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["FeedResult", "LogBuffer", "LogLines", "MarkedLine", "clean_line", "compile_search"]

MiB = 1024 * 1024
MAX_CHARS = 4 * MiB  # characters of text a window holds
MAX_LINES = 100_000  # lines a window holds
TRIM_TO = 0.9  # when over a limit, drop down to this share of it (so trimming is not on every poll)
LINE_CAP = 256 * 1024  # characters of one line kept before it is cut into pieces
MAX_MATCHES = 100_000
MATCHES_PER_LINE = 1_000  # (a search for "x" in a 256 KiB line of x's stays usable)
TAB = 8

# Everything that must not reach the terminal raw, and tab (expanded).
_SPECIAL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def stand_in(char: str) -> str:
    """The visible, inert text shown for a control character."""
    code = ord(char)
    if code < 0x20:
        return "^" + chr(0x40 + code)
    if code == 0x7F:
        return "^?"
    if code <= 0x9F:
        return f"<{code:02X}>"
    return f"<U+{code:04X}>"


class MarkedLine(str):
    """A line holding stand-ins for control characters; `spans` are their (start, end) positions."""

    spans: tuple[tuple[int, int], ...] = ()


def _cells(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def clean_line(raw: str) -> str:
    """One line of the file (without its newline) as it is shown: see the module notes."""
    if "\r" in raw:
        raw = raw.rstrip("\r")
        cut = raw.rfind("\r")
        if cut >= 0:
            raw = raw[cut + 1:]
    if raw.isprintable() or not _SPECIAL.search(raw):
        return raw
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0  # characters so far
    column = 0  # cells so far (for tab stops)
    position = 0
    for match in _SPECIAL.finditer(raw):
        start = match.start()
        if start > position:
            piece = raw[position:start]
            pieces.append(piece)
            length += len(piece)
            column += _cells(piece)
        char = raw[start]
        if char == "\t":
            width = TAB - column % TAB
            pieces.append(" " * width)
            length += width
            column += width
        else:
            shown = stand_in(char)
            pieces.append(shown)
            spans.append((length, length + len(shown)))
            length += len(shown)
            column += len(shown)
        position = start + 1
    if position < len(raw):
        pieces.append(raw[position:])
    text = "".join(pieces)
    if not spans:
        return text
    line = MarkedLine(text)
    line.spans = tuple(spans)
    return line


@dataclass
class FeedResult:
    """What one `LogBuffer.feed` did."""

    new_lines: int = 0  # lines completed (newlines seen)
    added: int = 0  # complete lines appended to the window (new lines, and pieces of an endless line)
    dropped: int = 0  # lines dropped from the front of the window
    reset: bool = False  # the window was emptied first (a gap, or a poll bigger than the window)
    changed: bool = False  # anything visible changed


class LogBuffer:
    """A window of the lines of a file: whole lines, their end offsets, and an unfinished last line."""

    def __init__(self, *, max_chars: int = MAX_CHARS, max_lines: int = MAX_LINES) -> None:
        self.max_chars = max(1024, max_chars)
        self.max_lines = max(10, max_lines)
        self.lines: list[str] = []  # complete lines, as shown
        self._ends = array("q")  # the file offset just past each complete line's newline
        self.start = 0  # file offset of lines[0]
        self.end = 0  # file offset just past the last byte fed
        self.first_number: int | None = 1  # line number of lines[0] in the file; None when unknown
        self.base_id = 0  # a number for lines[0] that never comes back: ids stay unique across trims
        self.origin_id = 0  # the id of the first line since the window was last emptied
        self.partial = ""  # the unfinished last line, as shown ("" when none)
        self._partial_raw = ""
        self.chars = 0  # characters in `lines`
        self._fed = False

    # -- reading ---------------------------------------------------------------------
    def __len__(self) -> int:
        """Lines shown: the complete ones, and the unfinished one if any."""
        return len(self.lines) + (1 if self.partial else 0)

    def line(self, index: int) -> str:
        lines = self.lines
        if index < len(lines):
            return lines[index]
        return self.partial

    def number(self, index: int) -> int | None:
        """The file line number of a line, when the window's start is known to be a line start."""
        return None if self.first_number is None else self.first_number + index

    def relative_number(self, index: int) -> int:
        """The line's number counted from the first line loaded since the window was emptied (from 1)."""
        return self.base_id - self.origin_id + index + 1

    @property
    def approx_bytes(self) -> int:
        """About how much memory the window's text takes (str headers, list and offsets included)."""
        return self.chars + len(self.partial) + len(self.lines) * (49 + 8 + 8)

    def text(self) -> str:
        """The window's text as shown (for tests and debugging)."""
        return "\n".join(self.lines + ([self.partial] if self.partial else []))

    # -- writing ---------------------------------------------------------------------
    def clear(self, offset: int = 0) -> None:
        """Empty the window; the next text fed starts at `offset` of the file."""
        self.base_id += len(self.lines) + 1
        self.origin_id = self.base_id
        self.lines = []
        self._ends = array("q")
        self.start = self.end = offset
        self.first_number = 1 if offset == 0 else None
        self.partial = self._partial_raw = ""
        self.chars = 0
        self._fed = False

    def feed(self, text: str, data: bytes | None = None, offset: int | None = None) -> FeedResult:
        """Add decoded `text`: the bytes `data` of the file at `offset` (data None: text only, no bytes).

        A gap (offset beyond what was fed) empties the window first.
        """
        result = FeedResult()
        if offset is not None and (offset != self.end or not self._fed):
            if offset != self.end or self.lines or self.partial:
                result.reset = True
            self.clear(offset)
        self._fed = True
        if data is not None and len(data) > self.max_chars:
            text, data, offset = self._keep_end(text, data, offset if offset is not None else self.end, result)
        if not text:
            if data:
                self.end += len(data)
            return result
        result.changed = True
        parts = text.split("\n")
        count = len(parts) - 1
        result.new_lines = count
        before = len(self.lines)
        if count == 0:
            self._set_partial(self._partial_raw + parts[0])
            if data:
                self.end += len(data)
            self._cap_partial()
            result.added = len(self.lines) - before
            result.dropped = self._trim()
            return result
        raw_partial = parts.pop()
        begin = self.end
        if data is not None:
            if len(data) == len(text) and data.isascii():
                # One byte a character: the ends follow from the lengths of this text's lines.
                ends = accumulate((len(p) + 1 for p in parts), initial=begin)
                next(ends)
                self._ends.extend(ends)
            else:
                find = data.find
                position = find(b"\n")
                while position >= 0:
                    self._ends.append(begin + position + 1)
                    position = find(b"\n", position + 1)
            self.end += len(data)
        else:  # text without bytes (the decoder's flush): keep the offsets consistent
            self._ends.extend([self.end] * count)
        parts[0] = self._partial_raw + parts[0]
        cleaned = [clean_line(p) for p in parts]
        self.lines.extend(cleaned)
        self.chars += sum(map(len, cleaned))
        self._set_partial(raw_partial)
        self._cap_partial()
        result.added = len(self.lines) - before
        result.dropped = self._trim()
        return result

    def _keep_end(self, text: str, data: bytes, offset: int, result: FeedResult) -> tuple[str, bytes, int]:
        """A poll bigger than the window: keep only whole lines of its last `max_chars` bytes."""
        cut = data.find(b"\n", len(data) - self.max_chars)
        if cut < 0:
            return text, data, offset
        count = data.count(b"\n", 0, cut + 1)
        parts = text.split("\n", count)
        if len(parts) != count + 1:  # (cannot happen: the decoder keeps every newline)
            return text, data, offset
        dropped_lines = len(self.lines) + count
        number = self.first_number
        result.reset = True
        self.clear(offset + cut + 1)
        self.first_number = None if number is None else number + dropped_lines
        self._fed = True
        return parts[count], data[cut + 1:], offset + cut + 1

    def _set_partial(self, raw: str) -> None:
        if "\r" in raw[:-1]:  # (a trailing \r may be half of a \r\n)
            raw = raw[raw.rfind("\r", 0, len(raw) - 1) + 1:]
        self._partial_raw = raw
        self.partial = clean_line(raw) if raw else ""

    def _cap_partial(self) -> None:
        """An endless line (no newline in sight) is cut into pieces of LINE_CAP characters."""
        while len(self._partial_raw) > LINE_CAP:
            raw = self._partial_raw
            piece = raw[:LINE_CAP]
            end = (self._ends[-1] if self._ends else self.start) + len(piece.encode("utf-8", "replace"))
            self._ends.append(min(end, self.end))
            self.lines.append(clean_line(piece))
            self.chars += len(self.lines[-1])
            self._set_partial(raw[LINE_CAP:])

    def _trim(self) -> int:
        """Drop the oldest lines while over a limit; how many were dropped."""
        lines = self.lines
        if self.chars <= self.max_chars and len(lines) <= self.max_lines:
            return 0
        keep_chars = int(self.max_chars * TRIM_TO)
        keep_lines = int(self.max_lines * TRIM_TO)
        drop = max(0, len(lines) - keep_lines)
        chars = self.chars - sum(map(len, lines[:drop]))
        while drop < len(lines) and chars > keep_chars:
            chars -= len(lines[drop])
            drop += 1
        if not drop:
            return 0
        self.start = self._ends[drop - 1]
        del lines[:drop]
        del self._ends[:drop]
        self.chars = chars
        self.base_id += drop
        if self.first_number is not None:
            self.first_number += drop
        return drop


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


def _row_breaks(line: str, width: int) -> list[int]:
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


def _rows_of(line: str, width: int) -> int:
    if line.isascii():
        return max(1, -(-len(line) // width))
    return len(_row_breaks(line, width))


class LogLines(ScrollView, can_focus=True, inherit_bindings=False):
    """Shows a `LogBuffer`; follows its end until the user scrolls up.

    Its bindings are its own only (not ScrollableContainer's): `end` and `ctrl+end` are left to the screen,
    which follows the file with them.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "line_up", "Up", show=False),
        Binding("down,j", "line_down", "Down", show=False),
        Binding("left,h", "column_left", "Left", show=False),
        Binding("right,l", "column_right", "Right", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("pagedown,ctrl+f,space", "page_down", "Page down", show=False),
        Binding("home", "window_top", "Top of what is loaded", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-lines--gutter",
        "log-lines--control",
        "log-lines--match",
        "log-lines--match-current",
    }

    DEFAULT_CSS = """
    LogLines {
        background: $surface;
        color: $foreground;
        height: 1fr;
        scrollbar-gutter: stable;
        & > .log-lines--gutter { color: $text-muted; }
        & > .log-lines--control { color: $text-muted; text-style: dim; }
        & > .log-lines--match { background: $warning-muted; }
        & > .log-lines--match-current { background: $warning; color: $background; text-style: bold; }
    }
    """

    class FollowChanged(Message):
        """Following the end turned on or off (off: the user scrolled up)."""

        def __init__(self, lines: LogLines, following: bool) -> None:
            self.lines = lines
            self.following = following
            super().__init__()

        @property
        def control(self) -> LogLines:
            return self.lines

    def __init__(self, buffer: LogBuffer | None = None, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.buffer = buffer if buffer is not None else LogBuffer()
        self.following = True
        self.wrap = False
        self.show_numbers = False
        self._gen = 0  # bumped whenever every cached row is stale
        self._cache: LRUCache[tuple, Strip] = LRUCache(2048)  # screen rows
        self._line_strips: LRUCache[tuple, Strip] = LRUCache(64)  # whole lines (a long line wraps into many rows)
        self._breaks: LRUCache[tuple, list[int]] = LRUCache(64)  # wrapped row starts of non-ASCII lines
        self._max_cells = 0
        # wrap index: rows of each complete line, and their running total (prefix[i] - prefix_base = first row of line i)
        self._wrap_width = 0
        self._wrap_rows = array("l")
        self._wrap_prefix = array("q", [0])
        self._wrap_valid = False
        self._scrolling = False  # a scroll of ours: not the user scrolling away
        # search
        self._pattern: re.Pattern[str] | None = None
        self._matches: list[tuple[int, int, int]] = []  # (line id, start, end) in complete lines
        self._matches_capped = False
        self._current: tuple[int, int, int] | None = None
        self._pass_state: tuple | None = None

    # -- content -----------------------------------------------------------------------
    def show(self, buffer: LogBuffer, *, follow: bool) -> None:
        """Show another buffer (e.g. the head of the file instead of its tail)."""
        self.buffer = buffer
        self._reset_index()
        self._rescan()
        self.following = follow
        self._update_virtual_size()
        self.refresh()
        if follow:
            self._scroll_end()
        else:
            self._scroll_to_row(0, 0)

    def fed(self, result: FeedResult) -> None:
        """The buffer shown was fed; update the index, the size and the scroll position."""
        if result.reset:
            self._reset_index()
            self._rescan()
        elif result.changed or result.dropped:
            self._extend(result)
        if not (result.changed or result.dropped or result.reset):
            return
        self._update_virtual_size()
        if self.following:
            self._scroll_end()
        elif result.reset:
            self._scroll_to_row(0, 0)
        self.refresh()

    def _reset_index(self) -> None:
        self._gen += 1
        self._clear_caches()
        self._max_cells = max((_cells(line) for line in self.buffer.lines), default=0)
        self._wrap_valid = False

    def _extend(self, result: FeedResult) -> None:
        buffer = self.buffer
        lines = buffer.lines
        count = len(lines)
        kept = min(count, result.added)
        fresh = lines[count - kept:] if kept else []
        if fresh:
            self._max_cells = max(self._max_cells, max(map(_cells, fresh)))
        removed_rows = result.dropped
        if self.wrap and self._wrap_valid:
            rows, prefix = self._wrap_rows, self._wrap_prefix
            drop = min(result.dropped, len(rows))
            if drop:
                removed_rows = prefix[drop] - prefix[0]
                del rows[:drop]
                del prefix[:drop]
            if result.dropped > drop or len(rows) > count:
                self._wrap_valid = False  # (the new lines were trimmed too: rebuild)
            else:
                width = self._wrap_width
                last = prefix[-1]
                for line in lines[len(rows):]:
                    n = _rows_of(line, width)
                    rows.append(n)
                    last += n
                    prefix.append(last)
        else:
            self._wrap_valid = False
        if self._pattern is not None:
            self._scan_new(fresh, count - kept)
        if result.dropped and not self.following and removed_rows:
            self._scrolling = True
            try:
                self.scroll_to(y=max(0, self.scroll_y - removed_rows), animate=False, force=True, immediate=True)
            finally:
                self._scrolling = False

    # -- geometry ----------------------------------------------------------------------
    def _gutter_width(self) -> int:
        if not self.show_numbers:
            return 0
        buffer = self.buffer
        last = buffer.number(max(0, len(buffer) - 1))
        digits = len(str(last if last is not None else buffer.relative_number(len(buffer))))
        return max(4, digits + (0 if last is not None else 1)) + 1

    def _content_width(self) -> int:
        return max(1, self.scrollable_content_region.width - self._gutter_width())

    def _ensure_wrap_index(self) -> None:
        width = self._content_width()
        if self._wrap_valid and self._wrap_width == width:
            return
        self._wrap_width = width
        rows = array("l", (_rows_of(line, width) for line in self.buffer.lines))
        self._wrap_rows = rows
        self._wrap_prefix = array("q", accumulate(rows, initial=0))
        self._wrap_valid = True
        self._gen += 1

    def _row_count(self) -> int:
        buffer = self.buffer
        if not self.wrap:
            return len(buffer)
        self._ensure_wrap_index()
        rows = self._wrap_prefix[-1] - self._wrap_prefix[0]
        if buffer.partial:
            rows += _rows_of(buffer.partial, self._wrap_width)
        return rows

    def _update_virtual_size(self) -> None:
        gutter = self._gutter_width()
        if self.wrap:
            width = gutter + self._content_width()
        else:
            width = gutter + max(self._max_cells, _cells(self.buffer.partial))
        self.virtual_size = Size(width, self._row_count())

    def _locate(self, row: int) -> tuple[int, int] | None:
        """(line index, wrapped row within it) of a virtual row."""
        buffer = self.buffer
        if row < 0:
            return None
        if not self.wrap:
            return (row, 0) if row < len(buffer) else None
        self._ensure_wrap_index()
        prefix = self._wrap_prefix
        absolute = row + prefix[0]
        if absolute < prefix[-1]:
            index = bisect_right(prefix, absolute) - 1
            return index, absolute - prefix[index]
        if buffer.partial:
            sub = absolute - prefix[-1]
            if sub < _rows_of(buffer.partial, self._wrap_width):
                return len(buffer.lines), sub
        return None

    def _first_row_of(self, index: int) -> int:
        if not self.wrap:
            return index
        self._ensure_wrap_index()
        prefix = self._wrap_prefix
        index = min(index, len(prefix) - 1)
        return prefix[index] - prefix[0]

    def top_line(self) -> int:
        """The index of the line at the top of the view."""
        located = self._locate(round(self.scroll_y))
        return located[0] if located else max(0, len(self.buffer) - 1)

    # -- scrolling and following -------------------------------------------------------------
    def _scroll_end(self) -> None:
        self._scrolling = True
        try:
            self.scroll_to(y=self.max_scroll_y, animate=False, force=True, immediate=True)
        finally:
            self._scrolling = False

    def _scroll_to_row(self, y: int, x: int | None = None) -> None:
        self._scrolling = True
        try:
            self.scroll_to(x=x, y=y, animate=False, force=True, immediate=True)
        finally:
            self._scrolling = False

    def follow(self) -> None:
        """Follow the end again (and go there)."""
        changed = not self.following
        self.following = True
        self._scroll_end()
        if changed:
            self.post_message(self.FollowChanged(self, True))

    def stop_following(self) -> None:
        if self.following:
            self.following = False
            self.post_message(self.FollowChanged(self, False))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if (self.following and not self._scrolling and round(new_value) < round(old_value)
                and round(new_value) < self.max_scroll_y):
            self.stop_following()

    def on_resize(self, event: events.Resize) -> None:
        self._clear_caches()
        self._update_virtual_size()
        if self.following:
            self.call_after_refresh(self._scroll_end)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._clear_caches()

    def _step(self, x: int = 0, y: int = 0) -> None:
        self.scroll_to(x=self.scroll_x + x if x else None, y=self.scroll_y + y if y else None, animate=False,
                       force=True, immediate=True)

    def action_line_up(self) -> None:
        self._step(y=-1)

    def action_line_down(self) -> None:
        self._step(y=1)

    def action_column_left(self) -> None:
        self._step(x=-4)

    def action_column_right(self) -> None:
        self._step(x=4)

    def action_page_up(self) -> None:
        self._step(y=-max(1, self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        self._step(y=max(1, self.scrollable_content_region.height - 1))

    def action_window_top(self) -> None:
        self.scroll_to(y=0, animate=False, force=True, immediate=True)

    def _clear_caches(self) -> None:
        self._cache.clear()
        self._line_strips.clear()
        self._breaks.clear()

    # -- options -----------------------------------------------------------------------
    def _keep_top(self, change) -> None:
        """Apply a layout change, keeping the line at the top where it is (or the end, when following)."""
        top = self.top_line()
        change()
        self._gen += 1
        self._clear_caches()
        self._update_virtual_size()
        self.refresh()
        if self.following:
            self._scroll_end()
        else:
            self._scroll_to_row(self._first_row_of(top))

    def set_wrap(self, wrap: bool) -> None:
        def change() -> None:
            self.wrap = wrap
            self._wrap_valid = False
            if wrap:
                self._scroll_to_row(round(self.scroll_y), 0)

        self._keep_top(change)

    def set_numbers(self, show: bool) -> None:
        def change() -> None:
            self.show_numbers = show
            self._wrap_valid = False

        self._keep_top(change)

    # -- search ------------------------------------------------------------------------
    @property
    def match_count(self) -> int:
        return len(self._matches) + len(self._partial_matches())

    @property
    def matches_capped(self) -> bool:
        return self._matches_capped

    @property
    def current_match(self) -> int | None:
        """The 0-based position of the current match among all matches, or None."""
        if self._current is None:
            return None
        every = self._all_matches()
        index = bisect_left(every, self._current)
        return index if index < len(every) and every[index] == self._current else None

    def set_search(self, pattern: re.Pattern[str] | None) -> None:
        self._pattern = pattern
        self._current = None
        self._rescan()
        self._gen += 1
        self.refresh()

    def _rescan(self) -> None:
        self._matches = []
        self._matches_capped = False
        if self._pattern is not None:
            self._scan_new(self.buffer.lines, 0)
        self._current = None

    def _scan_new(self, lines: list[str], first_index: int) -> None:
        pattern = self._pattern
        if pattern is None:
            return
        base = self.buffer.base_id
        matches = self._matches
        if matches and matches[0][0] < base:  # lines were dropped: so were their matches
            del matches[:bisect_left(matches, (base, -1, -1))]
        search = pattern.search
        finditer = pattern.finditer
        for offset, line in enumerate(lines):
            if len(matches) >= MAX_MATCHES:
                self._matches_capped = True
                return
            if search(line) is None:
                continue
            line_id = base + first_index + offset
            found = [(line_id, m.start(), m.end()) for m in islice(finditer(line), MATCHES_PER_LINE)]
            matches.extend(f for f in found if f[2] > f[1])
            if len(found) == MATCHES_PER_LINE:
                self._matches_capped = True

    def _partial_matches(self) -> list[tuple[int, int, int]]:
        buffer = self.buffer
        if self._pattern is None or not buffer.partial:
            return []
        line_id = buffer.base_id + len(buffer.lines)
        found = islice(self._pattern.finditer(buffer.partial), MATCHES_PER_LINE)
        return [(line_id, m.start(), m.end()) for m in found if m.end() > m.start()]

    def _all_matches(self) -> list[tuple[int, int, int]]:
        base = self.buffer.base_id
        matches = self._matches
        if matches and matches[0][0] < base:
            del matches[:bisect_left(matches, (base, -1, -1))]
        partial = self._partial_matches()
        return matches + partial if partial else matches

    def next_match(self, forward: bool = True, from_top: bool = False) -> tuple[bool, bool]:
        """Go to the next (or previous) match: (found, wrapped around)."""
        every = self._all_matches()
        if not every:
            return False, False
        base = self.buffer.base_id
        current = self._current
        if current is None or current[0] < base or from_top:
            anchor = (base + self.top_line(), -1, -1)
            index = bisect_left(every, anchor)
            if not forward:
                index -= 1
        elif forward:
            index = bisect_right(every, current)
        else:
            index = bisect_left(every, current) - 1
        wrapped = not 0 <= index < len(every)
        index %= len(every)
        self._current = every[index]
        self._gen += 1
        self.stop_following()
        self._reveal(self._current)
        self.refresh()
        return True, wrapped

    def _reveal(self, match: tuple[int, int, int]) -> None:
        line_id, start, end = match
        index = line_id - self.buffer.base_id
        line = self.buffer.line(index)
        height = max(1, self.scrollable_content_region.height)
        width = self._content_width()
        start_cell = _cells(line[:start])
        if self.wrap:
            if line.isascii():
                sub = start_cell // width
            else:
                sub = max(0, bisect_right(_row_breaks(line, width), start) - 1)
            row = self._first_row_of(index) + sub
            x = 0
        else:
            row = index
            end_cell = _cells(line[:end])
            x = round(self.scroll_x)
            if start_cell < x or end_cell > x + width:
                x = max(0, start_cell - width // 3)
        top = round(self.scroll_y)
        if not top <= row < top + height:
            top = max(0, row - height // 3)
        self._scroll_to_row(top, x)

    # -- rendering ---------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass_state = self._line_state()
        try:
            return super().render_lines(crop)
        finally:
            self._pass_state = None

    def _line_state(self) -> tuple:
        base = self.rich_style
        styles = tuple(self.get_component_rich_style(name) for name in (
            "log-lines--gutter", "log-lines--control", "log-lines--match", "log-lines--match-current"))
        return (self.scrollable_content_region.width, self.size.width, base, styles, self.scroll_offset,
                self._gutter_width())

    def render_line(self, y: int) -> Strip:
        width, full_width, base, styles, (scroll_x, scroll_y), gutter = self._pass_state or self._line_state()
        located = self._locate(scroll_y + y)
        if located is None:
            return Strip.blank(full_width, base)
        index, sub = located
        buffer = self.buffer
        line_id = buffer.base_id + index
        content_width = max(1, width - gutter)
        partial = index >= len(buffer.lines)
        key = (line_id, sub, scroll_x if not self.wrap else -1, content_width, full_width, gutter, self._gen,
               base)
        if not partial:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
        line = buffer.line(index)
        if self.wrap or line.isascii():
            # Only the characters of this row become segments: a 256 KiB line costs what its row costs.
            if not self.wrap:
                begin, end = scroll_x, scroll_x + content_width
            elif line.isascii():
                begin = sub * content_width
                end = begin + content_width
            else:
                breaks = _row_breaks(line, content_width) if partial else self._row_breaks(line_id, line,
                                                                                           content_width)
                begin = breaks[sub] if sub < len(breaks) else len(line)
                end = breaks[sub + 1] if sub + 1 < len(breaks) else len(line)
            end = min(end, len(line))
            piece = line[begin:end] if begin < end else ""
            strip = Strip(self._line_segments(line, line_id, base, styles, begin, end), _cells(piece))
            strip = strip.extend_cell_length(content_width, base)
        else:
            line_key = (line_id, self._gen, base)
            strip = None if partial else self._line_strips.get(line_key)
            if strip is None:
                strip = Strip(self._line_segments(line, line_id, base, styles, 0, len(line)), _cells(line))
                if not partial:
                    self._line_strips[line_key] = strip
            strip = strip.crop_extend(scroll_x, scroll_x + content_width, base)
        if gutter:
            strip = Strip.join([self._gutter(index, sub, gutter, base + styles[0]), strip])
        strip = strip.extend_cell_length(full_width, base)
        if not partial:
            self._cache[key] = strip
        return strip

    def _row_breaks(self, line_id: int, line: str, width: int) -> list[int]:
        key = (line_id, width)
        breaks = self._breaks.get(key)
        if breaks is None:
            breaks = self._breaks[key] = _row_breaks(line, width)
        return breaks

    def _gutter(self, index: int, sub: int, width: int, style: Style) -> Strip:
        if sub:
            label = ""
        else:
            number = self.buffer.number(index)
            label = str(number) if number is not None else f"+{self.buffer.relative_number(index)}"
        text = label.rjust(width - 1)[-(width - 1):] + " "
        return Strip([Segment(text, style)], width)

    def _line_segments(self, line: str, line_id: int, base: Style, styles: tuple, begin: int,
                       end: int) -> list[Segment]:
        """Segments for line[begin:end], with stand-ins dim and search matches highlighted."""
        if begin >= end:
            return []
        controls = getattr(line, "spans", ())
        if controls:
            first = max(0, bisect_right(controls, (begin, begin)) - 1)
            controls = [c for c in controls[first:bisect_left(controls, (end, end))] if c[1] > begin]
        matches = [m for m in self._line_matches(line_id, line) if m[2] > begin and m[1] < end]
        if not controls and not matches:
            return [Segment(line[begin:end], base)]
        # a sweep over span boundaries: kind 0 control, 1 match, 2 current match
        events: list[tuple[int, int, int]] = []
        for start, stop in controls:
            events.append((max(start, begin), 0, 1))
            events.append((min(stop, end), 0, -1))
        current = self._current
        for match in matches:
            kind = 2 if match == current else 1
            events.append((max(match[1], begin), kind, 1))
            events.append((min(match[2], end), kind, -1))
        events.sort()
        active = [0, 0, 0]
        segments: list[Segment] = []
        position = begin
        for point, kind, delta in events:
            if point > position:
                segments.append(Segment(line[position:point], self._style(active, base, styles)))
                position = point
            active[kind] += delta
        if position < end:
            segments.append(Segment(line[position:end], self._style(active, base, styles)))
        return segments

    @staticmethod
    def _style(active: list[int], base: Style, styles: tuple) -> Style:
        style = base
        if active[0] > 0:
            style += styles[1]
        if active[2] > 0:
            style += styles[3]
        elif active[1] > 0:
            style += styles[2]
        return style

    def _line_matches(self, line_id: int, line: str) -> list[tuple[int, int, int]]:
        if self._pattern is None:
            return []
        buffer = self.buffer
        if line_id - buffer.base_id >= len(buffer.lines):
            return self._partial_matches()
        matches = self._matches
        index = bisect_left(matches, (line_id, -1, -1))
        found = []
        while index < len(matches) and matches[index][0] == line_id:
            found.append(matches[index])
            index += 1
        return found

    # -- for tests ---------------------------------------------------------------------
    def visible_strips(self) -> list[Strip]:
        """The strips of the rows on screen now."""
        return [self.render_line(y) for y in range(self.scrollable_content_region.height)]
