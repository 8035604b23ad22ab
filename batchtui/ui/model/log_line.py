"""One line of a log as it is shown: control characters made inert, colour sequences turned into colour runs.

What reaches the terminal
-------------------------
A log is untrusted input. Nothing in it is ever passed to the terminal as a
control: every C0 control but tab (U+0000–U+001F), DEL and every C1 control
(U+0080–U+009F) is shown as a visible stand-in (the view draws it dim), as are
the Unicode bidi controls and line/paragraph separators:

    ESC → ^[  BEL → ^G  NUL → ^@  (caret notation, as `cat -v` and less)
    DEL → ^?  U+009B → <9B>   U+202E → <U+202E>

so ``\\x1b[2J`` shows as ``^[[2J`` and OSC 52 as ``^[]52;c;…^G``, inert (the dim
style tells a stand-in from the same characters in the text). ASCII
stand-ins, not the Control Pictures block (␛): many terminal fonts lack
those glyphs. Tabs expand to spaces (stops every 8 cells).

Colour: with a pen (`clean_line(raw, pen)`), each SGR sequence (``ESC [ … m``,
batchtui.textsafe.SGR) is taken out of the text and becomes colour runs
(`MarkedLine.colours`: (start, end, Rendition), see log_sgr), so the line
holds only what a terminal would show, and a search for ``INFO`` finds it in
``\\x1b[32mINFO\\x1b[0m``. The pen carries over from one line to the next, as
on a terminal. Every other sequence stays inert. `inert_form` turns such a
line back into the inert form (each SGR sequence shown as its stand-in, as
without a pen) and `coloured_form` undoes that: the view switches between
them without the file.

Carriage returns: a line that ends in ``\\r\\n`` loses the ``\\r``; otherwise
only the text after the last ``\\r`` of a line is kept, which is what a
terminal ends up showing for a ``\\r``-redrawn progress bar in the common case
(each redraw at least as long as the one before).

Rich appears only for terminal cell widths (tab stops).
"""

from __future__ import annotations

import re

from rich.cells import cell_len, get_character_cell_size

from ...textsafe import CONTROL, SGR, stand_in
from .log_sgr import PLAIN, Rendition, apply_sgr, pen_through

__all__ = ["MarkedLine", "cells", "clean_line", "coloured_form", "inert_form", "one_line", "pen_after"]

TAB = 8

_SPECIAL = CONTROL  # one definition of what must not reach a terminal: batchtui.textsafe
_TOKEN = re.compile(f"{SGR.pattern}|{CONTROL.pattern}")  # with a pen: a colour sequence, or one control


class MarkedLine(str):
    """A line holding stand-ins for control characters (`spans`: their (start, end) positions, drawn dim),
    or colour (`colours`: (start, end, Rendition) runs, in order). `sgr`: the colour sequences taken out,
    as (position, sequence); `end_pen`: the pen after the line. `coloured`: on an inert form, the coloured
    line it was made from."""

    spans: tuple[tuple[int, int], ...] = ()
    colours: tuple[tuple[int, int, Rendition], ...] = ()
    sgr: tuple[tuple[int, str], ...] = ()
    end_pen: Rendition = PLAIN
    coloured: str | None = None


def cells(text: str) -> int:
    """The width of `text` in terminal cells."""
    if text.isascii():
        return len(text)
    if len(text) < 512:
        return cell_len(text)  # (cached by Rich)
    return sum(map(get_character_cell_size, text))  # (about 4 times as fast as cell_len on a long line)


def pen_after(line: str, pen: Rendition = PLAIN) -> Rendition:
    """The pen after `line`, a line `clean_line` made with pen `pen`."""
    return line.end_pen if isinstance(line, MarkedLine) else pen


def clean_line(raw: str, pen: Rendition | None = None) -> str:
    """One line of the file (without its newline) as it is shown: see the module notes. `pen`: None shows
    colour sequences inert like every control; else the pen at the line's start, and colour sequences
    become colour runs (the pen after the line: `pen_after`)."""
    if pen is not None and pen == PLAIN:
        pen = PLAIN  # (compared by identity below)
    if "\r" in raw:
        raw = raw.rstrip("\r")
        cut = raw.rfind("\r")
        if cut >= 0:
            if pen is not None:
                pen = pen_through(pen, raw[:cut])
            raw = raw[cut + 1:]
    if (pen is None or pen is PLAIN) and (raw.isprintable() or not _SPECIAL.search(raw)):
        return raw
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    colours: list[tuple[int, int, Rendition]] = []
    sgr: list[tuple[int, str]] = []
    run_start = 0  # where the current pen's run began
    length = 0  # characters so far
    column = 0  # cells so far (for tab stops)
    position = 0
    for match in (_SPECIAL if pen is None else _TOKEN).finditer(raw):
        start = match.start()
        if start > position:
            piece = raw[position:start]
            pieces.append(piece)
            length += len(piece)
            column += cells(piece)
        token = match.group()
        if len(token) > 1:  # a colour sequence (only matched with a pen)
            assert pen is not None
            new = apply_sgr(pen, token[2:-1])
            sgr.append((length, token))
            if new != pen:
                if pen is not PLAIN and length > run_start:
                    colours.append((run_start, length, pen))
                pen, run_start = new, length
        elif token == "\t":
            width = TAB - column % TAB
            pieces.append(" " * width)
            length += width
            column += width
        else:
            shown = stand_in(token)
            pieces.append(shown)
            spans.append((length, length + len(shown)))
            length += len(shown)
            column += len(shown)
        position = match.end()
    if position < len(raw):
        pieces.append(raw[position:])
        length += len(raw) - position
    if pen is not None and pen is not PLAIN and length > run_start:
        colours.append((run_start, length, pen))
    text = "".join(pieces)
    coloured = pen is not None and pen is not PLAIN  # (the pen after the line)
    if not (spans or colours or sgr or coloured):
        return text
    line = MarkedLine(text)
    if spans:
        line.spans = tuple(spans)
    if colours:
        line.colours = tuple(colours)
    if sgr:
        line.sgr = tuple(sgr)
    if coloured:
        assert pen is not None
        line.end_pen = pen
    return line


def inert_form(line: str) -> str:
    """`line` (made with a pen) with its colour sequences back as inert stand-ins and no colour: what
    `clean_line` without a pen shows (but for tab stops, which stay where the coloured line had them)."""
    if not isinstance(line, MarkedLine) or not line.sgr:
        if isinstance(line, MarkedLine) and line.colours:  # coloured by a pen from an earlier line
            plain = MarkedLine(line)
            plain.spans = line.spans
            plain.coloured = line
            return plain
        return line
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    controls = line.spans
    next_control = 0
    shift = 0  # characters inserted so far
    position = 0
    for at, sequence in line.sgr:
        while next_control < len(controls) and controls[next_control][0] < at:  # (the stand-ins before it)
            start, end = controls[next_control]
            spans.append((start + shift, end + shift))
            next_control += 1
        pieces.append(line[position:at])
        shown = "^[" + sequence[1:]
        pieces.append(shown)
        spans.append((at + shift, at + shift + 2))
        shift += len(shown)
        position = at
    pieces.append(line[position:])
    spans.extend((start + shift, end + shift) for start, end in controls[next_control:])
    plain = MarkedLine("".join(pieces))
    plain.spans = tuple(spans)
    plain.coloured = line
    return plain


def coloured_form(line: str) -> str:
    """The coloured line an `inert_form` was made from (`line` itself when it is not one)."""
    if isinstance(line, MarkedLine) and line.coloured is not None:
        return line.coloured
    return line


def one_line(text: str) -> str:
    """Text from elsewhere (an id, a path, an error message) on one line, its control characters inert."""
    return clean_line(text.replace("\n", " "))
