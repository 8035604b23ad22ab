"""How a `ResourceTable`'s lines are drawn: columns laid out, cells fitted to them, strips cached.

Layout of a rendered line (all widths in terminal cells)::

    ▌ID_________ STATE____ EXIT
    ^ mark gutter (1 cell), then each column's cell, separated by one space

Control characters (newline, tab, escape, ...) would break the one-line-per-row layout or the cell
arithmetic; they render as spaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip

from ..model.table_row import Column, TableRow

__all__ = ["MAX_FLEX_CONTENT", "MAX_FLEX_GROWTH", "MIN_FLEX_WIDTH", "ColumnLayout", "TableLines", "fit", "header_text",
           "text_cell"]

MARKER = "▌"
_ELLIPSIS = "…"
_CONTROL = {c: " " for c in [*range(32), 127]}

MIN_FLEX_WIDTH = 12
MAX_FLEX_GROWTH = 2
#: The flex (id) column grows past its preferred width to show its longest id, up to this many cells.
MAX_FLEX_CONTENT = 64
#: On a narrow view the flex column keeps at most this share of the width for its ids; the other columns
#: scroll sideways behind it.
FLEX_SHARE = 0.6


def fit(text: str, width: int, align: str) -> str:
    """Crop (with an ellipsis) or pad a plain string to exactly `width` cells; controls become spaces."""
    if not text.isprintable():
        text = text.translate(_CONTROL)
    length = cell_len(text)
    if length > width:
        if width <= 1:
            return set_cell_size(text, width)
        return set_cell_size(text, width - 1) + _ELLIPSIS
    if length < width:
        pad = " " * (width - length)
        return pad + text if align == "right" else text + pad
    return text


class ColumnLayout:
    """The render widths of a set of columns for a given view width (the last result is cached).

    Each column starts at its preferred width. A wide view gives the leftover to the (last) flex column, up
    to `MAX_FLEX_GROWTH` times its width or what its longest cell needs (at most `MAX_FLEX_CONTENT`). A
    narrow view first takes the room that columns do not use (their cells and label need less than their
    width; the roomiest gives first), then shrinks the flex column down to `FLEX_SHARE` of the view (never
    below its floor). A flex first column (the id) is then widened to show its longest id, up to
    `FLEX_SHARE` of the view. What is still too wide scrolls sideways behind the first column, which stays
    put (`pinned_width`)."""

    def __init__(self, columns: Sequence[Column] = (), content: Sequence[int] = ()) -> None:
        self.columns = tuple(columns)
        self.content = tuple(content)  # the widest cell of each column (ContentWidths)
        self._cached: tuple[int, tuple[int, ...], int] | None = None

    def preferred_width(self) -> int:
        """The gutter, every column at its width, and the spaces between them."""
        columns = self.columns
        if not columns:
            return 0
        return 1 + sum(max(0, c.width) for c in columns) + len(columns) - 1

    @staticmethod
    def _flex_floor(column: Column) -> int:
        return min(max(0, column.width), max(MIN_FLEX_WIDTH, cell_len(column.label)))

    def _need(self, index: int) -> int:
        """What a column's cells and label need."""
        content = self.content[index] if index < len(self.content) else 0
        return max(content, cell_len(self.columns[index].label))

    def widths(self, view_width: int) -> tuple[tuple[int, ...], int]:
        """Render widths of the columns and the total line width."""
        cached = self._cached
        if cached is not None and cached[0] == view_width:
            return cached[1], cached[2]
        columns = self.columns
        widths = [max(0, c.width) for c in columns]
        total = self.preferred_width()
        flex = [i for i, c in enumerate(columns) if c.flex]
        last = flex[-1] if flex else None
        share = int(view_width * FLEX_SHARE)
        if last is not None and view_width > total:
            target = max(widths[last] * MAX_FLEX_GROWTH, min(self._need(last), MAX_FLEX_CONTENT))
            grow = max(0, min(view_width - total, target - widths[last]))
            widths[last] += grow
            total += grow
        elif view_width < total:
            total -= self._give_up_room(widths, total - view_width)
            if last is not None and view_width < total:
                give = max(0, min(total - view_width, widths[last] - max(self._flex_floor(columns[last]), share)))
                widths[last] -= give
                total -= give
        if last == 0:
            extra = max(0, min(self._need(0), MAX_FLEX_CONTENT, max(widths[0], share)) - widths[0])
            widths[0] += extra
            total += extra
        result = tuple(widths)
        self._cached = (view_width, result, total)
        return result, total

    def _give_up_room(self, widths: list[int], excess: int) -> int:
        """Narrow the columns (the flex one too) toward what their cells need, the roomiest first, by up to
        `excess` cells in all. How many cells were given up."""
        spare = sorted(((widths[i] - self._need(i), i) for i in range(len(widths))), reverse=True)
        given = 0
        for room, index in spare:
            if given >= excess or room <= 0:
                break
            give = min(room, excess - given)
            widths[index] -= give
            given += give
        return given

    def starts(self, view_width: int) -> list[int]:
        """The cell where each column starts (after the 1-cell gutter)."""
        widths, _ = self.widths(view_width)
        starts, position = [], 1
        for width in widths:
            starts.append(position)
            position += width + 1
        return starts

    def pinned_width(self, view_width: int) -> int:
        """The cells that stay put while a line scrolls sideways: the gutter, the first column and the space
        after it (0 when there are fewer than two columns)."""
        starts = self.starts(view_width)
        return starts[1] if len(starts) > 1 else 0

    def column_at(self, x: int, view_width: int) -> str | None:
        """The key of the column at cell `x` of a line (None: the gutter, or past the last column)."""
        widths, _ = self.widths(view_width)
        position = 1
        for column, width in zip(self.columns, widths, strict=False):
            if position <= x < position + width + 1:
                return column.key
            position += width + 1
        return None


def header_text(layout: ColumnLayout, view_width: int, full_width: int, sort_column: str | None,
                reverse: bool) -> tuple[str, int]:
    """The header line (labels fitted to the columns, ▲/▼ on the sort column) and its width in cells: the
    columns' total width, or `full_width` if that is more."""
    widths, total = layout.widths(view_width)
    parts = [" "]
    for i, (column, cell_width) in enumerate(zip(layout.columns, widths, strict=False)):
        if i:
            parts.append(" ")
        label = column.label
        if column.key == sort_column and cell_width >= 1:
            arrow = "▼" if reverse else "▲"
            if cell_width == 1:
                label = arrow
            elif column.align == "right":
                label = fit(arrow + " " + fit(label, cell_width - 2, "left").rstrip(), cell_width, "right")
            else:
                label = fit(fit(label, cell_width - 2, "left").rstrip() + " " + arrow, cell_width, "left")
        parts.append(fit(label, cell_width, column.align))
    length = max(total, full_width)
    parts.append(" " * (length - total))
    return "".join(parts), length


def text_cell(cell: Text, width: int, align: str, style: Style, console: Console,
              post: Style | None) -> list[Segment]:
    """The segments of a styled cell fitted to `width` cells, on `style`; `post` (the cursor's colour) is
    applied last so it beats the cell's own colour."""
    if width <= 0:
        return []
    text = cell.copy()
    text.end = ""
    plain = text.plain
    if not plain.isprintable():
        text.plain = plain.translate(_CONTROL)
    length = text.cell_len
    if length > width:
        text.truncate(width, overflow="ellipsis")
    elif length < width:
        if align == "right":
            text.pad_left(width - length)
        else:
            text.pad_right(width - length)
    # Text.render() leaves the Text's own base style out of its segments
    # (Text.__rich_console__ applies it); fold it into the row style here.
    if text.style:
        style = style + console.get_style(text.style, default=Style.null())
    segments = []
    for segment in text.render(console):
        if segment.text:
            segment_style = style + segment.style if segment.style else style
            if post is not None:
                segment_style += post
            segments.append(Segment(segment.text, segment_style))
    return segments


class TableLines:
    """The strips of a table's header, rows and empty message for given styles and widths, cached.

    `width` is the width the columns are laid out in (the visible part), `full_width` the width strips are
    padded to (the widget, scrollbar gutter included)."""

    def __init__(self) -> None:
        self.layout = ColumnLayout()
        self.generation = 0  # bumped by set_columns; part of the cache keys
        # row key -> (row, strip). Holding the row keeps identity checks sound.
        self.rows: LRUCache[tuple[Any, ...], tuple[TableRow, Strip]] = LRUCache(512)
        self.headers: LRUCache[tuple[Any, ...], Strip] = LRUCache(8)

    def set_columns(self, columns: Sequence[Column], content: Sequence[int] = ()) -> None:
        """New columns (or new content widths for them): the layout and every cached strip start over."""
        self.layout = ColumnLayout(columns, content)
        self.generation += 1
        self.clear()

    def clear(self) -> None:
        self.rows.clear()
        self.headers.clear()

    def header(self, width: int, full_width: int, style: Style, sort_column: str | None, reverse: bool) -> Strip:
        cache_key = (width, full_width, style, sort_column, reverse, self.generation)
        strip = self.headers.get(cache_key)
        if strip is None:
            text, length = header_text(self.layout, width, full_width, sort_column, reverse)
            strip = self.headers[cache_key] = Strip([Segment(text, style)], length)
        return strip

    def empty(self, message: str, width: int, style: Style) -> Strip:
        """`message` centred in `width` cells."""
        message = fit(message, width, "left").rstrip()
        left = max(0, (width - cell_len(message)) // 2)
        return Strip([Segment(fit(" " * left + message, width, "left"), style)], width)

    def row(self, row: TableRow, width: int, full_width: int, style: Style, marker: Style | None,
            post: Style | None, console: Console) -> Strip:
        """The whole line of a row on `style`: max(total column width, full_width) cells. `marker`: the mark
        gutter's style when the row is marked; `post`: see `text_cell`."""
        # The marker is part of the key: on the cursor row a marked style and an unmarked one can be equal
        # (the cursor's background wins), and the cached unmarked line would hide the mark.
        cache_key = (row.key, style, marker, width, full_width, self.generation)
        cached = self.rows.get(cache_key)
        if cached is not None and cached[0] is row:
            return cached[1]
        widths, total = self.layout.widths(width)
        segments = [Segment(MARKER, marker) if marker is not None else Segment(" ", style)]
        cells = row.cells
        space = Segment(" ", style)
        for i, (column, cell_width) in enumerate(zip(self.layout.columns, widths, strict=False)):
            if i:
                segments.append(space)
            cell = cells[i] if i < len(cells) else ""
            if isinstance(cell, Text):
                segments.extend(text_cell(cell, cell_width, column.align, style, console, post))
            else:
                segments.append(Segment(fit(str(cell), cell_width, column.align), style))
        length = max(total, full_width)
        if length > total:
            segments.append(Segment(" " * (length - total), style))
        strip = Strip(Segment.simplify(segments), length)
        self.rows[cache_key] = (row, strip)
        return strip
