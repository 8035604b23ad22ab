"""The line of a failed task's output that says why it failed, and that line with its particulars normalised away.

`pick_line(text)` finds the meaningful line in the tail of a stdout.txt or
stderr.txt. Lines that say nothing are skipped: blank lines, lines without a
letter (separators, bare numbers, ``^^^^`` markers), progress bars (tqdm, pip,
curl, ``[=====>   ]``), shell trace lines (``+ cmd``), and the frames of Python
and Java stack traces. Of the rest, the strongest wins, the last of equals:

  STRONG:   the final exception line of a Python traceback (``ValueError: x``);
            the header of a Java exception (``Exception in thread "main"
            java.lang.X: msg``, or its deepest ``Caused by:``); a C++
            ``terminate called after throwing an instance of 'X'`` (with its
            ``what():``); out-of-memory and killed (``CUDA out of memory``,
            ``MemoryError``, ``std::bad_alloc``, ``Killed``, ``Segmentation
            fault``, ``oom-kill``; an abort or core dump alone is ERRORISH)
  ERRORISH: a line that says it is an error (error, fatal, failed, exception,
            not found, no such, denied, cannot, unable to, timed out ...), e.g.
            ``sh: 1: foo: not found``
  PLAIN:    any other line

`normalise(line)` replaces what varies between tasks failing the same way with
placeholders, so that "shard 7: checksum mismatch" and "shard 12: checksum
mismatch" are one signature: URLs (<url>), paths (<path>), UUIDs (<uuid>),
timestamps, dates and clock times (<time>), IPv4/IPv6 addresses (<ip>),
0x-hex (<hex>), durations (<duration>), sizes (<size>: ``2.00 GiB``,
``512MB``), and numbers, hex ids and other tokens with digits (<n>:
``shard7`` → ``shard<n>``, ``3fa2c9e1`` → ``<n>``, ``3rd`` → ``<n>rd``). Whitespace is collapsed; the result is at most
SIGNATURE_CHARS characters.

Pure functions on text: no I/O, no Textual.
"""

from __future__ import annotations

import re
from typing import NamedTuple

PLAIN, ERRORISH, STRONG = 1, 2, 3
SIGNATURE_CHARS = 240

# -- reading lines ------------------------------------------------------------------------------------------------

# Escape sequences: CSI (colours, cursor moves), OSC (titles; ended by BEL or ST), and two-character ones.
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_LETTER = re.compile(r"[^\W\d_]")
_PROGRESS = re.compile(
    r"\d{1,3}(?:\.\d+)?\s?%\s*(?:\||\[|[█▏▎▍▌▋▊▉━#=]{2,})"  # 42%|████ , 42% [====
    r"|[█▏▎▍▌▋▊▉━]{3,}"  # a bar of block characters
    r"|\[[#=>.\- ]{6,}\]"  # [=====>      ]
    r"|\d+/\d+\s*\[\d+:\d+"  # tqdm's 12/100 [00:03<...
    r"|\d(?:\.\d+)?\s?(?:it/s|s/it)\b"  # tqdm rates
    r"|^\s*% Total\s+% Received"  # curl's progress header
)
_PY_TRACEBACK = re.compile(r"^\s*Traceback \(most recent call last\):")
_JAVA_FRAME = re.compile(r"^\s+at [\w$.<>/-]+\(.*\)\s*$|^\s*\.\.\. \d+ (?:more|common frames omitted)\s*$")
# Lines that frame a stack trace or trace a shell script (one anchored pattern: one match a line).
_FRAMING = re.compile(
    r"\++ "  # set -x
    r'|\s*File "[^"]*", line \d+'  # a Python frame
    r"|\s*Traceback \(most recent call last\):"
    r"|During handling of the above exception|The above exception was the direct cause"
    r"|\s+at [\w$.<>/-]+\(.*\)\s*$|\s*\.\.\. \d+ (?:more|common frames omitted)\s*$"  # Java frames
)
_ANY_JAVA_FRAME = re.compile(r"^\s+at ", re.MULTILINE)
_JAVA_HEADER = re.compile(r'^(?:Exception in thread "[^"]*" |Caused by: )\S')
_JAVA_BARE_HEADER = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[\w$]+)+(?:Exception|Error|Throwable)(?::\s.*)?$")
_CPP_TERMINATE = re.compile(r"terminate called after throwing an instance of '[^']*'")
_CPP_WHAT = re.compile(r"^\s*what\(\):\s*(.*)$")
# Words and phrases (of the lower-cased line) that make a line STRONG or ERRORISH. Sets and substrings, not one
# regular expression: an alternation of this size cost 50-190 µs a line in `re`; and a line with none of the
# words the whole text has (substring tests on the text first) costs only its lower-casing.
_WORD = re.compile(r"[a-z][a-z0-9_']*")
_DEATH_WORDS = frozenset({"killed", "memoryerror", "outofmemoryerror", "oomkilled"})
_DEATH_PHRASES = ("cuda out of memory", "cuda error", "cublas_status_", "cudaerror", "std::bad_alloc", "out of memory",
                  "segmentation fault", "bus error", "oom-kill", "oom_kill", "oom kill")
_ERROR_WORDS = frozenset({"fatal", "fail", "failed", "failure", "fails", "panic", "abort", "aborted", "aborting",
                          "denied", "cannot", "can't", "timeout", "invalid", "missing", "mismatch", "corrupt",
                          "corrupted", "unexpected", "refused"})
_ERROR_PHRASES = ("not found", "no such", "could not", "unable to", "timed out")
_PROGRESS_HINT = re.compile(r"[%\[█▏▎▍▌▋▊▉━]|it/s|s/it")  # what every progress bar has (a cheap test first)
_HINTS = (*_DEATH_WORDS, *_DEATH_PHRASES, *_ERROR_WORDS, *_ERROR_PHRASES, "error", "exception")


def _word_strength(line: str, hints: tuple[str, ...] = _HINTS) -> int:
    """STRONG for a line that says out of memory or killed, ERRORISH for one that says it is an error, else PLAIN.
    `hints`: the words and phrases of _HINTS the whole text has (a line with none of them is PLAIN)."""
    lower = line.lower()
    if not any(hint in lower for hint in hints):
        return PLAIN
    words = _WORD.findall(lower)
    if any(w in _DEATH_WORDS for w in words) or any(p in lower for p in _DEATH_PHRASES):
        return STRONG
    if (any(w in _ERROR_WORDS or w.endswith(("error", "exception")) for w in words)
            or any(p in lower for p in _ERROR_PHRASES)):
        return ERRORISH
    return PLAIN


class Picked(NamedTuple):
    """The meaningful line of a text (as printed, escape sequences removed) and how strongly it says "failure"."""

    line: str
    strength: int  # PLAIN, ERRORISH or STRONG


def text_lines(text: str, partial_start: bool = False) -> list[str]:
    """The text's lines as a terminal would end up showing them: escape sequences removed, a line redrawn
    with carriage returns as its last drawing, trailing blanks stripped. `partial_start`: the text starts
    mid-line (a tail read), so its first line is dropped."""
    lines = _ESCAPE.sub("", text).split("\n")
    if partial_start:
        lines = lines[1:]
    out = []
    for line in lines:
        if "\r" in line:
            drawn = [part for part in line.split("\r") if part.strip()]
            line = drawn[-1] if drawn else ""
        out.append(line.rstrip())
    return out


def _noise(line: str) -> bool:
    return (not _LETTER.search(line) or _FRAMING.match(line) is not None
            or (_PROGRESS_HINT.search(line) is not None and _PROGRESS.search(line) is not None))


def _python_exceptions(lines: list[str]) -> dict[int, str]:
    """Line index → the exception line that ends each Python traceback."""
    found: dict[int, str] = {}
    for i, line in enumerate(lines):
        if not _PY_TRACEBACK.match(line):
            continue
        indent = len(line) - len(line.lstrip())
        for j in range(i + 1, len(lines)):
            candidate = lines[j]
            if not candidate.strip() or len(candidate) - len(candidate.lstrip()) > indent:
                continue  # frames, source lines, ^^^^ markers
            if not _noise(candidate):
                found[j] = candidate.strip()
            break
    return found


def _cpp_terminate(lines: list[str], i: int) -> str:
    """A C++ terminate line, with the what() of the line after it when there is one."""
    line = lines[i].strip()
    if i + 1 < len(lines) and (what := _CPP_WHAT.match(lines[i + 1])) and what.group(1).strip():
        return f"{line}  what(): {what.group(1).strip()}"
    return line


def _java_header(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _JAVA_HEADER.match(line):
        return True
    return bool(_JAVA_BARE_HEADER.match(line)) and i + 1 < len(lines) and bool(_JAVA_FRAME.match(lines[i + 1]))


def pick_line(text: str, partial_start: bool = False) -> Picked | None:
    """The meaningful line of `text` (see the module notes), or None when every line is noise.
    `partial_start`: the text is a tail that starts mid-line (its first line is dropped)."""
    lines = text_lines(text, partial_start)
    lower = text.lower()
    hints = tuple(hint for hint in _HINTS if hint in lower)  # (substring tests on the whole text are cheap)
    python = _python_exceptions(lines) if "traceback (most recent call last)" in lower else {}
    cpp = "terminate called after throwing" in lower
    java = "exception in thread" in lower or "caused by: " in lower or _ANY_JAVA_FRAME.search(text) is not None
    best: Picked | None = None
    for i, line in enumerate(lines):
        if i in python:
            picked = Picked(python[i], STRONG)
        elif _noise(line):
            continue
        elif cpp and _CPP_TERMINATE.search(line):
            picked = Picked(_cpp_terminate(lines, i), STRONG)
        elif cpp and _CPP_WHAT.match(line) and i > 0 and _CPP_TERMINATE.search(lines[i - 1]):
            continue  # said with its terminate line
        elif java and _java_header(lines, i):
            picked = Picked(line.strip(), STRONG)
        else:
            picked = Picked(line.strip(), _word_strength(line, hints) if hints else PLAIN)
        if best is None or picked.strength >= best.strength:
            best = picked
    return best


def meaningful_line(text: str, partial_start: bool = False) -> str | None:
    """`pick_line`'s line alone."""
    picked = pick_line(text, partial_start)
    return picked.line if picked else None


# -- normalising ---------------------------------------------------------------------------------------------------

_PATH_CHAR = r"[^\s'\"():;,\[\]{}<>|`]"
_HEX4 = r"[0-9A-Fa-f]{1,4}"
# (pattern, placeholder, hints): a rule is tried only on text with one of its hints ("" for a digit).
_RULES: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    (re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+"), "<url>", ("://",)),
    (re.compile(rf"(?<![\w./~-])(?:~|\.{{1,2}})?/{_PATH_CHAR}+"), "<path>", ("/",)),  # /data/x, ~/x, ./x, ../x
    (re.compile(rf"\b[A-Za-z]:\\{_PATH_CHAR}*|\\\\{_PATH_CHAR}+"), "<path>", ("\\",)),  # C:\x, \\server\share
    (re.compile(r"\b[\w.-]+(?:/[\w.-]+){2,}/?|\b[\w.-]+(?:/[\w.-]+)+\.[A-Za-z]\w{0,7}\b"), "<path>",
     ("/",)),  # a/b/c, a/b.ext
    (re.compile(r"\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b"), "<uuid>", ("-",)),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2}|\s?UTC)?"
                r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b|\b\d{4}/\d{2}/\d{2}\b"), "<time>", ("-", ":", "/")),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b"), "<ip>", (".",)),
    (re.compile(rf"(?<![\w:])(?:{_HEX4}:){{7}}{_HEX4}(?![\w:])|(?<![\w:])(?:{_HEX4}:)+:(?:{_HEX4}(?::{_HEX4})*)?"
                rf"(?![\w:])|(?<![\w:])::{_HEX4}(?::{_HEX4})*(?![\w:])"), "<ip>", (":",)),
    (re.compile(r"\b0[xX][0-9A-Fa-f]+\b"), "<hex>", ("0x", "0X")),
    (re.compile(r"\b(?:\d+(?:\.\d+)?(?:ms|us|µs|ns|h|m|s))+\b"
                r"|\b\d+(?:\.\d+)?\s?(?:msecs?|secs?|seconds?|mins?|minutes?|hours?|hrs?|days?)\b"),
     "<duration>", ("",)),
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:[KMGTPE]i?B|[kKMGT]|bytes?)\b"), "<size>",
     ("",)),  # 2.00 GiB, 512MB, 64k, 10 bytes
    (re.compile(r"\b\d+(?:\.\d+)+\b"), "<n>", (".",)),  # decimals and versions: 3.14, 1.2.3
]
_TOKEN = re.compile(r"[A-Za-z0-9]*\d[A-Za-z0-9]*")
_WORD_NUMBER = re.compile(r"([A-Za-z]+)\d+")  # shard7, gpu0
_NUMBER_UNIT = re.compile(r"\d+([A-Za-z]{1,3})")  # 2GiB, 64k, 3rd
_HEX_ID = re.compile(r"[0-9A-Fa-f]{8,}")
_SPACE = re.compile(r"\s+")


def _token(match: re.Match[str]) -> str:
    token = match.group()
    if token.isdigit() or _HEX_ID.fullmatch(token):
        return "<n>"
    if word := _WORD_NUMBER.fullmatch(token):
        return f"{word.group(1)}<n>"
    if unit := _NUMBER_UNIT.fullmatch(token):
        return f"<n>{unit.group(1)}"
    return "<n>"


_DIGIT = re.compile(r"\d")


def normalise(line: str) -> str:
    """The line with what varies between tasks replaced by placeholders (see the module notes). (No rule can
    match inside a placeholder made before it: they are lower-case letters between < and >.)"""
    text = _ESCAPE.sub("", line)
    digits = _DIGIT.search(text) is not None
    for pattern, placeholder, hints in _RULES:
        if any(hint in text if hint else digits for hint in hints):
            text = pattern.sub(placeholder, text)
    if digits:
        text = _TOKEN.sub(_token, text)
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= SIGNATURE_CHARS else text[: SIGNATURE_CHARS - 1] + "…"
