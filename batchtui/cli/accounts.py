"""`batchtui accounts`: list, add and remove the Batch accounts batchtui knows."""

from __future__ import annotations

import argparse
import os

from .. import config
from ..account import AUTH_ENTRA, AUTH_SHARED_KEY, Account, ConfigError, check_key_file
from ..textsafe import inert
from .output import say

EXIT_OK = 0
EXIT_USAGE = 2
# The option of `accounts add` that gives each field of an account (named in its errors).
OPTIONS = {"endpoint": "--endpoint", "account_name": "--account-name", "key_env": "--key-env",
           "key_file": "--key-file"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `accounts` subcommand (and its list/add/remove commands) to the CLI."""
    p = sub.add_parser("accounts", help="list, add and remove Batch accounts",
                       description="Manage the Batch accounts in accounts.toml "
                       f"(${config.CONFIG_DIR_ENV} overrides its folder). Keys are never stored there.")
    p.set_defaults(func=_run_list)
    commands = p.add_subparsers(dest="accounts_command", metavar="ACTION")

    ls = commands.add_parser("list", help="show the configured accounts (never their keys)",
                             description="Show the configured accounts: those in accounts.toml, and the one "
                             "the AZURE_BATCH_* environment variables give. Keys are never shown.")
    ls.set_defaults(func=_run_list)

    add = commands.add_parser("add", help="add an account",
                              description="Add an account. The key itself is never stored: give the "
                              "environment variable or the 0600 file that holds it, or use Entra ID.")
    add.add_argument("name", metavar="NAME", help="a short name for the account in batchtui")
    add.add_argument("--endpoint", metavar="URL", required=True,
                     help="the account URL, e.g. https://ACCOUNT.REGION.batch.azure.com")
    add.add_argument("--account-name", metavar="NAME",
                     help="the Batch account name (default: the first label of the endpoint host)")
    how = add.add_mutually_exclusive_group(required=True)
    how.add_argument("--key-env", metavar="VAR", help="shared key auth; the key is in this environment variable")
    how.add_argument("--key-file", metavar="PATH", help="shared key auth; the key is in this file (mode 0600)")
    how.add_argument("--entra", action="store_true", help="sign in with Entra ID (Azure CLI / managed identity)")
    add.add_argument("--read-only", action="store_true", help="never change anything in this account")
    add.add_argument("--replace", action="store_true", help="overwrite an existing account of the same name")
    add.set_defaults(func=_run_add)

    rm = commands.add_parser("remove", help="remove an account from accounts.toml",
                             description="Remove an account from accounts.toml (its key is not touched).")
    rm.add_argument("name", metavar="NAME", help="the account's name in batchtui (see 'batchtui accounts list')")
    rm.set_defaults(func=_run_remove)


def _fail(message: object) -> int:
    say("accounts", message)
    return EXIT_USAGE


def _run_list(args: argparse.Namespace) -> int:
    try:
        accounts = config.configured_accounts()
    except ConfigError as exc:
        return _fail(exc)
    if not accounts:
        print(f"No accounts configured ({config.accounts_path()} does not list any and "
              f"{config.ENV_ENDPOINT} is not set).\n"
              "Add one with: batchtui accounts add NAME --endpoint URL (--key-env VAR | --key-file PATH | --entra)")
        return EXIT_OK
    rows = [("NAME", "ENDPOINT", "AUTH", "KEY", "READ-ONLY", "FROM")]
    rows += [(a.name, a.endpoint, a.auth, a.key_source(), "yes" if a.read_only else "no", a.source)
             for a in accounts]
    widths = [max(len(inert(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(inert(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def _run_add(args: argparse.Namespace) -> int:
    key_file = None
    if args.key_file is not None:
        try:
            key_file = str(check_key_file(args.key_file).resolve())
        except ConfigError as exc:
            return _fail(exc)
    try:
        account = config.new_account(
            args.name, args.endpoint, account_name=args.account_name,
            auth=AUTH_ENTRA if args.entra else AUTH_SHARED_KEY,
            key_env=args.key_env, key_file=key_file, read_only=args.read_only, options=OPTIONS)
        path = config.add_account(account, replace=args.replace)
    except ConfigError as exc:
        return _fail(exc)
    print(inert(f"Added account {account.name!r} ({account.endpoint}) to {path}"))
    if account.key_env and not os.environ.get(account.key_env):
        say("accounts", f"note: {account.key_env} is not set in this shell; set it before connecting")
    return EXIT_OK


def _run_remove(args: argparse.Namespace) -> int:
    path = config.accounts_path()
    try:
        in_file = any(a.name == args.name for a in config.load_accounts(path))
        if not in_file and _env_account_named(args.name) is not None:
            return _fail(f"account {args.name!r} comes from the {config.ENV_ENDPOINT}/{config.ENV_ACCOUNT} "
                         "environment variables, not from the accounts file; unset them to drop it")
        config.remove_account(args.name, path)
    except ConfigError as exc:
        return _fail(exc)
    print(inert(f"Removed account {args.name!r} from {path}"))
    return EXIT_OK


def _env_account_named(name: str) -> Account | None:
    try:
        account = config.env_account_from(os.environ)
    except ConfigError:
        return None
    return account if account is not None and account.name == name else None
