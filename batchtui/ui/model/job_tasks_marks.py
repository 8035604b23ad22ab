"""The job manager's row in its job's tasks view: marked as such and put first (Batch starts it before
the job's other tasks). Plain rows in, plain rows out (nothing rendered here)."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text

from .table_row import TableRow, plain_text

__all__ = ["MANAGER_MARK", "FIRST", "manager_first"]

MANAGER_MARK = " ⚑ job manager"
FIRST = "\x00"  # before every id in the ID column's sort (ascending)


def marked(row: TableRow, mark: str, style: str = "bold magenta") -> TableRow:
    """`row` with `mark` after the id in its first cell (and the id's sort key kept)."""
    cell = Text(plain_text(row.cells[0]))
    cell.append(mark, style=style)
    return replace(row, cells=(cell, *row.cells[1:]))


def manager_first(rows: list[TableRow], manager_id: str | None) -> list[TableRow]:
    """`rows` with the job manager's (key `manager_id`) marked and moved first; its ID sort key sorts first."""
    if not manager_id:
        return rows
    first: list[TableRow] = []
    rest: list[TableRow] = []
    for row in rows:
        if row.key == manager_id:
            row = marked(row, MANAGER_MARK)
            first.append(replace(row, sort_keys=(FIRST + row.key, *row.sort_keys[1:])))
        else:
            rest.append(row)
    return first + rest if first else rows
