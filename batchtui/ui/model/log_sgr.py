"""Colour in a task's output: what a Select Graphic Rendition sequence (``ESC [ … m``) sets.

A `Rendition` is the "pen" a terminal writes with: a foreground and a background colour and a few
attributes. `apply_sgr(pen, params)` is the pen after one SGR sequence (its parameters, e.g. "1;31",
"38;5;208", "38;2;255;128;0", "38:2::255:128:0"); `pen_through(pen, text)` applies every SGR sequence in
`text`. Colours are None (the terminal's default), a palette index 0–255 (0–7 the standard colours, 8–15
their bright forms) or an (r, g, b) triple.

What is kept: bold, dim, italic, underline (any style), reverse video and strike-through. Blink is
ignored (a log view that blinks is unreadable) and so is conceal (a log must not hide text from its
reader), as are codes that set nothing shown here (fonts, overline, underline colour…). Parameters that do
not parse are skipped, never an error: the sequence came from a task.

No Rich and no Textual: the widget turns a `Rendition` into a style.
"""

from __future__ import annotations

from typing import NamedTuple

from ...textsafe import SGR

__all__ = ["BOLD", "DIM", "ITALIC", "PLAIN", "REVERSE", "STRIKE", "UNDERLINE", "Colour", "Rendition", "apply_sgr",
           "pen_through"]

BOLD, DIM, ITALIC, UNDERLINE, REVERSE, STRIKE = 1, 2, 4, 8, 16, 32

Colour = int | tuple[int, int, int] | None

_SET = {1: BOLD, 2: DIM, 3: ITALIC, 4: UNDERLINE, 7: REVERSE, 9: STRIKE, 21: UNDERLINE}
_CLEAR = {22: BOLD | DIM, 23: ITALIC, 24: UNDERLINE, 27: REVERSE, 29: STRIKE}
_EXTENDED = (38, 48, 58)  # foreground, background, underline colour: followed by 5;N or 2;R;G;B


class Rendition(NamedTuple):
    """The pen: foreground, background (see `Colour`) and attributes (BOLD | DIM | … bits)."""

    fg: Colour = None
    bg: Colour = None
    attrs: int = 0


PLAIN = Rendition()


def _number(text: str) -> int | None:
    """A parameter's value: "" is 0 (as terminals read it); None when it is not a number."""
    if not text:
        return 0
    return int(text) if text.isdigit() and len(text) <= 6 else None


def _colour(values: list[str]) -> Colour | bool:
    """The colour of an extended colour's arguments (["5", N] or ["2", R, G, B]); False when they do not
    make one."""
    if not values:
        return False
    kind = _number(values[0])
    numbers = [_number(v) for v in values[1:]]
    if kind == 5 and numbers and numbers[0] is not None and numbers[0] <= 255:
        return numbers[0]
    if kind == 2 and len(numbers) >= 3:
        rgb = numbers[-3:] if len(numbers) == 4 else numbers[:3]  # (a colon form may name a colour space)
        r, g, b = rgb
        if r is not None and g is not None and b is not None and max(r, g, b) <= 255:
            return (r, g, b)
    return False


def _extended_length(parts: list[str], index: int) -> int:
    """How many `;` parameters after parts[index - 1] (38, 48 or 58) belong to it."""
    kind = _number(parts[index]) if index < len(parts) else None
    return 2 if kind == 5 else 4 if kind == 2 else 1


def apply_sgr(pen: Rendition, params: str) -> Rendition:
    """The pen after ``ESC [ params m`` (see the module notes); an empty `params` resets, as 0 does."""
    fg, bg, attrs = pen
    parts = params.split(";")
    index = 0
    while index < len(parts):
        part = parts[index]
        index += 1
        if ":" in part:  # one parameter with sub-parameters: 38:5:N, 38:2::R:G:B, 4:3 (curly underline)
            head, *rest = part.split(":")
            code = _number(head)
            args = rest
        else:
            code = _number(part)
            args = []
            if code in _EXTENDED:
                count = _extended_length(parts, index)
                args = parts[index:index + count]
                index += count
        if code is None:
            continue
        if code == 0:
            fg, bg, attrs = None, None, 0
        elif code == 4 and args:
            attrs = attrs & ~UNDERLINE if _number(args[0]) == 0 else attrs | UNDERLINE
        elif code in _SET:
            attrs |= _SET[code]
        elif code in _CLEAR:
            attrs &= ~_CLEAR[code]
        elif 30 <= code <= 37:
            fg = code - 30
        elif 90 <= code <= 97:
            fg = code - 90 + 8
        elif 40 <= code <= 47:
            bg = code - 40
        elif 100 <= code <= 107:
            bg = code - 100 + 8
        elif code == 39:
            fg = None
        elif code == 49:
            bg = None
        elif code in (38, 48):
            colour = _colour(args)
            if colour is not False:
                if code == 38:
                    fg = colour
                else:
                    bg = colour
    if (fg, bg, attrs) == PLAIN:
        return PLAIN
    return Rendition(fg, bg, attrs)


def pen_through(pen: Rendition, text: str) -> Rendition:
    """The pen after every SGR sequence in `text` (the rest of `text` changes nothing)."""
    if "\x1b" not in text:
        return pen
    for match in SGR.finditer(text):
        pen = apply_sgr(pen, match.group()[2:-1])
    return pen
