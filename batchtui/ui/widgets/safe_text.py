"""Service-provided strings as they are shown in cells, trees and panes:
control characters made visible (never sent to the terminal), states in colour.

The stand-ins are `batchtui.textsafe`'s (the same as the log view and the CLI
show); Rich lives here so that `format` stays plain strings.
"""

from __future__ import annotations

from functools import lru_cache

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

from ...textsafe import CONTROL
from ...textsafe import inert as _inert
from ..format import STATE_STYLES, state_label


def inert(value: object) -> str:
    """A service-provided string made safe to print: control characters (ESC,
    C1, bidi overrides, tabs…) shown as visible stand-ins, never sent to the
    terminal; line breaks stay (multi-line messages in the details pane)."""
    return _inert(value, keep="\n")


@lru_cache(maxsize=256)
def state_text(state: str, failed: bool = False) -> Text:
    """A state as shown (glyph and name, in its colour; `failed`: a completed task that failed). One shared
    Text per state (the table copies a Text before changing it)."""
    name = "failed" if failed else inert(state)
    return Text(state_label(name), style=STATE_STYLES.get(name.lower(), ""))


class DropControls(LineFilter):
    """The last guard before the terminal, applied to every rendered line: a control character that some
    path forgot to make inert is dropped (it has no width, so the layout stays), never written. The
    visible stand-ins come from `inert`; this only makes a slip harmless."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(segment.text.isprintable() for segment in segments):
            return segments
        return [segment if segment.text.isprintable() or segment.control
                else Segment(CONTROL.sub("", segment.text), segment.style) for segment in segments]
