"""An index of a collection's documents by the second of one datetime property (a task's
`stateTransitionTime`), so that the explorer's incremental refresh (`$filter=stateTransitionTime ge
datetime'…'`) reads the tasks that changed since then instead of scanning every task of the job.

Documents are kept in buckets by the UTC second of the property (its canonical sort key cut to the
second, so the buckets sort as the times do); `since(key)` gives the ids whose second is at or after
the key's: a superset of the documents the filter accepts (the filter itself still decides). Memory:
one dict entry per document and one set entry in its bucket.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any

from .odata import datetime_key

__all__ = ["TimeIndex"]

_SECOND = 19  # len("YYYY-MM-DDTHH:MM:SS"): a sort key cut to its second


class TimeIndex:
    """Ids of documents by the second of `field` (documents without it are not indexed)."""

    def __init__(self, field: str) -> None:
        self.field = field
        self._second_of: dict[str, str] = {}
        self._buckets: dict[str, set[str]] = {}
        self._seconds: list[str] = []  # the bucket keys, sorted

    def __len__(self) -> int:
        return len(self._second_of)

    def update(self, ident: str, doc: dict[str, Any]) -> None:
        """Index `doc` (id `ident`) again after a change; cheap when its second did not change."""
        value = doc.get(self.field)
        if type(value) is str and len(value) == 28 and value[19] == "." and value[27] == "Z" and value[10] == "T":
            second: str | None = value[:_SECOND]  # (as formats.iso writes it: its second as it stands)
        else:
            key = datetime_key(value)
            second = key[:_SECOND] if key else None
        old = self._second_of.get(ident)
        if old == second:
            return
        if old is not None:
            self._drop(ident, old)
        if second is not None:
            self._second_of[ident] = second
            bucket = self._buckets.get(second)
            if bucket is None:
                bucket = self._buckets[second] = set()
                bisect.insort(self._seconds, second)
            bucket.add(ident)

    def remove(self, ident: str) -> None:
        old = self._second_of.get(ident)
        if old is not None:
            self._drop(ident, old)

    def _drop(self, ident: str, second: str) -> None:
        del self._second_of[ident]
        bucket = self._buckets[second]
        bucket.discard(ident)
        if not bucket:
            del self._buckets[second]
            del self._seconds[bisect.bisect_left(self._seconds, second)]

    def count_since(self, key: str) -> int:
        """How many ids `since(key)` gives (without building them)."""
        return sum(len(self._buckets[s]) for s in self._after(key))

    def since(self, key: str) -> Iterator[str]:
        """The ids whose second is at or after that of the sort key `key` (in no order)."""
        for second in self._after(key):
            yield from self._buckets[second]

    def _after(self, key: str) -> list[str]:
        return self._seconds[bisect.bisect_left(self._seconds, key[:_SECOND]):]
