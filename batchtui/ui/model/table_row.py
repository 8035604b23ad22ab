"""A table's columns and rows, as plain values.

A cell is a plain string or a styled text (Rich's `Text`, or anything with the same `plain`, `style` and
`spans`); the model never renders a cell, it only reads its plain text (for the filter) and compares cells
(to tell which rows must be redrawn).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

__all__ = ["GLYPHS", "Cell", "Column", "StyledText", "TableRow", "cells_equal", "fold_glyphs", "plain_text"]


class StyledText(Protocol):
    """A styled cell such as `rich.text.Text`: what the model reads of it."""

    @property
    def plain(self) -> str: ...

    @property
    def style(self) -> Any: ...

    @property
    def spans(self) -> Any: ...


Cell: TypeAlias = "str | StyledText"


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


def plain_text(cell: Any) -> str:
    """The text of a cell without its styles."""
    if isinstance(cell, str):
        return cell
    plain = getattr(cell, "plain", None)
    return plain if isinstance(plain, str) else str(cell)


# The glyphs the cells draw (states, marks, dashes): a row's search text holds each as one control
# character, and every filter is folded the same way (row_filter), so a filter finds them as before while
# the search text stays one byte a character (a single ✓ makes Python keep a string at two bytes a
# character: some 100 MB at 1,000,000 rows).
GLYPHS = "○▶✓✗◐⊘—…⟳■≈"
_FOLD = tuple((glyph, chr(1 + i)) for i, glyph in enumerate(GLYPHS))


def fold_glyphs(text: str) -> str:
    """`text` with the cells' glyphs (GLYPHS) folded to control characters (an ASCII text costs nothing;
    a replace per glyph present is several times quicker than str.translate)."""
    if text.isascii():
        return text
    for glyph, code in _FOLD:
        if glyph in text:
            text = text.replace(glyph, code)
    return text


@dataclass(slots=True)
class TableRow:
    """One row: a stable key, one cell per column, and one sort key per column.

    Rows are values: to change a row, upsert a new `TableRow` with the same key."""

    key: str
    cells: tuple[Cell, ...]
    sort_keys: tuple[Any, ...]
    """One comparable per column; `None` always sorts last."""
    search_text: str = ""
    """What the filters search, lower-cased, one cell a line: defaults to the non-empty plain cell texts
    joined by newlines, so that a regex's `^` and `$` (multi-line) anchor at each cell's start and end;
    the cells' glyphs folded (`fold_glyphs`). One string a row, not two (a 1,000,000-row table keeps a
    million of them)."""

    def __post_init__(self) -> None:
        if not self.search_text:
            texts = [plain_text(c) for c in self.cells]
            self.search_text = fold_glyphs("\n".join([t for t in texts if t]).lower())
        else:
            self.search_text = fold_glyphs(self.search_text.lower())

    @property
    def folded_text(self) -> str:
        """`search_text` with its lines joined by spaces: what a substring with a space in it is looked for
        in (the cells as they read across the row)."""
        return self.search_text.replace("\n", " ")


def _cell_equal(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if type(a) is str and type(b) is str:  # the common case
        return a == b
    a_styled = hasattr(a, "spans")
    b_styled = hasattr(b, "spans")
    if a_styled or b_styled:
        # Rich's Text.__eq__ ignores the base style, which is exactly what a state colour change alters.
        return a_styled and b_styled and a.plain == b.plain and a.style == b.style and a.spans == b.spans
    return bool(a == b)


def cells_equal(a: tuple[Cell, ...], b: tuple[Cell, ...]) -> bool:
    """Whether two rows' cells look the same: same texts, and for styled cells the same styles."""
    return len(a) == len(b) and all(_cell_equal(x, y) for x, y in zip(a, b, strict=True))
