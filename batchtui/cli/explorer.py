"""The explorer, `batchtui` with no command: the TUI on the configured accounts
(or the welcome screen when there are none). Also opened by `batchtui demo`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..account import Account, ConfigError
from ..config import configured_accounts

if TYPE_CHECKING:
    from ..service.client import BatchService


def _refresh_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the refresh interval is at least 1 second")
    return value


def add_options(p: argparse.ArgumentParser) -> None:
    """The explorer's options (--refresh, --read-only), for each command that opens it."""
    p.add_argument("--refresh", type=_refresh_seconds, default=5.0, metavar="SECONDS",
                   help="how often each visible view refreshes (default 5, minimum 1)")
    p.add_argument("--read-only", action="store_true", help="hide every action that changes anything")


def _services(accounts: list[Account]) -> tuple[dict[str, BatchService], dict[str, str]]:
    """A service per account, and for each account that has none, why (its key cannot be read)."""
    from ..service.connect import service_for

    services, problems = {}, {}
    for account in accounts:
        try:
            services[account.name] = service_for(account)
        except ConfigError as error:
            problems[account.name] = str(error)
    return services, problems


def run_explorer(accounts: list[Account], *, refresh: float, read_only: bool, account: str | None = None) -> str | None:
    """Run the TUI on these accounts (starting on `account`'s jobs) until it quits; what it exited with."""
    from ..ui.app import BatchApp
    from ..ui.views import JOBS, ViewKey

    services, problems = _services(accounts)
    start = None
    if account:
        start = ViewKey(account, JOBS)
    app = BatchApp(accounts, services, refresh_seconds=refresh, read_only=read_only, start=start, problems=problems)
    return app.run()  # the app closes the services when it exits


def run_welcome() -> str | None:
    """The welcome screen (no accounts yet); "demo" when the user chose the demo."""
    from ..ui.screens.welcome import WelcomeApp

    return WelcomeApp().run()


def command(refresh: float, read_only: bool, account: str | None, *, demo: Callable[[], int]) -> int:
    """Open the explorer on the configured accounts: 0, or 2 for a configuration problem or an unknown
    `account`. With no accounts, the welcome screen, which may start `demo` (and returns its status)."""
    try:
        accounts = configured_accounts()
    except ConfigError as error:
        print(f"batchtui: {error}", file=sys.stderr)
        return 2
    if account and account not in {a.name for a in accounts}:
        print(f"batchtui: no account named {account!r}; see 'batchtui accounts list'", file=sys.stderr)
        return 2
    if not accounts:
        if run_welcome() == "demo":
            return demo()
        return 0
    run_explorer(accounts, refresh=refresh, read_only=read_only, account=account)
    return 0
