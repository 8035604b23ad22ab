"""`TableModel`: a table's rows by key, in display order, with a filter, marks and a cursor.

Plain data and list operations only (nothing is rendered here), so loading, sorting and filtering 100,000
rows costs a few list operations:

- ``rows``: every row by key, in insertion order (the "natural" order);
- a sorted list of every key (display order), and ``view``: the keys that pass the filter, in display order
  (the same list object when there is no filter);
- sorting is stable: rows with equal sort keys keep their insertion order, `None` sorts last (in either
  direction), and sort keys that turn out not to be mutually comparable fall back to numbers first, then
  everything else by its text;
- upserts binary-insert rows that moved (or re-sort when many did), so a poll that changes a few rows of
  100,000 costs a few list inserts;
- marks are keys, kept while their rows exist (filtered out or not); marking many rows at once (a range, all,
  by state) marks rows of ``view`` only, so it respects the filter;
- the cursor is an index into ``view`` and the key there; after a reorder it stays on its key;
- ``content.widths``: how wide each column's cells are (see `column_widths`), for the layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from .column_widths import ContentWidths
from .row_filter import KeyFilter, RowFilter, compile_filter
from .table_row import Column, TableRow, cells_equal, plain_text
from .table_sort import insert_position, merged, mixed_sort_key, remove_keys, sorted_keys

__all__ = ["TableModel", "Upsert"]

#: Upserts that move more rows than this re-sort the whole table instead of
#: binary-inserting each row (each insert is an O(n) memmove).
_INSERT_LIMIT = 256

_get_key = attrgetter("key")


@dataclass(slots=True)
class Upsert:
    """What `TableModel.upsert` did: `reordered` when rows moved, appeared or left the view (then the whole
    visible window is stale); otherwise `changed` holds the keys whose cells changed in place."""

    reordered: bool = False
    changed: set[str] = field(default_factory=set)


class TableModel:
    """Keyed rows in display order. Attributes are read-only outside the model.

    `view` is replaced (not updated) by a re-sort or a new filter: read it from the model each time.
    """

    def __init__(self, columns: Sequence[Column] = ()) -> None:
        self.columns: tuple[Column, ...] = ()
        self._column_index: dict[str, int] = {}
        self.rows: dict[str, TableRow] = {}
        # Insertion sequence of each key: the "natural" order, and the tie-break
        # within equal sort keys, so binary insertion agrees with a full sort.
        self._seq: dict[str, int] = {}
        self._next_seq = 0
        self._sorted: list[str] = []  # every key, in display order
        self.view: list[str] = []  # keys passing the filter, in display order (may alias _sorted)
        self._sort_index: int | None = None
        self.sort_reverse = False
        self.sort_column: str | None = None
        self._mixed = False  # sort keys of the sort column are not mutually comparable
        self.filter_text = ""
        self._matcher: RowFilter | None = None
        self._named: tuple[str, KeyFilter] | None = None  # the last key filter set, and its name
        self.marks: set[str] = set()
        self.mark_anchor: str | None = None  # the row marked last by `toggle_mark`: where a range starts
        self.cursor = 0  # index in `view` (0 when empty)
        self.cursor_key: str | None = None
        self.content = ContentWidths()
        if columns:
            self.set_columns(columns)

    # ---------------------------------------------------------------- columns

    def set_columns(self, columns: Sequence[Column]) -> None:
        """New columns. A sort by a column that is gone is dropped (back to insertion order)."""
        self.columns = tuple(columns)
        self._column_index = {column.key: i for i, column in enumerate(self.columns)}
        self.content.measure(list(self.rows.values()), len(self.columns))
        if self.sort_column is not None and self.sort_column not in self._column_index:
            self._set_sort(None, False)
            self._resort()
        elif self.sort_column is not None:
            self._sort_index = self._column_index[self.sort_column]
            self._resort()

    # ------------------------------------------------------------------- rows

    def set_rows(self, rows: Iterable[TableRow]) -> bool:
        """Replace every row (a key given twice: the last row wins). Marks of keys that are gone are dropped;
        True if that changed the marks. The cursor is not moved: see `reanchor`."""
        rows = list(rows)
        new = dict(zip(map(_get_key, rows), rows, strict=True))
        self.rows = new
        self._seq = dict(zip(new, range(len(new)), strict=True))
        self._next_seq = len(new)
        self.content.measure(rows, len(self.columns))
        marks_changed = False
        if self.marks:
            before = len(self.marks)
            self.marks.intersection_update(new)
            marks_changed = len(self.marks) != before
        self._resort()
        return marks_changed

    def upsert(self, rows: Iterable[TableRow]) -> Upsert:
        """Update rows by key, inserting new ones where the current sort puts them (a key given twice: the
        last row wins). The cursor is not moved: see `reanchor`."""
        table = self.rows
        seq = self._seq
        sort_index = self._sort_index
        matcher = self._matcher
        moved: dict[str, None] = {}  # keys to (re)insert into _sorted
        unsorted: set[str] = set()  # existing keys to take out of _sorted
        view_in: dict[str, None] = {}  # keys to (re)insert into the view
        view_out: set[str] = set()  # keys to take out of the view
        result = Upsert()
        changed = result.changed
        batch = {row.key: row for row in rows}
        self.content.grow(list(batch.values()))
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
            elif not cells_equal(old.cells, row.cells):
                changed.add(key)

        if not moved and not view_in and not view_out:
            return result
        result.reordered = True
        was_mixed = self._mixed
        try:
            self._apply(self._sorted, unsorted, list(moved))
            if self.view is not self._sorted:
                self._apply(self.view, view_out, list(view_in))
        except TypeError:
            self._resort()  # sort keys stopped being comparable: start over in the mixed order
        else:
            if self._mixed and not was_mixed:
                self._resort()
        return result

    def remove(self, keys: Iterable[str]) -> tuple[bool, bool]:
        """Remove rows by key (unknown keys are ignored): (any removed, the marks changed)."""
        gone = {key for key in keys if key in self.rows}
        if not gone:
            return False, False
        for key in gone:
            del self.rows[key]
            del self._seq[key]
        remove_keys(self._sorted, gone)
        if self.view is not self._sorted:
            remove_keys(self.view, gone)
        marks_changed = bool(self.marks & gone)
        if marks_changed:
            self.marks -= gone
        return True, marks_changed

    # ------------------------------------------------------------ sort/filter

    def sort_by(self, column_key: str | None, reverse: bool | None = None) -> None:
        """Sort by a column. `reverse=None` toggles when sorting the same column again (and means ascending
        for a new column). `None` as the column restores the insertion order. KeyError for an unknown
        column. The cursor is not moved: see `reanchor`."""
        if column_key is not None and column_key not in self._column_index:
            raise KeyError(f"No column {column_key!r}")
        if reverse is None:
            reverse = (not self.sort_reverse) if column_key == self.sort_column else False
        if column_key is None:
            reverse = False
        self._set_sort(column_key, reverse)
        self._resort()

    def set_filter(self, text: str, keys: Iterable[str] | None = None) -> str | None:
        """Filter rows (see `row_filter` for the language). Returns an error message for an invalid regex
        (keeping the previous filter), else None. The cursor is not moved: see `reanchor`.

        `keys`: show exactly the rows with these keys (a `KeyFilter`), `text` naming them; until another
        key filter is set, `text` given again (the prompt put back as it was) means the same keys."""
        matcher: RowFilter | None
        if keys is not None:
            matcher = KeyFilter(frozenset(keys))
            self._named = (text, matcher)
        elif self._named is not None and text and text == self._named[0]:
            matcher = self._named[1]
        else:
            matcher, error = compile_filter(text)
            if error is not None:
                return error
        self.filter_text = text if matcher is not None else ""
        self._matcher = matcher
        self._refilter()
        return None

    def _set_sort(self, column_key: str | None, reverse: bool) -> None:
        self.sort_column = column_key
        self._sort_index = None if column_key is None else self._column_index[column_key]
        self.sort_reverse = reverse
        self._mixed = False

    def _sort_value(self, key: str) -> Any:
        if self._sort_index is None:
            return self._seq[key]
        value = self.rows[key].sort_keys[self._sort_index]
        if value is not None and self._mixed:
            return mixed_sort_key(value)
        return value

    def _sorted_keys(self, keys: list[str]) -> list[str]:
        """`keys` (given in insertion order) in display order."""
        if self._sort_index is None:
            return keys
        result, self._mixed = sorted_keys(keys, self.rows, self._sort_index, self.sort_reverse, self._mixed)
        return result

    def _resort(self) -> None:
        self._mixed = False
        self._sorted = self._sorted_keys(list(self.rows))
        self._refilter()

    def _refilter(self) -> None:
        matcher = self._matcher
        if matcher is None:
            self.view = self._sorted
        else:
            self.view = matcher.select(self._sorted, self.rows)

    def _apply(self, keys: list[str], gone: set[str], insert: list[str]) -> None:
        """Remove `gone` from and insert `insert` into a display-ordered list in place.

        Raises TypeError if sort keys turn out not to be comparable."""
        remove_keys(keys, gone)
        seq, reverse = self._seq, self.sort_reverse
        if len(insert) <= _INSERT_LIMIT:
            for key in insert:
                keys.insert(insert_position(keys, key, self._sort_value, seq, reverse), key)
            return
        batch = self._sorted_keys(sorted(insert, key=seq.__getitem__))
        if not keys or (self._sort_index is None and seq[batch[0]] > seq[keys[-1]]):
            keys.extend(batch)  # a page of a fill in the natural order: after every row there is
        else:  # (sorting the whole list again per page made a 1,000,000-row fill quadratic)
            keys[:] = merged(keys, batch, lambda key: insert_position(keys, key, self._sort_value, seq, reverse))

    # ----------------------------------------------------------------- cursor

    def index_of(self, key: str | None) -> int | None:
        """The index of `key` in `view`, or None if it is not shown."""
        if key is None:
            return None
        view = self.view
        if 0 <= self.cursor < len(view) and view[self.cursor] == key:
            return self.cursor
        try:
            return view.index(key)
        except ValueError:
            return None

    def move_cursor(self, index: int) -> int | None:
        """Put the cursor on the row at `index` of `view` (clamped). The previous index; None (and nothing
        moved) when `view` is empty."""
        view = self.view
        if not view:
            return None
        index = max(0, min(index, len(view) - 1))
        old = self.cursor
        self.cursor = index
        self.cursor_key = view[index]
        return old

    def reanchor(self) -> None:
        """After `view` changed: the cursor goes back to its key, or, if that row is not shown any more, stays
        at its index (clamped)."""
        view = self.view
        if not view:
            self.cursor = 0
            self.cursor_key = None
            return
        index = self.index_of(self.cursor_key)
        if index is None:
            index = max(0, min(self.cursor, len(view) - 1))
        self.cursor = index
        self.cursor_key = view[index]

    def anchor(self, top: int, height: int) -> int | None:
        """The cursor's line within the window of `height` rows from index `top`; None if it is outside."""
        if height <= 0 or not self.view:
            return None
        offset = self.cursor - top
        return offset if 0 <= offset < height else None

    def scroll_to_cursor(self, top: int, height: int) -> int | None:
        """The window top nearest to `top` that shows the cursor; None when the window already shows it."""
        if height <= 0 or not self.view:
            return None
        cursor = self.cursor
        if cursor < top:
            return cursor
        if cursor >= top + height:
            return cursor - height + 1
        return None

    def indexes_in_window(self, keys: set[str], top: int, height: int) -> list[int]:
        """The indexes in `view[top:top + height]` (the visible window) whose keys are in `keys`."""
        view = self.view
        return [index for index in range(top, min(len(view), top + height)) if view[index] in keys]

    # ---------------------------------------------------------------- marking

    def toggle_mark(self) -> bool:
        """Mark or unmark the cursor row (a marked row becomes the start of the next range); False when there
        is no cursor row."""
        key = self.cursor_key
        if key is None:
            return False
        if key in self.marks:
            self.marks.discard(key)
        else:
            self.marks.add(key)
            self.mark_anchor = key
        return True

    def _mark(self, keys: Iterable[str]) -> int:
        before = len(self.marks)
        self.marks.update(keys)
        return len(self.marks) - before

    def mark_range(self) -> int:
        """Mark the shown rows from the last row marked with `toggle_mark` to the cursor, both included (just
        the cursor row when that row is not shown). How many rows were newly marked."""
        if self.cursor_key is None:
            return 0
        start = self.index_of(self.mark_anchor)
        if start is None:
            start = self.cursor
        low, high = sorted((start, self.cursor))
        added = self._mark(self.view[low : high + 1])
        self.mark_anchor = self.cursor_key
        return added

    def mark_all(self) -> int:
        """Mark every shown row (all rows, or those that pass the filter). How many were newly marked."""
        return self._mark(self.view)

    def mark_where(self, column_key: str, text: str) -> int:
        """Mark every shown row whose cell in `column_key` reads `text`, or whose sort key there is `text`
        (case-insensitive; a cell may carry a glyph besides the state). How many were newly marked. KeyError
        for an unknown column."""
        index = self._column_index[column_key]
        wanted = text.strip().lower()
        rows = self.rows

        def reads(key: str) -> bool:
            row = rows[key]
            cell = row.cells[index] if index < len(row.cells) else ""
            return plain_text(cell).strip().lower() == wanted or str(row.sort_keys[index]).lower() == wanted

        return self._mark(filter(reads, self.view))

    def hidden_marks(self) -> int:
        """How many marked rows the filter hides."""
        if not self.marks or self.view is self._sorted:
            return 0
        return len(self.marks.difference(self.view))

    def clear_marks(self) -> bool:
        """Unmark every row; False when none was marked."""
        self.mark_anchor = None
        if not self.marks:
            return False
        self.marks.clear()
        return True
