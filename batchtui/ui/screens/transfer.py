"""A dialog that asks for a few values (a local path, a name), then does something long with a progress
bar: an upload, a folder download, a new container or package version.

`TransferScreen(title, fields, prepare, run)`: `enter` in the last field calls `prepare(values)`, which
checks the values and says what would be replaced (`Plan.replaces`: how many blobs or files, and a few of
their names); when something would be, the dialog says so and only a second `enter` (the values unchanged)
goes on, with `overwrite=True`. `run(plan, overwrite, progress)` then does it, `progress(done, total)` in
bytes moving the bar; its answer (one line) is what the dialog is dismissed with. A failure
(ServiceError, OSError, ValueError) is shown in the dialog, which stays open. `esc` cancels (a transfer
under way is stopped).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, Static

from ...service.errors import ServiceError
from ..model.log_buffer import one_line
from .confirm import DialogBox

__all__ = ["Ask", "Plan", "TransferScreen"]


@dataclass(frozen=True)
class Ask:
    """One value asked for: its name (the key in `values`), its label and what it starts as."""

    name: str
    label: str
    default: str = ""


@dataclass
class Plan:
    """What `prepare` found: a line saying what will be done, what it would replace, and the caller's data."""

    summary: str
    replaces: list[str] = field(default_factory=list)
    data: Any = None

    def overwrite_warning(self, what: str = "file") -> str:
        """'3 blobs exist and would be overwritten (a, b, c…): enter again to overwrite them'."""
        count = len(self.replaces)
        names = ", ".join(one_line(n) for n in self.replaces[:3]) + ("…" if count > 3 else "")
        plural = f"{count} {what}s exist" if count != 1 else f"1 {what} exists"
        return f"{plural} and would be overwritten ({names}): enter again to overwrite, esc cancels"


Progress = Callable[[int, int], None]


class TransferScreen(ModalScreen[str | None]):
    """Asks, checks, confirms an overwrite, then runs with a progress bar; dismissed with the run's answer
    (None when cancelled)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    TransferScreen { align: center middle; }
    TransferScreen > DialogBox { width: 80; max-width: 100%; height: auto; max-height: 100%;
                                 border: round $accent; background: $surface; padding: 0 1; }
    TransferScreen Label { margin: 1 0 0 0; }
    TransferScreen Input { border: none; height: 1; padding: 0 1; background: $boost; }
    TransferScreen Input:focus { border: none; background: $accent 30%; }
    TransferScreen #transfer-message { height: auto; margin: 1 0 0 0; }
    TransferScreen ProgressBar { display: none; margin: 1 0 0 0; }
    TransferScreen ProgressBar.visible { display: block; }
    """

    def __init__(self, title: str, intro: str, asks: list[Ask],
                 prepare: Callable[[dict[str, str]], Awaitable[Plan]],
                 run: Callable[[Plan, bool, Progress], Awaitable[str]], *, what: str = "file") -> None:
        super().__init__()
        self.heading = title
        self.intro = intro
        self.asks = asks
        self.prepare = prepare
        self.run = run
        self.what = what
        self.busy = False
        self._pending: tuple[dict[str, str], Plan] | None = None  # a plan waiting for a second enter

    def compose(self) -> ComposeResult:
        with DialogBox() as box:
            box.border_title = Text(self.heading)
            yield Static(Text(one_line(self.intro)), markup=False)
            for ask in self.asks:
                yield Label(ask.label, markup=False)
                yield Input(ask.default, id=f"ask-{ask.name}")
            yield Static(Text("enter goes on, esc cancels", style="dim"), id="transfer-message", markup=False)
            yield ProgressBar(id="transfer-progress", show_eta=False)

    def on_mount(self) -> None:
        """Focus the first field still to fill (a prefilled one keeps its text: typing would replace it)."""
        empty = next((ask for ask in self.asks if not ask.default), self.asks[0])
        self.query_one(f"#ask-{empty.name}", Input).focus()

    def message(self) -> str:
        return str(self.query_one("#transfer-message", Static).render())

    def _say(self, text: str, style: str = "") -> None:
        self.query_one("#transfer-message", Static).update(Text(one_line(text), style=style))

    def values(self) -> dict[str, str]:
        return {ask.name: self.query_one(f"#ask-{ask.name}", Input).value.strip() for ask in self.asks}

    @on(Input.Changed)
    def _changed(self) -> None:
        self._pending = None

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.busy:
            return
        names = [f"ask-{ask.name}" for ask in self.asks]
        if event.input.id in names[:-1]:  # enter moves on to the next field; in the last one, it goes on
            self.query_one(f"#{names[names.index(event.input.id) + 1]}", Input).focus()
            return
        values = self.values()
        if self._pending is not None and self._pending[0] == values:
            self._go(self._pending[1], True)
            return
        self._check(values)

    @work(exclusive=True, group="transfer")
    async def _check(self, values: dict[str, str]) -> None:
        self.busy = True
        self._say("checking…", "dim")
        try:
            plan = await self.prepare(values)
        except (ServiceError, OSError, ValueError) as err:
            self._say(str(err), "bold red")
            return
        finally:
            self.busy = False
        if plan.replaces:
            self._pending = (values, plan)
            self._say(plan.overwrite_warning(self.what), "bold yellow")
            return
        self._go(plan, False)

    @work(exclusive=True, group="transfer")
    async def _go(self, plan: Plan, overwrite: bool) -> None:
        self.busy = True
        self._pending = None
        bar = self.query_one("#transfer-progress", ProgressBar)
        bar.add_class("visible")
        self._say(plan.summary + "…")

        def progress(done: int, total: int) -> None:
            bar.update(total=max(total, 1), progress=done if total else 1)

        try:
            answer = await self.run(plan, overwrite, progress)
        except (ServiceError, OSError, ValueError) as err:
            self._say(f"failed: {err}", "bold red")
            bar.remove_class("visible")
            return
        finally:
            self.busy = False
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "transfer")
        self.dismiss(None)
