"""`PromptHistory`: the lines entered at one kind of prompt (`:` commands or `/` filters), for ↑/↓.

Plain data, kept for the session. Browsing works like a shell's: ↑ walks to older entries, ↓ back to newer
ones and finally to the line that was being typed before ↑ (the draft), which is never lost.
"""

from __future__ import annotations

__all__ = ["PromptHistory"]


class PromptHistory:
    """Entered lines, oldest first, without consecutive duplicates, at most `limit` of them."""

    def __init__(self, limit: int = 100) -> None:
        self.limit = max(1, limit)
        self.entries: list[str] = []
        self._index: int | None = None  # the entry shown while browsing; None: the draft
        self._draft = ""

    def add(self, line: str) -> None:
        """Remember an entered line (blank lines and a repeat of the last entry are not added); browsing
        starts again from the newest."""
        self.reset()
        line = line.strip()
        if not line or (self.entries and self.entries[-1] == line):
            return
        self.entries.append(line)
        del self.entries[: -self.limit]

    def reset(self) -> None:
        """Stop browsing: the next `older` starts from the newest entry."""
        self._index = None
        self._draft = ""

    def older(self, current: str) -> str | None:
        """The entry before the one shown (the newest when not browsing; `current` is kept as the draft).
        None when there is nothing older."""
        if not self.entries:
            return None
        if self._index is None:
            self._draft = current
            self._index = len(self.entries)
        if self._index == 0:
            return None
        self._index -= 1
        return self.entries[self._index]

    def newer(self) -> str | None:
        """The entry after the one shown, then the draft; None when not browsing."""
        if self._index is None:
            return None
        self._index += 1
        if self._index >= len(self.entries):
            draft = self._draft
            self.reset()
            return draft
        return self.entries[self._index]
