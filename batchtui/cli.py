"""The `batchtui` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from . import __version__, accounts_cli, create_cli, tail_cli

EXIT_USAGE = 2


def _emulator_parser(sub: argparse._SubParsersAction) -> None:
    from .emulator import DEFAULT_ACCOUNT, DEFAULT_KEY, DEFAULT_PORT

    p = sub.add_parser(
        "emulator",
        help="run a local Azure Batch service (the Batch REST API; tasks run as local processes)",
        description="Run a local Azure Batch service that speaks the Batch REST API "
        "(api-version 2025-06-01, shared-key auth) and runs tasks as local processes.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--data-dir", type=Path, default=None, help="where state and node directories live "
                   "(default: the emulator folder under batchtui's user data dir)")
    p.add_argument("--account", default=DEFAULT_ACCOUNT, help=f"account name (default: {DEFAULT_ACCOUNT})")
    p.add_argument("--key", default=DEFAULT_KEY, help="base64 account key (default: the documented development key)")
    p.add_argument("--node-step-seconds", type=float, default=1.0,
                   help="seconds a node spends in each provisioning step (default: 1)")
    p.add_argument("--frozen-clock", default=None, help=argparse.SUPPRESS)  # ISO time; for reproducible screenshots
    p.add_argument("--storage-connection-string", default=None, metavar="CONNECTION_STRING",
                   help="the account's auto-storage account (e.g. Azurite's): resource files and application packages")
    p.set_defaults(func=_run_emulator)


def _run_emulator(args: argparse.Namespace) -> int:
    from .emulator.auth import valid_key
    from .emulator.server import serve
    from .emulator.settings import Settings
    from .paths import emulator_data_dir

    if not valid_key(args.key):
        print("batchtui emulator: --key must be base64 (like an Azure Batch account key)", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= args.port <= 65535:
        print("batchtui emulator: --port must be 0 to 65535", file=sys.stderr)
        return EXIT_USAGE
    settings = Settings(
        data_dir=(args.data_dir or emulator_data_dir()).expanduser().resolve(),
        account=args.account,
        key=args.key,
        host=args.host,
        port=args.port,
        node_step_seconds=max(0.0, args.node_step_seconds),
        frozen_clock=args.frozen_clock,
        storage_connection_string=args.storage_connection_string,
    )

    def ready(endpoint: str) -> None:
        print(f"batchtui emulator: endpoint {endpoint} account {settings.account} key {settings.key}"
              f" data {settings.data_dir}", flush=True)

    try:
        asyncio.run(serve(settings, ready))
    except OSError as exc:
        print(f"batchtui emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def _refresh_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("the refresh interval is at least 1 second")
    return value


def _ui_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--refresh", type=_refresh_seconds, default=5.0, metavar="SECONDS",
                   help="how often each visible view refreshes (default 5, minimum 1)")
    p.add_argument("--read-only", action="store_true", help="hide every action that changes anything")


def _demo_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="start a local Batch service with a realistic workload and open the explorer on it",
                       description="Start the emulator on a free port with its own data dir, seed a workload "
                       "(pools, a finished job, a running job, a queued job) and open the explorer. "
                       "Quitting stops the emulator.")
    _ui_options(p)
    p.set_defaults(func=lambda args: _launch().demo_command(args.refresh, args.read_only))


def _launch():
    from . import launch

    return launch


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchtui",
        description="A terminal UI for Azure Batch. With no command, opens the explorer on the configured accounts.",
    )
    parser.add_argument("--version", action="version", version=f"batchtui {__version__}")
    parser.add_argument("--account", default=None, help="start on this account")
    _ui_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _emulator_parser(sub)
    _demo_parser(sub)
    accounts_cli.register(sub)
    tail_cli.register(sub)
    create_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        return _launch().explorer_command(args.refresh, args.read_only, args.account)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the terminal
        return _internal_error(exc)


def _internal_error(exc: BaseException) -> int:
    """Say what failed in one line; keep the traceback in a private log file."""
    import traceback

    from .paths import cache_dir

    message = f"batchtui: internal error: {type(exc).__name__}: {exc}"
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "crash.log"
        with open(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a") as f:
            f.write("".join(traceback.format_exception(exc)) + "\n")
        message += f" (details in {log})"
    except OSError:
        pass
    print(message, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
