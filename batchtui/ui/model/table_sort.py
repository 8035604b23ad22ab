"""The display order of a table's keys: a stable sort by one column, binary insertion, removal.

The order is total and stable: rows with equal sort keys keep their insertion order (the sort is stable and
`insert_position` breaks ties by insertion sequence, so both agree), and `None` sorts last in either
direction. Sort keys that are not mutually comparable (numbers and text in one column) fall back to the
"mixed" order: numbers first, then everything else by its text.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any

from .table_row import TableRow

__all__ = ["insert_position", "merged", "mixed_sort_key", "remove_keys", "sorted_keys"]

#: Removals of more keys than this filter the whole list in one pass instead
#: of calling list.remove() per key.
_REMOVE_LIMIT = 8

#: Sorts of this many keys or more go by buckets when the sort column has few distinct values (at most one
#: in BUCKET_SHARE keys): sorting a million rows by state took a second.
BUCKETS_FROM = 10_000
BUCKET_SHARE = 100

_get_sort_keys = attrgetter("sort_keys")


def _is_none(value: Any) -> bool:
    return value is None


def mixed_sort_key(value: Any) -> tuple[int, Any, str]:
    """A total order for columns whose sort keys are not mutually comparable."""
    if isinstance(value, (int, float)):
        return (0, value, "")
    return (1, 0, str(value))


def sorted_keys(keys: list[str], rows: dict[str, TableRow], index: int, reverse: bool,
                mixed: bool) -> tuple[list[str], bool]:
    """`keys` (given in insertion order) sorted by sort key `index` of their rows, and whether the order is
    the mixed one (`mixed` given True: use it straight away; else only if the keys turn out not to be
    comparable)."""
    # (every key, in insertion order, is the rows' own order: reading the rows straight is some five times
    # quicker at a million than looking each key up)
    chosen = rows.values() if len(keys) == len(rows) else map(rows.__getitem__, keys)
    values = list(map(itemgetter(index), map(_get_sort_keys, chosen)))
    if not mixed and len(values) >= BUCKETS_FROM:
        bucketed = _bucketed(keys, values, reverse)
        if bucketed is not None:
            return bucketed, False
    if any(map(_is_none, values)):
        present = [i for i, value in enumerate(values) if value is not None]
        nones = [i for i, value in enumerate(values) if value is None]
    else:
        present = list(range(len(values)))
        nones = []
    order = None
    value_of: Callable[[int], Any] = values.__getitem__
    if not mixed:
        order = present.copy()  # a failed sort leaves its list half-sorted
        try:
            order.sort(key=value_of, reverse=reverse)
        except TypeError:
            # Keys of different types: sort numbers before everything else,
            # the rest by their text, until the sort column changes.
            mixed = True
            order = None
    if order is None:
        mixed_values = [None if value is None else mixed_sort_key(value) for value in values]
        mixed_of: Callable[[int], Any] = mixed_values.__getitem__
        order = present
        order.sort(key=mixed_of, reverse=reverse)
    result = list(map(keys.__getitem__, order))
    if nones:
        result.extend(map(keys.__getitem__, nones))
    return result, mixed


def _bucketed(keys: list[str], values: list[Any], reverse: bool) -> list[str] | None:
    """`keys` sorted by `values` through one bucket a distinct value, when there are few of them (a state,
    an exit code, a node, among a million rows: linear, where a sort is n log n): the same order as the
    stable sort (ties in insertion order, None last either way). None when the values are many, unhashable
    or not comparable (the caller sorts)."""
    try:
        distinct = set(values)
    except TypeError:
        return None
    if len(distinct) > len(values) // BUCKET_SHARE:
        return None
    present = [value for value in distinct if value is not None]
    try:
        present.sort(reverse=reverse)
    except TypeError:
        return None
    buckets: dict[Any, list[str]] = {value: [] for value in present}
    if len(present) < len(distinct):
        buckets[None] = []
    for key, value in zip(keys, values, strict=True):
        buckets[value].append(key)
    return list(chain.from_iterable(buckets.values()))


def insert_position(keys: list[str], key: str, sort_value: Callable[[str], Any], seq: dict[str, int],
                    reverse: bool) -> int:
    """Where `key` goes in `keys` (which is in display order): after every row that sorts before it, ties
    broken by insertion sequence `seq`. `sort_value(key)`: a key's sort value (None sorts last).

    Raises TypeError if sort values turn out not to be comparable."""
    value = sort_value(key)
    my_seq = seq[key]
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


def merged(keys: list[str], batch: list[str], place: Callable[[str], int]) -> list[str]:
    """`keys` (in display order) with `batch` (new keys, in display order too) merged in: `place(key)` is
    where a key of the batch goes in `keys` (insert_position). One binary search a new key, then the list
    is built once from slices (no sort of the whole list, no insert per key: linear in C, not quadratic).

    Raises TypeError if sort values turn out not to be comparable."""
    out: list[str] = []
    start = 0
    for key in batch:
        at = place(key)
        out += keys[start:at]
        out.append(key)
        start = at
    out += keys[start:]
    return out


def remove_keys(keys: list[str], gone: set[str]) -> None:
    """Remove `gone` from `keys` in place (keys not in it are ignored)."""
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
