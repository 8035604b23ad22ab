"""What a pilot-driven app shows and would write to a terminal.

Textual's headless driver writes nothing, but the app still composes every
update it would send; `WriteCounter` renders those updates as the terminal
driver would and counts their bytes. `screen_lines` is the composed screen,
one string per terminal row.
"""

from __future__ import annotations

from textual.app import App


def screen_lines(app: App) -> list[str]:
    """The rows of the screen as the terminal would show them (the active screen, modal ones over the rest)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def line_with(app: App, text: str) -> str:
    """The first screen row containing `text` (AssertionError, with the screen, if none)."""
    lines = screen_lines(app)
    for line in lines:
        if text in line:
            return line
    raise AssertionError(f"{text!r} is not on screen:\n" + "\n".join(lines))


class WriteCounter:
    """Counts what `app` writes to the terminal from now on (the updates the driver would get)."""

    def __init__(self, app: App) -> None:
        self.writes: list[str] = []
        original = app._display

        def display(screen, renderable) -> None:
            if renderable is not None and not app._batch_count:
                self.writes.append(renderable.render_segments(app.console))
            original(screen, renderable)

        app._display = display  # type: ignore[method-assign]

    @property
    def bytes(self) -> int:
        return sum(len(w.encode()) for w in self.writes)

    def reset(self) -> None:
        self.writes.clear()
