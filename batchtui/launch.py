"""Start the explorer: for configured accounts, or on the demo."""

from __future__ import annotations

import sys

from .config import Account, ConfigError, configured_accounts


def _services(accounts: list[Account]):
    from .service.connect import service_for

    services, problems = {}, {}
    for account in accounts:
        try:
            services[account.name] = service_for(account)
        except ConfigError as error:
            problems[account.name] = str(error)
    return services, problems


def run_explorer(accounts: list[Account], *, refresh: float, read_only: bool, account: str | None = None) -> str | None:
    from .ui.app import BatchApp
    from .ui.views import JOBS, ViewKey

    services, problems = _services(accounts)
    start = None
    if account:
        start = ViewKey(account, JOBS)
    app = BatchApp(accounts, services, refresh_seconds=refresh, read_only=read_only, start=start, problems=problems)
    return app.run()  # the app closes the services when it exits


def run_welcome() -> str | None:
    from .ui.screens.welcome import WelcomeApp

    return WelcomeApp().run()


def explorer_command(refresh: float, read_only: bool, account: str | None) -> int:
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
            return demo_command(refresh, read_only)
        return 0
    run_explorer(accounts, refresh=refresh, read_only=read_only, account=account)
    return 0


def demo_command(refresh: float, read_only: bool) -> int:
    from .workload import Demo

    def say(text: str) -> None:
        print(f"batchtui demo: {text}", file=sys.stderr, flush=True)

    say("starting a local Batch service…")
    try:
        demo = Demo(with_storage=True, say=say)
    except RuntimeError as error:
        say(str(error))
        return 1
    if demo.storage_problem:
        say(f"storage features are off: {demo.storage_problem}")
    try:
        demo.seed()
        run_explorer([demo.emulator.as_account()], refresh=refresh, read_only=read_only)
    finally:
        demo.close()
    return 0
