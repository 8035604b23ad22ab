"""Text whose long lines wrap under their value: a hanging indent.

The details pane's lines are a label column (`hang` cells) then a value; a value wider than the pane wraps
onto lines that start at the value's column, never back under the labels. Each line is wrapped on its own
(Rich's word wrap, folding a word wider than the value column), so the cost is one pass over the text per
render (and the pane renders again only when its content or width changes).
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

__all__ = ["Hanging", "hanging_lines"]

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
            out.extend(line.wrap(console, width))
            continue
        head, value = line.divide([hang])
        pieces = value.wrap(console, width - hang)
        for index, piece in enumerate(pieces):
            lead = head if index == 0 else Text(" " * hang)
            out.append(Text.assemble(lead, piece, no_wrap=True))
    return out


class Hanging:
    """A Rich renderable: `text` with a hanging indent of `hang` cells (see `hanging_lines`); `plain` is the
    text's own (unwrapped) plain text."""

    def __init__(self, text: Text, hang: int) -> None:
        self.text = text
        self.hang = hang

    @property
    def plain(self) -> str:
        return self.text.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = hanging_lines(self.text, self.hang, options.max_width, console)
        joined = Text("\n").join(lines)
        joined.no_wrap = True
        joined.overflow = "crop"
        yield joined

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.text)
