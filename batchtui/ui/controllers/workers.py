"""Starting a controller's coroutine in a worker of the app, as Textual's `@work`
does for a widget's method (controllers are not widgets, so `@work` does not apply)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from textual.app import App
from textual.css.query import NoMatches
from textual.worker import Worker


def start_worker(app: App[Any], method: Callable[..., Coroutine[Any, Any, None]], *args: object,
                 group: str, exclusive: bool = False) -> Worker[None]:
    """Run `method(*args)` in a worker of `app`, in `group`; `exclusive` cancels the
    group's other workers first. The worker is named after the method."""
    async def work() -> None:
        try:
            await method(*args)
        except NoMatches:
            # A widget the worker reaches for is gone: the app is shutting down under it (its explorer
            # screen's widgets go first). Anything else is a fault, and fails the worker as before.
            if app.is_running and app.query("#table"):
                raise
    description = f"{method.__name__}({', '.join(repr(a) for a in args)})"
    return app.run_worker(work, name=method.__name__, group=group, description=description, exclusive=exclusive)
