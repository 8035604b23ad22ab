"""Requests that change state answer only what is on disk.

Before such a request runs, whatever is pending is written; if that fails (a
full disk), the request is refused with 503 ServerBusy and changes nothing.
After it runs, its changes are written before it is answered; if that fails,
they are undone (the documents go back to what is on disk) and it is refused
with 503 too, so a client is never told "created" about something a crash
would lose. Writes the service makes on its own (a task ending) stay pending
and are written when the disk has room again.

Only documents are undone: a process a refused request killed, or a file it
removed, stays so — the task then ends as a killed one would.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from .. import errors
from ..engine import Engine
from ..store import Key, StoreUnwritable
from ..store_check import describe

log = logging.getLogger("batchtui.emulator")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def unavailable(reason: str) -> errors.BatchError:
    return errors.BatchError(
        503, "ServerBusy", "The server is currently unable to receive requests. Please retry your request.",
        [("Reason", reason)],
    )


async def run_durably(request: web.Request, handler: Handler, engine: Engine) -> web.StreamResponse:
    """The handler's answer once its changes are on disk; BatchError 503 when
    they cannot be written (and nothing changed)."""
    try:
        engine.store.flush()
    except StoreUnwritable as exc:
        raise unavailable(str(exc)) from None
    with engine.store.journal() as changes:
        try:
            response = await handler(request)
        except BaseException:
            _save(engine, changes)  # an error answer stands; what it changed is saved or undone
            raise
        problem = _save(engine, changes)
    if problem:
        raise unavailable(problem)
    return response


def _save(engine: Engine, changes: set[Key]) -> str | None:
    """None when `changes` are on disk; else why not, after undoing them."""
    if not changes:
        return None
    try:
        engine.store.flush()
    except StoreUnwritable as exc:
        for kind, parent, ident in engine.undo(changes):
            log.warning("%s was changed by a refused request and by the service before either was written; "
                        "both changes are kept", describe(kind, parent, ident))
        return str(exc)
    return None
