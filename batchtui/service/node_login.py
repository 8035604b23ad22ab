"""Logging in to a compute node with the system's ssh: a node user made for the
occasion (create_node_user), the node's remote login settings, the ssh command
line, and the user's deletion afterwards.

The user is `batchtui-<6 hex>` with the user's public key (login_keys) and an
expiry (DEFAULT_HOURS from now), never a password. `$BATCHTUI_SSH` replaces the
`ssh` program (a path; tests point it to a script). Every failure of a Batch
call is a ServiceError."""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from azure.batch import models as m

from .client import BatchService
from .errors import ServiceError, from_exception

DEFAULT_HOURS = 8.0
SSH_ENV = "BATCHTUI_SSH"
USER_PREFIX = "batchtui-"


@dataclass(frozen=True)
class NodeLogin:
    """A node user made for a login, and where the node takes ssh connections."""

    pool_id: str
    node_id: str
    user: str
    address: str
    port: int
    expiry: datetime


def new_user_name() -> str:
    return USER_PREFIX + secrets.token_hex(3)


async def open_login(service: BatchService, pool_id: str, node_id: str, public_key: str,
                     hours: float = DEFAULT_HOURS, now: datetime | None = None) -> NodeLogin:
    """Make a node user with `public_key`, expiring `hours` after `now` (UTC; the
    current time by default), and read the node's remote login settings.
    ServiceError (the user is deleted again when the settings cannot be read)."""
    user = new_user_name()
    expiry = (now or datetime.now(timezone.utc)).astimezone(timezone.utc) + timedelta(hours=hours)
    options = m.BatchNodeUserCreateOptions(name=user, is_admin=False, expiry_time=expiry, ssh_public_key=public_key)
    try:
        await service.sdk.create_node_user(pool_id, node_id, options)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
        raise from_exception(exc) from None
    try:
        settings = await service.sdk.get_node_remote_login_settings(pool_id, node_id)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
        error = from_exception(exc)
        try:
            await close_login(service, pool_id, node_id, user)
        except ServiceError:
            pass  # it expires by itself; the first error is the one to tell
        raise error from None
    return NodeLogin(pool_id, node_id, user, settings.remote_login_ip_address, settings.remote_login_port, expiry)


async def close_login(service: BatchService, pool_id: str, node_id: str, user: str) -> None:
    """Delete the node user `user`. ServiceError."""
    try:
        await service.sdk.delete_node_user(pool_id, node_id, user)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
        raise from_exception(exc) from None


def ssh_program() -> str:
    """`$BATCHTUI_SSH`, else `ssh` on PATH (else "ssh", which then fails to start)."""
    return os.environ.get(SSH_ENV) or shutil.which("ssh") or "ssh"


def ssh_argv(login: NodeLogin, identity_file: Path | None = None) -> list[str]:
    """The ssh command line for `login`: `ssh -p PORT [-i KEY] -o StrictHostKeyChecking=accept-new -l USER
    ADDRESS` (a private key's path only, never its contents; -l, so an IPv6 address needs no brackets)."""
    argv = [ssh_program(), "-p", str(login.port)]
    if identity_file is not None:
        argv += ["-i", str(identity_file), "-o", "IdentitiesOnly=yes"]
    return [*argv, "-o", "StrictHostKeyChecking=accept-new", "-l", login.user, login.address]
