"""The strip above the table (`#summary`): one line, a `summaries.Fit` shown at
the widest of its choices that fits the width."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ..summaries import Fit


class Summary(Widget):
    """One line: a Text, or a `Fit` shown at the widest choice that fits."""

    DEFAULT_CSS = """
    Summary { height: 1; padding: 0 1; color: $text; background: $boost; }
    """

    def __init__(self, content: Text | str | Fit = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._fit = Fit((Text(),))
        self._shown: tuple[object, ...] | None = None
        self._set(content)

    def _set(self, content: Text | str | Fit) -> bool:
        """Keep `content`; False when it is what is kept already."""
        fit = content if isinstance(content, Fit) else Fit((Text(content) if isinstance(content, str) else content,))
        key = tuple((t.plain, t.style, tuple(t.spans)) for t in fit.choices)
        if key == self._shown:
            return False
        self._shown, self._fit = key, fit
        return True

    def show(self, content: Text | str | Fit) -> None:
        """Show `content`; nothing is repainted when it is what is shown already
        (an unchanged repaint still costs bytes over SSH)."""
        if self._set(content):
            self.refresh()

    def render(self) -> Text:
        return self._fit.at(self.content_region.width)
