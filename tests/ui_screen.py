"""What a running app's screen shows, rendered as Textual writes it to a terminal:
plain lines (to assert on what a user reads) or the ANSI text a terminal with a
given colour system receives (to assert on colours).

Toasts show only when the app runs with `run_test(..., notifications=True)`."""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.segment import Segment
from textual.strip import Strip


def _update(app, simplify: bool = False):
    return app.screen._compositor.render_update(full=True, screen_stack=app._background_screens, simplify=simplify)


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
    """The screen's lines as a terminal with `color_system` ("standard": 16 colours, "256", "truecolor")
    receives them (without the cursor moves between lines)."""
    console = _console(app, color_system)
    # A Strip keeps its first rendering whatever the console, and a rich Style keeps the SGR codes
    # of the first colour system it was rendered for (Style._ansi): render fresh copies of both.
    lines = _update(app, simplify=True).strips  # one Strip a line
    return "\n".join("".join(Strip([_fresh(segment) for segment in strip], strip.cell_length).render(console)
                             for strip in line)
                     for line in lines)


def _fresh(segment: Segment) -> Segment:
    if segment.style is None:
        return segment
    style = segment.style.copy()
    style._ansi = None  # rich caches the codes per Style, not per colour system
    return Segment(segment.text, style, segment.control)


_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_CURSOR = re.compile(r"\x1b\[[0-9;]*[A-HJKf]")


def written_colours(ansi: str) -> list[tuple[str, str | None, bool]]:
    """The text pieces of `screen_ansi` output with the foreground each is written in and whether it is bold:
    fg "31", "91" (16 colours), "38;5;178" (256), "38;2;200;160;0" (true colour), or None (the default)."""
    pieces: list[tuple[str, str | None, bool]] = []
    fg: str | None = None
    bold = False
    for index, part in enumerate(_SGR.split(_CURSOR.sub("\n", ansi))):
        if index % 2 == 0:
            if part:
                pieces.append((part, fg, bold))
            continue
        codes = part.split(";") if part else ["0"]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code in ("0", ""):
                fg, bold = None, False
            elif code == "1":
                bold = True
            elif code == "22":
                bold = False
            elif code == "39":
                fg = None
            elif code in ("38", "48"):
                size = 3 if codes[i + 1] == "5" else 5
                if code == "38":
                    fg = ";".join(codes[i:i + size])
                i += size - 1
            elif 30 <= int(code) <= 37 or 90 <= int(code) <= 97:
                fg = code
            i += 1
    return pieces


def colour_of(ansi: str, text: str) -> tuple[str | None, bool]:
    """(foreground, bold) of the first written piece that contains `text`."""
    for piece, fg, bold in written_colours(ansi):
        if text in piece:
            return fg, bold
    raise AssertionError(f"{text!r} is not written as one piece")
