"""Tab completion of the last word of a prompt line, as a shell does it. Plain data, no widgets.

- the word being completed is what follows the last space (all of the line when there is none);
- candidates are the words that start with it (case-insensitive), else the words that contain it;
- one candidate: the word is completed (plus `suffix`, e.g. a space after a command that takes an argument);
- several: the word is extended to their longest common prefix; when that adds nothing, each further Tab
  puts the next candidate in place (cycling), as long as the line was not edited in between.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Completer", "Completion", "split_word"]


@dataclass(frozen=True)
class Completion:
    """The line after a Tab, and every candidate for the word (empty when nothing matched)."""

    text: str
    candidates: tuple[str, ...] = ()


def split_word(text: str) -> tuple[str, str]:
    """(everything up to and including the last space, the word after it)."""
    cut = text.rfind(" ") + 1
    return text[:cut], text[cut:]


def _matches(word: str, words: Iterable[str]) -> tuple[str, ...]:
    unique = sorted(set(words), key=lambda w: (w.lower(), w))
    folded = word.lower()
    starting = [w for w in unique if w.lower().startswith(folded)]
    if starting or not folded:
        return tuple(starting)
    return tuple(w for w in unique if folded in w.lower())


class Completer:
    """Completes a line's last word; remembers what it last put in the line, so that a repeated Tab cycles."""

    def __init__(self) -> None:
        self._cycle: tuple[str, tuple[str, ...], int] | None = None  # (line we produced, candidates, index)

    def reset(self) -> None:
        self._cycle = None

    def complete(self, text: str, words: Iterable[str], suffix: str = "") -> Completion:
        """The line with its last word completed from `words` (see the module's doc)."""
        head, word = split_word(text)
        cycle = self._cycle
        if cycle is not None and cycle[0] == text:
            _, candidates, index = cycle
            index = (index + 1) % len(candidates)
            line = head + candidates[index]
            self._cycle = (line, candidates, index)
            return Completion(line, candidates)
        self._cycle = None
        candidates = _matches(word, words)
        if not candidates:
            return Completion(text)
        if len(candidates) == 1:
            return Completion(head + candidates[0] + suffix, candidates)
        prefix = os.path.commonprefix([c.lower() for c in candidates])
        if len(prefix) > len(word) and all(c.lower().startswith(word.lower()) for c in candidates):
            # Keep the candidates' own spelling of the common part.
            line = head + candidates[0][: len(prefix)]
            self._cycle = (line, candidates, -1)
            return Completion(line, candidates)
        line = head + candidates[0]
        self._cycle = (line, candidates, 0)
        return Completion(line, candidates)
