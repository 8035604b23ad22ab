"""One Batch account: its endpoint, how it signs in and where its key is (never the key itself).

`Account` is what the rest of batchtui passes around; `ConfigError` is every
problem with the accounts configuration, worded for the user. Where accounts
come from (accounts.toml, the AZURE_BATCH_* variables): `config`.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

AUTH_SHARED_KEY = "shared_key"
AUTH_ENTRA = "entra"
AUTH_METHODS = (AUTH_SHARED_KEY, AUTH_ENTRA)


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
    timeout: float | None = None  # seconds to wait for the endpoint's answer (None: the default, 30)

    def __repr__(self) -> str:
        # Spelled out so that nothing secret can ever slip into a repr.
        return (f"Account(name={self.name!r}, endpoint={self.endpoint!r}, account_name={self.account_name!r}, "
                f"auth={self.auth!r}, key_env={self.key_env!r}, key_file={self.key_file!r}, "
                f"read_only={self.read_only!r}, source={self.source!r}, "
                f"storage_connection_string_env={self.storage_connection_string_env!r}, "
                f"storage_account_url={self.storage_account_url!r}, timeout={self.timeout!r})")

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
            if not is_base64(key):
                raise ConfigError(f"account {self.name!r}: environment variable {self.key_env} {NOT_A_KEY}")
            return key
        if self.key_file:
            key_path = check_key_file(self.key_file)
            try:
                key = key_path.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read key file: {os_reason(exc)}", key_path) from None
            if not key:
                raise ConfigError("key file is empty", key_path)
            if not is_base64(key):
                raise ConfigError(f"key file of account {self.name!r} {NOT_A_KEY}", key_path)
            return key
        raise ConfigError(f"account {self.name!r} has neither key_env nor key_file")


NOT_A_KEY = ("does not hold a base64 account key (an Azure Batch key is 88 characters of A-Z, a-z, 0-9, "
             "+ and /, ending in ==, as `az batch account keys list` shows it)")


def is_base64(key: str) -> bool:
    """Is `key` base64 text (as account keys are)? The key itself is never put in a message."""
    try:
        return bool(base64.b64decode(key, validate=True))
    except (binascii.Error, ValueError):
        return False


def check_key_file(path: str | Path) -> Path:
    """The expanded key file path, if it is a regular file only its owner can read (else ConfigError)."""
    key_path = Path(path).expanduser()
    try:
        st = key_path.stat()
    except FileNotFoundError:
        raise ConfigError("key file not found", key_path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read key file: {os_reason(exc)}", key_path) from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError("key file is not a regular file", key_path)
    if os.name != "nt" and st.st_mode & 0o077:
        raise ConfigError(f"key file is readable by others (mode {stat.S_IMODE(st.st_mode):04o}); "
                          f"refusing to use it. Fix with: chmod 600 {key_path}", key_path)
    return key_path


def os_reason(exc: BaseException) -> str:
    """An OS error's reason without its errno and path (else the exception's text)."""
    return getattr(exc, "strerror", None) or str(exc)
