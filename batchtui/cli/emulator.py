"""`batchtui emulator`: run the local Batch service in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

EXIT_USAGE = 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `emulator` command to the CLI."""
    from ..emulator import DEFAULT_ACCOUNT, DEFAULT_KEY, DEFAULT_PORT

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
    p.add_argument("--core-quota", type=int, default=900, metavar="CORES",
                   help="the account's dedicated core quota; a pool past it stops with AccountCoreQuotaReached "
                   "(default: 900, Batch's default)")
    p.add_argument("--low-priority-core-quota", type=int, default=100, metavar="CORES",
                   help="the account's low-priority core quota (default: 100, Batch's default)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted. Prints one line once it listens: `batchtui emulator: endpoint URL account
    NAME key KEY data DIR` (start_emulator reads it). 2 for a bad --key or --port, 1 when it cannot listen."""
    from ..emulator.auth import valid_key
    from ..emulator.server import serve
    from ..emulator.settings import Settings
    from ..paths import emulator_data_dir

    if not valid_key(args.key):
        print("batchtui emulator: --key must be base64 (like an Azure Batch account key)", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= args.port <= 65535:
        print("batchtui emulator: --port must be 0 to 65535", file=sys.stderr)
        return EXIT_USAGE
    if args.core_quota < 0 or args.low_priority_core_quota < 0:
        print("batchtui emulator: a core quota must be 0 or more", file=sys.stderr)
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
        dedicated_core_quota=args.core_quota,
        low_priority_core_quota=args.low_priority_core_quota,
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
