"""The `batchtui` command: its argument parser, and the dispatch to one module per command.

With no command it opens the explorer (`explorer`); the commands are
`emulator`, `demo`, `accounts`, `tail` and `create`, each in the module of
that name, which adds its own arguments (`register`). Heavy modules (Textual,
the SDK clients, the emulator) are imported only inside the command that
runs, so `batchtui --help` stays quick. A command that fails unexpectedly
ends with one line on stderr and exit status 1, the explorer too; the
traceback goes to crash.log in batchtui's state dir (`output`).
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from . import accounts, create, demo, emulator, explorer, output, tail, wait


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchtui",
        description="A terminal UI for Azure Batch. With no command, opens the explorer on the configured accounts.",
        epilog="Files: the accounts in accounts.toml in the user config dir ($BATCHTUI_CONFIG_DIR moves it); "
        "view preferences and crash.log in the user state dir ($BATCHTUI_STATE_DIR moves it). "
        "'batchtui COMMAND --help' tells more about each command.",
    )
    parser.add_argument("--version", action="version", version=f"batchtui {__version__}")
    parser.add_argument("--account", metavar="NAME", default=None, help="start on this account")
    explorer.add_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    emulator.register(sub)
    demo.register(sub)
    accounts.register(sub)
    tail.register(sub)
    create.register(sub)
    wait.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `batchtui` with these arguments (default: sys.argv's); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if not getattr(args, "func", None):
            return explorer.command(args.refresh, args.read_only, args.account, timeout=args.timeout,
                                    demo=lambda: demo.command(args.refresh, args.read_only, args.timeout))
        status: int = args.func(args)
        return status
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the terminal
        return output.internal_error(exc, args.command)


if __name__ == "__main__":
    sys.exit(main())
