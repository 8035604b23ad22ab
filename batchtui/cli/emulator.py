"""`batchtui emulator`: run the local Batch service in the foreground until Ctrl-C.

Secrets stay off the command line, which every local user can read (`ps`):
a key other than the public development key comes from the environment
(BATCHTUI_EMULATOR_KEY) or a file only its owner can read (--key-file), and
so does an auto-storage connection string that holds a secret. Both
variables are removed from the emulator's environment as soon as they are
read, so its task processes never see them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import stat
from pathlib import Path

from .output import say

EXIT_USAGE = 2
SECRET_MARKERS = ("accountkey=", "sharedaccesssignature=", "sig=")


class UsageError(Exception):
    """A bad option; str() is the one line to print."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `emulator` command to the CLI."""
    from ..emulator import DEFAULT_ACCOUNT, DEFAULT_PORT, KEY_ENV, STORAGE_ENV

    p = sub.add_parser(
        "emulator",
        help="run a local Azure Batch service (the Batch REST API; tasks run as local processes)",
        description="Run a local Azure Batch service that speaks the Batch REST API "
        "(api-versions 2022-10-01.16.0 to 2025-06-01, shared-key auth) and runs tasks as local processes. "
        f"A key of your own goes in the environment variable {KEY_ENV} or a file (--key-file), "
        f"never on the command line; likewise a storage connection string with a secret ({STORAGE_ENV}).",
    )
    p.add_argument("--host", metavar="ADDRESS", default="127.0.0.1",
                   help="address to bind (default: 127.0.0.1, loopback only)")
    p.add_argument("--port", metavar="PORT", type=int, default=DEFAULT_PORT,
                   help=f"port (default: {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST[:PORT]",
                   help="also answer requests whose Host header is HOST (on the emulator's port) or HOST:PORT; "
                   "repeatable (default: only the address it listens on, and localhost on loopback)")
    p.add_argument("--data-dir", metavar="DIR", type=Path, default=None, help="where state and node directories live "
                   "(default: the emulator folder under batchtui's user data dir; created private, mode 0700)")
    p.add_argument("--account", metavar="NAME", default=DEFAULT_ACCOUNT,
                   help=f"the account name it serves (default: {DEFAULT_ACCOUNT})")
    p.add_argument("--key", metavar="KEY", default=None, help="the public development key only (the default); "
                   f"for another key use {KEY_ENV} or --key-file")
    p.add_argument("--key-file", type=Path, default=None, metavar="FILE",
                   help="read the base64 account key from FILE (readable by you only, e.g. mode 0600)")
    p.add_argument("--node-step-seconds", metavar="SECONDS", type=float, default=1.0,
                   help="seconds a node spends in each provisioning step (default: 1)")
    p.add_argument("--frozen-clock", default=None, help=argparse.SUPPRESS)  # ISO time; for reproducible screenshots
    p.add_argument("--clock-rate", type=float, default=1.0, metavar="RATE",
                   help="emulated seconds per real second of the service's clock, e.g. 60 to see a 1-minute "
                   "autoscale interval or schedule recurrence pass in a second (default: 1)")
    p.add_argument("--storage-connection-string", default=None, metavar="CONNECTION_STRING",
                   help="the account's auto-storage account (resource files and application packages), "
                   f"if it holds no secret (e.g. Azurite's well-known one); else use {STORAGE_ENV} "
                   "or --storage-connection-string-file")
    p.add_argument("--storage-connection-string-file", type=Path, default=None, metavar="FILE",
                   help="read the auto-storage connection string from FILE (readable by you only)")
    p.add_argument("--core-quota", type=int, default=900, metavar="CORES",
                   help="the account's dedicated core quota; a pool past it stops with AccountCoreQuotaReached "
                   "(default: 900, Batch's default)")
    p.add_argument("--low-priority-core-quota", type=int, default=100, metavar="CORES",
                   help="the account's low-priority core quota (default: 100, Batch's default)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted. Prints one line once it listens: `batchtui emulator: endpoint URL account
    NAME key KEY data DIR` (start_emulator reads it; KEY is `hidden` unless it is the public development
    key). 2 for a bad option, 1 when it cannot start (listen, data dir, store)."""
    from ..emulator import DEFAULT_KEY, KEY_ENV, STORAGE_ENV
    from ..emulator.auth import valid_key
    from ..emulator.environ import take
    from ..emulator.hosts import parse_allowed
    from ..emulator.server import serve
    from ..emulator.settings import Settings, StartError
    from ..paths import emulator_data_dir

    from_env = {KEY_ENV: take(KEY_ENV), STORAGE_ENV: take(STORAGE_ENV)}  # first: out of reach of any child
    try:
        key = _one_source("the key", [("--key-file", _secret_file(args.key_file, "--key-file")),
                                      (KEY_ENV, from_env[KEY_ENV]), ("--key", _public_key(args.key))]) or DEFAULT_KEY
        storage = _one_source("the storage connection string", [
            ("--storage-connection-string-file",
             _secret_file(args.storage_connection_string_file, "--storage-connection-string-file")),
            (STORAGE_ENV, from_env[STORAGE_ENV]),
            ("--storage-connection-string", _public_connection_string(args.storage_connection_string)),
        ])
        if not valid_key(key):
            raise UsageError("the key must be base64 (like an Azure Batch account key)")
        if not 0 <= args.port <= 65535:
            raise UsageError("--port must be 0 to 65535")
        if not args.clock_rate > 0:
            raise UsageError("--clock-rate must be more than 0")
        if args.core_quota < 0 or args.low_priority_core_quota < 0:
            raise UsageError("a core quota must be 0 or more")
        for value in args.allow_host:
            parse_allowed(value, args.port or 1)
    except (UsageError, ValueError) as exc:
        say("emulator", f"{'--allow-host: ' if isinstance(exc, ValueError) else ''}{exc}")
        return EXIT_USAGE
    settings = Settings(
        data_dir=(args.data_dir or emulator_data_dir()).expanduser().resolve(),
        account=args.account,
        key=key,
        host=args.host,
        port=args.port,
        node_step_seconds=max(0.0, args.node_step_seconds),
        frozen_clock=args.frozen_clock,
        clock_rate=args.clock_rate,
        storage_connection_string=storage,
        allow_hosts=list(args.allow_host),
        dedicated_core_quota=args.core_quota,
        low_priority_core_quota=args.low_priority_core_quota,
    )

    def ready(endpoint: str) -> None:
        shown = settings.key if settings.key == DEFAULT_KEY else "hidden"
        print(f"batchtui emulator: endpoint {endpoint} account {settings.account} key {shown}"
              f" data {settings.data_dir}", flush=True)

    try:
        asyncio.run(serve(settings, ready))
    except StartError as exc:
        say("emulator", str(exc))
        return 1
    except OSError as exc:
        say("emulator", f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def _one_source(what: str, sources: list[tuple[str, str | None]]) -> str | None:
    given = [(name, value) for name, value in sources if value is not None]
    if len(given) > 1:
        raise UsageError(f"{what} is given {len(given)} ways ({', '.join(n for n, _ in given)}); give it one way")
    return given[0][1] if given else None


def _public_key(key: str | None) -> str | None:
    """--key's value, when it is the public development key."""
    from ..emulator import DEFAULT_KEY, KEY_ENV

    if key is not None and key != DEFAULT_KEY:
        raise UsageError(
            "--key takes only the public development key: any local user can read a command line (ps). "
            f"Pass your key in the environment variable {KEY_ENV}, or in a file only you can read "
            "with --key-file FILE (chmod 600 FILE)"
        )
    return key


def _public_connection_string(text: str | None) -> str | None:
    """--storage-connection-string's value, when it holds no secret but Azurite's public well-known key."""
    from ..azurite import ACCOUNT_KEY
    from ..emulator import STORAGE_ENV

    if text is None:
        return None
    fields = {k.strip().lower(): v.strip() for k, _, v in (p.partition("=") for p in text.split(";"))}
    secret = fields.get("accountkey", ACCOUNT_KEY) != ACCOUNT_KEY or any(
        marker in text.lower() for marker in SECRET_MARKERS if marker != "accountkey=")
    if secret:
        raise UsageError(
            "--storage-connection-string holds a secret, which any local user can read on a command line (ps). "
            f"Pass it in the environment variable {STORAGE_ENV}, or in a file only you can read with "
            "--storage-connection-string-file FILE (chmod 600 FILE)"
        )
    return text


def _secret_file(path: Path | None, flag: str) -> str | None:
    """The stripped text of a secret file, which only its owner may read or write."""
    if path is None:
        return None
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{flag} {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if mode & 0o077:
        raise UsageError(f"{flag} {path} can be read or written by other users (mode {mode:04o}); "
                         f"make it yours only: chmod 600 {path}")
    if not text:
        raise UsageError(f"{flag} {path} is empty")
    return text
