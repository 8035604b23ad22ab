"""Batch accounts: the `accounts.toml` file and the Azure CLI's environment variables.

The file lives in batchtui's user config folder (``BATCHTUI_CONFIG_DIR``
overrides it) and holds one ``[accounts.NAME]`` table per account. It never
holds a key: shared-key accounts name an environment variable or a 0600 file.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import paths

CONFIG_DIR_ENV = "BATCHTUI_CONFIG_DIR"
ACCOUNTS_FILE = "accounts.toml"
ENV_ENDPOINT = "AZURE_BATCH_ENDPOINT"
ENV_ACCOUNT = "AZURE_BATCH_ACCOUNT"
ENV_ACCESS_KEY = "AZURE_BATCH_ACCESS_KEY"
AUTH_SHARED_KEY = "shared_key"
AUTH_ENTRA = "entra"
AUTH_METHODS = (AUTH_SHARED_KEY, AUTH_ENTRA)
FIELDS = ("endpoint", "account_name", "auth", "key_env", "key_file", "read_only",
          "storage_connection_string_env", "storage_account_url")

_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+\Z")
_DECODE_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_DECODE_END_RE = re.compile(r"\s*\(at end of document\)\s*$")


class ConfigError(Exception):
    """A problem with the accounts configuration, worded for the user."""

    def __init__(self, message: str, path: Path | str | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.line is not None:
            where.append(f"line {self.line}")
            if self.column is not None:
                where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class _FieldError(Exception):
    """Internal: a schema problem in one field (or the account table, field=None)."""

    def __init__(self, field: str | None, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Account:
    """One Batch account. Holds where its key is, never the key itself."""

    name: str
    endpoint: str
    account_name: str
    auth: str
    key_env: str | None = None
    key_file: str | None = None
    read_only: bool = False
    source: str = "file"  # "file" | "env" | "demo"
    # The linked storage account: a connection string from this environment
    # variable, or this blob endpoint with Entra ID (azure-identity).
    storage_connection_string_env: str | None = None
    storage_account_url: str | None = None

    def __repr__(self) -> str:
        # Spelled out so that nothing secret can ever slip into a repr.
        return (f"Account(name={self.name!r}, endpoint={self.endpoint!r}, account_name={self.account_name!r}, "
                f"auth={self.auth!r}, key_env={self.key_env!r}, key_file={self.key_file!r}, "
                f"read_only={self.read_only!r}, source={self.source!r}, "
                f"storage_connection_string_env={self.storage_connection_string_env!r}, "
                f"storage_account_url={self.storage_account_url!r})")

    @property
    def has_storage(self) -> bool:
        return bool(self.storage_connection_string_env or self.storage_account_url)

    def storage_connection_string(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The linked storage account's connection string, when it has one (ConfigError if its variable is unset)."""
        if not self.storage_connection_string_env:
            return None
        value = (os.environ if environ is None else environ).get(self.storage_connection_string_env, "").strip()
        if not value:
            raise ConfigError(f"account {self.name!r}: environment variable {self.storage_connection_string_env} "
                              "is not set (it should hold the storage connection string)")
        return value

    def key_source(self) -> str:
        """Where the key comes from, for display: 'env VAR', 'file PATH' or '-'."""
        if self.auth != AUTH_SHARED_KEY:
            return "-"
        if self.key_env:
            return f"env {self.key_env}"
        if self.key_file:
            return f"file {self.key_file}"
        return "-"

    def shared_key(self, environ: Mapping[str, str] | None = None) -> str:
        """Read the account key from its environment variable or 0600 key file."""
        environ = os.environ if environ is None else environ
        if self.auth != AUTH_SHARED_KEY:
            raise ConfigError(f"account {self.name!r} uses {self.auth} auth, not a shared key")
        if self.key_env:
            key = environ.get(self.key_env, "").strip()
            if not key:
                raise ConfigError(f"account {self.name!r}: environment variable {self.key_env} "
                                  "is not set (it should hold the account key)")
            return key
        if self.key_file:
            key_path = check_key_file(self.key_file)
            try:
                key = key_path.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read key file: {_os_reason(exc)}", key_path) from None
            if not key:
                raise ConfigError("key file is empty", key_path)
            return key
        raise ConfigError(f"account {self.name!r} has neither key_env nor key_file")


def check_key_file(path: str | Path) -> Path:
    """The expanded key file path, if it is a regular file only its owner can read (else ConfigError)."""
    key_path = Path(path).expanduser()
    try:
        st = key_path.stat()
    except FileNotFoundError:
        raise ConfigError("key file not found", key_path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read key file: {_os_reason(exc)}", key_path) from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError("key file is not a regular file", key_path)
    if os.name != "nt" and st.st_mode & 0o077:
        raise ConfigError(f"key file is readable by others (mode {stat.S_IMODE(st.st_mode):04o}); "
                          f"refusing to use it. Fix with: chmod 600 {key_path}", key_path)
    return key_path


def accounts_path(environ: Mapping[str, str] | None = None) -> Path:
    """The accounts file: `$BATCHTUI_CONFIG_DIR/accounts.toml`, else the user config dir's."""
    environ = os.environ if environ is None else environ
    override = environ.get(CONFIG_DIR_ENV, "")
    folder = Path(override).expanduser() if override else paths.config_dir()
    return folder / ACCOUNTS_FILE


def normalize_endpoint(endpoint: str) -> str:
    """Add `https://` when there is no scheme (as az batch does) and drop a trailing slash."""
    endpoint = endpoint.strip()
    if "://" not in endpoint:
        endpoint = "https://" + endpoint
    return endpoint.rstrip("/")


def new_account(name: str, endpoint: str, *, account_name: str | None = None, auth: str = AUTH_SHARED_KEY,
                key_env: str | None = None, key_file: str | None = None, read_only: bool = False,
                source: str = "file") -> Account:
    """A validated, normalized Account (ConfigError naming the account and field otherwise)."""
    table: dict[str, Any] = {"endpoint": endpoint, "auth": auth, "read_only": read_only}
    for field, value in (("account_name", account_name), ("key_env", key_env), ("key_file", key_file)):
        if value is not None:
            table[field] = value
    try:
        return _account_from_table(name, table, source)
    except _FieldError as exc:
        raise ConfigError(_field_message(name, exc)) from None


def load_accounts(path: Path | str | None = None) -> list[Account]:
    """The accounts in the file (default: accounts_path()); [] if there is no file."""
    path = Path(path) if path is not None else accounts_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigError(f"cannot read accounts file: {_os_reason(exc)}", path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError("not valid UTF-8 text", path, line) from None
    return _parse_accounts(text, path)


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
        name = account_name or _derive_account_name(_check_endpoint(normalize_endpoint(endpoint)))
        return _account_from_table(name, table, "env")
    except _FieldError as exc:
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
    _parse_accounts(text, path)  # never write a file we could not read back
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp_name = tempfile.mkstemp(prefix=".accounts.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ConfigError(f"cannot write accounts file: {_os_reason(exc)}", path) from None
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
        raise ConfigError(f"cannot write accounts file: {_os_reason(exc)}", path) from None
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


def render_accounts(accounts: list[Account]) -> str:
    """The TOML text for these accounts (the format `load_accounts` reads)."""
    out = ["# batchtui accounts. Written by `batchtui accounts`; comments here are not kept.",
           "# Keys are never stored here: use key_env (an environment variable) or key_file (mode 0600).", ""]
    for account in accounts:
        out.append(f"[accounts.{_toml_key(account.name)}]")
        out.append(f"endpoint = {toml_string(account.endpoint)}")
        if account.account_name != _default_account_name(account.endpoint):
            out.append(f"account_name = {toml_string(account.account_name)}")
        out.append(f"auth = {toml_string(account.auth)}")
        if account.key_env is not None:
            out.append(f"key_env = {toml_string(account.key_env)}")
        if account.key_file is not None:
            out.append(f"key_file = {toml_string(account.key_file)}")
        out.append(f"read_only = {'true' if account.read_only else 'false'}")
        if account.storage_connection_string_env is not None:
            out.append(f"storage_connection_string_env = {toml_string(account.storage_connection_string_env)}")
        if account.storage_account_url is not None:
            out.append(f"storage_account_url = {toml_string(account.storage_account_url)}")
        out.append("")
    return "\n".join(out)


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
    out = []
    for char in value:
        if char in escapes:
            out.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


# --- parsing and validation ---------------------------------------------------------------


def _parse_accounts(text: str, path: Path) -> list[Account]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _decode_error(exc, text, path) from None
    for key in document:
        if key != "accounts":
            raise ConfigError(f"unknown top-level entry {key!r} (only [accounts.NAME] tables belong here)",
                              path, _find_line(text, (key,)) or _find_line(text, (), key))
    accounts_table = document.get("accounts", {})
    if not isinstance(accounts_table, dict):
        raise ConfigError("'accounts' must be a table of [accounts.NAME] tables", path, _find_line(text, (), "accounts"))
    accounts = []
    for name, table in accounts_table.items():
        try:
            if not isinstance(table, dict):
                raise _FieldError(None, f"must be a table like [accounts.{_toml_key(name)}], not {_type_name(table)}")
            accounts.append(_account_from_table(name, table, "file"))
        except _FieldError as exc:
            line = _find_line(text, ("accounts", name), exc.field) if exc.field else None
            line = line or _find_line(text, ("accounts", name))
            raise ConfigError(_field_message(name, exc), path, line) from None
    return accounts


def _account_from_table(name: str, table: Mapping[str, Any], source: str) -> Account:
    if not isinstance(name, str) or not name.strip() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise _FieldError(None, "account names must be non-empty and printable")
    for key in table:
        if key not in FIELDS:
            hint = difflib.get_close_matches(key, FIELDS, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise _FieldError(key, f"unknown field{suggestion}; known fields: {', '.join(FIELDS)}")
    for key, value in table.items():
        wanted = bool if key == "read_only" else str
        if not isinstance(value, wanted):
            kind = "true or false" if wanted is bool else "a string"
            raise _FieldError(key, f"must be {kind}, not {_type_name(value)}")
    if "endpoint" not in table:
        raise _FieldError("endpoint", 'is missing (e.g. endpoint = "https://ACCOUNT.REGION.batch.azure.com")')
    endpoint = _check_endpoint(normalize_endpoint(table["endpoint"]))
    account_name = table.get("account_name")
    if account_name is None:
        account_name = _derive_account_name(endpoint)
    elif not account_name.strip():
        raise _FieldError("account_name", "must not be empty")
    auth = table.get("auth", AUTH_SHARED_KEY)
    if auth not in AUTH_METHODS:
        raise _FieldError("auth", f"must be \"shared_key\" or \"entra\", not {auth!r}")
    key_env, key_file = table.get("key_env"), table.get("key_file")
    if auth == AUTH_SHARED_KEY:
        if key_env is not None and key_file is not None:
            raise _FieldError("key_file", "set key_env or key_file, not both")
        if key_env is None and key_file is None:
            raise _FieldError("auth", "shared_key auth needs key_env (an environment variable holding the key) "
                                      "or key_file (a file of mode 0600 holding the key)")
    else:
        for field, value in (("key_env", key_env), ("key_file", key_file)):
            if value is not None:
                raise _FieldError(field, 'is only used with auth = "shared_key"')
    if key_env is not None and not _ENV_NAME_RE.match(key_env):
        raise _FieldError("key_env", f"{key_env!r} is not an environment variable name")
    if key_file is not None and not Path(key_file).expanduser().is_absolute():
        raise _FieldError("key_file", f"must be an absolute path (or start with ~), not {key_file!r}")
    storage_env = table.get("storage_connection_string_env")
    if storage_env is not None and not _ENV_NAME_RE.match(storage_env):
        raise _FieldError("storage_connection_string_env", f"{storage_env!r} is not an environment variable name")
    storage_url = table.get("storage_account_url")
    if storage_url is not None:
        try:
            storage_url = _check_endpoint(normalize_endpoint(storage_url))
        except _FieldError as exc:
            raise _FieldError("storage_account_url", exc.problem) from None
    return Account(name=name, endpoint=endpoint, account_name=account_name, auth=auth, key_env=key_env,
                   key_file=key_file, read_only=table.get("read_only", False), source=source,
                   storage_connection_string_env=storage_env, storage_account_url=storage_url)


def _check_endpoint(endpoint: str) -> str:
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise _FieldError("endpoint", f"{endpoint!r} is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _FieldError("endpoint", f"must be an http:// or https:// URL, not {endpoint!r}")
    if not parts.hostname:
        raise _FieldError("endpoint", f"{endpoint!r} has no host name")
    return endpoint


def _default_account_name(endpoint: str) -> str | None:
    host = urlsplit(endpoint).hostname or ""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    if "." not in host:
        return None
    return host.split(".", 1)[0]


def _derive_account_name(endpoint: str) -> str:
    name = _default_account_name(endpoint)
    if not name:
        host = urlsplit(endpoint).hostname
        raise _FieldError("account_name", f"cannot be derived from the endpoint host {host!r}; set it explicitly")
    return name


def _field_message(name: str, exc: _FieldError) -> str:
    if exc.field is None:
        return f"account {name!r}: {exc.problem}"
    return f"account {name!r}, field {exc.field!r}: {exc.problem}"


def _decode_error(exc: tomllib.TOMLDecodeError, text: str, path: Path) -> ConfigError:
    message = str(exc)
    match = _DECODE_POS_RE.search(message)
    if match:
        return ConfigError(f"invalid TOML: {message[: match.start()]}", path, int(match[1]), int(match[2]))
    match = _DECODE_END_RE.search(message)
    if match:
        return ConfigError(f"invalid TOML: {message[: match.start()]} at the end of the file",
                           path, max(1, len(text.splitlines())))
    return ConfigError(f"invalid TOML: {message}", path)


def _find_line(text: str, table: tuple[str, ...], key: str | None = None) -> int | None:
    """Best-effort 1-based line of `key` in table `table` (or of the table's header)."""
    current: tuple[str, ...] | None = ()
    header_line = parent_line = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[") and not line.startswith("[["):
            current = _header_path(line)
            if current == table:
                if key is None:
                    return number
                header_line = number
            continue
        if line.startswith("[["):
            current = None
            continue
        if current == table and key is not None and _key_re(key).match(line):
            return number
        if table and current == table[:-1] and _key_re(table[-1], dotted=True).match(line):
            if key is None or re.search(rf"(?:^|[\s{{,.]){re.escape(key)}\s*=", line):
                return number
            parent_line = parent_line or number
    return header_line or parent_line


def _header_path(line: str) -> tuple[str, ...] | None:
    try:
        parsed: Any = tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return None
    keys = []
    while isinstance(parsed, dict) and len(parsed) == 1:
        key, parsed = next(iter(parsed.items()))
        keys.append(key)
    return tuple(keys)


def _key_re(key: str, dotted: bool = False) -> re.Pattern[str]:
    quoted = re.escape(key)
    after = r"\s*[=.]" if dotted else r"\s*="
    return re.compile(rf"(?:{quoted}|\"{quoted}\"|'{quoted}'){after}")


def _toml_key(name: str) -> str:
    return name if _BARE_KEY_RE.match(name) else toml_string(name)


def _type_name(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
             dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _with_source(account: Account, source: str) -> Account:
    return account if account.source == source else replace(account, source=source)


def _os_reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)


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
