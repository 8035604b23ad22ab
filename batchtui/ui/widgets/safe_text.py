"""Service-provided strings as they are shown in cells, trees and panes:
control characters made visible (never sent to the terminal), states in colour.

These live with the widgets because they build on the log view's line
cleaning (`model.log_buffer.clean_line`); `format` stays free of widget imports.
"""

from __future__ import annotations

from functools import lru_cache

from rich.text import Text

from ..format import STATE_STYLES
from ..model.log_buffer import clean_line


def inert(value: object) -> str:
    """A service-provided string made safe to print: control characters (ESC,
    C1, bidi overrides…) shown as visible text, never sent to the terminal."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    return "\n".join(clean_line(line) for line in text.split("\n"))


@lru_cache(maxsize=256)
def state_text(state: str, failed: bool = False) -> Text:
    """One shared Text per state (the table copies a Text before changing it)."""
    label = "failed" if failed else inert(state)
    return Text(label, style=STATE_STYLES.get(label.lower(), ""))
