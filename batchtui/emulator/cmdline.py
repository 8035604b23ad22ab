"""Splitting a task's command line into arguments, as `shlex.split` does
(POSIX rules, no comments), in time linear in its length.

shlex reads one character at a time and grows each token by concatenation:
a 1 MB command line took 12 s and 7 MiB over 10 minutes, all on the event
loop. Here one regular expression walks the line piece by piece (spaces,
bare words with their backslash escapes, '…' and "…" strings; possessive
quantifiers, so no backtracking), so 128 KiB takes milliseconds.
tests/test_emulator_cmdline.py checks it against shlex.split.
"""

from __future__ import annotations

import re

_PIECE = re.compile(
    r"""(?P<space>[ \t\r\n]+)"""
    r"""|(?P<bare>(?:[^ \t\r\n'"\\]++|\\.)++)"""
    r"""|'(?P<single>[^']*+)'"""
    r"""|"(?P<double>(?:[^"\\]++|\\.)*+)\""""
    r"""|(?P<unclosed>.)""",
    re.DOTALL,
)
_SPECIAL = re.compile(r"""['"\\]""")
_SPACES = re.compile(r"[ \t\r\n]+")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_DOUBLE_ESCAPE = re.compile(r'\\([\\"])')
_ENDS_IN_ESCAPE = re.compile(r"""(?:[^"\\]++|\\.)*+\\""", re.DOTALL)


def _unescape_outside(text: str) -> str:
    """Outside quotes a backslash takes the next character literally."""
    return _ESCAPE.sub(r"\1", text)


def _unescape_double(text: str) -> str:
    """Inside "…" a backslash escapes only a backslash or a double quote (every
    backslash there starts a pair, so a left-to-right scan pairs them right)."""
    return _DOUBLE_ESCAPE.sub(r"\1", text)


def split_command_line(text: str) -> list[str]:
    """The arguments of `text` as shlex.split(text) gives them; ValueError
    ("No closing quotation", "No escaped character") when shlex raises one."""
    if not _SPECIAL.search(text):  # the common case: words and spaces only
        return [arg for arg in _SPACES.split(text) if arg]
    args: list[str] = []
    pieces: list[str] = []
    in_arg = False  # an argument has started (a quoted empty string counts)
    pos = 0
    while pos < len(text):
        match = _PIECE.match(text, pos)
        assert match is not None  # the last alternative matches any character
        kind = match.lastgroup
        if kind == "space":
            if in_arg:
                args.append("".join(pieces))
                pieces, in_arg = [], False
        elif kind == "single":
            pieces.append(match.group(kind))
        elif kind == "bare":
            pieces.append(_unescape_outside(match.group(kind)))
        elif kind == "double":
            pieces.append(_unescape_double(match.group(kind)))
        else:
            raise ValueError(_why_unclosed(text, match.start()))
        in_arg = in_arg or kind != "space"
        pos = match.end()
    if in_arg:
        args.append("".join(pieces))
    return args


def _why_unclosed(text: str, pos: int) -> str:
    """shlex's message for an opening quote or backslash at `pos` that never closes."""
    char = text[pos]
    if char == "\\" or (char == '"' and _ENDS_IN_ESCAPE.fullmatch(text, pos + 1)):
        return "No escaped character"
    return "No closing quotation"
