"""What a `:grep` line asks for (pure: no widgets).

    :grep [--tail SIZE | --all] PATTERN

PATTERN is the rest of the line as typed (spaces kept; quotes around it are dropped): case-insensitive
text, or `re:` and a regular expression (as the table's filter and the log view's search). `--tail SIZE`
searches the last SIZE of each file (bytes, or with K, M, G: KiB, MiB, GiB; default 64K); `--all` searches
whole files. `--` ends the options (for a pattern that starts with "-").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...service.grep_lines import Search, compile_pattern
from ...service.log_grep import DEFAULT_TAIL

__all__ = ["GREP_USAGE", "GrepRequest", "human_bytes", "parse_grep", "parse_size"]

GREP_USAGE = ":grep [--tail SIZE | --all] PATTERN"
MAX_TAIL = 1024**4  # 1 TiB: beyond this, --all says it better
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


@dataclass(frozen=True)
class GrepRequest:
    search: Search
    tail_bytes: int | None  # bytes searched at each file's end; None: whole files

    @property
    def scope(self) -> str:
        """What of each file is searched, in words."""
        return "whole files" if self.tail_bytes is None else f"last {human_bytes(self.tail_bytes)} of each file"


def parse_size(text: str) -> int:
    """"64K", "1.5M", "512", "2GiB" → bytes (K = 1024). ValueError for anything else, or 0."""
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"not a size: {text!r} (e.g. 64K, 1M, 512)")
    size = int(float(found.group(1)) * _UNITS[found.group(2).lower()])
    if size <= 0 or size > MAX_TAIL:
        raise ValueError(f"a tail of {text} is not a size to search (1 byte to 1T; --all for whole files)")
    return size


def human_bytes(size: int) -> str:
    """1536 → "1.5 KiB", 65536 → "64 KiB", 1000 → "1,000 B"."""
    if size < 1024:
        return f"{size:,} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            return f"{value:.1f} {unit}".replace(".0 ", " ")
    raise AssertionError("unreachable")


def _unquoted(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def parse_grep(line: str) -> GrepRequest:
    """A whole `:grep` line (with or without its ":") → GrepRequest. ValueError says what is wrong."""
    rest = line.strip().lstrip(":").lstrip()
    word = rest.split(maxsplit=1)[0] if rest else ""
    rest = rest[len(word):].strip()
    tail: int | None = DEFAULT_TAIL
    while rest.startswith("-"):
        option, _, after = rest.partition(" ")
        after = after.lstrip()
        if option == "--":
            rest = after
            break
        if option == "--all":
            tail = None
        elif option == "--tail" or option.startswith("--tail="):
            value = option.partition("=")[2]
            if not value:
                value, _, after = after.partition(" ")
                after = after.lstrip()
            if not value:
                raise ValueError(f"--tail needs a size, e.g. --tail 64K; {GREP_USAGE}")
            tail = parse_size(value)
        else:
            raise ValueError(f"unknown option {option}; {GREP_USAGE} (-- before a pattern that starts with -)")
        rest = after
    pattern = _unquoted(rest.strip())
    if not pattern:
        raise ValueError(f"what to search for? {GREP_USAGE}")
    return GrepRequest(compile_pattern(pattern), tail)
