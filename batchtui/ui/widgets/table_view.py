"""`TableView`: the Line API view under `ResourceTable`: a header line over the rows of a `TableModel`.

It draws only the lines on screen (with `TableLines`) and knows the geometry: which rows the window shows,
where the cursor is in it, how far to scroll to show the cursor. Scrolled sideways, the first column (the
id) stays put and the others move behind it. What the keys, the mouse and the app do
with the table is `ResourceTable`'s.

Line 0 of the widget is the header; it stays put while the rows scroll under
it. In virtual (scroll) coordinates row ``i`` lives on line ``i + 1`` and the
header on line 0, exactly as Textual's own DataTable does it, so the stock
`ScrollView.refresh_line` / `refresh_lines` address the right screen line.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Offset, Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from ..model.table import TableModel
from ..model.table_row import TableRow
from .table_render import TableLines

GROWTH_EVERY = 0.25  # seconds: how often a growing table's virtual size (its scrollbar) is set, at most

__all__ = ["TableView"]


class TableView(ScrollView):
    """A header over the rows of a `TableModel`, rendering only what is visible."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "resource-table--header",
        "resource-table--cursor",
        "resource-table--marked",
        "resource-table--marker",
        "resource-table--empty",
    }

    DEFAULT_CSS = """
    TableView {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .resource-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .resource-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .resource-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .resource-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .resource-table--marked {
            background: $accent 15%;
        }
        & > .resource-table--marker {
            color: $text-accent;
            text-style: bold;
        }
        & > .resource-table--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    empty_text: reactive[str] = reactive("No rows")
    """Shown centred when there are no rows at all."""
    no_match_text: reactive[str] = reactive("No rows match the filter")
    """Shown centred when there are rows but the filter hides all of them."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None,
                 disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._model = TableModel()
        self._lines = TableLines()
        self._pass_state: tuple[int, int, Style, Offset] | None = None
        self._sized_at = 0.0  # when the virtual size was last set (time.monotonic())
        self._size_timer: Timer | None = None  # a growth of the virtual size waiting to be set

    @property
    def _rows(self) -> dict[str, TableRow]:
        """Every row by key, in insertion order (the model's dict, not a copy)."""
        return self._model.rows

    # -------------------------------------------------------------- geometry

    def _cursor_anchor(self) -> int | None:
        """The cursor's line within the visible rows, or None if it is off screen."""
        return self._model.anchor(self.scroll_offset.y, self._body_height())

    def _body_height(self) -> int:
        return max(0, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        target = self._model.scroll_to_cursor(self.scroll_offset.y, self._body_height())
        if target is None:  # (the cursor is on screen: a growth that waits may go on waiting)
            return
        self._settle_size()  # (a scroll is clamped to the virtual size: it must be the table's own)
        self.scroll_to(y=target, animate=False, force=True)

    def _sync_layout(self) -> bool:
        """Lay the columns out again if the widths of their content changed; True if it did."""
        content = self._model.content.widths
        if content == self._lines.layout.content:
            return False
        self._lines.set_columns(self._model.columns, content)
        self.refresh()
        return True

    def _update_virtual_size(self) -> None:
        self._sync_layout()
        _, total = self._lines.layout.widths(self.scrollable_content_region.width)
        size = Size(total, len(self._model.view) + 1)
        old = self.virtual_size
        if size == old:
            return
        now = time.monotonic()
        if size.width == old.width and size.height > old.height > self.size.height and \
                now - self._sized_at < GROWTH_EVERY:
            # Rows added below a table that already scrolls (a big job's fill, a page every few tens of
            # milliseconds): the scrollbar catches up a few times a second, not with a layout per page.
            if self._size_timer is None:
                self._size_timer = self.set_timer(GROWTH_EVERY, self._settle_size)
            return
        self._sized_at = now
        self.virtual_size = size

    def _settle_size(self) -> None:
        """Set a growth of the virtual size that waits, now."""
        if self._size_timer is not None:
            self._size_timer.stop()
            self._size_timer = None
            self._sized_at = 0.0
            self._update_virtual_size()

    def scroll_columns(self, step: int) -> None:
        """Scroll sideways to the previous/next column boundary (the first column stays put)."""
        width = self.scrollable_content_region.width
        layout = self._lines.layout
        pinned = layout.pinned_width(width)
        stops = sorted({0, *(start - pinned for start in layout.starts(width)[1:])} - {-1})
        x, last = self.scroll_offset.x, self.max_scroll_x
        if step > 0:
            target = next((stop for stop in stops if stop > x), last)
        else:
            target = max((stop for stop in stops if stop < x), default=0)
        self.scroll_to(x=max(0, min(last, target)), animate=False, force=True)

    def column_at(self, x: int) -> str | None:
        """The key of the column shown at cell `x` of the widget (None: the gutter, or past the last column)."""
        width = self.scrollable_content_region.width
        moving = self.scroll_offset.x if x >= self._lines.layout.pinned_width(width) else 0  # the first stays
        return self._lines.layout.column_at(x + moving, width)

    # -------------------------------------------------------------- rendering

    @property
    def _line_cache(self) -> LRUCache[tuple[Any, ...], tuple[TableRow, Strip]]:
        """The cache of row strips (bench/table_bench.py empties it to time rendering from scratch)."""
        return self._lines.rows

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()

    def _on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_to_cursor()

    def watch_show_vertical_scrollbar(self, show: bool) -> None:
        """The vertical scrollbar came or went: the columns are laid out in a new width (the line is as
        wide as the view when they fit, and must not scroll sideways by the scrollbar's width)."""
        self._update_virtual_size()

    def _refresh_keys(self, keys: set[str]) -> None:
        """Redraw the on-screen lines showing any of `keys`."""
        for index in self._model.indexes_in_window(keys, self.scroll_offset.y, self._body_height()):
            self.refresh_line(index + 1)

    def render_lines(self, crop: Region) -> list[Strip]:
        # DOMNode.rich_style walks the ancestors (~0.1 ms here): work it out
        # once per pass rather than once per line, as DataTable does.
        self._pass_state = self._line_state()
        try:
            return super().render_lines(crop)
        finally:
            self._pass_state = None

    def _line_state(self) -> tuple[int, int, Style, Offset]:
        # self.size includes the scrollbar gutter; columns are laid out in the
        # part that is actually visible, then strips are padded to the full width.
        return self.scrollable_content_region.width, self.size.width, self.rich_style, self.scroll_offset

    def render_line(self, y: int) -> Strip:
        width, full_width, base, (scroll_x, scroll_y) = self._pass_state or self._line_state()
        if y == 0:
            strip = self._render_header(width, full_width, base)
        else:
            view = self._model.view
            index = scroll_y + y - 1
            if index >= len(view):
                if not view:
                    return self._render_empty(y, width, base).extend_cell_length(full_width, base)
                return Strip.blank(full_width, base)
            strip = self._render_row(view[index], index == self._model.cursor, width, full_width, base)
        if scroll_x == 0 and strip.cell_length == full_width:
            return strip  # the common case: no horizontal scrolling, no extra Strip
        cut_right = strip.cell_length > scroll_x + width  # (the line goes on past the view's right edge)
        pinned = self._lines.layout.pinned_width(width) if scroll_x else 0
        if 0 < pinned < full_width:
            # The first column stays put; the others scroll sideways behind it.
            moving = strip.crop_extend(pinned + scroll_x, scroll_x + full_width, base)
            shown = Strip.join([strip.crop(0, pinned), moving])
        else:
            shown = strip.crop_extend(scroll_x, scroll_x + full_width, base)
        # Nothing is cut without saying so: a … where the line goes on past an edge.
        if scroll_x and pinned < width and pinned + scroll_x not in self._lines.layout.starts(width):
            shown = _ellipsis_at(shown, pinned)  # (a column shown from its middle)
        if cut_right and width > 1:
            shown = _ellipsis_at(shown, width - 1)
        return shown

    def _render_empty(self, y: int, width: int, base: Style) -> Strip:
        body = self._body_height() or 1
        if y != 1 + (body - 1) // 2:
            return Strip.blank(width, base)
        message = self.no_match_text if self._model.rows else self.empty_text
        return self._lines.empty(message, width, base + self.get_component_rich_style("resource-table--empty"))

    def _render_header(self, width: int, full_width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("resource-table--header")
        return self._lines.header(width, full_width, style, self._model.sort_column, self._model.sort_reverse)

    def _render_row(self, key: str, is_cursor: bool, width: int, full_width: int, base: Style) -> Strip:
        """The whole line for a row: max(total column width, full_width) cells."""
        is_marked = key in self._model.marks
        style = base
        post = None
        if is_marked:
            style = style + self.get_component_rich_style("resource-table--marked")
        if is_cursor:
            cursor = self.get_component_rich_style("resource-table--cursor")
            style = style + cursor
            # Like DataTable's default cursor_foreground_priority="css": under
            # the cursor its colour beats a cell's own (a blue state on a blue
            # cursor would vanish); elsewhere cells keep their colours.
            if cursor.color is not None:
                post = Style.from_color(cursor.color)
        marker = style + self.get_component_rich_style("resource-table--marker", partial=True) if is_marked else None
        return self._lines.row(self._model.rows[key], width, full_width, style, marker, post, self.app.console)


def _ellipsis_at(strip: Strip, x: int) -> Strip:
    """`strip` with its cell `x` replaced by `…` in that cell's style (a wide character there gives way
    whole: its other half becomes a space)."""
    cell = strip.crop(x, x + 1)
    style = next((segment.style for segment in cell if segment.text), None)
    return Strip.join([strip.crop(0, x), Strip([Segment("…", style)], 1), strip.crop(x + 1, strip.cell_length)])
