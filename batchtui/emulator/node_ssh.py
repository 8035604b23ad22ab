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
Logs name logins by node, user and outcome, never a password or key material.
The asyncssh side is node_ssh_server, imported when the first endpoint opens."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import node_users
from .runtime import Runtime
from .store import Doc

if TYPE_CHECKING:
    import asyncssh

log = logging.getLogger("batchtui.emulator")

LOOPBACK = "127.0.0.1"
UP_STATES = frozenset({"idle", "running", "starttaskfailed", "waitingforstarttask", "unusable"})
TASK_ONLY = ("AZ_BATCH_TASK_DIR", "AZ_BATCH_TASK_WORKING_DIR", "AZ_BATCH_TASK_USER", "AZ_BATCH_TASK_USER_IDENTITY")


def node_up(node: Doc | None) -> bool:
    return node is not None and node.get("state") in UP_STATES and not node.get("_pending")


@dataclass
class Endpoint:
    """One node's endpoint (node_ssh_server's Gate): what it asks of the node goes to the runtime."""

    runtime: Runtime
    pool_id: str
    node_id: str
    server: asyncssh.SSHAcceptor | None = None  # set once listening
    port: int = 0
    connections: set[asyncssh.SSHServerConnection] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"node {self.node_id!r} of pool {self.pool_id!r}"

    def node(self) -> Doc | None:
        return self.runtime.find_node(self.pool_id, self.node_id)

    def account(self, username: str) -> Doc | None:
        node = self.node()
        return node_users.live_account(node, username) if node is not None and node_up(node) else None

    def session(self, username: str) -> tuple[Path, dict[str, str]] | None:
        """The node's directory, and its processes' environment without a task's own
        variables, with USER and LOGNAME the node user's."""
        node = self.node()
        if node is None or not node_up(node):
            return None
        root = self.runtime.node_root(node["id"])
        env = self.runtime.environment(self.pool_id, node, None, None, root, None)
        for name in TASK_ONLY:
            env.pop(name, None)
        env.update(USER=username, LOGNAME=username)
        return root, env


class NodeEndpoints:
    """The open SSH endpoints, by (pool id, node id)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._key: asyncssh.SSHKey | None = None
        self._open: dict[tuple[str, str], Endpoint] = {}
        self._opening: dict[tuple[str, str], asyncio.Future[Endpoint]] = {}

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
        from . import node_ssh_server  # here, not at the top: asyncssh's import is paid by the first login

        if self._key is None:
            self._key = await asyncio.to_thread(node_ssh_server.host_key, self.runtime.settings.data_dir)
        endpoint = Endpoint(self.runtime, pool_id, node_id)
        endpoint.server, endpoint.port = await node_ssh_server.listen(endpoint, self._key, LOOPBACK)
        self._open[(pool_id, node_id)] = endpoint
        log.info("ssh endpoint of %s on %s:%d", endpoint.label, LOOPBACK, endpoint.port)
        return endpoint

    def close_gone(self) -> None:
        """Close the endpoints (and their sessions) of nodes that are gone or no longer up."""
        for key, endpoint in list(self._open.items()):
            node = endpoint.node()
            if not node_up(node):
                self._close(key, endpoint, f"the node is {node['state'] if node else 'gone'}")

    def _close(self, key: tuple[str, str], endpoint: Endpoint, why: str) -> None:
        del self._open[key]
        if endpoint.server is not None:
            endpoint.server.close()
        log.info("ssh endpoint of %s closed (%s; %d connections)", endpoint.label, why, len(endpoint.connections))
        for conn in list(endpoint.connections):
            conn.close()

    async def close_all(self) -> None:
        for key, endpoint in list(self._open.items()):
            self._close(key, endpoint, "the emulator stops")
            if endpoint.server is not None:
                await endpoint.server.wait_closed()
