"""`PromptLine`: the `:` command line and the `/` filter, a visible line above the table.

It shows its prefix (`:` or `/`), the text with a cursor, and under it a message line (an error in red, or
the candidates of a Tab completion). ↑/↓ walk the history of the prompt's kind (kept for the session), Tab
completes the last word from what the handler offers, Enter submits, Esc cancels.

No key is lost or sent to the view while the prompt opens or closes (see `ui.key_order` for the app's part):

- `open` gives the field the focus synchronously (`Screen.set_focus`, not `Widget.focus`, which waits for
  the next turn of the event loop), so the key after `:` already goes to the field;
- the field handles every key in its own `_on_key`, editing keys included, so keys apply in the order they
  came (Textual would run an editing key's binding only once the key has bubbled back up to the app,
  after the characters behind it);
- keys the field receives after it closed (typed right after Enter, ahead of the focus change) run their
  binding or go where the focus now is, in their order (`give_back`).

What a submitted line does is the handler's business (`PromptHandler`, the app's prompt controller); it
closes the prompt, or keeps it open with an error.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Input, Static

from ..key_order import run_binding_now
from ..model.completion import Completer, split_word
from ..model.prompt_history import PromptHistory

__all__ = ["PromptHandler", "PromptInput", "PromptLine"]

#: The keys the prompt handles itself; every other key is the text field's.
_OWN_KEYS = ("enter", "escape", "up", "down", "tab")
#: How many Tab candidates the message line lists.
_SHOWN_CANDIDATES = 12


class PromptHandler(Protocol):
    """What a prompt's lines do. `kind` is the prompt's kind ("command" or "filter")."""

    def prompt_changed(self, kind: str, text: str) -> None:
        """The text changed (typed, from the history or a completion)."""

    def prompt_submitted(self, kind: str, text: str) -> None:
        """Enter: the handler closes the prompt, or shows why it cannot (`PromptLine.show_message`)."""

    def prompt_cancelled(self, kind: str) -> None:
        """Esc: the prompt closes after this."""

    def prompt_words(self, kind: str, head: str) -> tuple[list[str], str]:
        """The words that may follow `head` (the text before the word being completed), and what to add
        after a completed word (a space after a command that takes an argument)."""


class PromptInput(Input):
    """The prompt's text field: handles each key itself, in the order keys arrive (see the module's doc)."""

    # For the footer (and a click on it): `_on_key` handles these keys before any binding could.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "prompt_key('enter')", "Run"),
        Binding("escape", "prompt_key('escape')", "Cancel"),
        Binding("tab", "prompt_key('tab')", "Complete"),
        Binding("up", "prompt_key('up')", "History"),
        Binding("down", "prompt_key('down')", "History", show=False),
    ]

    def __init__(self, line: PromptLine) -> None:
        super().__init__(compact=True, id="prompt-input")
        self.cursor_blink = False  # a blinking cursor repaints twice a second: nothing may while idle
        self._line = line

    async def _on_key(self, event: events.Key) -> None:
        line = self._line
        if not line.is_open:
            event.stop()
            event.prevent_default()
            await line.give_back(event)
            return
        if event.key in _OWN_KEYS:
            event.stop()
            event.prevent_default()
            line.own_key(event.key)
            return
        bindings = self._bindings.key_to_bindings.get(event.key)
        if bindings and not event.is_printable:
            event.stop()
            event.prevent_default()
            await self.run_action(bindings[0].action)
            return
        await super()._on_key(event)

    def action_prompt_key(self, key: str) -> None:
        if self._line.is_open:
            self._line.own_key(key)


class PromptLine(Vertical):
    """The prompt: a prefix, the text field and a message line. Hidden while closed."""

    DEFAULT_CSS = """
    PromptLine { height: auto; display: none; padding: 0 1; background: $boost; }
    PromptLine.-open { display: block; }
    PromptLine > Horizontal { height: 1; }
    PromptLine #prompt-prefix { width: 2; text-style: bold; color: $text-accent; }
    PromptLine #prompt-input { width: 1fr; background: $boost; }
    PromptLine #prompt-message { height: auto; color: $text-muted; }
    PromptLine #prompt-message.-error { color: $text-error; text-style: bold; }
    PromptLine #prompt-message.-empty { display: none; }
    """

    KINDS: ClassVar[dict[str, str]] = {"command": ":", "filter": "/"}

    def __init__(self, handler: PromptHandler, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.handler = handler
        self.kind = ""  # "command" or "filter" while open, "" while closed
        self.histories = {kind: PromptHistory() for kind in self.KINDS}
        self._completer = Completer()
        self._return_to: Widget | None = None
        self._seen = ""  # the text the handler last heard of (opened with, changed to or submitted)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("", id="prompt-prefix")
            yield PromptInput(self)
        yield Static("", id="prompt-message", classes="-empty")

    # -- state ------------------------------------------------------------------------------
    @property
    def input(self) -> PromptInput:
        return self.query_one(PromptInput)

    @property
    def is_open(self) -> bool:
        return bool(self.kind)

    @property
    def value(self) -> str:
        return self.input.value

    @property
    def has_error(self) -> bool:
        """The message line shows an error."""
        return self.query_one("#prompt-message", Static).has_class("-error")

    @property
    def message(self) -> str:
        """The message line's text ("" when there is none)."""
        return str(self.query_one("#prompt-message", Static).content)

    # -- opening and closing ----------------------------------------------------------------
    def open(self, kind: str, value: str = "", placeholder: str = "", select: bool = False) -> None:
        """Show the prompt of `kind` holding `value` (all of it selected if `select`: typing replaces it),
        and give it the focus now: the next key is already the prompt's."""
        field = self.input
        if not self.is_open:
            self._return_to = self.screen.focused
        self.kind = kind
        self.query_one("#prompt-prefix", Static).update(Text(self.KINDS[kind]))
        field.placeholder = placeholder
        with field.prevent(Input.Changed):
            field.value = value
        field.cursor_position = len(value)
        self._seen = value
        if select and value:
            field.select_all()
        self.show_message("")
        self.histories[kind].reset()
        self._completer.reset()
        self.add_class("-open")
        self.screen.set_focus(field)

    def close(self) -> None:
        """Hide the prompt; the focus goes back where it was before it opened, now."""
        if not self.is_open:
            return
        self.kind = ""
        self.remove_class("-open")
        back = self._return_to
        self._return_to = None
        screen = self.screen
        if back is not None and back.is_attached and back.screen is screen:
            screen.set_focus(back)
        else:
            screen.set_focus(None)

    def show_message(self, text: str | Text, error: bool = False) -> None:
        """Show `text` under the prompt (plain text, never markup), in red for an `error`; "" hides it."""
        message = self.query_one("#prompt-message", Static)
        message.update(Text(text) if isinstance(text, str) else text)
        message.set_class(error, "-error")
        message.set_class(not text, "-empty")

    async def give_back(self, event: events.Key) -> None:
        """A key that reached the field after it closed (typed right after Enter or Esc): what the app
        would have done with it had the focus already moved. Handled here, in the field's queue, the keys
        stay in the order they were typed: the ones still in the app's queue are forwarded after them."""
        if await run_binding_now(self.app, event.key):
            return  # e.g. `:` or `/` again: the keys behind it in this queue go to the prompt, opened again
        target = self.screen.focused
        if target is not None and target is not self.input:
            target._forward_event(events.Key(event.key, event.character))  # as the app forwards a key

    # -- keys -------------------------------------------------------------------------------
    def own_key(self, key: str) -> None:
        """Enter, Esc, ↑, ↓ and Tab in the prompt."""
        kind = self.kind
        field = self.input
        if key == "enter":
            text = field.value
            self._seen = text
            self.histories[kind].add(text)
            self.handler.prompt_submitted(kind, text)
        elif key == "escape":
            self.handler.prompt_cancelled(kind)
            self.close()
        elif key in ("up", "down"):
            history = self.histories[kind]
            line = history.older(field.value) if key == "up" else history.newer()
            if line is not None:
                self._set_value(line)
        elif key == "tab":
            self._complete()

    def _set_value(self, value: str) -> None:
        field = self.input
        field.value = value
        field.cursor_position = len(value)

    def _complete(self) -> None:
        text = self.input.value
        self._tell(text)  # the handler catches up with keys typed just before the Tab
        head, _ = split_word(text)
        words, suffix = self.handler.prompt_words(self.kind, head)
        result = self._completer.complete(text, words, suffix)
        if result.text != text:
            self._set_value(result.text)
            self._tell(result.text)
        if not result.candidates:
            self.show_message("no completion" if words else "nothing to complete here")
        elif len(result.candidates) > 1:
            shown = "  ".join(result.candidates[:_SHOWN_CANDIDATES])
            more = f"  … {len(result.candidates) - _SHOWN_CANDIDATES} more" if len(result.candidates) > 12 else ""
            self.show_message(f"{len(result.candidates)} matches (tab: next): {shown}{more}")
        else:
            self.show_message("")

    @on(Input.Changed, "#prompt-input")
    def _changed(self, event: Input.Changed) -> None:
        """Tell the handler of the text now in the field. Changed messages arrive after the keys that made
        them: one with a value the field no longer holds (keys typed quickly) or that the handler has
        already seen (submitted, the prompt maybe showing an error about it since) is dropped."""
        event.stop()
        if self.is_open and event.value == self.input.value:
            self._tell(event.value)

    def _tell(self, value: str) -> None:
        """Tell the handler of `value` unless it was the last text it heard of."""
        if value != self._seen:
            self._seen = value
            self.handler.prompt_changed(self.kind, value)
