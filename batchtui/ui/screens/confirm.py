"""The confirmation dialog every action goes through: it says what will happen
to how many resources, and asks for the action's options (if any)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ...textsafe import inert


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, int, choice
    default: str = ""
    choices: tuple[str, ...] = ()


class ConfirmScreen(ModalScreen[dict[str, object] | None]):
    """Dismisses with the field values (a dict) when confirmed, None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "confirm", "Confirm", show=False)]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 72; max-width: 100%; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmScreen #message { margin-bottom: 1; }
    ConfirmScreen Label { margin-top: 1; }
    ConfirmScreen #error { color: $error; height: auto; }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """

    def __init__(self, title: str, message: str, fields: list[Field] | None = None, confirm_label: str = "Yes") -> None:
        super().__init__()
        self._heading = title
        self._message = message
        self._fields = fields or []
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        box = Vertical()
        box.border_title = Text(self._heading)  # a Text: never markup
        with box:
            yield Static(inert(self._message, keep="\n"), id="message", markup=False)
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
                yield Button(f"{self._confirm_label} (y)" if not self._fields else f"{self._confirm_label} (ctrl+s)",
                             id="confirm", variant="warning")

    def on_mount(self) -> None:
        # Typing fields take the focus; with only choices (which have defaults),
        # the confirm button does, so enter confirms and shift+tab reaches them.
        inputs = self.query("Input")
        (inputs.first() if inputs else self.query_one("#confirm", Button)).focus()

    def on_key(self, event: events.Key) -> None:
        if not self._fields and event.key in ("y", "Y"):
            event.stop()
            self.action_confirm()
        elif not self._fields and event.key in ("n", "N"):
            event.stop()
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm":
            self.action_confirm()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_confirm(self) -> None:
        values: dict[str, object] = {}
        for field in self._fields:
            widget = self.query_one(f"#field-{field.name}")
            value = widget.value if isinstance(widget, (Input, Select)) else None
            raw = str(value if value is not None else "").strip()
            if field.kind == "int":
                try:
                    number = int(raw)
                except ValueError:
                    self.query_one("#error", Static).update(f"{field.label}: a whole number, please")
                    return
                if number < 0:
                    self.query_one("#error", Static).update(f"{field.label}: 0 or more")
                    return
                values[field.name] = number
            else:
                values[field.name] = raw
        self.dismiss(values)
