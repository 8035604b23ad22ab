"""The asyncssh side of a node's SSH endpoint: the host key, who may log in,
and the listening server whose sessions node_shell runs.

node_ssh imports this module only when the first endpoint opens (asyncssh
takes 0.3-0.6 s to import, which an emulator that no one logs in to should
not pay at start). What an endpoint knows of its node comes through a Gate."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol

import asyncssh

from . import node_users
from .node_shell import run_session
from .store import Doc

log = logging.getLogger("batchtui.emulator")

HOST_KEY_FILE = "ssh_host_ed25519_key"


class Gate(Protocol):
    """What a node's endpoint asks about its node."""

    connections: set[asyncssh.SSHServerConnection]

    @property
    def label(self) -> str:
        """The node, named for the log: node 'n' of pool 'p'."""

    def account(self, username: str) -> Doc | None:
        """The node's live (unexpired) account `username`, while the node is up; else None."""

    def session(self, username: str) -> tuple[Path, dict[str, str]] | None:
        """The directory and environment of a session of `username`; None when the node is no longer up."""


def host_key(data_dir: Path) -> asyncssh.SSHKey:
    """The data dir's SSH host key, generated (ed25519, file mode 0600) the first time."""
    path = data_dir / HOST_KEY_FILE
    if not path.exists():
        key = asyncssh.generate_private_key("ssh-ed25519")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key.export_private_key())
    os.chmod(path, 0o600)
    return asyncssh.read_private_key(path)


class NodeLogin(asyncssh.SSHServer):
    """One client connection to a node's endpoint: who may log in (by key, or by
    password when the account has one). Logs name the user and the outcome only."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._gate.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._gate.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True  # every login authenticates

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        account = self._gate.account(username)
        return self._logged(username, "key", account is not None and node_users.key_matches(account, key))

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        account = self._gate.account(username)
        accepted = account is not None and node_users.password_matches(account, password)
        return self._logged(username, "password", accepted)

    def _logged(self, username: str, how: str, accepted: bool) -> bool:
        log.info("ssh to %s: user %r by %s %s", self._gate.label, username[:64], how,
                 "accepted" if accepted else "refused")
        return accepted


async def _session(gate: Gate, process: asyncssh.SSHServerProcess[bytes]) -> None:
    user = str(process.get_extra_info("username") or "")
    place = gate.session(user)
    if place is None:
        process.stderr.write(b"batchtui emulator: the node is no longer up\r\n")
        process.exit(255)
        return
    try:
        await run_session(process, *place)
    except Exception:  # noqa: BLE001 - one session's failure is logged, the endpoint goes on
        log.exception("ssh session of user %r on %s failed", user[:64], gate.label)
        process.exit(255)


async def listen(gate: Gate, key: asyncssh.SSHKey, host: str) -> tuple[asyncssh.SSHAcceptor, int]:
    """A server on `host`, on a free port, for `gate`'s node: (the server, its port). OSError."""
    server = await asyncssh.create_server(
        lambda: NodeLogin(gate), host, 0, server_host_keys=[key],
        process_factory=lambda process: _session(gate, process), encoding=None,
        line_editor=False, allow_scp=False, agent_forwarding=False, x11_forwarding=False, allow_pty=True)
    return server, int(server.sockets[0].getsockname()[1])
