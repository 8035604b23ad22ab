"""The explorer, `batchtui` with no command: the TUI on the configured accounts
(or the welcome screen when there are none). Also opened by `batchtui demo`."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..account import Account, ConfigError
from ..config import configured_accounts
from .output import say

if TYPE_CHECKING:
    from textual.app import App

    from ..service.client import BatchService


class AppCrashed(Exception):
    """The app stopped on an error that Textual did not hand on (what it printed is in `report`)."""

    def __init__(self, report: str) -> None:
        super().__init__("the app stopped on an internal error")
        self.report = report


def _refresh_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the refresh interval is at least 1 second")
    return value


def _timeout_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 1 <= value <= 3600:  # (also refuses nan)
        raise argparse.ArgumentTypeError("the timeout is 1 to 3600 seconds")
    return value


def add_timeout_option(p: argparse.ArgumentParser, dest: str = "timeout") -> None:
    """--timeout SECONDS, as `dest` (None when not given: the account's `timeout`, else 30)."""
    p.add_argument("--timeout", dest=dest, type=_timeout_seconds, default=None, metavar="SECONDS",
                   help="how long to wait for the Batch endpoint's answer to a request, retries included, "
                   "before giving up on it (default: the account's timeout in accounts.toml, else 30)")


def add_options(p: argparse.ArgumentParser) -> None:
    """The explorer's options (--refresh, --read-only, --timeout), for each command that opens it."""
    p.add_argument("--refresh", type=_refresh_seconds, default=5.0, metavar="SECONDS",
                   help="how often each visible view refreshes (default 5, minimum 1)")
    p.add_argument("--read-only", action="store_true", help="hide every action that changes anything")
    add_timeout_option(p)


def _services(accounts: list[Account], timeout: float | None) -> tuple[dict[str, BatchService], dict[str, str]]:
    """A service per account, and for each account that has none, why (its key cannot be read)."""
    from ..service.connect import service_for

    services, problems = {}, {}
    for account in accounts:
        try:
            services[account.name] = service_for(account, timeout=timeout)
        except ConfigError as problem:
            problems[account.name] = str(problem)
    return services, problems


def run_explorer(accounts: list[Account], *, refresh: float, read_only: bool, account: str | None = None,
                 timeout: float | None = None) -> str | None:
    """Run the TUI on these accounts (starting on `account`'s jobs) until it quits; what it exited with.
    `timeout`: seconds to wait for an endpoint's answer (None: each account's own, else the default)."""
    from ..prefs import Prefs
    from ..ui.app import BatchApp
    from ..ui.views import JOBS, ViewKey

    services, problems = _services(accounts, timeout)
    start = None
    if account:
        start = ViewKey(account, JOBS)
    app = BatchApp(accounts, services, refresh_seconds=refresh, read_only=read_only, start=start, problems=problems,
                   prefs=Prefs.load())
    result: str | None = run_app(app)  # the app closes the services when it exits
    return result


def run_app(app: App[Any]) -> Any:
    """Run a Textual app until it quits; what it exited with.

    When the app dies of an exception, that exception is raised here (for
    `batchtui`'s internal-error report: one line, the traceback in
    crash.log), and Textual's own report is not printed: it is a screenful of
    traceback with local variables, which may hold a key.
    """
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):  # (Textual prints its report on sys.stderr once it has exited)
        result = app.run()
    crash = getattr(app, "_exception", None)  # the exception the app died of (Textual keeps it for tests)
    if isinstance(crash, Exception):
        raise crash
    if app.return_code == 1 and printed.getvalue():
        raise AppCrashed(printed.getvalue())
    sys.stderr.write(printed.getvalue())
    return result


def run_welcome() -> str | None:
    """The welcome screen (no accounts yet); "demo" when the user chose the demo."""
    from ..ui.screens.welcome import WelcomeApp

    choice: str | None = run_app(WelcomeApp())
    return choice


def command(refresh: float, read_only: bool, account: str | None, *, demo: Callable[[], int],
            timeout: float | None = None) -> int:
    """Open the explorer on the configured accounts: 0, or 2 for a configuration problem or an unknown
    `account`. With no accounts, the welcome screen, which may start `demo` (and returns its status)."""
    try:
        accounts = configured_accounts()
    except ConfigError as problem:
        say(None, problem)
        return 2
    if account and account not in {a.name for a in accounts}:
        say(None, f"no account named {account!r}; see 'batchtui accounts list'")
        return 2
    if not accounts:
        if run_welcome() == "demo":
            return demo()
        return 0
    run_explorer(accounts, refresh=refresh, read_only=read_only, account=account, timeout=timeout)
    return 0
