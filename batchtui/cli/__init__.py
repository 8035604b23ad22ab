"""The `batchtui` command: its argument parser, and the dispatch to one module per command.

With no command it opens the explorer (`explorer`); the commands are
`emulator`, `demo`, `accounts`, `tail` and `create`, each in the module of
that name, which adds its own arguments (`register`). Heavy modules (Textual,
the SDK clients, the emulator) are imported only inside the command that
runs, so `batchtui --help` stays quick. A command that fails unexpectedly
ends with one line on stderr and exit status 1; the traceback goes to
crash.log in batchtui's cache dir.
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from . import accounts, create, demo, emulator, explorer, tail


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchtui",
        description="A terminal UI for Azure Batch. With no command, opens the explorer on the configured accounts.",
    )
    parser.add_argument("--version", action="version", version=f"batchtui {__version__}")
    parser.add_argument("--account", default=None, help="start on this account")
    explorer.add_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    emulator.register(sub)
    demo.register(sub)
    accounts.register(sub)
    tail.register(sub)
    create.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `batchtui` with these arguments (default: sys.argv's); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        return explorer.command(args.refresh, args.read_only, args.account,
                                demo=lambda: demo.command(args.refresh, args.read_only))
    try:
        status: int = args.func(args)
        return status
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the terminal
        return _internal_error(exc)


def _internal_error(exc: BaseException) -> int:
    """Say what failed in one line; keep the traceback in a private log file."""
    import traceback

    from ..paths import cache_dir

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
