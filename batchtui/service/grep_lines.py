"""The lines of a file that match a pattern, found in its bytes as they are read (pure: no I/O).

A pattern (`compile_pattern`) is case-insensitive text, or `re:` and a regular expression, the same
language as the log view's `/` search, so the log view finds what the grep found. A line matches when
the pattern matches in it (`^` and `$` are the line's start and end; a match never spans two lines).

`LineScanner` is fed a file's bytes in order (any piece sizes) from an offset `start` and keeps, for each
matching line, a `GrepHit`: the line's text (cut around its first match when long), where the pattern
matches in that text, the line's byte offset in the file and its number (known when the bytes began at
the file's start; a line longer than LINE_CAP bytes is scanned in pieces, each hit in it
giving its piece's offset). A read that begins inside the file (a tail) drops everything up to the first newline:
to keep a line that starts exactly at the read's start, begin the read one byte earlier.

Speed: each piece is searched as one string (the regex engine finds the next match; only matching lines
cost Python work); byte offsets and line numbers are counted between hits, never per line. Bytes that are
not UTF-8 are kept apart while scanning (so offsets stay exact) and shown as U+FFFD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

__all__ = ["EXCERPT", "GrepHit", "LineScanner", "Search", "compile_pattern"]

EXCERPT = 400  # characters of a matched line kept
BEFORE = 24  # characters kept before the first match when a long line is cut
LINE_CAP = 1024 * 1024  # bytes of one line scanned whole; a longer line is scanned in pieces of this size
MAX_HITS = 1000  # matching lines kept per file; the scanner stops there (`capped`)
SPANS_PER_LINE = 100  # matches marked in one line
_SURROGATES = re.compile("[\udc80-\udcff]")  # the undecodable bytes, as surrogateescape keeps them


@dataclass(frozen=True, slots=True)
class Search:
    """A compiled pattern: `line` searches one line, `block` many lines at once (multi-line mode)."""

    text: str  # as typed: text, or re:regex
    line: re.Pattern[str]
    block: re.Pattern[str]


def compile_pattern(text: str) -> Search:
    """Typed text → Search: case-insensitive text, or `re:` and a regular expression (case-insensitive).
    Raises ValueError with a one-line reason (empty pattern, invalid regex)."""
    if text.startswith("re:"):
        source = text[3:]
        if not source:
            raise ValueError("empty regular expression after re:")
        try:
            line = re.compile(source, re.IGNORECASE)
        except re.error as error:
            raise ValueError(f"invalid regex: {error}") from None
    elif not text:
        raise ValueError("empty pattern")
    else:
        line = re.compile(re.escape(text), re.IGNORECASE)
    return Search(text, line, re.compile(line.pattern, line.flags | re.MULTILINE))


@dataclass(frozen=True, slots=True)
class GrepHit:
    """A matching line of a task's file.

    text: the line without its line break, control characters as they are (make them inert to show
    them), cut to EXCERPT characters around its first match ("…" at a cut end); spans: (start, end) of
    each match in `text`; offset: the byte offset of the line's start in the file; number: its line
    number (from 1) when the bytes read began at the file's start, else None."""

    task_id: str
    file: str
    text: str
    spans: tuple[tuple[int, int], ...]
    offset: int
    number: int | None


def excerpt(line: str, spans: list[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The line cut to EXCERPT characters, BEFORE of them before its first match, and the spans in it."""
    if len(line) <= EXCERPT:
        return line, tuple(spans)
    first = spans[0][0] if spans else 0
    begin = max(0, min(first - BEFORE, len(line) - EXCERPT))
    end = begin + EXCERPT
    lead = "…" if begin else ""
    text = lead + line[begin:end] + ("…" if end < len(line) else "")
    shift = len(lead) - begin
    kept = tuple((max(s, begin) + shift, min(e, end) + shift) for s, e in spans if s < end and e > begin)
    return text, kept


class LineScanner:
    """The matching lines of one file (see the module notes). `start`: the file offset of the first byte
    fed; `partial_first`: the bytes begin inside a line, dropped up to the first newline."""

    def __init__(self, search: Search, task_id: str, file: str, start: int, *, partial_first: bool = False,
                 max_hits: int = MAX_HITS) -> None:
        self.search = search
        self.task_id = task_id
        self.file = file
        self.max_hits = max_hits
        self.hits: list[GrepHit] = []
        self.capped = False  # max_hits lines matched: the scanner stopped
        self.offset = start  # file offset of the first byte not scanned yet (the carried line's start)
        self.number: int | None = 1 if start == 0 and not partial_first else None  # that line's number
        self._skip = partial_first
        self._carry = b""  # the unfinished last line

    def feed(self, data: bytes) -> None:
        """The next bytes of the file."""
        if self.capped or not data:
            return
        if self._skip:
            cut = data.find(b"\n")
            if cut < 0:
                self.offset += len(data)
                return
            self.offset += cut + 1
            data = data[cut + 1:]
            self._skip = False
        block = self._carry + data if self._carry else data
        last = block.rfind(b"\n")
        if last < 0:
            self._carry = block
            if len(block) > LINE_CAP:  # an endless line: scan what came, go on with the rest of it
                self._carry = b""
                self._scan(block, newlines=False)
            return
        self._carry = block[last + 1:]
        self._scan(block[:last + 1])

    def finish(self) -> list[GrepHit]:
        """The file ends here: its last line (without a newline) is scanned too. The hits."""
        if self._carry and not self._skip:
            self._scan(self._carry, newlines=False)
        self._carry = b""
        return self.hits

    def _scan(self, block: bytes, newlines: bool = True) -> None:
        """Scan whole lines (`block` begins at `self.offset`, at a line's start, and ends after a newline;
        `newlines` False: a piece of a line, or the last line)."""
        ascii_only = block.isascii()
        text = block.decode("ascii") if ascii_only else block.decode("utf-8", "surrogateescape")
        search_block = self.search.block.search
        search_line = self.search.line
        hits = self.hits
        size = len(text)
        pos = 0
        char_mark, byte_mark = 0, self.offset  # a character index and its file offset
        number = self.number
        while pos < size:
            found = search_block(text, pos)
            if found is None:
                break
            newline = text.rfind("\n", pos, found.start())
            begin = newline + 1 if newline >= 0 else pos
            end = text.find("\n", found.start())
            if end < 0:
                end = size
            line = text[begin:end]
            if line.endswith("\r"):
                line = line[:-1]
            matches = list(islice(search_line.finditer(line), SPANS_PER_LINE))
            if matches:
                byte_mark += (begin - char_mark if ascii_only
                              else len(text[char_mark:begin].encode("utf-8", "surrogateescape")))
                if number is not None:
                    number += text.count("\n", char_mark, begin)
                char_mark = begin
                spans = [(m.start(), m.end()) for m in matches if m.end() > m.start()]
                shown, kept = excerpt(line, spans)
                if not ascii_only:
                    shown = _SURROGATES.sub("\ufffd", shown)
                hits.append(GrepHit(self.task_id, self.file, shown, kept, byte_mark, number))
                if len(hits) >= self.max_hits:
                    self.capped = True
                    return
            pos = end + 1
        self.offset += len(block)
        if self.number is not None and newlines:
            self.number += block.count(b"\n")
