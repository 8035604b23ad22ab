"""The filter language of a table.

- ``""``: no filter;
- plain text: a case-insensitive substring of the row's text (its cells joined by spaces);
- ``re:pattern`` or ``/pattern/``: a case-insensitive regular expression searched for in each cell (not
  matched whole): ``^`` and ``$`` anchor at a cell's start and end, so ``re:^step-0`` or ``re:failed$`` work
  (the row's `search_text` holds one cell a line, lower-cased, searched in multi-line mode; the cells'
  glyphs are folded in it and in the filter alike: table_row.fold_glyphs);
- a leading ``!`` inverts any of these: the rows that do *not* match.

A `KeyFilter` is not typed: it passes exactly the rows with the given keys (the tasks of a failure cluster,
of a histogram's bar), under a name that stands for it in the title and at the prompt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from .table_row import TableRow, fold_glyphs

__all__ = ["KeyFilter", "RowFilter", "compile_filter"]


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
        text = row.folded_text if " " in self.needle else row.search_text
        return (self.needle in text) is not self.invert

    def select(self, keys: list[str], rows: dict[str, TableRow]) -> list[str]:
        """The keys whose rows match, in order (the bulk path: no call per row)."""
        if len(keys) == len(rows):
            # Every row (`keys` is the display order of them all): read the rows in their own order, then
            # keep the display order; looking a million keys up in sorted order reads memory at random
            # (0.9 s against 0.26 s at 1,000,000 rows).
            matching = self._matching(rows.values())
            if len(matching) * 2 > len(rows):  # (most rows pass: test against the few that do not)
                excluded = set(RowFilter(self.needle, self.search, not self.invert)._matching(rows.values()))
                return [k for k in keys if k not in excluded]
            matched = set(matching)
            return [k for k in keys if k in matched]
        return self._matching(map(rows.__getitem__, keys))

    def _matching(self, rows: Iterable[TableRow]) -> list[str]:
        """The keys of `rows` that match, in their order."""
        search = self.search
        if search is not None:
            if self.invert:
                return [r.key for r in rows if not search(r.search_text)]
            return [r.key for r in rows if search(r.search_text)]
        needle = self.needle
        if " " in needle:  # (it may span cells: look in the cells as they read across the row)
            if self.invert:
                return [r.key for r in rows if needle not in r.folded_text]
            return [r.key for r in rows if needle in r.folded_text]
        # Without a space it cannot span two cells, whatever joins them: the stored text serves as it is.
        if self.invert:
            return [r.key for r in rows if needle not in r.search_text]
        return [r.key for r in rows if needle in r.search_text]


class KeyFilter(RowFilter):
    """Passes exactly the rows whose keys are in `keys` (rows not loaded yet pass when they arrive)."""

    __slots__ = ("keys",)

    def __init__(self, keys: frozenset[str]) -> None:
        super().__init__()
        self.keys = keys

    def __call__(self, row: TableRow) -> bool:
        return row.key in self.keys

    def select(self, keys: list[str], rows: dict[str, TableRow]) -> list[str]:
        wanted = self.keys
        return [k for k in keys if k in wanted]


def compile_filter(text: str) -> tuple[RowFilter | None, str | None]:
    """Turn filter text into a RowFilter.

    Returns (filter, error); filter is None when the text means "no filter"; error is a message for an
    invalid regex (and filter is then None).
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
            search = re.compile(fold_glyphs(pattern), re.IGNORECASE | re.MULTILINE).search
        except re.error as error:
            return None, f"Invalid regex {pattern!r}: {error}"
        return RowFilter(search=search, invert=invert), None
    return RowFilter(needle=fold_glyphs(body.lower()), invert=invert), None
