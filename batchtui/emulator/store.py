"""The emulator's state: resource documents in memory, written through to SQLite.

Every resource is a JSON document shaped like its Batch REST representation;
keys starting with "_" are the emulator's own bookkeeping and never leave the
server. Collections keep their ids sorted, as Batch lists resources in id
order, so a page continues after the last id it returned.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

KINDS = ("pool", "node", "job", "task")

# A resource document: JSON shaped like Batch's REST representation, plus the
# emulator's private "_" keys. Values are whatever the client sent or Batch
# defines, so they stay Any; code that reads one narrows what it needs.
Doc = dict[str, Any]


class Collection:
    """Documents of one kind under one parent, by id, in id order."""

    def __init__(self) -> None:
        self._docs: dict[str, Doc] = {}
        self._ids: list[str] = []

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, ident: str) -> bool:
        return ident in self._docs

    def get(self, ident: str) -> Doc | None:
        return self._docs.get(ident)

    def add(self, doc: Doc) -> None:
        ident = doc["id"]
        if ident not in self._docs:
            if not self._ids or ident > self._ids[-1]:
                self._ids.append(ident)
            else:
                bisect.insort(self._ids, ident)
        self._docs[ident] = doc

    def remove(self, ident: str) -> Doc | None:
        doc = self._docs.pop(ident, None)
        if doc is not None:
            i = bisect.bisect_left(self._ids, ident)
            del self._ids[i]
        return doc

    def values(self) -> Iterator[Doc]:
        for ident in self._ids:
            yield self._docs[ident]

    def page(
        self, after: str | None, keep: Callable[[Doc], bool], limit: int
    ) -> tuple[list[Doc], str | None]:
        """Up to `limit` documents after id `after` that `keep` accepts, and the
        id to continue after (None when nothing is left)."""
        start = bisect.bisect_right(self._ids, after) if after is not None else 0
        out: list[Doc] = []
        ids, docs = self._ids, self._docs
        for i in range(start, len(ids)):
            doc = docs[ids[i]]
            if keep(doc):
                out.append(doc)
                if len(out) == limit:
                    return out, (ids[i] if i + 1 < len(ids) else None)
        return out, None


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, parent TEXT NOT NULL,"
            " id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, parent, id)) WITHOUT ROWID"
        )
        self.pools = Collection()
        self.jobs = Collection()
        self.nodes: dict[str, Collection] = {}
        self.tasks: dict[str, Collection] = {}
        self._pending: dict[tuple[str, str, str], Doc | None] = {}
        self._load()

    def _load(self) -> None:
        for kind, parent, _ident, text in self.db.execute("SELECT kind, parent, id, doc FROM docs"):
            self._collection(kind, parent).add(json.loads(text))

    def _collection(self, kind: str, parent: str) -> Collection:
        if kind == "pool":
            return self.pools
        if kind == "job":
            return self.jobs
        group = self.nodes if kind == "node" else self.tasks
        if parent not in group:
            group[parent] = Collection()
        return group[parent]

    def pool_nodes(self, pool_id: str) -> Collection:
        return self._collection("node", pool_id)

    def job_tasks(self, job_id: str) -> Collection:
        return self._collection("task", job_id)

    # -- writes -------------------------------------------------------------
    def put(self, kind: str, doc: Doc, parent: str = "") -> None:
        """Add or replace a document; it reaches disk at the next flush()."""
        self._collection(kind, parent).add(doc)
        self._pending[(kind, parent, doc["id"])] = doc

    def touch(self, kind: str, doc: Doc, parent: str = "") -> None:
        """Mark a document changed in place."""
        self._pending[(kind, parent, doc["id"])] = doc

    def delete(self, kind: str, ident: str, parent: str = "") -> None:
        self._collection(kind, parent).remove(ident)
        self._pending[(kind, parent, ident)] = None
        if kind in ("pool", "job"):
            children = self.nodes if kind == "pool" else self.tasks
            child_kind = "node" if kind == "pool" else "task"
            for child in list(children.pop(ident, Collection()).values()):
                self._pending[(child_kind, ident, child["id"])] = None

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        upserts = [(k, p, i, json.dumps(d)) for (k, p, i), d in pending.items() if d is not None]
        deletes = [(k, p, i) for (k, p, i), d in pending.items() if d is None]
        with self.db:
            self.db.execute("BEGIN")
            if deletes:
                self.db.executemany("DELETE FROM docs WHERE kind=? AND parent=? AND id=?", deletes)
            if upserts:
                self.db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?)", upserts)

    def close(self) -> None:
        self.flush()
        self.db.close()
