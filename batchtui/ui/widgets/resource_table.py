"""A virtualised, sortable, filterable table for large resource lists.

`ResourceTable` is a Line API widget: it keeps its rows as plain data and only
renders the lines that are on screen, so loading, sorting and filtering
100,000 rows costs a few list operations rather than 100,000 widgets or
100,000 pre-rendered strips.

Layout of a rendered line (all widths in terminal cells)::

    ▌ID_________ STATE____ EXIT
    ^ mark gutter (1 cell), then each column's cell, separated by one space

Line 0 of the widget is the header; it stays put while the rows scroll under
it. In virtual (scroll) coordinates row ``i`` lives on line ``i + 1`` and the
header on line 0, exactly as Textual's own DataTable does it, so the stock
`ScrollView.refresh_line` / `refresh_lines` address the right screen line.

Rows are treated as immutable values: to change a row, upsert a new
`TableRow` with the same key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["Column", "TableRow", "ResourceTable"]

Cell = str | Text

#: Upserts that move more rows than this re-sort the whole table instead of
#: binary-inserting each row (each insert is an O(n) memmove).
_INSERT_LIMIT = 256
#: Removals of more keys than this filter the whole list in one pass instead
#: of calling list.remove() per key.
_REMOVE_LIMIT = 8

_MARKER = "▌"
_ELLIPSIS = "…"
# Control characters (newline, tab, escape, ...) would break the one-line-per-row
# layout or the cell arithmetic; they render as spaces.
_CONTROL = {c: " " for c in [*range(32), 127]}


@dataclass(frozen=True)
class Column:
    """A table column."""

    key: str
    label: str
    width: int
    """Preferred width in cells. The last column with `flex=True` also takes any leftover width."""
    align: str = "left"
    """"left" or "right"."""
    flex: bool = False


@dataclass(slots=True)
class TableRow:
    """One row: a stable key, one cell per column, and one sort key per column."""

    key: str
    cells: tuple[Cell, ...]
    sort_keys: tuple
    """One comparable per column; `None` always sorts last."""
    search_text: str = ""
    """What the filter matches; defaults to the non-empty plain cell texts joined by spaces."""
    folded_text: str = field(default="", init=False, repr=False, compare=False)
    """`search_text` lower-cased, for the case-insensitive substring filter."""

    def __post_init__(self) -> None:
        if not self.search_text:
            texts = [c.plain if isinstance(c, Text) else str(c) for c in self.cells]
            self.search_text = " ".join([t for t in texts if t])
        self.folded_text = self.search_text.lower()


MIN_FLEX_WIDTH = 12
MAX_FLEX_GROWTH = 2


def _cell_equal(a: Cell, b: Cell) -> bool:
    if a is b:
        return True
    if isinstance(a, Text) or isinstance(b, Text):
        # Text.__eq__ ignores the base style, which is exactly what a state
        # colour change alters.
        return (
            isinstance(a, Text)
            and isinstance(b, Text)
            and a.plain == b.plain
            and a.style == b.style
            and a.spans == b.spans
        )
    return a == b


def _cells_equal(a: tuple[Cell, ...], b: tuple[Cell, ...]) -> bool:
    return len(a) == len(b) and all(_cell_equal(x, y) for x, y in zip(a, b))


def _fit(text: str, width: int, align: str) -> str:
    """Crop (with an ellipsis) or pad a plain string to exactly `width` cells."""
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


_get_key = attrgetter("key")
_get_sort_keys = attrgetter("sort_keys")


def _is_none(value: Any) -> bool:
    return value is None


def _mixed_sort_key(value: Any) -> tuple:
    """A total order for columns whose sort keys are not mutually comparable."""
    if isinstance(value, (int, float)):
        return (0, value, "")
    return (1, 0, str(value))


class RowFilter:
    """A compiled filter: a case-insensitive substring or regex, maybe inverted."""

    __slots__ = ("needle", "search", "invert")

    def __init__(self, needle: str = "", search: Callable[[str], Any] | None = None, invert: bool = False):
        self.needle = needle
        self.search = search
        self.invert = invert

    def __call__(self, row: TableRow) -> bool:
        if self.search is not None:
            return (self.search(row.search_text) is None) is self.invert
        return (self.needle in row.folded_text) is not self.invert

    def select(self, keys: list[str], rows: dict[str, TableRow]) -> list[str]:
        """The keys whose rows match, in order (the bulk path: no call per row)."""
        get = rows.__getitem__
        search = self.search
        if search is not None:
            if self.invert:
                return [k for k in keys if not search(get(k).search_text)]
            return [k for k in keys if search(get(k).search_text)]
        needle = self.needle
        if self.invert:
            return [k for k in keys if needle not in get(k).folded_text]
        return [k for k in keys if needle in get(k).folded_text]


def compile_filter(text: str) -> tuple[RowFilter | None, str | None]:
    """Turn filter text into a RowFilter.

    Returns (filter, error); filter is None when the text means "no filter".
    """
    invert = text.startswith("!")
    body = text[1:] if invert else text
    if not body:
        return None, None
    pattern: str | None = None
    if body.startswith("re:"):
        pattern = body[3:]
    elif len(body) >= 2 and body[0] == "/" and body[-1] == "/":
        pattern = body[1:-1]
    if pattern is not None:
        try:
            search = re.compile(pattern, re.IGNORECASE).search
        except re.error as error:
            return None, f"Invalid regex {pattern!r}: {error}"
        return RowFilter(search=search, invert=invert), None
    return RowFilter(needle=body.lower(), invert=invert), None


class ResourceTable(ScrollView, can_focus=True):
    """A keyboard-driven table that renders only what is visible."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Row up", show=False),
        Binding("down,j", "cursor_down", "Row down", show=False),
        Binding("pageup", "cursor_page_up", "Page up", show=False),
        Binding("pagedown", "cursor_page_down", "Page down", show=False),
        Binding("home,g", "cursor_top", "First row", show=False),
        Binding("end,G", "cursor_bottom", "Last row", show=False),
        Binding("enter", "select_cursor", "Select"),
        Binding("space", "toggle_mark", "Mark"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "resource-table--header",
        "resource-table--cursor",
        "resource-table--marked",
        "resource-table--marker",
        "resource-table--empty",
    }

    DEFAULT_CSS = """
    ResourceTable {
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

    class RowHighlighted(Message):
        """The cursor moved to another row (key is None when the table emptied)."""

        def __init__(self, table: ResourceTable, key: str | None) -> None:
            self.table = table
            self.key = key
            super().__init__()

        @property
        def control(self) -> ResourceTable:
            return self.table

    class RowSelected(Message):
        """Enter was pressed on a row (or a highlighted row was clicked)."""

        def __init__(self, table: ResourceTable, key: str) -> None:
            self.table = table
            self.key = key
            super().__init__()

        @property
        def control(self) -> ResourceTable:
            return self.table

    class MarksChanged(Message):
        """The set of marked rows changed."""

        def __init__(self, table: ResourceTable, marked: frozenset[str]) -> None:
            self.table = table
            self.marked = marked
            super().__init__()

        @property
        def control(self) -> ResourceTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column] = (),
        *,
        empty_text: str = "No rows",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._columns: tuple[Column, ...] = ()
        self._columns_gen = 0  # bumped by set_columns; part of the line cache keys
        self._column_index: dict[str, int] = {}
        self._rows: dict[str, TableRow] = {}
        # Insertion sequence of each key: the "natural" order, and the tie-break
        # within equal sort keys, so binary insertion agrees with a full sort.
        self._seq: dict[str, int] = {}
        self._next_seq = 0
        self._sorted: list[str] = []  # every key, in display order
        self._view: list[str] = []  # keys passing the filter, in display order (may alias _sorted)
        self._sort_index: int | None = None
        self._sort_reverse = False
        self._sort_column: str | None = None
        self._mixed = False  # sort keys of the sort column are not mutually comparable
        self._filter_text = ""
        self._matcher: RowFilter | None = None
        self._marks: set[str] = set()
        self._cursor = 0
        self._cursor_key: str | None = None
        self._posted_key: str | None = None
        # row key -> (row, strip). Holding the row keeps identity checks sound.
        self._line_cache: LRUCache[tuple, tuple[TableRow, Strip]] = LRUCache(512)
        self._header_cache: LRUCache[tuple, Strip] = LRUCache(8)
        self._widths_cache: tuple[tuple, tuple[int, ...], int] | None = None
        self._pass_state: tuple[int, int, Style, Offset] | None = None
        self.set_reactive(ResourceTable.empty_text, empty_text)
        if columns:
            self.set_columns(columns)

    # ------------------------------------------------------------------ state

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def row_count(self) -> int:
        """Rows after the filter."""
        return len(self._view)

    @property
    def total_count(self) -> int:
        """All rows."""
        return len(self._rows)

    @property
    def cursor_key(self) -> str | None:
        return self._cursor_key

    @property
    def cursor_row(self) -> int:
        """Index of the cursor within the filtered, sorted rows (0 when empty)."""
        return self._cursor

    @property
    def marked(self) -> frozenset[str]:
        return frozenset(self._marks)

    @property
    def sort_column(self) -> str | None:
        return self._sort_column

    @property
    def sort_reverse(self) -> bool:
        return self._sort_reverse

    @property
    def filter_text(self) -> str:
        return self._filter_text

    @property
    def visible_keys(self) -> list[str]:
        """Keys in display order (after filter and sort). A copy."""
        return list(self._view)

    def get_row(self, key: str) -> TableRow | None:
        return self._rows.get(key)

    def all_keys(self) -> list[str]:
        """Every row's key, filtered or not (insertion order)."""
        return list(self._rows)

    def all_rows(self) -> list[TableRow]:
        """Every row, filtered or not (insertion order)."""
        return list(self._rows.values())

    # ---------------------------------------------------------------- columns

    def set_columns(self, columns: Sequence[Column]) -> None:
        self._columns = tuple(columns)
        self._column_index = {column.key: i for i, column in enumerate(self._columns)}
        self._columns_gen += 1
        if self._sort_column is not None and self._sort_column not in self._column_index:
            self._set_sort(None, False)
            self._resort()
        elif self._sort_column is not None:
            self._sort_index = self._column_index[self._sort_column]
            self._resort()
        self._invalidate()

    def _preferred_width(self) -> int:
        columns = self._columns
        if not columns:
            return 0
        return 1 + sum(max(0, c.width) for c in columns) + len(columns) - 1

    def _flex_floor(self, column: Column) -> int:
        return min(max(0, column.width), max(MIN_FLEX_WIDTH, cell_len(column.label)))

    def _min_width(self) -> int:
        """The narrowest the rows get: the flex column at its floor."""
        flex = [c for c in self._columns if c.flex]
        shrink = max(0, flex[-1].width) - self._flex_floor(flex[-1]) if flex else 0
        return self._preferred_width() - shrink

    def _widths(self, view_width: int) -> tuple[tuple[int, ...], int]:
        """Render widths of the columns and the total line width."""
        cached = self._widths_cache
        if cached is not None and cached[0] == (self._columns_gen, view_width):
            return cached[1], cached[2]
        widths = [max(0, c.width) for c in self._columns]
        total = self._preferred_width()
        flex = [i for i, c in enumerate(self._columns) if c.flex]
        if flex and view_width > total:
            # The flex column takes the leftover, up to MAX_FLEX_GROWTH times its
            # width: on a wide screen the columns stay near each other.
            grow = min(view_width - total, widths[flex[-1]] * (MAX_FLEX_GROWTH - 1))
            widths[flex[-1]] += grow
            total += grow
        elif flex and view_width < total:
            # Narrow screen: the flex column gives up width (down to its label or
            # MIN_FLEX_WIDTH) before the table scrolls sideways.
            floor = self._flex_floor(self._columns[flex[-1]])
            give = min(total - view_width, widths[flex[-1]] - floor)
            widths[flex[-1]] -= give
            total -= give
        result = tuple(widths)
        self._widths_cache = ((self._columns_gen, view_width), result, total)
        return result, total

    # ------------------------------------------------------------------- rows

    def set_rows(self, rows: Iterable[TableRow]) -> None:
        """Replace every row. The cursor stays on the same key if it still exists."""
        anchor = self._cursor_anchor()
        rows = list(rows)
        new = dict(zip(map(_get_key, rows), rows))
        self._rows = new
        self._seq = dict(zip(new, range(len(new))))
        self._next_seq = len(new)
        if self._marks:
            before = len(self._marks)
            self._marks.intersection_update(new)
            if len(self._marks) != before:
                self._post_marks()
        self._resort()
        self._line_cache.clear()
        self._after_reorder(anchor)

    def upsert_rows(self, rows: Iterable[TableRow]) -> None:
        """Update rows by key, inserting new ones where the current sort puts them.

        Only rows whose cells changed are redrawn (if they are on screen); if
        rows moved or appeared, the visible window is redrawn.
        """
        table = self._rows
        seq = self._seq
        sort_index = self._sort_index
        matcher = self._matcher
        moved: dict[str, None] = {}  # keys to (re)insert into _sorted
        unsorted: set[str] = set()  # existing keys to take out of _sorted
        view_in: dict[str, None] = {}  # keys to (re)insert into the view
        view_out: set[str] = set()  # keys to take out of the view
        changed: set[str] = set()
        # A key given twice in one batch: the last version wins.
        batch = {row.key: row for row in rows}
        for key, row in batch.items():
            old = table.get(key)
            table[key] = row
            if old is None:
                seq[key] = self._next_seq
                self._next_seq += 1
                moved[key] = None
                if matcher is None or matcher(row):
                    view_in[key] = None
                continue
            old_in = matcher is None or matcher(old)
            new_in = matcher is None or matcher(row)
            if sort_index is not None and old.sort_keys[sort_index] != row.sort_keys[sort_index]:
                unsorted.add(key)
                moved[key] = None
                if old_in:
                    view_out.add(key)
                if new_in:
                    view_in[key] = None
            elif old_in != new_in:
                if new_in:
                    view_in[key] = None
                else:
                    view_out.add(key)
            elif not _cells_equal(old.cells, row.cells):
                changed.add(key)

        if not moved and not view_in and not view_out:
            if changed:
                self._refresh_keys(changed)
            return

        anchor = self._cursor_anchor()
        was_mixed = self._mixed
        try:
            self._apply(self._sorted, unsorted, list(moved))
            if self._view is not self._sorted:
                self._apply(self._view, view_out, list(view_in))
        except TypeError:
            self._resort()  # sort keys stopped being comparable: start over in the mixed order
        else:
            if self._mixed and not was_mixed:
                self._resort()
        self._after_reorder(anchor)

    def remove_rows(self, keys: Iterable[str]) -> None:
        """Remove rows by key (unknown keys are ignored)."""
        gone = {key for key in keys if key in self._rows}
        if not gone:
            return
        anchor = self._cursor_anchor()
        for key in gone:
            del self._rows[key]
            del self._seq[key]
        self._remove(self._sorted, gone)
        if self._view is not self._sorted:
            self._remove(self._view, gone)
        if self._marks & gone:
            self._marks -= gone
            self._post_marks()
        self._after_reorder(anchor)

    def clear(self) -> None:
        """Remove every row."""
        self.set_rows(())

    # ------------------------------------------------------------ sort/filter

    def sort_by(self, column_key: str | None, reverse: bool | None = None) -> None:
        """Sort by a column. `reverse=None` toggles when sorting the same column
        again (and means ascending for a new column). `None` as the column
        restores the insertion order."""
        if column_key is not None and column_key not in self._column_index:
            raise KeyError(f"No column {column_key!r}")
        if reverse is None:
            reverse = (not self._sort_reverse) if column_key == self._sort_column else False
        if column_key is None:
            reverse = False
        anchor = self._cursor_anchor()
        self._set_sort(column_key, reverse)
        self._resort()
        self._header_cache.clear()
        self._after_reorder(anchor, follow=True)

    def _set_sort(self, column_key: str | None, reverse: bool) -> None:
        self._sort_column = column_key
        self._sort_index = None if column_key is None else self._column_index[column_key]
        self._sort_reverse = reverse
        self._mixed = False

    def set_filter(self, text: str) -> str | None:
        """Filter rows. "" clears; plain text is a case-insensitive substring;
        "re:pattern" or "/pattern/" is a (case-insensitive) regex; a leading "!"
        inverts. Returns an error message for an invalid regex (keeping the
        previous filter), else None."""
        matcher, error = compile_filter(text)
        if error is not None:
            return error
        anchor = self._cursor_anchor()
        self._filter_text = text if matcher is not None else ""
        self._matcher = matcher
        self._refilter()
        self._after_reorder(anchor, follow=True)
        return None

    def _sort_value(self, key: str) -> Any:
        if self._sort_index is None:
            return self._seq[key]
        value = self._rows[key].sort_keys[self._sort_index]
        if value is not None and self._mixed:
            return _mixed_sort_key(value)
        return value

    def _sorted_keys(self, keys: list[str]) -> list[str]:
        """`keys` (given in insertion order) in display order."""
        index = self._sort_index
        if index is None:
            return keys
        values = list(map(itemgetter(index), map(_get_sort_keys, map(self._rows.__getitem__, keys))))
        if any(map(_is_none, values)):
            present = [i for i, value in enumerate(values) if value is not None]
            nones = [i for i, value in enumerate(values) if value is None]
        else:
            present = list(range(len(values)))
            nones = []
        order = None
        if not self._mixed:
            order = present.copy()  # a failed sort leaves its list half-sorted
            try:
                order.sort(key=values.__getitem__, reverse=self._sort_reverse)
            except TypeError:
                # Keys of different types: sort numbers before everything else,
                # the rest by their text, until the sort column changes.
                self._mixed = True
                order = None
        if order is None:
            mixed = [None if value is None else _mixed_sort_key(value) for value in values]
            order = present
            order.sort(key=mixed.__getitem__, reverse=self._sort_reverse)
        result = list(map(keys.__getitem__, order))
        if nones:
            result.extend(map(keys.__getitem__, nones))
        return result

    def _resort(self) -> None:
        self._mixed = False
        self._sorted = self._sorted_keys(list(self._rows))
        self._refilter()

    def _refilter(self) -> None:
        matcher = self._matcher
        if matcher is None:
            self._view = self._sorted
        else:
            rows = self._rows
            self._view = matcher.select(self._sorted, rows)

    def _insert_position(self, keys: list[str], key: str) -> int:
        """Where `key` goes in `keys` (which is in display order): after every
        row that sorts before it, ties broken by insertion sequence."""
        value = self._sort_value(key)
        seq = self._seq
        my_seq = seq[key]
        reverse = self._sort_reverse
        sort_value = self._sort_value
        lo, hi = 0, len(keys)
        while lo < hi:
            mid = (lo + hi) // 2
            other_key = keys[mid]
            other = sort_value(other_key)
            if other is None:
                before = value is None and seq[other_key] < my_seq
            elif value is None:
                before = True
            elif other == value:
                before = seq[other_key] < my_seq
            else:
                before = (value < other) if reverse else (other < value)
            if before:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _remove(self, keys: list[str], gone: set[str]) -> None:
        if not gone:
            return
        if len(gone) <= _REMOVE_LIMIT:
            for key in gone:
                try:
                    keys.remove(key)
                except ValueError:
                    pass
        else:
            keys[:] = [key for key in keys if key not in gone]

    def _apply(self, keys: list[str], gone: set[str], insert: list[str]) -> None:
        """Remove `gone` from and insert `insert` into a display-ordered list in place.

        Raises TypeError if sort keys turn out not to be comparable."""
        self._remove(keys, gone)
        if not insert:
            return
        if len(insert) <= _INSERT_LIMIT:
            for key in insert:
                keys.insert(self._insert_position(keys, key), key)
            return
        keys.extend(insert)
        seq = self._seq
        keys.sort(key=seq.__getitem__)
        keys[:] = self._sorted_keys(keys)

    # ----------------------------------------------------------------- cursor

    def move_cursor_to_key(self, key: str) -> bool:
        """Put the cursor on `key` (scrolling it into view). False if it is not shown."""
        index = self._index_of(key)
        if index is None:
            return False
        self._move_cursor(index)
        return True

    def move_cursor(self, index: int) -> None:
        """Put the cursor on the row at `index` of the filtered, sorted rows (clamped)."""
        self._move_cursor(index)

    def _index_of(self, key: str | None) -> int | None:
        if key is None:
            return None
        view = self._view
        if 0 <= self._cursor < len(view) and view[self._cursor] == key:
            return self._cursor
        try:
            return view.index(key)
        except ValueError:
            return None

    def _move_cursor(self, index: int, scroll: bool = True) -> None:
        view = self._view
        if not view:
            return
        index = max(0, min(index, len(view) - 1))
        old = self._cursor
        self._cursor = index
        self._cursor_key = view[index]
        if old != index:
            self.refresh_line(old + 1)
            self.refresh_line(index + 1)
        if scroll:
            self._scroll_to_cursor()
        self._post_highlight()

    def _cursor_anchor(self) -> int | None:
        """The cursor's line within the visible rows, or None if it is off screen."""
        body = self._body_height()
        if body <= 0 or not self._view:
            return None
        offset = self._cursor - self.scroll_offset.y
        return offset if 0 <= offset < body else None

    def _after_reorder(self, anchor: int | None, follow: bool = False) -> None:
        """Re-anchor the cursor on its key after the view changed, then redraw.

        If the cursor was on screen (`anchor` is its line) it stays on that
        line: the rows around it move, it does not. If it was off screen (the
        user scrolled away with the mouse), data updates leave the scroll
        position alone, while sorting and filtering (`follow`) bring it back."""
        view = self._view
        key = self._cursor_key
        if not view:
            self._cursor = 0
            self._cursor_key = None
        else:
            index = self._index_of(key)
            if index is None:
                index = max(0, min(self._cursor, len(view) - 1))
            self._cursor = index
            self._cursor_key = view[index]
        self._update_virtual_size()
        self.refresh()
        if view:
            if anchor is not None:
                target = self._cursor - anchor
                if target != self.scroll_offset.y:
                    self.scroll_to(y=target, animate=False, force=True)
                self._scroll_to_cursor()  # in case the target was out of range
            elif follow:
                self._scroll_to_cursor()
        self._post_highlight()

    def _post_highlight(self) -> None:
        if self._cursor_key != self._posted_key:
            self._posted_key = self._cursor_key
            self.post_message(self.RowHighlighted(self, self._cursor_key))

    def _post_marks(self) -> None:
        self.post_message(self.MarksChanged(self, frozenset(self._marks)))

    def _body_height(self) -> int:
        return max(0, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        body = self._body_height()
        if body <= 0 or not self._view:
            return
        top = self.scroll_offset.y
        cursor = self._cursor
        if cursor < top:
            target = cursor
        elif cursor >= top + body:
            target = cursor - body + 1
        else:
            return
        self.scroll_to(y=target, animate=False, force=True)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self._min_width(), len(self._view) + 1)

    # ---------------------------------------------------------------- marking

    def toggle_mark(self) -> None:
        """Mark or unmark the cursor row."""
        key = self._cursor_key
        if key is None:
            return
        if key in self._marks:
            self._marks.discard(key)
        else:
            self._marks.add(key)
        self.refresh_line(self._cursor + 1)
        self._post_marks()

    def clear_marks(self) -> None:
        if not self._marks:
            return
        self._marks.clear()
        self.refresh()
        self._post_marks()

    # ---------------------------------------------------------------- actions

    def action_cursor_up(self) -> None:
        self._move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(self._cursor + 1)

    def action_cursor_page_up(self) -> None:
        page = max(1, self._body_height())
        self.scroll_to(y=self.scroll_offset.y - page, animate=False, force=True)
        self._move_cursor(self._cursor - page)

    def action_cursor_page_down(self) -> None:
        page = max(1, self._body_height())
        self.scroll_to(y=self.scroll_offset.y + page, animate=False, force=True)
        self._move_cursor(self._cursor + page)

    def action_cursor_top(self) -> None:
        self._move_cursor(0)

    def action_cursor_bottom(self) -> None:
        self._move_cursor(len(self._view) - 1)

    def action_select_cursor(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.RowSelected(self, self._cursor_key))

    def action_toggle_mark(self) -> None:
        self.toggle_mark()

    # ------------------------------------------------------------------ mouse

    def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x, y = offset
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            column_key = self._column_at(x + scroll_x)
            if column_key is not None:
                self.sort_by(column_key)
                event.stop()
            return
        index = scroll_y + y - 1
        if 0 <= index < len(self._view):
            if index == self._cursor:
                self.action_select_cursor()
            else:
                self._move_cursor(index)
            event.stop()

    def _column_at(self, x: int) -> str | None:
        widths, _ = self._widths(self.scrollable_content_region.width)
        position = 1
        for column, width in zip(self._columns, widths):
            if position <= x < position + width + 1:
                return column.key
            position += width + 1
        return None

    # -------------------------------------------------------------- rendering

    def _invalidate(self) -> None:
        self._line_cache.clear()
        self._header_cache.clear()
        self._widths_cache = None
        self._update_virtual_size()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_cache.clear()
        self._header_cache.clear()

    def _on_resize(self, event: events.Resize) -> None:
        self._scroll_to_cursor()

    def _refresh_keys(self, keys: set[str]) -> None:
        """Redraw the on-screen lines showing any of `keys`."""
        top = self.scroll_offset.y
        view = self._view
        for index in range(top, min(len(view), top + self._body_height())):
            if view[index] in keys:
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
            view = self._view
            index = scroll_y + y - 1
            if index >= len(view):
                if not view:
                    return self._render_empty(y, width, base).extend_cell_length(full_width, base)
                return Strip.blank(full_width, base)
            strip = self._render_row(view[index], index == self._cursor, width, full_width, base)
        if scroll_x == 0 and strip.cell_length == full_width:
            return strip  # the common case: no horizontal scrolling, no extra Strip
        return strip.crop_extend(scroll_x, scroll_x + full_width, base)

    def _render_empty(self, y: int, width: int, base: Style) -> Strip:
        body = self._body_height() or 1
        if y != 1 + (body - 1) // 2:
            return Strip.blank(width, base)
        message = self.no_match_text if self._rows else self.empty_text
        style = base + self.get_component_rich_style("resource-table--empty")
        message = _fit(message, width, "left").rstrip()
        left = max(0, (width - cell_len(message)) // 2)
        text = _fit(" " * left + message, width, "left")
        return Strip([Segment(text, style)], width)

    def _render_header(self, width: int, full_width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("resource-table--header")
        cache_key = (width, full_width, style, self._sort_column, self._sort_reverse, self._columns_gen)
        strip = self._header_cache.get(cache_key)
        if strip is not None:
            return strip
        widths, total = self._widths(width)
        parts = [" "]
        for i, (column, cell_width) in enumerate(zip(self._columns, widths)):
            if i:
                parts.append(" ")
            label = column.label
            if column.key == self._sort_column and cell_width >= 1:
                arrow = "▼" if self._sort_reverse else "▲"
                if cell_width == 1:
                    label = arrow
                elif column.align == "right":
                    label = _fit(arrow + " " + _fit(label, cell_width - 2, "left").rstrip(), cell_width, "right")
                else:
                    label = _fit(_fit(label, cell_width - 2, "left").rstrip() + " " + arrow, cell_width, "left")
            parts.append(_fit(label, cell_width, column.align))
        length = max(total, full_width)
        parts.append(" " * (length - total))
        strip = Strip([Segment("".join(parts), style)], length)
        self._header_cache[cache_key] = strip
        return strip

    def _render_row(self, key: str, is_cursor: bool, width: int, full_width: int, base: Style) -> Strip:
        """The whole line for a row: max(total column width, full_width) cells."""
        row = self._rows[key]
        is_marked = key in self._marks
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
        cache_key = (key, style, width, full_width, self._columns_gen)
        cached = self._line_cache.get(cache_key)
        if cached is not None and cached[0] is row:
            return cached[1]
        widths, total = self._widths(width)
        if is_marked:
            marker = Segment(_MARKER, style + self.get_component_rich_style("resource-table--marker", partial=True))
        else:
            marker = Segment(" ", style)
        segments = [marker]
        console = self.app.console
        cells = row.cells
        space = Segment(" ", style)
        for i, (column, cell_width) in enumerate(zip(self._columns, widths)):
            if i:
                segments.append(space)
            cell = cells[i] if i < len(cells) else ""
            if isinstance(cell, Text):
                segments.extend(self._render_text_cell(cell, cell_width, column.align, style, console, post))
            else:
                segments.append(Segment(_fit(str(cell), cell_width, column.align), style))
        length = max(total, full_width)
        if length > total:
            segments.append(Segment(" " * (length - total), style))
        strip = Strip(Segment.simplify(segments), length)
        self._line_cache[cache_key] = (row, strip)
        return strip

    @staticmethod
    def _render_text_cell(
        cell: Text, width: int, align: str, style: Style, console, post: Style | None
    ) -> list[Segment]:
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
