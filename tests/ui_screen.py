"""What a running app's screen shows, rendered as Textual writes it to a terminal:
plain lines (to assert on what a user reads) or the ANSI text a terminal with a
given colour system receives (to assert on colours).

Toasts show only when the app runs with `run_test(..., notifications=True)`."""

from __future__ import annotations

import io

from rich.console import Console


def _update(app):
    return app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)


def _console(app, color_system: str | None, record: bool = False) -> Console:
    width, height = app.size
    return Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system=color_system,
                   record=record, legacy_windows=False, safe_box=False)


def screen_lines(app) -> list[str]:
    """Every line of the screen as plain text (modal screens over what they cover, toasts included)."""
    console = _console(app, None, record=True)
    console.print(_update(app))
    return console.export_text(styles=False).splitlines()


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


def toast_texts(app) -> list[str]:
    """The text of each toast on screen, its wrapped lines joined with spaces."""
    lines = screen_lines(app)
    texts = []
    for toast in app.screen.query("Toast"):
        region = toast.content_region
        rows = [lines[y][region.x:region.right].strip() for y in range(region.y, region.bottom) if y < len(lines)]
        texts.append(" ".join(row for row in rows if row))
    return texts


def screen_ansi(app, color_system: str = "standard") -> str:
    """The screen as a terminal with `color_system` ("standard": 16 colours, "256", "truecolor") receives it."""
    return _update(app).render_segments(_console(app, color_system))
