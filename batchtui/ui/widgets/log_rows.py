"""`LogRows`: the Line API view under `LogLines`: the rows of a `LogBuffer`, drawn only when on screen.

It knows the geometry (one row a line, or lines wrapped at the view's width through a `WrapIndex`; a
line-number gutter) and draws a row from its line's text: colour runs in their colours (a `Rendition`
becomes a Rich style here, `pen_style`), control-character stand-ins dim, search matches (`LogSearch`)
highlighted, with an LRU cache of recent rows. Scrolling, following and the keys are
`LogLines`'s.
"""

from __future__ import annotations

from array import array
from typing import Any, ClassVar

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Offset, Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..model.log_buffer import LogBuffer, cells
from ..model.log_layout import (
    CONTROL,
    CURRENT,
    MATCH,
    WrapIndex,
    cell_checkpoints,
    char_at_cell,
    line_runs,
    row_breaks,
    rows_of,
)
from ..model.log_search import LogSearch
from ..model.log_sgr import BOLD, DIM, ITALIC, REVERSE, STRIKE, UNDERLINE, Colour, Rendition

__all__ = ["LogRows", "pen_style"]

LONG_LINE = 1024  # characters: a longer line with wide characters is drawn a row's cells at a time

# (content width, full width, base style, component styles, scroll offset, gutter width) for one render pass
_PassState = tuple[int, int, Style, tuple[Style, ...], Offset, int]


def _color(colour: Colour) -> Color | None:
    if colour is None:
        return None
    if isinstance(colour, tuple):
        return Color.from_rgb(*colour)
    return Color.from_ansi(colour)


def pen_style(pen: Rendition) -> Style:
    """The Rich style of a colour pen (see log_sgr)."""
    attrs = pen.attrs

    def flag(bit: int) -> bool | None:
        return True if attrs & bit else None

    return Style(color=_color(pen.fg), bgcolor=_color(pen.bg), bold=flag(BOLD), dim=flag(DIM),
                 italic=flag(ITALIC), underline=flag(UNDERLINE), reverse=flag(REVERSE), strike=flag(STRIKE))


class LogRows(ScrollView):
    """The rows of `buffer` (a `LogBuffer`): wrapped or not (`wrap`), numbered or not (`show_numbers`)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-lines--gutter",
        "log-lines--control",
        "log-lines--match",
        "log-lines--match-current",
    }

    def __init__(self, buffer: LogBuffer | None = None, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.buffer = buffer if buffer is not None else LogBuffer()
        self.wrap = False
        self.show_numbers = False
        self._gen = 0  # bumped whenever every cached row is stale
        self._cache: LRUCache[tuple[Any, ...], Strip] = LRUCache(2048)  # screen rows
        # whole lines (a long line wraps into many rows), and wrapped row starts of non-ASCII lines
        self._line_strips: LRUCache[tuple[Any, ...], Strip] = LRUCache(64)
        self._breaks: LRUCache[tuple[int, int], list[int]] = LRUCache(64)
        self._points: LRUCache[tuple[int, int], array[int]] = LRUCache(16)  # cells of long non-ASCII lines
        self._max_cells = 0
        self._wrap = WrapIndex()  # rows of the complete lines, when wrapping
        self._search = LogSearch()
        self._pass_state: _PassState | None = None
        self._pens: LRUCache[Rendition, Style] = LRUCache(1024)

    def _reset_index(self) -> None:
        self._gen += 1
        self._clear_caches()
        self._max_cells = max((cells(line) for line in self.buffer.lines), default=0)
        self._wrap.valid = False

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
        if self._wrap.ensure(self.buffer.lines, self._content_width()):
            self._gen += 1

    def _row_count(self) -> int:
        buffer = self.buffer
        if not self.wrap:
            return len(buffer)
        self._ensure_wrap_index()
        rows = self._wrap.total()
        if buffer.partial:
            rows += rows_of(buffer.partial, self._wrap.width)
        return rows

    def _update_virtual_size(self) -> None:
        gutter = self._gutter_width()
        if self.wrap:
            width = gutter + self._content_width()
        else:
            width = gutter + max(self._max_cells, cells(self.buffer.partial))
        self.virtual_size = Size(width, self._row_count())

    def _locate(self, row: int) -> tuple[int, int] | None:
        """(line index, wrapped row within it) of a virtual row."""
        if row < 0:
            return None
        if not self.wrap:
            return (row, 0) if row < len(self.buffer) else None
        self._ensure_wrap_index()
        return self._wrap.locate(row, self.buffer.partial)

    def _first_row_of(self, index: int) -> int:
        if not self.wrap:
            return index
        self._ensure_wrap_index()
        return self._wrap.first_row_of(index)

    def top_line(self) -> int:
        """The index of the line at the top of the view."""
        located = self._locate(round(self.scroll_y))
        return located[0] if located else max(0, len(self.buffer) - 1)

    def _clear_caches(self) -> None:
        self._cache.clear()
        self._line_strips.clear()
        self._breaks.clear()
        self._points.clear()

    # -- rendering ---------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass_state = self._line_state()
        try:
            return super().render_lines(crop)
        finally:
            self._pass_state = None

    def _line_state(self) -> _PassState:
        base = self.rich_style
        gutter, control, match, current = (self.get_component_rich_style(name) for name in (
            "log-lines--gutter", "log-lines--control", "log-lines--match", "log-lines--match-current"))
        # (a match only changes the background: the text keeps its colour; the current match stands out whole)
        styles = (gutter, control, Style(bgcolor=match.bgcolor), current)
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
                breaks = row_breaks(line, content_width) if partial else self._row_breaks(line_id, line,
                                                                                          content_width)
                begin = breaks[sub] if sub < len(breaks) else len(line)
                end = breaks[sub + 1] if sub + 1 < len(breaks) else len(line)
            end = min(end, len(line))
            piece = line[begin:end] if begin < end else ""
            strip = Strip(self._line_segments(line, line_id, base, styles, begin, end), cells(piece))
            strip = strip.extend_cell_length(content_width, base)
        elif len(line) > LONG_LINE:
            # A long line with wide characters: draw the characters of this row's cells only.
            points = self._checkpoints(line_id, line)
            begin, begin_cell = char_at_cell(line, points, scroll_x)
            end = min(len(line), char_at_cell(line, points, scroll_x + content_width)[0] + 1)
            piece = line[begin:end]
            strip = Strip(self._line_segments(line, line_id, base, styles, begin, end), cells(piece))
            left = scroll_x - begin_cell  # (a wide character cut by the left edge: Strip.crop pads it)
            strip = strip.crop_extend(left, left + content_width, base)
        else:
            line_key = (line_id, self._gen, base)
            whole = None if partial else self._line_strips.get(line_key)
            if whole is None:
                whole = Strip(self._line_segments(line, line_id, base, styles, 0, len(line)), cells(line))
                if not partial:
                    self._line_strips[line_key] = whole
            strip = whole.crop_extend(scroll_x, scroll_x + content_width, base)
        if gutter:
            strip = Strip.join([self._gutter(index, sub, gutter, base + styles[0]), strip])
        strip = strip.extend_cell_length(full_width, base)
        if not partial:
            self._cache[key] = strip
        return strip

    def _checkpoints(self, line_id: int, line: str) -> array[int]:
        key = (line_id, len(line))
        points = self._points.get(key)
        if points is None:
            points = self._points[key] = cell_checkpoints(line)
        return points

    def _row_breaks(self, line_id: int, line: str, width: int) -> list[int]:
        key = (line_id, width)
        breaks = self._breaks.get(key)
        if breaks is None:
            breaks = self._breaks[key] = row_breaks(line, width)
        return breaks

    def _gutter(self, index: int, sub: int, width: int, style: Style) -> Strip:
        if sub:
            label = ""
        else:
            number = self.buffer.number(index)
            label = str(number) if number is not None else f"+{self.buffer.relative_number(index)}"
        text = label.rjust(width - 1)[-(width - 1):] + " "
        return Strip([Segment(text, style)], width)

    def _line_segments(self, line: str, line_id: int, base: Style, styles: tuple[Style, ...], begin: int,
                       end: int) -> list[Segment]:
        """Segments for line[begin:end], in their colours, with stand-ins dim and search matches highlighted."""
        search = self._search
        matches = search.line_matches(self.buffer, line_id) if search.pattern is not None else ()
        return [Segment(line[start:stop], self._style(flags, pen, base, styles))
                for start, stop, flags, pen in line_runs(line, begin, end, matches, search.current)]

    def _style(self, flags: int, pen: Rendition | None, base: Style, styles: tuple[Style, ...]) -> Style:
        style = base
        if pen is not None:
            pen_rich = self._pens.get(pen)
            if pen_rich is None:
                pen_rich = self._pens[pen] = pen_style(pen)
            style += pen_rich
        if flags & CONTROL:
            style += styles[1]
        if flags & CURRENT:
            style += styles[3]
        elif flags & MATCH:
            style += styles[2]
        return style

    # -- for tests ---------------------------------------------------------------------
    def visible_strips(self) -> list[Strip]:
        """The strips of the rows on screen now."""
        return [self.render_line(y) for y in range(self.scrollable_content_region.height)]
