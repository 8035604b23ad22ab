"""A virtualised, sortable, filterable table for large resource lists.

`ResourceTable` is the interactive widget: keys, mouse, messages to the app, and the API the app calls
(set/upsert/remove rows, sort, filter, marks, cursor). Underneath:

- `TableModel` (batchtui.ui.model.table) keeps the rows as plain data in display order (sort, filter,
  marks, cursor), so loading, sorting and filtering 100,000 rows costs a few list operations rather than
  100,000 widgets or 100,000 pre-rendered strips;
- `TableView` (table_view) is the Line API view that renders only the lines on screen, drawn by
  `TableLines` (table_render).

Rows are treated as immutable values: to change a row, upsert a new
`TableRow` with the same key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar, TypeAlias

from textual import events
from textual.binding import Binding, BindingType

from ..model.row_filter import RowFilter, compile_filter
from ..model.table_row import Column, TableRow
from . import table_messages
from .table_render import MAX_FLEX_GROWTH, MIN_FLEX_WIDTH
from .table_view import TableView

__all__ = ["Column", "TableRow", "ResourceTable", "RowFilter", "compile_filter", "MIN_FLEX_WIDTH", "MAX_FLEX_GROWTH"]


class ResourceTable(TableView, can_focus=True):
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
        # No descriptions: the help lists these in its own "Marks" section (screens/help.py).
        # ctrl+space reaches a terminal app as NUL, which Textual names ctrl+@.
        Binding("ctrl+@,ctrl+space", "mark_range", show=False),  # from the last marked row to the cursor
        Binding("ctrl+a", "mark_all", show=False),  # every row shown (those the filter passes)
        Binding("ctrl+backslash", "clear_marks", show=False),
        Binding("left", "scroll_columns(-1)", show=False),  # a whole column; the first one stays put
        Binding("right", "scroll_columns(1)", show=False),
    ]

    # The messages it posts (see table_messages), as the app names them: ResourceTable.RowSelected etc.
    RowHighlighted: TypeAlias = table_messages.RowHighlighted
    RowSelected: TypeAlias = table_messages.RowSelected
    SortChanged: TypeAlias = table_messages.SortChanged
    FilterChanged: TypeAlias = table_messages.FilterChanged
    MarksChanged: TypeAlias = table_messages.MarksChanged

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
        self._posted_key: str | None = None
        self.set_reactive(ResourceTable.empty_text, empty_text)
        if columns:
            self.set_columns(columns)

    # ------------------------------------------------------------------ state

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._model.columns

    @property
    def row_count(self) -> int:
        """Rows after the filter."""
        return len(self._model.view)

    @property
    def total_count(self) -> int:
        """All rows."""
        return len(self._model.rows)

    @property
    def cursor_key(self) -> str | None:
        return self._model.cursor_key

    @property
    def cursor_row(self) -> int:
        """Index of the cursor within the filtered, sorted rows (0 when empty)."""
        return self._model.cursor

    @property
    def marked(self) -> frozenset[str]:
        return frozenset(self._model.marks)

    @property
    def sort_column(self) -> str | None:
        return self._model.sort_column

    @property
    def sort_reverse(self) -> bool:
        return self._model.sort_reverse

    @property
    def filter_text(self) -> str:
        return self._model.filter_text

    @property
    def visible_keys(self) -> list[str]:
        """Keys in display order (after filter and sort). A copy."""
        return list(self._model.view)

    def get_row(self, key: str) -> TableRow | None:
        return self._model.rows.get(key)

    def all_keys(self) -> list[str]:
        """Every row's key, filtered or not (insertion order)."""
        return list(self._model.rows)

    def all_rows(self) -> list[TableRow]:
        """Every row, filtered or not (insertion order)."""
        return list(self._model.rows.values())

    # ---------------------------------------------------------------- changes

    def set_columns(self, columns: Sequence[Column]) -> None:
        self._model.set_columns(columns)
        self._lines.set_columns(self._model.columns, self._model.content.widths)
        self._update_virtual_size()
        self.refresh()

    def set_rows(self, rows: Iterable[TableRow]) -> None:
        """Replace every row. The cursor stays on the same key if it still exists."""
        anchor = self._cursor_anchor()
        if self._model.set_rows(rows):
            self._post_marks()
        self._lines.rows.clear()
        self._after_reorder(anchor)

    def upsert_rows(self, rows: Iterable[TableRow]) -> None:
        """Update rows by key, inserting new ones where the current sort puts them.

        Only rows whose cells changed are redrawn (if they are on screen); if
        rows moved or appeared, the visible window is redrawn.
        """
        rows = list(rows)
        anchor = self._cursor_anchor()
        window = self._window_keys()
        result = self._model.upsert(rows)
        if result.reordered and window and self._window_keys() == window and not self._sync_layout():
            # Rows appeared or moved off screen only (a big job's pages arriving below the window): the
            # lines on screen stay, but for those that were upserted in place.
            self._model.reanchor()
            self._update_virtual_size()
            self._refresh_keys({row.key for row in rows})
            self._post_highlight()
        elif result.reordered:
            self._after_reorder(anchor)
        elif self._sync_layout():
            self._update_virtual_size()
        elif result.changed:
            self._refresh_keys(result.changed)

    def _window_keys(self) -> list[str]:
        """The keys of the rows on screen, top to bottom."""
        top = self.scroll_offset.y
        return self._model.view[top:top + self._body_height()]

    def remove_rows(self, keys: Iterable[str]) -> None:
        """Remove rows by key (unknown keys are ignored)."""
        anchor = self._cursor_anchor()
        removed, marks_changed = self._model.remove(keys)
        if not removed:
            return
        if marks_changed:
            self._post_marks()
        self._after_reorder(anchor)

    def clear(self) -> None:
        """Remove every row."""
        self.set_rows(())

    def sort_by(self, column_key: str | None, reverse: bool | None = None) -> None:
        """Sort by a column. `reverse=None` toggles when sorting the same column
        again (and means ascending for a new column). `None` as the column
        restores the insertion order."""
        anchor = self._cursor_anchor()
        self._model.sort_by(column_key, reverse)
        self._lines.headers.clear()
        self._after_reorder(anchor, follow=True)
        self.post_message(self.SortChanged(self, self._model.sort_column, self._model.sort_reverse))

    def set_filter(self, text: str, keys: Iterable[str] | None = None) -> str | None:
        """Filter rows. "" clears; plain text is a case-insensitive substring; "re:pattern" or "/pattern/"
        is a (case-insensitive) regex; a leading "!" inverts; `keys`: exactly those rows, named `text` (see
        `TableModel.set_filter`). An error message for an invalid regex (the filter is kept), else None."""
        anchor = self._cursor_anchor()
        before = self._model.filter_text
        error = self._model.set_filter(text, keys)
        if error is not None:
            return error
        self._after_reorder(anchor, follow=True)
        if self._model.filter_text != before:
            self.post_message(self.FilterChanged(self, self._model.filter_text))
        return None

    # ----------------------------------------------------------------- cursor

    def move_cursor_to_key(self, key: str) -> bool:
        """Put the cursor on `key` (scrolling it into view). False if it is not shown."""
        index = self._model.index_of(key)
        if index is None:
            return False
        self._move_cursor(index)
        return True

    def move_cursor(self, index: int) -> None:
        """Put the cursor on the row at `index` of the filtered, sorted rows (clamped)."""
        self._move_cursor(index)

    def _move_cursor(self, index: int, scroll: bool = True) -> None:
        old = self._model.move_cursor(index)
        if old is None:
            return
        new = self._model.cursor
        if old != new:
            self.refresh_line(old + 1)
            self.refresh_line(new + 1)
        if scroll:
            self._scroll_to_cursor()
        self._post_highlight()

    def _after_reorder(self, anchor: int | None, follow: bool = False) -> None:
        """Re-anchor the cursor on its key after the view changed, then redraw.

        If the cursor was on screen (`anchor` is its line) it stays on that
        line: the rows around it move, it does not. If it was off screen (the
        user scrolled away with the mouse), data updates leave the scroll
        position alone, while sorting and filtering (`follow`) bring it back."""
        model = self._model
        model.reanchor()
        self._update_virtual_size()
        self.refresh()
        if model.view:
            if anchor is not None:
                target = model.cursor - anchor
                if target != self.scroll_offset.y:
                    self.scroll_to(y=target, animate=False, force=True)
                self._scroll_to_cursor()  # in case the target was out of range
            elif follow:
                self._scroll_to_cursor()
        self._post_highlight()

    def _post_highlight(self) -> None:
        key = self._model.cursor_key
        if key != self._posted_key:
            self._posted_key = key
            self.post_message(self.RowHighlighted(self, key))

    def _post_marks(self) -> None:
        self.post_message(self.MarksChanged(self, frozenset(self._model.marks)))

    # ---------------------------------------------------------------- marking

    @property
    def hidden_marks(self) -> int:
        """How many marked rows the filter hides."""
        return self._model.hidden_marks()

    def toggle_mark(self, advance: bool = False) -> None:
        """Mark or unmark the cursor row; `advance`: then move the cursor to the next row (as k9s does)."""
        model = self._model
        if model.toggle_mark():
            self.refresh_line(model.cursor + 1)
            self._post_marks()
            if advance:
                self._move_cursor(model.cursor + 1)

    def mark_range(self) -> int:
        """Mark the shown rows from the last marked row to the cursor. How many were newly marked."""
        return self._marked(self._model.mark_range())

    def mark_all(self) -> int:
        """Mark every shown row (the filter is respected). How many were newly marked."""
        return self._marked(self._model.mark_all())

    def mark_where(self, column_key: str, text: str) -> int:
        """Mark every shown row whose `column_key` cell reads `text` (case-insensitive). How many were newly
        marked. KeyError for an unknown column."""
        return self._marked(self._model.mark_where(column_key, text))

    def _marked(self, added: int) -> int:
        if added:
            self.refresh()
            self._post_marks()
        return added

    def clear_marks(self) -> None:
        if self._model.clear_marks():
            self.refresh()
            self._post_marks()

    # ---------------------------------------------------------------- actions

    def action_cursor_up(self) -> None:
        self._move_cursor(self._model.cursor - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(self._model.cursor + 1)

    def action_cursor_page_up(self) -> None:
        page = max(1, self._body_height())
        self.scroll_to(y=self.scroll_offset.y - page, animate=False, force=True)
        self._move_cursor(self._model.cursor - page)

    def action_cursor_page_down(self) -> None:
        page = max(1, self._body_height())
        self.scroll_to(y=self.scroll_offset.y + page, animate=False, force=True)
        self._move_cursor(self._model.cursor + page)

    def action_cursor_top(self) -> None:
        self._move_cursor(0)

    def action_cursor_bottom(self) -> None:
        self._move_cursor(len(self._model.view) - 1)

    def action_select_cursor(self) -> None:
        key = self._model.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def action_toggle_mark(self) -> None:
        self.toggle_mark(advance=True)

    action_mark_range = mark_range
    action_mark_all = mark_all
    action_clear_marks = clear_marks
    action_scroll_columns = TableView.scroll_columns

    # ------------------------------------------------------------------ mouse

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x, y = offset
        scroll_y = self.scroll_offset.y
        if y == 0:
            column_key = self.column_at(x)
            if column_key is not None:
                self.sort_by(column_key)
                event.stop()
            return
        index = scroll_y + y - 1
        if 0 <= index < len(self._model.view):
            if index == self._model.cursor:
                self.action_select_cursor()
            else:
                self._move_cursor(index)
            event.stop()

