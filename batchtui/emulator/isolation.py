"""Bad documents set aside, so one cannot stop the service.

Request bodies are validated before anything is stored, but a data dir written
by an older emulator can still hold a document the engine cannot handle (a job
whose priority is "high", a pool whose taskSchedulingPolicy is a string). When
handling one pool, node, job or task raises, that document is set aside: the
failure is logged once, with the resource named, and the engine skips the
document on later ticks while serving every other one. A set-aside document
gets another chance as soon as it changes (a client deletes or updates it).

A filesystem error (OSError: a full disk, say) is not the document's fault: it
is logged (logs.py limits repeats) and the document is tried again next tick.
Rows that cannot even be loaded, or recovered after a restart, are the store's
to set aside (table `damaged`, see store.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from .store import Doc
from .store_check import describe as describe_row

log = logging.getLogger("batchtui.emulator")

Key = tuple[str, str, str]  # (kind, parent id, id)
T = TypeVar("T")


def _key(kind: str, doc: Doc, parent: str) -> Key:
    return kind, parent, str(doc.get("id"))


def _fingerprint(doc: Doc) -> str:
    return repr(doc)


def describe(kind: str, doc: Doc, parent: str = "") -> str:
    """`job 'j1'`, `task 't1' of job 'j1'`: a resource named for a log line."""
    return describe_row(kind, parent, str(doc.get("id"))[:80])


class SetAside:
    """The documents set aside: by (kind, parent, id), with what they held then."""

    def __init__(self) -> None:
        self._docs: dict[Key, str] = {}

    def __len__(self) -> int:
        return len(self._docs)

    def skips(self, kind: str, doc: Doc, parent: str = "") -> bool:
        """Whether `doc` is set aside and unchanged since (else it is taken back)."""
        key = _key(kind, doc, parent)
        seen = self._docs.get(key)
        if seen is None:
            return False
        if seen == _fingerprint(doc):
            return True
        del self._docs[key]
        return False

    def put(self, kind: str, doc: Doc, parent: str = "", doing: str = "handling", logged: bool = False) -> None:
        """Set `doc` aside, from the `except` block of what failed; logged with the
        traceback unless the caller has logged it already (`logged`)."""
        self._docs[_key(kind, doc, parent)] = _fingerprint(doc)
        if not logged:
            log.exception("%s failed while the emulator was %s it; it is set aside until it changes "
                          "(the service goes on)", describe(kind, doc, parent), doing)

    def attempt(self, kind: str, doc: Doc, action: Callable[[], T], parent: str = "",
                doing: str = "handling") -> T | None:
        """`action()` for `doc`, unless the document is set aside (None); an exception
        sets it aside (None), except an OSError, which is logged and tried again next tick."""
        if self.skips(kind, doc, parent):
            return None
        try:
            return action()
        except OSError as exc:  # the machine's, not the document's: a full disk, say
            log.warning("%s failed while the emulator was %s it: %s (tried again next tick)",
                        describe(kind, doc, parent), doing, exc)
            return None
        except Exception:  # noqa: BLE001 - one bad document must not stop the others
            self.put(kind, doc, parent, doing)
            return None

    def run(self, kind: str, doc: Doc, action: Callable[[], object], parent: str = "", doing: str = "handling") -> None:
        """`action()` for `doc` as attempt() runs it, for its effect alone."""
        self.attempt(kind, doc, action, parent, doing)
