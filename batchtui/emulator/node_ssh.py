"""Each emulated node's SSH endpoint: a real SSH server (asyncssh) on loopback,
one listening port per node, which is what the node's remote login settings
report (remoteLoginIPAddress 127.0.0.1, remoteLoginPort), as Batch gives each
node its own address and port.

A node's port is opened when its remote login settings are first asked for
while it is up (UP_STATES), and closed, with its sessions, once the node is
gone or no longer up (close_gone, from every engine tick). Only the node's own
unexpired users log in (node_users): by public key, or by password when the
account has one; the session runs in the node's directory (AZ_BATCH_NODE_ROOT_DIR)
with the node's AZ_BATCH_* environment (node_shell).

The host key is made once per data dir (<data>/ssh_host_ed25519_key, 0600) and
shared by every node's endpoint, so a client that trusted one port trusts them all.
Logs name logins by node, user and outcome, never a password or key material."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from . import node_users
from .node_shell import login_shell, run_session
from .runtime import Runtime
from .store import Doc

log = logging.getLogger("batchtui.emulator")

LOOPBACK = "127.0.0.1"
UP_STATES = frozenset({"idle", "running", "starttaskfailed", "waitingforstarttask", "unusable"})
HOST_KEY_FILE = "ssh_host_ed25519_key"
TASK_ONLY = ("AZ_BATCH_TASK_DIR", "AZ_BATCH_TASK_WORKING_DIR", "AZ_BATCH_TASK_USER", "AZ_BATCH_TASK_USER_IDENTITY")


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


def node_up(node: Doc | None) -> bool:
    return node is not None and node.get("state") in UP_STATES and not node.get("_pending")


@dataclass
class Endpoint:
    pool_id: str
    node_id: str
    server: asyncssh.SSHAcceptor | None = None  # set once listening
    port: int = 0
    connections: set[asyncssh.SSHServerConnection] = field(default_factory=set)


class NodeLogin(asyncssh.SSHServer):
    """One client connection to a node's endpoint: who may log in."""

    def __init__(self, endpoints: NodeEndpoints, endpoint: Endpoint) -> None:
        self._endpoints = endpoints
        self._endpoint = endpoint
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._endpoint.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._endpoint.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True  # every login authenticates

    def _account(self, username: str) -> Doc | None:
        node = self._endpoints.node(self._endpoint)
        return node_users.live_account(node, username) if node_up(node) and node else None

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        account = self._account(username)
        return self._logged(username, "key", account is not None and node_users.key_matches(account, key))

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        account = self._account(username)
        accepted = account is not None and node_users.password_matches(account, password)
        return self._logged(username, "password", accepted)

    def _logged(self, username: str, how: str, accepted: bool) -> bool:
        log.info("ssh to node %r of pool %r: user %r by %s %s", self._endpoint.node_id, self._endpoint.pool_id,
                 username[:64], how, "accepted" if accepted else "refused")
        return accepted


class NodeEndpoints:
    """The open SSH endpoints, by (pool id, node id)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._key: asyncssh.SSHKey | None = None
        self._open: dict[tuple[str, str], Endpoint] = {}
        self._opening: dict[tuple[str, str], asyncio.Future[Endpoint]] = {}

    def node(self, endpoint: Endpoint) -> Doc | None:
        return self.runtime.find_node(endpoint.pool_id, endpoint.node_id)

    async def port_of(self, pool_id: str, node_id: str) -> int:
        """The port of the node's endpoint, opened now if it is not open (the caller
        checked that the node is up). OSError when no port can be opened."""
        key = (pool_id, node_id)
        if key in self._open:
            return self._open[key].port
        opening = self._opening.get(key)
        if opening is None:
            opening = self._opening[key] = asyncio.ensure_future(self._listen(pool_id, node_id))
            opening.add_done_callback(lambda _: self._opening.pop(key, None))
        return (await asyncio.shield(opening)).port

    async def _listen(self, pool_id: str, node_id: str) -> Endpoint:
        if self._key is None:
            self._key = await asyncio.to_thread(host_key, self.runtime.settings.data_dir)
        endpoint = Endpoint(pool_id, node_id)
        server = endpoint.server = await asyncssh.create_server(
            lambda: NodeLogin(self, endpoint), LOOPBACK, 0, server_host_keys=[self._key],
            process_factory=lambda process: self._session(endpoint, process), encoding=None,
            line_editor=False, allow_scp=False, agent_forwarding=False, x11_forwarding=False,
            allow_pty=True)
        endpoint.port = int(server.sockets[0].getsockname()[1])
        self._open[(pool_id, node_id)] = endpoint
        log.info("ssh endpoint of node %r of pool %r on %s:%d", node_id, pool_id, LOOPBACK, endpoint.port)
        return endpoint

    async def _session(self, endpoint: Endpoint, process: asyncssh.SSHServerProcess[bytes]) -> None:
        node = self.node(endpoint)
        if node is None or not node_up(node):
            process.stderr.write(b"batchtui emulator: the node is no longer up\r\n")
            process.exit(255)
            return
        root = self.runtime.node_root(node["id"])
        env = self.runtime.environment(endpoint.pool_id, node, None, None, root, None)
        for name in TASK_ONLY:
            env.pop(name, None)
        user = str(process.get_extra_info("username") or "")
        env.update(USER=user, LOGNAME=user)
        env["SHELL"] = login_shell(env)
        try:
            await run_session(process, root, env)
        except Exception:  # noqa: BLE001 - one session's failure is logged, the endpoint goes on
            log.exception("ssh session of user %r on node %r failed", user[:64], endpoint.node_id)
            process.exit(255)

    def close_gone(self) -> None:
        """Close the endpoints (and their sessions) of nodes that are gone or no longer up."""
        for key, endpoint in list(self._open.items()):
            node = self.node(endpoint)
            if not node_up(node):
                self._close(key, endpoint, f"the node is {node['state'] if node else 'gone'}")

    def _close(self, key: tuple[str, str], endpoint: Endpoint, why: str) -> None:
        del self._open[key]
        if endpoint.server is not None:
            endpoint.server.close()
        for conn in list(endpoint.connections):
            conn.close()
        log.info("ssh endpoint of node %r of pool %r closed (%s; %d connections)", endpoint.node_id,
                 endpoint.pool_id, why, len(endpoint.connections))

    async def close_all(self) -> None:
        for key, endpoint in list(self._open.items()):
            self._close(key, endpoint, "the emulator stops")
            if endpoint.server is not None:
                await endpoint.server.wait_closed()
