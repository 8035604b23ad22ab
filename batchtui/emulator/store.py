"""The emulator's state: resource documents in memory, written through to SQLite.

Every resource is a JSON document shaped like its Batch REST representation;
keys starting with "_" are the emulator's own bookkeeping and never leave the
server. Collections keep their ids sorted, as Batch lists resources in id
order, so a page continues after the last id it returned.

Changes reach disk in batches (flush()). A batch that cannot be written (a
full disk) stays pending and is written by a later flush; meanwhile a
request's own changes can be undone from what is on disk (see journal()).
The file itself is checked on open (store_file) and each row as it loads
(store_check): a damaged row is set aside in the table `damaged`, never
silently dropped, and a file that is not a store is refused.
"""

from __future__ import annotations

import bisect
import contextvars
import gc
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import store_file
from .store_check import KINDS, PARENT_KIND, describe, parse_row
from .time_index import TimeIndex

__all__ = ["KINDS", "Collection", "Doc", "Key", "Store", "StoreUnwritable"]

log = logging.getLogger("batchtui.emulator")

# A resource document: JSON shaped like Batch's REST representation, plus the
# emulator's private "_" keys. Values are whatever the client sent or Batch
# defines, so they stay Any; code that reads one narrows what it needs.
Doc = dict[str, Any]
Key = tuple[str, str, str]  # (kind, parent id, id) of a stored document

# Seconds between attempts to write a batch while writes keep failing.
RETRY_SECONDS = 0.5
# How many set-aside rows are named one by one in the log at start.
NAMED_ASIDE = 20


class StoreUnwritable(Exception):
    """The store cannot be written now (e.g. the disk is full). The changes stay
    pending and a later flush() writes them; str() says why, naming the file."""


# The keys the current request changed (None outside a request): see Store.journal().
_journal: contextvars.ContextVar[set[Key] | None] = contextvars.ContextVar("store_journal", default=None)
_SERVICE = "service"  # owner of a change made outside any journal (a tick, a task's run)
_MIXED = "mixed"  # owner of a change made by more than one party since the last write


def outside_journal() -> contextvars.Context:
    """A context in which changes belong to no request: for background runs a
    request starts (their later changes are the service's own)."""
    context = contextvars.copy_context()
    context.run(_journal.set, None)
    return context


# Stores of at least this many documents are frozen out of the cyclic collector once loaded (see Store).
FREEZE_FROM = 10_000

# A page through the time index when it narrows the candidates to at most this share of the collection
# (beyond it, a scan in id order that stops at the page's end costs less than sorting the candidates).
INDEX_SHARE = 1 / 8


class Collection:
    """Documents of one kind under one parent, by id, in id order; `time_field`: a datetime property to
    keep an index of (see page())."""

    def __init__(self, time_field: str | None = None) -> None:
        self._docs: dict[str, Doc] = {}
        self._ids: list[str] = []
        self.time_field = time_field
        # Kept from the first document on: built on the first query that asks for it, a million tasks made
        # that query (the explorer's first refresh after listing them) wait 3 s.
        self.index: TimeIndex | None = TimeIndex(time_field) if time_field is not None else None

    def _time_index(self) -> TimeIndex | None:
        return self.index

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
        if self.index is not None:
            self.index.update(ident, doc)

    def changed(self, doc: Doc) -> None:
        """`doc` (one of these) was changed in place: index it again."""
        if self.index is not None:
            self.index.update(doc["id"], doc)

    def remove(self, ident: str) -> Doc | None:
        doc = self._docs.pop(ident, None)
        if doc is not None:
            i = bisect.bisect_left(self._ids, ident)
            del self._ids[i]
            if self.index is not None:
                self.index.remove(ident)
        return doc

    def values(self) -> Iterator[Doc]:
        for ident in self._ids:
            yield self._docs[ident]

    def page(
        self, after: str | None, keep: Callable[[Doc], bool], limit: int, since: str | None = None
    ) -> tuple[list[Doc], str | None]:
        """Up to `limit` documents after id `after` that `keep` accepts, and the
        id to continue after (None when nothing is left). `since`: a sort key of the
        time field that every document `keep` accepts is at or after (odata.time_floor),
        so that only the documents the time index gives are looked at."""
        ids = self._ids
        index = self._time_index() if since is not None else None
        if since is not None and index is not None and index.count_since(since) <= len(ids) * INDEX_SHARE:
            ids = sorted(index.since(since))
        start = bisect.bisect_right(ids, after) if after is not None else 0
        out: list[Doc] = []
        docs = self._docs
        for i in range(start, len(ids)):
            doc = docs[ids[i]]
            if keep(doc):
                out.append(doc)
                if len(out) == limit:
                    return out, (ids[i] if i + 1 < len(ids) else None)
        return out, None


class Store:
    """Collections of pools, jobs, job schedules, nodes (per pool) and tasks (per job), loaded
    from the SQLite file at `path` and written back to it by flush().

    Raises StartError (settings) when `path` is not a store this emulator can use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = store_file.open_store(path)
        self.pools = Collection()
        self.jobs = Collection()
        self.schedules = Collection()
        self.nodes: dict[str, Collection] = {}
        self.tasks: dict[str, Collection] = {}
        self._pending: dict[Key, Doc | None] = {}
        self._owner: dict[Key, object] = {}  # who changed each pending key: a journal, _SERVICE or _MIXED
        self.failure: str | None = None  # why the last write failed, while writes fail
        self._retry_at = 0.0
        # A store of a million tasks is some ten million dicts and lists: without the cyclic collector
        # walking them again and again while they load, and out of its walks once loaded (they never form
        # cycles, reference counting frees them), see https://docs.python.org/3/library/gc.html#gc.freeze.
        gc.disable()
        try:
            loaded = self._load()
        finally:
            gc.enable()
        if loaded >= FREEZE_FROM:
            gc.freeze()

    def _load(self) -> int:
        """Load every row; how many."""
        aside: list[tuple[Key, str, str]] = []
        loaded = 0
        for kind, parent, ident, text in self.db.execute("SELECT kind, parent, id, doc FROM docs"):
            loaded += 1
            doc, problem = parse_row(kind, parent, ident, text)
            if doc is None:
                aside.append(((kind, parent, ident), text, problem or "unreadable"))
            else:
                self._collection(kind, parent).add(doc)
        for kind, group, parents in (("node", self.nodes, self.pools), ("task", self.tasks, self.jobs)):
            for parent in [p for p in group if p not in parents]:
                for doc in group.pop(parent).values():
                    reason = f"its {PARENT_KIND[kind]} {parent!r} is not in the store"
                    aside.append(((kind, parent, doc["id"]), json.dumps(doc), reason))
        if aside:
            self._move_aside(aside)
        return loaded

    def _move_aside(self, rows: list[tuple[Key, str, str]]) -> None:
        """Rows that cannot be loaded go to the table `damaged`, each named in the log."""
        try:
            store_file.move_aside(self.db, rows)
        except sqlite3.Error as exc:
            raise store_file.refused(self.path, f"{len(rows)} damaged rows cannot be set aside: {exc}") from None
        for (kind, parent, ident), _text, reason in rows[:NAMED_ASIDE]:
            log.warning("%s: %s set aside in table 'damaged': %s", self.path, describe(kind, parent, ident), reason)
        if len(rows) > NAMED_ASIDE:
            log.warning("%s: %d more damaged rows set aside in table 'damaged'", self.path, len(rows) - NAMED_ASIDE)

    def set_aside(self, kind: str, ident: str, parent: str, reason: str) -> None:
        """A loaded document the engine cannot recover: out of memory, into `damaged`."""
        doc = self._collection(kind, parent).remove(ident)
        if doc is not None:
            self._pending.pop((kind, parent, ident), None)
            self._move_aside([((kind, parent, ident), json.dumps(doc), reason)])

    def _collection(self, kind: str, parent: str) -> Collection:
        if kind == "pool":
            return self.pools
        if kind == "job":
            return self.jobs
        if kind == "jobschedule":
            return self.schedules
        group = self.nodes if kind == "node" else self.tasks
        if parent not in group:
            group[parent] = Collection("stateTransitionTime" if kind == "task" else None)
        return group[parent]

    def pool_nodes(self, pool_id: str) -> Collection:
        return self._collection("node", pool_id)

    def job_tasks(self, job_id: str) -> Collection:
        return self._collection("task", job_id)

    # -- writes -------------------------------------------------------------
    def put(self, kind: str, doc: Doc, parent: str = "") -> None:
        """Add or replace a document; it reaches disk at the next flush()."""
        self._collection(kind, parent).add(doc)
        self._mark((kind, parent, doc["id"]), doc)

    def touch(self, kind: str, doc: Doc, parent: str = "") -> None:
        """Mark a document changed in place."""
        self._collection(kind, parent).changed(doc)
        self._mark((kind, parent, doc["id"]), doc)

    def delete(self, kind: str, ident: str, parent: str = "") -> None:
        self._collection(kind, parent).remove(ident)
        self._mark((kind, parent, ident), None)
        if kind in ("pool", "job"):
            children = self.nodes if kind == "pool" else self.tasks
            child_kind = "node" if kind == "pool" else "task"
            for child in list(children.pop(ident, Collection()).values()):
                self._mark((child_kind, ident, child["id"]), None)

    def _mark(self, key: Key, doc: Doc | None) -> None:
        self._pending[key] = doc
        journal = _journal.get()
        owner: object = _SERVICE
        if journal is not None:
            journal.add(key)
            owner = journal
        previous = self._owner.get(key, owner)
        self._owner[key] = owner if previous is owner else _MIXED

    def flush(self) -> None:
        """Write every pending change in one transaction.

        Raises StoreUnwritable when that fails: the changes stay pending, and
        while writes keep failing a flush tries again at most every
        RETRY_SECONDS (in between it raises at once). The first failure is
        logged once; so is the first write that succeeds after it."""
        if self.failure is not None and time.monotonic() < self._retry_at:
            raise StoreUnwritable(self.failure)
        if not self._pending:
            return
        try:
            store_file.write(self.db, self._pending)
        except sqlite3.Error as exc:
            self._failed(exc)
            raise StoreUnwritable(self.failure) from None
        written = len(self._pending)
        self._pending.clear()
        self._owner.clear()
        if self.failure is not None:
            log.warning("%s: written again (%d changes) after %s; the store is up to date",
                        self.path, written, self.failure.split(":", 1)[0])
            self.failure = None

    def _failed(self, exc: sqlite3.Error) -> None:
        first = self.failure is None
        cause = "disk full" if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL else "write failed"
        self.failure = f"{cause}: cannot write {self.path} ({exc})"
        self._retry_at = time.monotonic() + RETRY_SECONDS
        if first:
            log.error(
                "%s; what the service changes meanwhile is kept in memory and written when it can be; "
                "until then requests that change anything answer 503 ServerBusy", self.failure,
            )

    # -- a request's changes ----------------------------------------------------
    @contextmanager
    def journal(self) -> Iterator[set[Key]]:
        """Collect the keys changed in this context (a request) until the block ends."""
        keys: set[Key] = set()
        token = _journal.set(keys)
        try:
            yield keys
        finally:
            _journal.reset(token)

    def undoable(self, keys: Iterable[Key]) -> tuple[list[Key], list[Key]]:
        """Of a journal's keys still pending: (those only it changed, parents
        first; those something else changed too since the last write)."""
        mine: list[Key] = []
        shared: list[Key] = []
        for key in keys:
            owner = self._owner.get(key)
            if owner is None:
                continue  # written already
            (shared if owner is _MIXED else mine).append(key)
        mine.sort(key=lambda k: k[0] in PARENT_KIND)  # pools and jobs before their nodes and tasks
        return mine, shared

    def restore(self, key: Key) -> Doc | None:
        """Put the document back as it is on disk (in place, so references to it
        stay valid) and drop its pending change; the document now in memory, or
        None when it is not on disk."""
        kind, parent, ident = key
        row = self.db.execute("SELECT doc FROM docs WHERE kind=? AND parent=? AND id=?", key).fetchone()
        saved = parse_row(kind, parent, ident, row[0])[0] if row else None
        self._pending.pop(key, None)
        self._owner.pop(key, None)
        collection = self._collection(kind, parent)
        current = collection.get(ident)
        if saved is None:
            collection.remove(ident)
            return None
        if current is None:
            collection.add(saved)
            return saved
        current.clear()
        current.update(saved)
        collection.changed(current)
        return current

    def close(self) -> None:
        """Write what is pending (once more, whatever the retry delay) and close."""
        self._retry_at = 0.0
        try:
            self.flush()
        except StoreUnwritable as exc:
            log.error("%s; %d changes made since the last write are not saved", exc, len(self._pending))
        self.db.close()
