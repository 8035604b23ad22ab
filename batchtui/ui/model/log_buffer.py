"""The lines of a log file: a bounded window of text (`LogBuffer`) with the byte offset of every line.

What a line shows (control characters inert, colour sequences as colour runs, carriage returns) is
log_line's `clean_line`; the buffer cleans each line as it completes, carrying the colour pen from one line
to the next, and can switch every line it holds between the coloured and the inert form (`set_colour`).

Decoding: `LogBuffer.feed` takes text already decoded with the bytes it came
from; `LogBuffer.feed_bytes` decodes UTF-8 itself (a character split across two
feeds stays whole, invalid bytes become U+FFFD).

Memory
------
`LogBuffer` keeps a window of whole lines, at most `max_chars` characters and
`max_lines` lines, dropping the oldest lines when either is exceeded, plus the
file offset where each line ends (8 bytes a line), so the view can say which
bytes of the file it holds. A poll that brings more than the window holds is
cut before it is split into lines. One line is kept whole up to `line_cap`
characters (LINE_CAP, at most half the window); a longer one is cut into
pieces of that size. While colours are off, a line that had colour keeps its
coloured form too (to switch back).
"""

from __future__ import annotations

import codecs
from array import array
from dataclasses import dataclass
from itertools import accumulate

from ...textsafe import stand_in
from .log_line import MarkedLine, cells, clean_line, coloured_form, inert_form, one_line, pen_after
from .log_sgr import PLAIN, pen_through

__all__ = ["FeedResult", "LogBuffer", "MarkedLine", "cells", "clean_line", "one_line", "stand_in"]

MiB = 1024 * 1024
MAX_CHARS = 4 * MiB  # characters of text a window holds
MAX_LINES = 100_000  # lines a window holds
TRIM_TO = 0.9  # when over a limit, drop down to this share of it (so trimming is not on every poll)
LINE_CAP = 2 * MiB  # characters of one line kept whole (at most half the window) before it is cut into pieces


def _new_decoder() -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder("utf-8")(errors="replace")


@dataclass
class FeedResult:
    """What one `LogBuffer.feed` did."""

    new_lines: int = 0  # lines completed (newlines seen)
    added: int = 0  # complete lines appended to the window (new lines, and pieces of an endless line)
    dropped: int = 0  # lines dropped from the front of the window
    reset: bool = False  # the window was emptied first (a gap, or a poll bigger than the window)
    changed: bool = False  # anything visible changed


class LogBuffer:
    """A window of the lines of a file: whole lines, their end offsets, and an unfinished last line."""

    def __init__(self, *, max_chars: int = MAX_CHARS, max_lines: int = MAX_LINES, colour: bool = True) -> None:
        self.max_chars = max(1024, max_chars)
        self.max_lines = max(10, max_lines)
        self.line_cap = min(LINE_CAP, self.max_chars // 2)  # characters of one line kept whole
        self.colour = colour  # colour sequences shown as colour (else inert, as other controls)
        self._pen = PLAIN  # the colour pen at the start of the unfinished line
        self.lines: list[str] = []  # complete lines, as shown
        self._ends = array("q")  # the file offset just past each complete line's newline
        self.start = 0  # file offset of lines[0]
        self.end = 0  # file offset just past the last byte fed
        self.first_number: int | None = 1  # line number of lines[0] in the file; None when unknown
        self.base_id = 0  # a number for lines[0] that never comes back: ids stay unique across trims
        self.origin_id = 0  # the id of the first line since the window was last emptied
        self.partial = ""  # the unfinished last line, as shown ("" when none)
        self._partial_raw = ""
        self.chars = 0  # characters in `lines`
        self._fed = False
        self._decoder = _new_decoder()  # for feed_bytes

    # -- reading ---------------------------------------------------------------------
    def __len__(self) -> int:
        """Lines shown: the complete ones, and the unfinished one if any."""
        return len(self.lines) + (1 if self.partial else 0)

    def line(self, index: int) -> str:
        lines = self.lines
        if index < len(lines):
            return lines[index]
        return self.partial

    def number(self, index: int) -> int | None:
        """The file line number of a line, when the window's start is known to be a line start."""
        return None if self.first_number is None else self.first_number + index

    def line_end(self, index: int) -> int:
        """The file offset just past the newline of complete line `index` (IndexError past the last one)."""
        return self._ends[index]

    def relative_number(self, index: int) -> int:
        """The line's number counted from the first line loaded since the window was emptied (from 1)."""
        return self.base_id - self.origin_id + index + 1

    @property
    def approx_bytes(self) -> int:
        """About how much memory the window's text takes (str headers, list and offsets included)."""
        return self.chars + len(self.partial) + len(self.lines) * (49 + 8 + 8)

    def text(self) -> str:
        """The window's text as shown (for tests and debugging)."""
        return "\n".join(self.lines + ([self.partial] if self.partial else []))

    # -- writing ---------------------------------------------------------------------
    def clear(self, offset: int = 0) -> None:
        """Empty the window; the next text fed starts at `offset` of the file."""
        self._empty(offset)
        self._decoder.reset()

    def _empty(self, offset: int) -> None:
        """Empty the window (but not the decoder of `feed_bytes`: it may hold the start of what comes next)."""
        self.base_id += len(self.lines) + 1
        self.origin_id = self.base_id
        self.lines = []
        self._ends = array("q")
        self.start = self.end = offset
        self.first_number = 1 if offset == 0 else None
        self.partial = self._partial_raw = ""
        self._pen = PLAIN
        self.chars = 0
        self._fed = False

    def feed(self, text: str, data: bytes | None = None, offset: int | None = None) -> FeedResult:
        """Add decoded `text`: the bytes `data` of the file at `offset` (data None: text only, no bytes).

        A gap (offset beyond what was fed) empties the window first.
        """
        result = FeedResult()
        if offset is not None and (offset != self.end or not self._fed):
            if offset != self.end or self.lines or self.partial:
                result.reset = True
            self._empty(offset)
        self._fed = True
        if data is not None and len(data) > self.max_chars:
            text, data, offset = self._keep_end(text, data, offset if offset is not None else self.end, result)
        if not text:
            if data:
                self.end += len(data)
            return result
        result.changed = True
        parts = text.split("\n")
        count = len(parts) - 1
        result.new_lines = count
        before = len(self.lines)
        if count == 0:
            self._set_partial(self._partial_raw + parts[0])
            if data:
                self.end += len(data)
            self._cap_partial()
            result.added = len(self.lines) - before
            result.dropped = self._trim()
            return result
        raw_partial = parts.pop()
        begin = self.end
        if data is not None:
            if len(data) == len(text) and data.isascii():
                # One byte a character: the ends follow from the lengths of this text's lines.
                ends = accumulate((len(p) + 1 for p in parts), initial=begin)
                next(ends)
                self._ends.extend(ends)
            else:
                find = data.find
                position = find(b"\n")
                while position >= 0:
                    self._ends.append(begin + position + 1)
                    position = find(b"\n", position + 1)
            self.end += len(data)
        else:  # text without bytes (the decoder's flush): keep the offsets consistent
            self._ends.extend([self.end] * count)
        parts[0] = self._partial_raw + parts[0]
        cleaned = self._clean_lines(parts)
        self.lines.extend(cleaned)
        self.chars += sum(map(len, cleaned))
        self._set_partial(raw_partial)
        self._cap_partial()
        result.added = len(self.lines) - before
        result.dropped = self._trim()
        return result

    def feed_bytes(self, data: bytes, offset: int | None = None, *, final: bool = False) -> FeedResult:
        """Decode `data` (UTF-8, the bytes of the file at `offset`; None: right after the last bytes fed) and
        feed it. A character split across two feeds stays whole; invalid bytes become U+FFFD; `final`: the
        file ends here, so an unfinished character becomes U+FFFD too. A gap starts decoding afresh."""
        if offset is not None and (offset != self.end or not self._fed):
            self._decoder.reset()
        return self.feed(self._decoder.decode(data, final), data, offset)

    def _keep_end(self, text: str, data: bytes, offset: int, result: FeedResult) -> tuple[str, bytes, int]:
        """A poll bigger than the window: keep only whole lines of its last `max_chars` bytes."""
        cut = data.find(b"\n", len(data) - self.max_chars)
        if cut < 0:
            return text, data, offset
        count = data.count(b"\n", 0, cut + 1)
        parts = text.split("\n", count)
        if len(parts) != count + 1:  # (cannot happen: the decoder keeps every newline)
            return text, data, offset
        dropped_lines = len(self.lines) + count
        number = self.first_number
        result.reset = True
        self._empty(offset + cut + 1)
        self.first_number = None if number is None else number + dropped_lines
        self._fed = True
        return parts[count], data[cut + 1:], offset + cut + 1

    def _clean(self, raw: str) -> str:
        """One line as shown, from the pen at the start of the unfinished line (which it moves on)."""
        line = clean_line(raw, self._pen)
        self._pen = pen_after(line, self._pen)
        return line if self.colour else inert_form(line)

    def _clean_lines(self, parts: list[str]) -> list[str]:
        if self._pen is PLAIN and not any("\x1b" in part for part in parts):  # (the common case: no colour)
            return [clean_line(p) for p in parts]
        return [self._clean(p) for p in parts]

    def _set_partial(self, raw: str) -> None:
        if "\r" in raw[:-1]:  # (a trailing \r may be half of a \r\n)
            cut = raw.rfind("\r", 0, len(raw) - 1) + 1
            self._pen = pen_through(self._pen, raw[:cut])
            raw = raw[cut:]
        self._partial_raw = raw
        if not raw:
            self.partial = ""
            return
        pen = self._pen
        self.partial = self._clean(raw)
        self._pen = pen  # (the line goes on: its pen is its start's until it is complete)

    def _cap_partial(self) -> None:
        """An endless line (no newline in sight) is cut into pieces of `line_cap` characters."""
        cap = self.line_cap
        while len(self._partial_raw) > cap:
            raw = self._partial_raw
            piece = raw[:cap]
            end = (self._ends[-1] if self._ends else self.start) + len(piece.encode("utf-8", "replace"))
            self._ends.append(min(end, self.end))
            self.lines.append(self._clean(piece))
            self.chars += len(self.lines[-1])
            self._set_partial(raw[cap:])

    def set_colour(self, colour: bool) -> bool:
        """Show colour sequences as colour (True) or inert (False) from now on, the lines held included;
        whether any line held changed."""
        if colour == self.colour:
            return False
        self.colour = colour
        convert = coloured_form if colour else inert_form
        changed = False
        lines = self.lines
        for index, line in enumerate(lines):
            if isinstance(line, MarkedLine) and (line.sgr or line.colours or line.coloured is not None):
                lines[index] = convert(line)
                changed = True
        if self.partial:
            new = convert(self.partial)
            changed = changed or new is not self.partial
            self.partial = new
        if changed:
            self.chars = sum(map(len, lines))
        return changed

    def _trim(self) -> int:
        """Drop the oldest lines while over a limit; how many were dropped."""
        lines = self.lines
        if self.chars <= self.max_chars and len(lines) <= self.max_lines:
            return 0
        keep_chars = int(self.max_chars * TRIM_TO)
        keep_lines = int(self.max_lines * TRIM_TO)
        drop = max(0, len(lines) - keep_lines)
        chars = self.chars - sum(map(len, lines[:drop]))
        while drop < len(lines) and chars > keep_chars:
            chars -= len(lines[drop])
            drop += 1
        if not drop:
            return 0
        self.start = self._ends[drop - 1]
        del lines[:drop]
        del self._ends[:drop]
        self.chars = chars
        self.base_id += drop
        if self.first_number is not None:
            self.first_number += drop
        return drop


