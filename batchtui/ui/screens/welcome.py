"""The first screen when no account is configured."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

TEXT = """[b]Welcome to batchtui[/b]

No Azure Batch account is configured yet. Add one:

  [cyan]batchtui accounts add prod --endpoint https://ACCOUNT.REGION.batch.azure.com --key-env PROD_BATCH_KEY[/cyan]
  [cyan]batchtui accounts add prod --endpoint https://ACCOUNT.REGION.batch.azure.com --entra[/cyan]

or set [cyan]AZURE_BATCH_ENDPOINT[/cyan], [cyan]AZURE_BATCH_ACCOUNT[/cyan] \
and [cyan]AZURE_BATCH_ACCESS_KEY[/cyan] as for az batch.

No account at hand? The demo runs a local Batch service with a realistic workload:"""


class WelcomeScreen(Screen[str]):
    BINDINGS = [Binding("q,escape", "quit", "Quit"), Binding("d", "demo", "Run the demo")]
    DEFAULT_CSS = """
    WelcomeScreen { align: center middle; }
    WelcomeScreen Vertical { width: auto; max-width: 100%; height: auto; padding: 1 2; border: round $accent; }
    WelcomeScreen Button { margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(TEXT)
            with Center():
                yield Button("Run the demo (d)", id="demo", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_demo()

    def action_demo(self) -> None:
        self.app.exit("demo")

    def action_quit(self) -> None:
        self.app.exit(None)


class WelcomeApp(App[str | None]):
    """Shown by `batchtui` when there is no account: returns "demo" to start the demo."""

    TITLE = "batchtui"

    def on_mount(self) -> None:
        self.push_screen(WelcomeScreen())
