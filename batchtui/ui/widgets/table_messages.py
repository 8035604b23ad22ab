"""The messages a `ResourceTable` posts to the app: the cursor moved, a row was chosen, the sort, the
filter or the marks changed. Each is also reachable as `ResourceTable.<Name>` and handled as
`on_resource_table_<name>` (their namespace), as if they were defined in the table's class."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from .resource_table import ResourceTable

__all__ = ["FilterChanged", "MarksChanged", "RowHighlighted", "RowSelected", "SortChanged"]

NAMESPACE = "resource_table"


class _TableMessage(Message):
    """A message from `table` (its `control`)."""

    def __init__(self, table: ResourceTable) -> None:
        self.table = table
        super().__init__()

    @property
    def control(self) -> ResourceTable:
        return self.table


class RowHighlighted(_TableMessage, namespace=NAMESPACE):
    """The cursor moved to another row (key is None when the table emptied)."""

    def __init__(self, table: ResourceTable, key: str | None) -> None:
        self.key = key
        super().__init__(table)


class RowSelected(_TableMessage, namespace=NAMESPACE):
    """Enter was pressed on a row (or a highlighted row was clicked)."""

    def __init__(self, table: ResourceTable, key: str) -> None:
        self.key = key
        super().__init__(table)


class SortChanged(_TableMessage, namespace=NAMESPACE):
    """The rows were sorted by another column or direction (a key, a header click, or the app)."""

    def __init__(self, table: ResourceTable, column: str | None, descending: bool) -> None:
        self.column = column
        self.descending = descending
        super().__init__(table)


class FilterChanged(_TableMessage, namespace=NAMESPACE):
    """The filter changed (`filter_text` is the new one, "" for none)."""

    def __init__(self, table: ResourceTable, filter_text: str) -> None:
        self.filter_text = filter_text
        super().__init__(table)


class MarksChanged(_TableMessage, namespace=NAMESPACE):
    """The set of marked rows changed."""

    def __init__(self, table: ResourceTable, marked: frozenset[str]) -> None:
        self.marked = marked
        super().__init__(table)
