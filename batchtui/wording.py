"""Counts in words, as the user reads them: "1 task", "2 tasks", "1,000 tasks"."""

from __future__ import annotations


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """The count (with thousands separators) and the noun, singular for exactly 1; `plural_noun` for
    nouns that do not just take an "s" (e.g. plural(2, "directory", "directories"))."""
    word = noun if count == 1 else (plural_noun or noun + "s")
    return f"{count:,} {word}"
