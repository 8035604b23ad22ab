"""`LogLines`: the widget that shows the lines of a log file; it follows the file's end until the user
scrolls up.

Underneath:

- `LogBuffer` (batchtui.ui.model.log_buffer) holds a bounded window of the file's lines with their byte
  offsets, control characters already made inert (see that module for what reaches the terminal);
- `LogSearch` (batchtui.ui.model.log_search) holds the matches of a search in it;
- `LogRows` (log_rows) is the Line API view: it keeps no rendered form of lines that are off screen
  (`render_line` builds the strip of one screen row from the line's text, with an LRU cache of recent
  rows); in wrap mode a `WrapIndex` (batchtui.ui.model.log_layout: rows per line, an array of ints) maps
  screen rows to lines, extended as lines arrive and trimmed with them.

`LogLines` adds the keys, scrolling and following, wrap and line-number options, and moving between
matches. The names the log view imports from here (`LogBuffer`, `clean_line`, `compile_search`, ...) are
the models', re-exported.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message

from ..model.log_buffer import MAX_CHARS, MAX_LINES, FeedResult, LogBuffer, MarkedLine, cells, clean_line
from ..model.log_layout import row_breaks
from ..model.log_search import Match, compile_search
from .log_rows import LogRows

__all__ = ["FeedResult", "LogBuffer", "LogLines", "MarkedLine", "clean_line", "compile_search", "MAX_CHARS",
           "MAX_LINES"]


class LogLines(LogRows, can_focus=True, inherit_bindings=False):
    """Shows a `LogBuffer`; follows its end until the user scrolls up.

    Its bindings are its own only (not ScrollableContainer's): `end` and `ctrl+end` are left to the screen,
    which follows the file with them.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "line_up", "Up", show=False),
        Binding("down,j", "line_down", "Down", show=False),
        Binding("left,h", "column_left", "Left", show=False),
        Binding("right,l", "column_right", "Right", show=False),
        Binding("shift+left", "page_left", "Page left", show=False),
        Binding("shift+right", "page_right", "Page right", show=False),
        Binding("0", "line_start", "Start of the lines", show=False),
        Binding("dollar_sign", "line_end", "End of the longest line on screen", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("pagedown,ctrl+f,space", "page_down", "Page down", show=False),
        Binding("home", "window_top", "Top of what is loaded", show=False),
    ]

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

    class ColumnChanged(Message):
        """The view scrolled sideways."""

        def __init__(self, lines: LogLines) -> None:
            self.lines = lines
            super().__init__()

        @property
        def control(self) -> LogLines:
            return self.lines

    def __init__(self, buffer: LogBuffer | None = None, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(buffer, name=name, id=id, classes=classes)
        self.following = True
        self._scrolling = False  # a scroll of ours: not the user scrolling away

    # -- content -----------------------------------------------------------------------
    def show(self, buffer: LogBuffer, *, follow: bool) -> None:
        """Show another buffer (e.g. the head of the file instead of its tail)."""
        self.buffer = buffer
        self._reset_index()
        self._search.rescan(buffer)
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
            self._search.rescan(self.buffer)
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

    def _extend(self, result: FeedResult) -> None:
        buffer = self.buffer
        lines = buffer.lines
        count = len(lines)
        kept = min(count, result.added)
        fresh = lines[count - kept:] if kept else []
        if fresh:
            self._max_cells = max(self._max_cells, max(map(cells, fresh)))
        if self.wrap:
            removed_rows = self._wrap.follow(lines, result.dropped)
        else:
            removed_rows = result.dropped
            self._wrap.valid = False
        self._search.scan(buffer, fresh, count - kept)
        if result.dropped and not self.following and removed_rows:
            self._scrolling = True
            try:
                self.scroll_to(y=max(0, self.scroll_y - removed_rows), animate=False, force=True, immediate=True)
            finally:
                self._scrolling = False

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

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_x(old_value, new_value)
        if round(old_value) != round(new_value):
            self.post_message(self.ColumnChanged(self))

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

    def action_page_left(self) -> None:
        self._step(x=-max(1, self._content_width() - 4))

    def action_page_right(self) -> None:
        self._step(x=max(1, self._content_width() - 4))

    def action_line_start(self) -> None:
        self.scroll_to(x=0, animate=False, force=True, immediate=True)

    def action_line_end(self) -> None:
        """Scroll sideways to the end of the longest line on screen."""
        if self.wrap:
            return
        top = self.top_line()
        height = max(1, self.scrollable_content_region.height)
        buffer = self.buffer
        widest = max((cells(buffer.line(i)) for i in range(top, min(len(buffer), top + height))), default=0)
        self.scroll_to(x=max(0, widest - self._content_width()), animate=False, force=True, immediate=True)

    def column_range(self) -> tuple[int, int, int] | None:
        """(first cell shown, the cell past the last one shown, the widest line's cells) when lines are
        wider than the view and not wrapped; else None."""
        if self.wrap:
            return None
        widest = max(self._max_cells, cells(self.buffer.partial))
        width = self._content_width()
        if widest <= width:
            return None
        first = round(self.scroll_x)
        return first, min(widest, first + width), widest

    def action_page_up(self) -> None:
        self._step(y=-max(1, self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        self._step(y=max(1, self.scrollable_content_region.height - 1))

    def action_window_top(self) -> None:
        self.scroll_to(y=0, animate=False, force=True, immediate=True)

    # -- options -----------------------------------------------------------------------
    def _keep_top(self, change: Callable[[], None]) -> None:
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
            self._wrap.valid = False
            if wrap:
                self._scroll_to_row(round(self.scroll_y), 0)

        self._keep_top(change)

    def reshaped(self) -> None:
        """Every line of the buffer shown may have changed (colour turned on or off): measure and search
        them again, keeping the line at the top where it is."""
        def change() -> None:
            self._reset_index()
            self._search.rescan(self.buffer)

        self._keep_top(change)

    def set_numbers(self, show: bool) -> None:
        def change() -> None:
            self.show_numbers = show
            self._wrap.valid = False

        self._keep_top(change)

    # -- search ------------------------------------------------------------------------
    @property
    def match_count(self) -> int:
        return self._search.count(self.buffer)

    @property
    def matches_capped(self) -> bool:
        return self._search.capped

    @property
    def current_match(self) -> int | None:
        """The 0-based position of the current match among all matches, or None."""
        return self._search.current_index(self.buffer)

    def set_search(self, pattern: re.Pattern[str] | None) -> None:
        self._search.set_pattern(pattern, self.buffer)
        self._gen += 1
        self.refresh()

    def next_match(self, forward: bool = True, from_top: bool = False) -> tuple[bool, bool]:
        """Go to the next (or previous) match: (found, wrapped around)."""
        found, wrapped = self._search.step(self.buffer, forward, from_top, self.top_line)
        if not found:
            return False, False
        self._gen += 1
        self.stop_following()
        assert self._search.current is not None
        self._reveal(self._search.current)
        self.refresh()
        return True, wrapped

    def _reveal(self, match: Match) -> None:
        line_id, start, end = match
        index = line_id - self.buffer.base_id
        line = self.buffer.line(index)
        height = max(1, self.scrollable_content_region.height)
        width = self._content_width()
        if self.wrap:
            if line.isascii():
                sub = start // width
            else:
                partial = index >= len(self.buffer.lines)  # (still growing: its breaks are not cached)
                breaks = row_breaks(line, width) if partial else self._row_breaks(line_id, line, width)
                sub = max(0, bisect_right(breaks, start) - 1)
            row = self._first_row_of(index) + sub
            x = 0
        else:
            row = index
            start_cell = cells(line[:start])
            end_cell = start_cell + cells(line[start:end])
            x = round(self.scroll_x)
            if start_cell < x or end_cell > x + width:
                x = max(0, start_cell - width // 3)
        top = round(self.scroll_y)
        if not top <= row < top + height:
            top = max(0, row - height // 3)
        self._scroll_to_row(top, x)
