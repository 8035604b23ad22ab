"""Text from a task, a file or the service, made safe to write to a terminal.

Foreign text can hold control sequences: a task's output can retitle the
terminal window (OSC 0), set the clipboard (OSC 52), move the cursor, clear
the screen, or ask the terminal a question whose answer lands in the shell's
input (``ESC [ 6 n``, DECRQSS). So every control character is shown as a
visible stand-in instead, the same stand-ins the log view shows:

    ESC → ^[  BEL → ^G  NUL → ^@   (caret notation, as `cat -v` and less)
    DEL → ^?  U+009B → <9B>  U+202E → <U+202E>

and ``ESC ] 0 ; title BEL`` is printed as the text ``^[]0;title^G``, inert.
The controls are C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F), and the
Unicode bidi controls and line/paragraph separators (they reorder or break
the text around them).

`inert(text)` is for one-line messages (ids, names, errors): every control
becomes its stand-in (`inert(text, keep="\n")` keeps line breaks).
`TerminalFilter` is for a stream (`batchtui tail` on a terminal): newline,
carriage return and tab keep their layout meaning, colour (SGR, ``ESC [ … m``)
may pass (it cannot move the cursor or answer back), and a sequence split
between two pieces of the stream is judged whole.

No Textual or Rich here: `batchtui tail` uses it without loading the UI.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["CONTROL", "SGR", "TerminalFilter", "inert", "stand_in"]

# Every character that must not reach a terminal as it is.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# A Select Graphic Rendition sequence (colours, bold, ...): parameters are digits, ";" and ":".
SGR_MAX_PARAMS = 64  # characters of parameters; a longer "SGR" is shown inert
SGR = re.compile(rf"\x1b\[[0-9;:]{{0,{SGR_MAX_PARAMS}}}m")
# What a stream filter acts on: colour, and every control but the layout ones (newline, carriage return, tab).
_STREAM_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_TOKEN = re.compile(f"{SGR.pattern}|{_STREAM_CONTROL}")
_SGR_START = re.compile(rf"\x1b(?:\[[0-9;:]{{0,{SGR_MAX_PARAMS}}})?")
LAYOUT = "\n\r\t"  # what a stream keeps: line breaks, carriage returns (progress bars redraw), tabs
RESET = "\x1b[0m"

SgrMode = Literal["pass", "drop", "inert"]


def stand_in(char: str) -> str:
    """The visible, inert text shown for one control character (see the module notes)."""
    code = ord(char)
    if code < 0x20:
        return "^" + chr(0x40 + code)
    if code == 0x7F:
        return "^?"
    if code <= 0x9F:
        return f"<{code:02X}>"
    return f"<U+{code:04X}>"


def _stand_in_match(match: re.Match[str]) -> str:
    return stand_in(match.group())


def inert(text: object, keep: str = "") -> str:
    """`text` (or str() of it) with every control character, newlines and tabs included, shown as its
    stand-in: safe to print on one line of a terminal. Brackets and other printable text are unchanged.
    `keep`: control characters to leave as they are (e.g. "\n" for text shown on several lines)."""
    value = text if isinstance(text, str) else str(text)
    if value.isprintable():  # (the common case: no control character at all)
        return value
    if keep:
        return CONTROL.sub(lambda m: m.group() if m.group() in keep else stand_in(m.group()), value)
    return CONTROL.sub(_stand_in_match, value)


class TerminalFilter:
    """Makes a stream of text safe for a terminal, piece by piece (`feed`), then `finish`.

    sgr: what happens to colour sequences: "pass" (written as they are),
    "drop" (removed, e.g. under NO_COLOR) or "inert" (shown like every other
    control). Everything else is as `inert`, except that newline, carriage
    return and tab are kept. An ESC at the end of a piece that may start a
    colour sequence is held back until the next piece shows what it is.
    """

    def __init__(self, sgr: SgrMode = "pass") -> None:
        self.sgr: SgrMode = sgr
        self.coloured = False  # a colour sequence was let through
        self._held = ""

    def feed(self, text: str) -> str:
        """The safe form of the next piece of the stream (less any sequence held back for the next piece)."""
        text, self._held = self._held + text, ""
        if self.sgr != "inert":
            start = text.rfind("\x1b", max(0, len(text) - SGR_MAX_PARAMS - 2))
            if start >= 0 and _SGR_START.fullmatch(text, start):
                text, self._held = text[:start], text[start:]
        return _TOKEN.sub(self._replace, text)

    def finish(self) -> str:
        """The end of the stream: what was held back (an unfinished sequence, now inert) and, when a colour
        was let through, a reset so that the terminal is left in its own colours. The filter can be reused."""
        out, self._held = inert(self._held), ""
        if self.coloured:
            out += RESET
            self.coloured = False
        return out

    def _replace(self, match: re.Match[str]) -> str:
        token = match.group()
        if len(token) > 1:  # a colour sequence
            if self.sgr == "pass":
                self.coloured = True
                return token
            return "" if self.sgr == "drop" else inert(token)
        return stand_in(token)
