"""`ctrl+y`: what of the cursor's row to copy (its id, command line or JSON), one key each."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

# (key, what, label): what the copy controller is asked for, and how the menu names it.
CHOICES = (("i", "id", "its id"), ("l", "command", "its command line"), ("j", "json", "its JSON"))


class CopyMenu(ModalScreen[str | None]):
    """Dismisses with "id", "command" or "json" (the key pressed), or None (esc)."""

    # Bindings (not on_key): the key is spent here, and never reaches the view under the menu.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss(None)", "Cancel"),
        *[Binding(key, f"dismiss('{what}')", label) for key, what, label in CHOICES],
    ]
    DEFAULT_CSS = """
    CopyMenu { align: center bottom; }
    CopyMenu > Vertical {
        width: 44; max-width: 100%; height: auto; margin-bottom: 2; border: round $accent; background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self, subject: str) -> None:
        super().__init__()
        self.subject = subject  # e.g. "task etl-007"

    def compose(self) -> ComposeResult:
        box = Vertical()
        box.border_title = Text(f"Copy {self.subject}")
        with box:
            for key, _, label in CHOICES:
                line = Text()
                line.append(f"{key}", style="bold")
                line.append(f"  {label}")
                yield Static(line, markup=False)
            yield Static(Text("esc  cancel", style="dim"), markup=False)
