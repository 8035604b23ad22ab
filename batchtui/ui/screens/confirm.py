"""The dialogs every action goes through.

`ConfirmScreen` says what will happen to how many resources and asks for the
action's options (if any). Destructive means deliberate: Cancel is the default
(focused) button, so a stray `enter` cancels; `enter` in a field moves to the
next one and `enter` on a choice opens its list; only the confirm key (`y`, or
`ctrl+s` while typing in a field) or `enter`/`space` on the confirm button,
reached with an explicit `tab`, confirms. Every dialog opens on Cancel.

`NoticeScreen` says why an action cannot work, before it is tried, and what
would; it has nothing to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ...textsafe import inert

# Compact enough that the resize dialog (three fields) fits at 80x24; beyond
# that the box scrolls rather than hiding its buttons.
DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > DialogBox {{
    width: 72; max-width: 100%; height: auto; max-height: 100%; border: thick $warning; background: $surface;
    padding: 0 2;
}}
{name} #message {{ margin: 1 0; }}
{name} #error {{ color: $error; height: auto; display: none; }}
{name} #error.shown {{ display: block; }}
{name} Horizontal {{ height: auto; margin-top: 1; align-horizontal: right; }}
{name} Button {{ margin-left: 2; }}
"""


class DialogBox(VerticalScroll, can_focus=False):
    """The dialog's bordered box: grows with its content, scrolls when the terminal is
    too short; takes no focus itself (tab goes from field to field to button)."""


def plain_message(message: str | Text) -> Text:
    """A dialog's message as shown: a str is plain text (never markup) with its control characters
    inert, line breaks kept; a Text is the caller's, shown as built (its foreign parts made inert there)."""
    return message if isinstance(message, Text) else Text(inert(message, keep="\n"))


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, int, choice
    default: str = ""
    choices: tuple[str, ...] = ()


class ConfirmScreen(ModalScreen[dict[str, object] | None]):
    """Dismisses with the field values (a dict) when confirmed, None when cancelled.

    It opens with the focus on Cancel; `tab` goes on to the confirm button, then
    to the fields (in a field, `y` is text: `ctrl+s` confirms)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "confirm", "Confirm", show=False)]
    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmScreen")

    def __init__(self, title: str, message: str | Text, fields: list[Field] | None = None,
                 confirm_label: str = "Yes") -> None:
        super().__init__()
        self._heading = title
        self._message = message
        self._fields = fields or []
        self._confirm_label = confirm_label

    @property
    def typed_fields(self) -> bool:
        """Whether the dialog has fields typed into (where `y` is text, so `ctrl+s` confirms)."""
        return any(f.kind != "choice" for f in self._fields)

    def compose(self) -> ComposeResult:
        box = DialogBox()
        box.border_title = Text(self._heading)  # a Text: never markup
        with box:
            message = plain_message(self._message)
            if self._fields:
                message = message.copy()
                message.append("\ntab moves to the fields", style="dim")
            yield Static(message, id="message", markup=False)
            for field in self._fields:
                yield Label(field.label, markup=False)
                if field.kind == "choice":
                    yield Select([(c, c) for c in field.choices], value=field.default or field.choices[0],
                                 allow_blank=False, id=f"field-{field.name}")
                else:
                    yield Input(field.default, id=f"field-{field.name}",
                                type="integer" if field.kind == "int" else "text")
            yield Static("", id="error", markup=False)
            with Horizontal():
                yield Button("Cancel (esc)", id="cancel")
                key = "ctrl+s" if self.typed_fields else "y"
                yield Button(f"{self._confirm_label} ({key})", id="confirm", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_key(self, event: events.Key) -> None:
        # Keys typed into an Input never get here (the Input takes them as text).
        if event.key in ("y", "Y"):
            event.stop()
            self.action_confirm()
        elif event.key in ("n", "N"):
            event.stop()
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """`enter` in a field moves on (to the next field, then Cancel): it never confirms."""
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self.action_confirm()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_confirm(self) -> None:
        values: dict[str, object] = {}
        error = self.query_one("#error", Static)
        for field in self._fields:
            widget = self.query_one(f"#field-{field.name}")
            value = widget.value if isinstance(widget, (Input, Select)) else None
            raw = str(value if value is not None else "").strip()
            if field.kind == "int":
                try:
                    number = int(raw)
                except ValueError:
                    number = -1
                if number < 0:
                    error.update(Text(f"{field.label}: a whole number, 0 or more"))
                    error.add_class("shown")
                    return
                values[field.name] = number
            else:
                values[field.name] = raw
        self.dismiss(values)


class NoticeScreen(ModalScreen[None]):
    """Why an action cannot work (and what would): nothing to confirm, any of
    `esc`, `enter`, `q` or `n` closes it."""

    BINDINGS = [Binding("escape,q,n", "close", "Close")]
    DEFAULT_CSS = DIALOG_CSS.format(name="NoticeScreen")

    def __init__(self, title: str, message: str | Text) -> None:
        super().__init__()
        self._heading = title
        self._message = message

    def compose(self) -> ComposeResult:
        box = DialogBox()
        box.border_title = Text(self._heading)  # a Text: never markup
        with box:
            yield Static(plain_message(self._message), id="message", markup=False)
            with Horizontal():
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
