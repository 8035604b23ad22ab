"""The store's SQLite file: opened only when it is ours, private to its owner,
written in one transaction per batch, with a table for rows set aside.

A store is marked by SQLite's application_id. A file that carries another
application's id, is not SQLite at all, or has tables but not ours (say the
`docs` table was renamed) is refused with a message naming it: the emulator
never starts empty on top of data it cannot read.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import fast_json
from .formats import now_iso
from .settings import StartError

APPLICATION_ID = 0x62_74_75_69  # "btui"
DOCS_COLUMNS = ["kind", "parent", "id", "doc"]
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, parent TEXT NOT NULL,"
    " id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, parent, id)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS damaged (kind TEXT NOT NULL, parent TEXT NOT NULL, id TEXT NOT NULL,"
    " doc TEXT NOT NULL, reason TEXT NOT NULL, setAside TEXT NOT NULL)",
)
SIDE_FILES = ("-wal", "-shm")


def refused(path: Path, reason: str) -> StartError:
    return StartError(f"{path}: {reason}; move it away or start with another --data-dir")


def open_store(path: Path) -> sqlite3.Connection:
    """A connection to the store at `path` (created, mode 0600, when absent), in WAL mode.
    Raises StartError when the file is not a store this emulator wrote."""
    wal = Path(f"{path}-wal")
    if not path.exists():
        if wal.exists() and wal.stat().st_size:
            raise refused(wal, f"a write-ahead log without its store {path.name}")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            raise StartError(f"{path}: cannot create the store: {exc.strerror}") from None
    try:
        db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise refused(path, f"cannot be opened ({exc})") from None
    try:
        _check_ours(db, path)
        _private(path)  # before the first write, so that SQLite gives its -wal and -shm the same mode
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        for statement in SCHEMA:
            db.execute(statement)
        db.execute(f"PRAGMA application_id={APPLICATION_ID}")
    except (sqlite3.Error, StartError) as exc:
        db.close()
        if isinstance(exc, StartError):
            raise
        raise refused(path, f"cannot be opened as a store ({exc})") from None
    _private(path)
    return db


def _check_ours(db: sqlite3.Connection, path: Path) -> None:
    try:
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        tables = sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'"))
    except sqlite3.DatabaseError as exc:
        raise refused(path, f"not a batchtui emulator store ({exc})") from None
    if app_id not in (0, APPLICATION_ID):
        raise refused(path, f"not a batchtui emulator store (SQLite application_id {app_id:#x})")
    if "docs" not in tables:
        if tables or app_id == APPLICATION_ID:
            found = f"tables {', '.join(tables)}" if tables else "no tables"
            raise refused(path, f"damaged or not a batchtui emulator store: it has no table 'docs' ({found})")
        return  # a new, empty file
    columns = [r[1] for r in db.execute("PRAGMA table_info(docs)")]
    if columns != DOCS_COLUMNS:
        raise refused(path, f"damaged or not a batchtui emulator store: table 'docs' has columns {columns}")


def _private(path: Path) -> None:
    """Store, log and shared memory readable by their owner only (they hold SAS
    tokens and task environment settings)."""
    for name in (str(path), *(f"{path}{suffix}" for suffix in SIDE_FILES)):
        try:
            os.chmod(name, 0o600)
        except FileNotFoundError:
            pass


def write(db: sqlite3.Connection, pending: Mapping[tuple[str, str, str], dict[str, Any] | None]) -> None:
    """Upsert or delete (None) each document, all or nothing. Raises sqlite3.Error."""
    upserts = [(k, p, i, fast_json.dumps_text(d)) for (k, p, i), d in pending.items() if d is not None]
    deletes = [key for key, d in pending.items() if d is None]
    try:
        db.execute("BEGIN IMMEDIATE")
        if deletes:
            db.executemany("DELETE FROM docs WHERE kind=? AND parent=? AND id=?", deletes)
        if upserts:
            db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?)", upserts)
        db.execute("COMMIT")
    except sqlite3.Error:
        if db.in_transaction:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite rolled back on its own
        raise


def move_aside(db: sqlite3.Connection, rows: list[tuple[tuple[str, str, str], str, str]]) -> None:
    """Move rows ((kind, parent, id), JSON text, reason) from `docs` to `damaged`. Raises sqlite3.Error."""
    when = now_iso()
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(
            "INSERT INTO damaged VALUES (?, ?, ?, ?, ?, ?)", [(*key, text, reason, when) for key, text, reason in rows]
        )
        db.executemany("DELETE FROM docs WHERE kind=? AND parent=? AND id=?", [key for key, _, _ in rows])
        db.execute("COMMIT")
    except sqlite3.Error:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
