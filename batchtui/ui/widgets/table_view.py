"""`TableView`: the Line API view under `ResourceTable`: a header line over the rows of a `TableModel`.

It draws only the lines on screen (with `TableLines`) and knows the geometry: which rows the window shows,
where the cursor is in it, how far to scroll to show the cursor. What the keys, the mouse and the app do
with the table is `ResourceTable`'s.

Line 0 of the widget is the header; it stays put while the rows scroll under
it. In virtual (scroll) coordinates row ``i`` lives on line ``i + 1`` and the
header on line 0, exactly as Textual's own DataTable does it, so the stock
`ScrollView.refresh_line` / `refresh_lines` address the right screen line.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Offset, Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..model.table import TableModel
from ..model.table_row import TableRow
from .table_render import TableLines

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
        if target is not None:
            self.scroll_to(y=target, animate=False, force=True)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self._lines.layout.min_width(), len(self._model.view) + 1)

    # -------------------------------------------------------------- rendering

    @property
    def _line_cache(self) -> LRUCache[tuple[Any, ...], tuple[TableRow, Strip]]:
        """The cache of row strips (bench/table_bench.py empties it to time rendering from scratch)."""
        return self._lines.rows

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()

    def _on_resize(self, event: events.Resize) -> None:
        self._scroll_to_cursor()

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
        return strip.crop_extend(scroll_x, scroll_x + full_width, base)

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
