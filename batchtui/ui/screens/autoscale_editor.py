"""The autoscale editor (`A` on a pool, `:autoscale [POOL]`): the formula in a text area, the
evaluation interval, and next to the formula what the service made of it, each variable's value
and any error, before anything is applied.

Keys: ctrl+e evaluates (evaluateautoscale: nothing changes on the pool), ctrl+s applies
(enableautoscale with the interval, after a confirmation), ctrl+d disables autoscale (after a
confirmation), esc closes. The state lives in `AutoScaleDraft` (ui.model); the service calls in
`service.autoscale`.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from ...service import autoscale as service_autoscale
from ...service.client import BatchService
from ...service.errors import ServiceError
from ..model.autoscale_draft import AutoScaleDraft
from ..widgets.autoscale_view import error_text, variables_table
from .confirm import ConfirmScreen

EDITOR_CSS = """
AutoScaleEditor { align: center middle; }
AutoScaleEditor > #box {
    width: 100%; max-width: 140; height: 100%; max-height: 40; border: thick $accent; background: $surface;
    padding: 0 1;
}
AutoScaleEditor #status { height: auto; }
AutoScaleEditor #panes { height: 1fr; }
AutoScaleEditor #formula { width: 1fr; height: 100%; }
AutoScaleEditor #results-box { width: 42%; height: 100%; border-left: vkey $foreground 30%; padding: 0 0 0 1; }
AutoScaleEditor.narrow #panes { layout: vertical; }
AutoScaleEditor.narrow #formula { width: 100%; height: 1fr; }
AutoScaleEditor.narrow #results-box { width: 100%; height: 50%; border-left: none; border-top: hkey $foreground 30%;
    padding: 0; }
AutoScaleEditor #bar { height: 3; }
AutoScaleEditor #bar Label { padding: 1 1 0 0; }
AutoScaleEditor #interval { width: 10; }
AutoScaleEditor #bar Button { min-width: 8; margin-left: 1; }
AutoScaleEditor #hint { height: 1; color: $text-muted; }
"""


# From this terminal width the results sit beside the formula; below it, under it.
WIDE = 100


class AutoScaleEditor(ModalScreen[bool]):
    """Dismisses with True when autoscale was enabled, changed or disabled (the explorer refreshes)."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+e", "evaluate", "Evaluate", priority=True),
        Binding("ctrl+s", "apply", "Apply", priority=True),
        Binding("ctrl+d", "disable", "Disable", priority=True),
    ]
    DEFAULT_CSS = EDITOR_CSS

    def __init__(self, service: BatchService, draft: AutoScaleDraft) -> None:
        super().__init__()
        self.service = service
        self.draft = draft
        self.changed = False

    def compose(self) -> ComposeResult:
        box = Vertical(id="box")
        box.border_title = Text(f"Autoscale: pool {self.draft.pool_id}")
        with box:
            yield Static("", id="status", markup=False)
            with Horizontal(id="panes"):
                yield TextArea(self.draft.formula, id="formula", show_line_numbers=True, soft_wrap=True)
                with VerticalScroll(id="results-box"):
                    yield Static("", id="results", markup=False)
            with Horizontal(id="bar"):
                yield Label("Every (min)")
                yield Input(self.draft.interval, id="interval", type="integer")
                yield Button("Evaluate ^e", id="evaluate")
                yield Button("Apply ^s", id="apply", variant="warning")
                yield Button("Disable ^d", id="disable")
                yield Button("Close esc", id="close")
            yield Static("", id="hint", markup=False)

    def on_mount(self) -> None:
        self.set_class(self.app.size.width < WIDE, "narrow")
        self.show()
        self.query_one("#formula", TextArea).focus()

    def on_resize(self) -> None:
        self.set_class(self.app.size.width < WIDE, "narrow")

    # -- what is shown -----------------------------------------------------------------------
    def show(self) -> None:
        draft = self.draft
        status = Text(draft.status, style="bold")
        if draft.note:
            status.append("\n" + draft.note, style="yellow")
        self.query_one("#status", Static).update(status)
        self.query_one("#hint", Static).update(
            "ctrl+e evaluates without applying; ctrl+s applies (confirmed); esc closes" if draft.enabled else
            "ctrl+s enables autoscale with this formula (confirmed); esc closes")
        self.query_one("#disable", Button).disabled = not draft.enabled
        self.query_one("#results", Static).update(self.results())

    def results(self) -> Text:
        draft = self.draft
        text = Text()
        if draft.problem:
            text.append(draft.problem + "\n", style="bold red")
            return text
        if draft.run is None and not draft.enabled:
            text.append("Not evaluated: this pool has a fixed size.\n", style="dim")
            text.append("Batch evaluates a formula only on an autoscale pool: ctrl+s enables it (the service "
                        "evaluates it at once), then ctrl+e evaluates changes before you apply them.", style="dim")
            return text
        if draft.run is None:
            text.append("Not evaluated yet.\n", style="dim")
            text.append("ctrl+e asks the service what this formula gives now: each variable's value, "
                        "or the error and where it is.", style="dim")
            return text
        when = draft.run.timestamp.strftime("%H:%M:%S UTC") if draft.run.timestamp else ""
        text.append(f"Evaluated {when}", style="bold")
        if draft.stale:
            text.append(" (the formula changed since)", style="yellow")
        text.append("\n")
        if draft.run.error is not None:
            text.append_text(error_text(draft.run.error))
            text.append("Not applied: the pool keeps its size.\n", style="dim")
        text.append_text(variables_table(draft.run.variables))
        return text

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.draft.formula = event.text_area.text
        self.show()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.draft.interval = event.value
        self.show()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"evaluate": self.action_evaluate, "apply": self.action_apply,
                   "disable": self.action_disable, "close": self.action_close}
        actions[str(event.button.id)]()

    # -- actions -----------------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss(self.changed)

    def _sync(self) -> None:
        """The draft as the widgets hold it now (a key binding may run before their Changed messages)."""
        self.draft.formula = self.query_one("#formula", TextArea).text
        self.draft.interval = self.query_one("#interval", Input).value

    def action_evaluate(self) -> None:
        self._sync()
        refusal = self.draft.evaluate_refusal()
        if refusal is not None:
            self.draft.refused(refusal)
            self.show()
            return
        self.run_worker(self._evaluate(self.draft.formula), group="autoscale", exclusive=True)

    async def _evaluate(self, formula: str) -> None:
        try:
            run = await service_autoscale.evaluate(self.service, self.draft.pool_id, formula)
        except ServiceError as error:
            self.draft.refused(f"The service refused to evaluate it: {error}")
        else:
            if self.draft.formula == formula:
                self.draft.evaluated_now(run)
            else:  # typed on meanwhile: the result is of the formula sent
                self.draft.run, self.draft.evaluated, self.draft.problem = run, formula, ""
        if self.is_mounted:
            self.show()

    def action_apply(self) -> None:
        self._sync()
        refusal = self.draft.apply_refusal()
        if refusal is not None:
            self.draft.refused(refusal)
            self.show()
            return
        title = "Change autoscale" if self.draft.enabled else "Enable autoscale"
        self.app.push_screen(ConfirmScreen(title, self.draft.apply_message()), self._apply_confirmed)

    def _apply_confirmed(self, values: dict[str, object] | None) -> None:
        if values is not None:
            self.run_worker(self._apply(self.draft.formula, self.draft.interval_minutes() or 0),
                            group="autoscale", exclusive=True)

    async def _apply(self, formula: str, minutes: int) -> None:
        draft = self.draft
        try:
            await service_autoscale.enable(self.service, draft.pool_id, formula, minutes)
            pool = await self.service.get_pool(draft.pool_id)
        except ServiceError as error:
            draft.refused(f"Not applied: {error}")
        else:
            self.changed = True
            draft.applied(formula, str(minutes))
            settings = service_autoscale.AutoScaleSettings.from_pool(pool)
            if settings.last_run is not None:
                draft.run, draft.evaluated, draft.problem = settings.last_run, formula, ""
            self.app.notify(f"autoscale applied to pool {draft.pool_id}", timeout=5, markup=False)
        if self.is_mounted:
            self.show()

    def action_disable(self) -> None:
        if not self.draft.enabled:
            self.draft.refused("Autoscale is already off on this pool: there is nothing to disable.")
            self.show()
            return
        self.app.push_screen(ConfirmScreen("Disable autoscale", self.draft.disable_message()),
                             self._disable_confirmed)

    def _disable_confirmed(self, values: dict[str, object] | None) -> None:
        if values is not None:
            self.run_worker(self._disable(), group="autoscale", exclusive=True)

    async def _disable(self) -> None:
        draft = self.draft
        try:
            await service_autoscale.disable(self.service, draft.pool_id)
        except ServiceError as error:
            draft.refused(f"Not disabled: {error}")
        else:
            self.changed = True
            draft.disabled()
            self.app.notify(f"autoscale disabled on pool {draft.pool_id}", timeout=5, markup=False)
        if self.is_mounted:
            self.show()
