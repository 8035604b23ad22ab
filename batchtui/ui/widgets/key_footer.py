"""The key hints at the bottom of a screen, laid out by priority in one line.

Textual's Footer shows the active bindings in the order of the focus chain and
cuts whatever does not fit, so the keys that matter in a view (logs, files,
failed only …) were the ones cut. `KeyFooter` orders them: actions named in
`first`, then the rest in binding order, then those named in `last`; the
hints that do not fit are dropped whole from the end (`model.key_hints.layout`),
a `…` says so, and the actions in `keep` (help, which lists every key) always show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

from ..model.key_hints import GAP, MORE, Hint, layout


class KeyFooter(Widget):
    """One line of key hints for the screen's active bindings (those with `show`), in priority
    order: actions in `first` (in that order), the others, then actions in `last`;
    `keep` ones never dropped. Nothing repaints unless the hints change."""

    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom; height: 1;
        background: $footer-background; color: $footer-foreground;
        & > .key-footer--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .key-footer--description {
            color: $footer-description-foreground; background: $footer-description-background;
        }
        & > .key-footer--disabled { text-style: dim; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-footer--key", "key-footer--description", "key-footer--disabled"}

    def __init__(self, *, first: Sequence[str] = (), last: Sequence[str] = (), keep: Sequence[str] = (),
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._first, self._last, self._keep = tuple(first), tuple(last), tuple(keep)
        self._hints: tuple[Hint, ...] = ()
        self._spans: list[tuple[int, int, Hint]] = []  # where each shown hint is on the line (x from, x to)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _rank(self, action: str) -> tuple[int, int]:
        if action in self._first:
            return (0, self._first.index(action))
        if action in self._last:
            return (2, self._last.index(action))
        return (1, 0)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is not self.screen:
            return
        app = self.app
        hints: list[Hint] = []
        seen: set[str] = set()
        for _, binding, enabled, _tooltip in screen.active_bindings.values():
            shown = binding.show or (binding.key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE)
            if not shown or binding.action in seen:  # one hint per action (its first key)
                continue
            seen.add(binding.action)
            hints.append(Hint(binding.key, app.get_key_display(binding), binding.description,
                              binding.action.split("(", 1)[0], enabled))
        ordered = tuple(sorted(hints, key=lambda h: self._rank(h.action)))
        if ordered != self._hints:
            self._hints = ordered
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        dim = self.get_component_rich_style("key-footer--disabled")
        shown, dropped = layout(self._hints, self.size.width, self._keep)
        text = Text(" ", no_wrap=True, overflow="ellipsis")
        self._spans = []
        for hint in shown:
            if dropped and hint.action in self._keep:
                text.append(MORE + " " * GAP, style=description_style)
                dropped = False
            start = text.cell_len
            text.append(hint.display, style=key_style + (None if hint.enabled else dim))
            text.append(" " + hint.description, style=description_style + (None if hint.enabled else dim))
            self._spans.append((start, text.cell_len, hint))
            text.append(" " * GAP)
        if dropped:
            text.append(MORE, style=description_style)
        text.rstrip()
        text.truncate(self.size.width, overflow="ellipsis")
        return text

    def on_click(self, event: events.Click) -> None:
        """A click on a hint presses its key."""
        for start, end, hint in self._spans:
            if start <= event.x < end and hint.enabled:
                self.app.simulate_key(hint.key)
                return
