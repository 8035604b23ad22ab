"""Key hints laid out by priority in one line: which hints fit a width, each whole.

`KeyFooter` (widgets.key_footer) draws what `layout` chooses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len

GAP = 2  # cells between two hints
MORE = "…"


@dataclass(frozen=True)
class Hint:
    """One key hint: the key to press (for a click), how it is shown, what it does."""

    key: str
    display: str
    description: str
    action: str  # the action's name, without arguments
    enabled: bool = True

    @property
    def width(self) -> int:
        return cell_len(self.display) + 1 + cell_len(self.description)


def layout(hints: Sequence[Hint], width: int, keep: Sequence[str] = ()) -> tuple[list[Hint], bool]:
    """The hints that fit in `width` cells (in order, each whole), and whether any were
    dropped. Hints whose action is in `keep` are always in (at the end); the others
    go in while they fit, leaving room for the `…` that says some are missing."""
    kept = [h for h in hints if h.action in keep]
    others = [h for h in hints if h.action not in keep]

    def cells(items: list[Hint], more: bool) -> int:
        parts = [h.width for h in items] + ([cell_len(MORE)] if more else [])
        return 1 + sum(parts) + GAP * max(0, len(parts) - 1)  # one cell of padding on the left

    if cells(others + kept, False) <= width:
        return others + kept, False
    shown: list[Hint] = []
    for hint in others:
        if cells([*shown, hint, *kept], True) > width:
            break
        shown.append(hint)
    return shown + kept, True
