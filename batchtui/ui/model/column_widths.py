"""How wide each column's content is, so a table can give a column the room its cells need (and no more).

Measured over at most `SAMPLE` rows spread evenly through the table (every row of a table that size or
smaller), so a 100,000-row table costs the same as a 2,000-row one; rows updated later only ever widen it
(a big batch of them by a sample too).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len

from .table_row import TableRow, plain_text

__all__ = ["SAMPLE", "ContentWidths"]

SAMPLE = 2000


def _width(cell: object) -> int:
    text = plain_text(cell)
    return len(text) if text.isascii() else cell_len(text)


class ContentWidths:
    """The widest cell, in terminal cells, of each of `count` columns."""

    def __init__(self) -> None:
        self.widths: tuple[int, ...] = ()

    def measure(self, rows: Sequence[TableRow], count: int) -> None:
        """Start over from `rows` (a sample of them when there are more than `SAMPLE`)."""
        self.widths = (0,) * count
        step = max(1, len(rows) // SAMPLE)
        self.grow(rows[::step])

    def grow(self, rows: Sequence[TableRow]) -> None:
        """Widen the columns that `rows` need wider (a sample of `SAMPLE` // 10 of them, spread evenly, when
        there are more: a page of a fill; a refresh's few changed rows are all measured)."""
        if len(rows) > SAMPLE // 10:
            rows = rows[::len(rows) // (SAMPLE // 10)]
        widths = list(self.widths)
        count = len(widths)
        for row in rows:
            for index, cell in enumerate(row.cells[:count]):
                if cell:
                    width = _width(cell)
                    if width > widths[index]:
                        widths[index] = width
        self.widths = tuple(widths)
