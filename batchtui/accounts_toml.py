"""accounts.toml as text: reading it (each account table checked field by field,
problems reported with their line) and writing it.

The same field checks apply to an account given on the command line
(`batchtui accounts add`) or by the AZURE_BATCH_* variables: `account_from_table`.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .account import AUTH_METHODS, AUTH_SHARED_KEY, Account, ConfigError

FIELDS = ("endpoint", "account_name", "auth", "key_env", "key_file", "read_only",
          "storage_connection_string_env", "storage_account_url", "timeout")
TIMEOUT_RANGE = (1, 3600)  # seconds: what `timeout` may be

_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_HOST_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)\Z")  # (underscores: container and compose hosts)
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+\Z")
_DECODE_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_DECODE_END_RE = re.compile(r"\s*\(at end of document\)\s*$")


class FieldError(Exception):
    """A schema problem in one field (or the account table, field=None)."""

    def __init__(self, field: str | None, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


def normalize_endpoint(endpoint: str) -> str:
    """Add `https://` when there is no scheme (as az batch does) and drop a trailing slash."""
    endpoint = endpoint.strip()
    if "://" not in endpoint:
        endpoint = "https://" + endpoint
    return endpoint.rstrip("/")


# --- reading ----------------------------------------------------------------------------------


def parse_accounts(text: str, path: Path) -> list[Account]:
    """The accounts in an accounts.toml text (`path` only names it in errors); ConfigError with the line."""
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
        raise ConfigError("'accounts' must be a table of [accounts.NAME] tables", path,
                          _find_line(text, (), "accounts"))
    accounts = []
    for name, table in accounts_table.items():
        try:
            if not isinstance(table, dict):
                raise FieldError(None, f"must be a table like [accounts.{_toml_key(name)}], not {_type_name(table)}")
            accounts.append(account_from_table(name, table, "file"))
        except FieldError as exc:
            line = _find_line(text, ("accounts", name), exc.field) if exc.field else None
            line = line or _find_line(text, ("accounts", name))
            raise ConfigError(field_message(name, exc), path, line) from None
    return accounts


def account_from_table(name: str, table: Mapping[str, Any], source: str) -> Account:
    """The Account an [accounts.NAME] table describes, normalized; FieldError for the first bad field."""
    if not isinstance(name, str) or not name.strip() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise FieldError(None, "account names must be non-empty and printable")
    for key in table:
        if key not in FIELDS:
            hint = difflib.get_close_matches(key, FIELDS, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise FieldError(key, f"unknown field{suggestion}; known fields: {', '.join(FIELDS)}")
    for key, value in table.items():
        if key == "timeout":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FieldError(key, f"must be a number of seconds, not {_type_name(value)}")
            low, high = TIMEOUT_RANGE
            if not low <= value <= high:  # (also refuses nan)
                raise FieldError(key, f"must be {low} to {high} seconds, not {value!r}")
            continue
        wanted = bool if key == "read_only" else str
        if not isinstance(value, wanted):
            kind = "true or false" if wanted is bool else "a string"
            raise FieldError(key, f"must be {kind}, not {_type_name(value)}")
    if "endpoint" not in table:
        raise FieldError("endpoint", 'is missing (e.g. endpoint = "https://ACCOUNT.REGION.batch.azure.com")')
    endpoint = check_endpoint(normalize_endpoint(table["endpoint"]), shown=table["endpoint"])
    account_name = table.get("account_name")
    if account_name is None:
        account_name = derive_account_name(endpoint)
    elif not account_name.strip():
        raise FieldError("account_name", "must not be empty")
    auth = table.get("auth", AUTH_SHARED_KEY)
    if auth not in AUTH_METHODS:
        raise FieldError("auth", f"must be \"shared_key\" or \"entra\", not {auth!r}")
    key_env, key_file = table.get("key_env"), table.get("key_file")
    if auth == AUTH_SHARED_KEY:
        if key_env is not None and key_file is not None:
            raise FieldError("key_file", "set key_env or key_file, not both")
        if key_env is None and key_file is None:
            raise FieldError("auth", "shared_key auth needs key_env (an environment variable holding the key) "
                                      "or key_file (a file of mode 0600 holding the key)")
    else:
        for field, value in (("key_env", key_env), ("key_file", key_file)):
            if value is not None:
                raise FieldError(field, 'is only used with auth = "shared_key"')
    if key_env is not None and not _ENV_NAME_RE.match(key_env):
        raise FieldError("key_env", f"{key_env!r} is not an environment variable name")
    if key_file is not None and not Path(key_file).expanduser().is_absolute():
        raise FieldError("key_file", f"must be an absolute path (or start with ~), not {key_file!r}")
    storage_env = table.get("storage_connection_string_env")
    if storage_env is not None and not _ENV_NAME_RE.match(storage_env):
        raise FieldError("storage_connection_string_env", f"{storage_env!r} is not an environment variable name")
    storage_url = table.get("storage_account_url")
    if storage_url is not None:
        try:
            storage_url = check_endpoint(normalize_endpoint(storage_url), shown=storage_url)
        except FieldError as exc:
            raise FieldError("storage_account_url", exc.problem) from None
    return Account(name=name, endpoint=endpoint, account_name=account_name, auth=auth, key_env=key_env,
                   key_file=key_file, read_only=table.get("read_only", False), source=source,
                   storage_connection_string_env=storage_env, storage_account_url=storage_url,
                   timeout=float(table["timeout"]) if "timeout" in table else None)


def check_endpoint(endpoint: str, shown: str | None = None) -> str:
    """The endpoint, if it is an http(s) URL with a valid host name or IP address, and no user name,
    query or fragment (else FieldError, quoting `shown`: the text as the user gave it)."""
    shown = endpoint if shown is None else shown
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise FieldError("endpoint", f"{shown!r} is not a URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FieldError("endpoint", f"must be an http:// or https:// URL, not {shown!r}")
    host = parts.hostname
    if not host:
        raise FieldError("endpoint", f"{shown!r} is not a URL: it has no host name")
    if not _valid_host(host):
        raise FieldError("endpoint", f"{shown!r} is not a URL: {host!r} is not a host name "
                                     "(letters, digits, hyphens and dots) or an IP address")
    if parts.username is not None or parts.password is not None:
        raise FieldError("endpoint", f"{shown!r} must not hold a user name or password")
    if parts.query or parts.fragment or endpoint.endswith(("?", "#")):
        raise FieldError("endpoint", f"{shown!r} must not have a query (?…) or fragment (#…)")
    return endpoint


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    return len(host) <= 253 and all(_HOST_LABEL_RE.match(label) for label in host.removesuffix(".").split("."))


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


def derive_account_name(endpoint: str) -> str:
    """The account name an endpoint implies: its host's first label (FieldError for an IP or one-label host)."""
    name = _default_account_name(endpoint)
    if not name:
        host = urlsplit(endpoint).hostname
        raise FieldError("account_name", f"cannot be derived from the endpoint host {host!r}; set it explicitly")
    return name


def field_message(name: str, exc: FieldError) -> str:
    """A FieldError as one line naming the account and the field."""
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


# --- writing ----------------------------------------------------------------------------------


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
        if account.timeout is not None:
            out.append(f"timeout = {account.timeout:g}")
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


