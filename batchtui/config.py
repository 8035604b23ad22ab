"""Where Batch accounts come from: the `accounts.toml` file and the Azure CLI's environment variables.

The file lives in batchtui's user config folder (``BATCHTUI_CONFIG_DIR``
overrides it) and holds one ``[accounts.NAME]`` table per account. It never
holds a key: shared-key accounts name an environment variable or a 0600 file.
The account model: `account`; the file's text (parsing, checks, writing): `accounts_toml`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import paths
from .account import AUTH_ENTRA, AUTH_SHARED_KEY, Account, ConfigError, os_reason
from .accounts_toml import (
    FieldError,
    account_from_table,
    check_endpoint,
    derive_account_name,
    field_message,
    normalize_endpoint,
    parse_accounts,
    render_accounts,
)

CONFIG_DIR_ENV = "BATCHTUI_CONFIG_DIR"
ACCOUNTS_FILE = "accounts.toml"
ENV_ENDPOINT = "AZURE_BATCH_ENDPOINT"
ENV_ACCOUNT = "AZURE_BATCH_ACCOUNT"
ENV_ACCESS_KEY = "AZURE_BATCH_ACCESS_KEY"


def accounts_path(environ: Mapping[str, str] | None = None) -> Path:
    """The accounts file: `$BATCHTUI_CONFIG_DIR/accounts.toml`, else the user config dir's."""
    environ = os.environ if environ is None else environ
    override = environ.get(CONFIG_DIR_ENV, "")
    folder = Path(override).expanduser() if override else paths.config_dir()
    return folder / ACCOUNTS_FILE


def new_account(name: str, endpoint: str, *, account_name: str | None = None, auth: str = AUTH_SHARED_KEY,
                key_env: str | None = None, key_file: str | None = None, read_only: bool = False,
                source: str = "file", options: Mapping[str, str] | None = None) -> Account:
    """A validated, normalized Account (ConfigError naming the account and field otherwise, or the
    command-line option `options` maps the field to, e.g. {"endpoint": "--endpoint"})."""
    table: dict[str, Any] = {"endpoint": endpoint, "auth": auth, "read_only": read_only}
    for field, value in (("account_name", account_name), ("key_env", key_env), ("key_file", key_file)):
        if value is not None:
            table[field] = value
    try:
        return account_from_table(name, table, source)
    except FieldError as exc:
        option = options.get(exc.field) if options and exc.field else None
        if option:
            raise ConfigError(f"{option}: {exc.problem}") from None
        raise ConfigError(field_message(name, exc)) from None


def load_accounts(path: Path | str | None = None) -> list[Account]:
    """The accounts in the file (default: accounts_path()); [] if there is no file."""
    path = Path(path) if path is not None else accounts_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigError(f"cannot read accounts file: {os_reason(exc)}", path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError("not valid UTF-8 text", path, line) from None
    return parse_accounts(text, path)


def configured_accounts(environ: Mapping[str, str] = os.environ, path: Path | str | None = None) -> list[Account]:
    """File accounts, then the AZURE_BATCH_* account unless a file account has its name."""
    accounts = load_accounts(path if path is not None else accounts_path(environ))
    env_account = env_account_from(environ)
    if env_account is not None and all(a.name != env_account.name for a in accounts):
        accounts.append(env_account)
    return accounts


def env_account_from(environ: Mapping[str, str] = os.environ) -> Account | None:
    """The implicit account given by the Azure CLI's AZURE_BATCH_* variables, if any."""
    endpoint = environ.get(ENV_ENDPOINT, "").strip()
    if not endpoint:
        return None
    account_name = environ.get(ENV_ACCOUNT, "").strip() or None
    has_key = bool(environ.get(ENV_ACCESS_KEY, "").strip())
    table: dict[str, Any] = {"endpoint": endpoint, "auth": AUTH_SHARED_KEY if has_key else AUTH_ENTRA}
    if has_key:
        table["key_env"] = ENV_ACCESS_KEY
    if account_name:
        table["account_name"] = account_name
    try:
        name = account_name or derive_account_name(check_endpoint(normalize_endpoint(endpoint), shown=endpoint))
        return account_from_table(name, table, "env")
    except FieldError as exc:
        if exc.field == "account_name" and not account_name:
            raise ConfigError(f"{ENV_ACCOUNT} is not set and the account name cannot be derived from "
                              f"{ENV_ENDPOINT}={endpoint!r}; set {ENV_ACCOUNT}") from None
        variable = ENV_ACCOUNT if exc.field == "account_name" else ENV_ENDPOINT
        raise ConfigError(f"environment variable {variable}: {exc.problem}") from None


def save_accounts(accounts: list[Account], path: Path | str | None = None) -> Path:
    """Write the file-sourced accounts atomically with mode 0600; returns the path.

    Accounts whose source is not "file" (env, demo) are not written. Comments in
    an existing file are not preserved.
    """
    path = Path(path) if path is not None else accounts_path()
    text = render_accounts([a for a in accounts if a.source == "file"])
    parse_accounts(text, path)  # never write a file we could not read back
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp_name = tempfile.mkstemp(prefix=".accounts.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ConfigError(f"cannot write accounts file: {os_reason(exc)}", path) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise ConfigError(f"cannot write accounts file: {os_reason(exc)}", path) from None
    return path


def add_account(account: Account, path: Path | str | None = None, *, replace: bool = False) -> Path:
    """Add (or, with replace=True, replace in place) an account in the file."""
    path = Path(path) if path is not None else accounts_path()
    accounts = load_accounts(path)
    names = [a.name for a in accounts]
    file_account = _with_source(account, "file")
    if account.name in names:
        if not replace:
            raise ConfigError(f"account {account.name!r} already exists (use --replace to overwrite it)", path)
        accounts[names.index(account.name)] = file_account
    else:
        accounts.append(file_account)
    return save_accounts(accounts, path)


def remove_account(name: str, path: Path | str | None = None) -> Account:
    """Remove an account from the file and return it; ConfigError if it is not there."""
    path = Path(path) if path is not None else accounts_path()
    accounts = load_accounts(path)
    for index, account in enumerate(accounts):
        if account.name == name:
            del accounts[index]
            save_accounts(accounts, path)
            return account
    raise ConfigError(f"no account named {name!r}", path)


def _with_source(account: Account, source: str) -> Account:
    return account if account.source == source else replace(account, source=source)


def resolve_account(name: str | None) -> Account:
    """The account called `name`, or the only one configured (ConfigError otherwise)."""
    accounts = configured_accounts()
    names = ", ".join(a.name for a in accounts)
    if name:
        for account in accounts:
            if account.name == name:
                return account
        known = f"; configured accounts: {names}" if accounts else "; no accounts are configured"
        raise ConfigError(f"no account named {name!r}{known}")
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        raise ConfigError(f"no accounts configured; add one with `batchtui accounts add` "
                                 f"or set {ENV_ENDPOINT}")
    raise ConfigError(f"{len(accounts)} accounts are configured ({names}); choose one with --account NAME")
