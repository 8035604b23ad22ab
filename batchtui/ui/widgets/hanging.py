"""Text whose long lines wrap under their value: a hanging indent.

The details pane's lines are a label column (`hang` cells) then a value; a value wider than the pane wraps
onto lines that start at the value's column, never back under the labels. Each line is wrapped on its own
(Rich's word wrap, folding a word wider than the value column) when the content or the width changes: one
pass over the text, and the result is a plain Text, drawn as any other.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.text import Text
from textual import events
from textual.widgets import Static

__all__ = ["HangingStatic", "hanging_lines"]

MIN_VALUE_WIDTH = 8  # narrower than this, lines wrap from the left edge as plain text does


def hanging_lines(text: Text, hang: int, width: int, console: Console) -> list[Text]:
    """The lines of `text` (split at its newlines) at most `width` cells wide, each line's overflow
    wrapped onto lines indented `hang` cells: the column its value starts at."""
    out: list[Text] = []
    for line in text.split("\n", allow_blank=True):
        if line.cell_len <= width:
            out.append(line)
            continue
        if width - hang < MIN_VALUE_WIDTH or len(line) <= hang:
            out.extend(_stripped(line.wrap(console, width)))
            continue
        head, value = line.divide([hang])
        for index, piece in enumerate(_stripped(value.wrap(console, width - hang))):
            lead = head if index == 0 else Text(" " * hang)
            out.append(Text.assemble(lead, piece, no_wrap=True))
    return out


def _stripped(pieces: Iterable[Text]) -> list[Text]:
    """Wrapped pieces without the spaces the lines broke at."""
    for piece in pieces:
        piece.rstrip()
    return list(pieces)


class HangingStatic(Static):
    """A Static whose Text, given with `show(text, hang)`, wraps with a hanging indent of `hang` cells at the
    widget's width (wrapped again when the width changes: a terminal resize, the pane's scrollbar)."""

    _source: tuple[Text, int] | None = None
    _wrapped_at = 0  # the width the shown text was wrapped to (0: not wrapped)

    def show(self, content: Text | str, hang: int = 0) -> None:
        """Show `content`; `hang` > 0 (a Text): its lines wrap under the column `hang` cells in."""
        self._source = (content, hang) if hang and isinstance(content, Text) else None
        self._wrapped_at = 0
        if self._source is None:
            self.update(content)
        else:
            self._wrap()

    def _wrap(self) -> None:
        if self._source is None:
            return
        text, hang = self._source
        width = self.size.width
        if width <= 0:
            self.update(text)  # not laid out yet: the resize that follows wraps it
        elif width != self._wrapped_at:
            self._wrapped_at = width
            self.update(Text("\n").join(hanging_lines(text, hang, width, self.app.console)))

    def on_resize(self, event: events.Resize) -> None:
        self._wrap()
