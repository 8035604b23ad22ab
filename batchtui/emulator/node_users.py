"""A compute node's user accounts (POST/PUT/DELETE /pools/{pool}/nodes/{node}/users),
kept in the node's document under the private key `_users` (never served), so they
persist with the node and go with it.

Each account is {isAdmin, expiryTime (ISO-8601, UTC), sshPublicKey (OpenSSH
"type base64" form, or absent), passwordHash (scrypt, or absent)}: a password is
never stored, only its salted scrypt hash, and never logged. Expiry is checked
at login (the emulated clock, formats.utcnow) and, as on Batch, expired accounts
are not otherwise removed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from . import errors
from .formats import iso, parse_iso, utcnow
from .store import Doc

if TYPE_CHECKING:
    import asyncssh

USERS = "_users"
DEFAULT_LIFETIME = timedelta(days=1)  # Batch's default expiryTime: one day from now
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def _hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def password_matches(account: Doc, password: str) -> bool:
    """Whether `password` is the account's (False when it has none)."""
    stored = account.get("passwordHash")
    if not isinstance(stored, str) or not stored.startswith("scrypt$"):
        return False
    _, salt, digest = stored.split("$")
    tried = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=32, **_SCRYPT)
    return hmac.compare_digest(tried, base64.b64decode(digest))


def _public_key(text: str) -> str:
    """The key in OpenSSH form ("ssh-ed25519 AAAA…", comment dropped); 400
    InvalidPropertyValue naming sshPublicKey when it is not one."""
    import asyncssh  # here, not at the top: its import is paid by the first node user

    try:
        key = asyncssh.import_public_key(text.strip())
    except (asyncssh.KeyImportError, ValueError):
        raise errors.invalid_property("sshPublicKey", text[:100], "The value is not an OpenSSH public key.") from None
    exported: bytes = key.export_public_key("openssh")
    return " ".join(exported.decode().split()[:2])


def _account(body: Doc) -> Doc:
    """The stored account for a create or replace body: what is omitted is removed."""
    expiry = body.get("expiryTime")
    when = parse_iso(expiry) if expiry else utcnow() + DEFAULT_LIFETIME
    account: Doc = {"isAdmin": bool(body.get("isAdmin", False)), "expiryTime": iso(when)}
    if body.get("sshPublicKey"):
        account["sshPublicKey"] = _public_key(body["sshPublicKey"])
    if body.get("password"):
        account["passwordHash"] = _hash_password(body["password"])
    return account


def users_of(node: Doc) -> dict[str, Any]:
    users = node.get(USERS)
    return users if isinstance(users, dict) else {}


def add_user(node: Doc, body: Doc) -> None:
    """Add the account of a create body (validated: node.adduser) to `node`; 409
    NodeUserExists when the name is taken."""
    users = users_of(node)
    if body["name"] in users:
        raise errors.BatchError(409, "NodeUserExists", "The specified node user already exists.")
    account = _account(body)
    node[USERS] = {**users, body["name"]: account}


def replace_user(node: Doc, name: str, body: Doc) -> None:
    """Replace the account `name` (password, key and expiry as the body gives them;
    isAdmin kept); 404 NodeUserNotFound."""
    users = users_of(node)
    if name not in users:
        raise _user_not_found()
    account = _account(body)
    account["isAdmin"] = bool(users[name].get("isAdmin", False))
    node[USERS] = {**users, name: account}


def delete_user(node: Doc, name: str) -> None:
    """Remove the account `name`; 404 NodeUserNotFound."""
    users = users_of(node)
    if name not in users:
        raise _user_not_found()
    node[USERS] = {k: v for k, v in users.items() if k != name}


def _user_not_found() -> errors.BatchError:
    return errors.BatchError(404, "NodeUserNotFound", "The specified node user does not exist.")


def live_account(node: Doc, name: str) -> Doc | None:
    """The account `name` of `node` when it exists and has not expired (else None)."""
    account = users_of(node).get(name)
    if not isinstance(account, dict):
        return None
    try:
        if parse_iso(str(account.get("expiryTime"))) <= utcnow():
            return None
    except ValueError:
        return None
    return account


def key_matches(account: Doc, key: asyncssh.SSHKey) -> bool:
    """Whether the public `key` a client offers is the account's."""
    stored = account.get("sshPublicKey")
    if not isinstance(stored, str):
        return False
    offered: bytes = key.export_public_key("openssh")
    return " ".join(offered.decode().split()[:2]) == stored
