"""`s` on a node: log in to it with the system's ssh, then offer to delete the
node user made for it (the user expires by itself after service.node_login.DEFAULT_HOURS).

The node is fetched first and judged (`preconditions`: only an idle or running
node takes new users); read-only accounts refuse. Then the user's public key
(service.login_keys), a node user `batchtui-…` with an expiry, the
node's remote login settings (service.node_login); the UI is suspended while
ssh runs in the terminal, and on return a dialog offers to delete the user
(Cancel, the default, keeps it until it expires and says how to log in again).
Where the app cannot suspend (headless, in tests) ssh runs without the terminal."""

from __future__ import annotations

import asyncio
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import SuspendNotSupported

from ... import paths
from ...service.errors import ServiceError
from ...service.login_keys import LoginKey, find_login_key
from ...service.node_login import NodeLogin, close_login, open_login, ssh_argv
from ...textsafe import inert
from ..preconditions import refusal, state_of
from ..screens.confirm import ConfirmScreen, NoticeScreen
from ..views import NODES, ViewKey
from .details import fetch_document
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp

SSH_FAILED = 255  # ssh's exit status for its own errors (connection, authentication)


def _run(argv: list[str], interactive: bool) -> int:
    """ssh's exit status; OSError when it cannot start. In the terminal, ssh's own
    failure (255) waits for Enter, so that its message can be read before the UI returns."""
    code = subprocess.run(argv, stdin=None if interactive else subprocess.DEVNULL, check=False).returncode
    if interactive and code == SSH_FAILED:
        try:
            input(f"batchtui: ssh ended with status {SSH_FAILED} (its message is above); press Enter to go back ")
        except EOFError:
            pass
    return code


class NodeShell:
    """Logs in to the node under the cursor of a nodes view."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app

    def available(self) -> bool:
        return self.app.view.kind == NODES

    def login(self) -> None:
        app = self.app
        view = app.view
        if view.kind != NODES:
            return
        if app.actions.read_only_here():
            why = "read-only mode" if app.read_only else f"account {view.account} is read-only"
            app.notify(f"read-only: cannot log in to a node, which needs a node user made on it ({why})",
                       severity="warning", timeout=4)
            return
        node_id = app.table.cursor_key
        if not node_id:
            app.notify("nothing selected", severity="warning", timeout=3)
            return
        start_worker(app, self._login, view, node_id, group="node-shell", exclusive=True)

    async def _login(self, view: ViewKey, node_id: str) -> None:
        app = self.app
        service = app.services[view.account]
        try:
            refused = refusal("ssh", state_of(NODES, await fetch_document(service, view, node_id)))
        except ServiceError as error:
            app.notify(f"node {node_id}: {error}", severity="error")
            return
        if refused is not None:
            lines = [f"Node {node_id}: {refused.why}."] + ([f"What would work: {refused.instead}."]
                                                          if refused.instead else [])
            app.push_screen(NoticeScreen("Cannot log in", "\n".join(lines)))
            return
        try:
            key = await asyncio.to_thread(find_login_key, Path.home(), paths.state_dir())
        except OSError as exc:
            app.notify(f"no SSH key: none in ~/.ssh or the agent, and none can be made: {exc}", severity="error")
            return
        try:
            login = await open_login(service, view.parent, node_id, key.public_key, now=app.clock())
        except ServiceError as error:
            app.notify(f"node {node_id}: cannot make a node user: {error}", severity="error")
            return
        if not app.ui_alive():
            return
        try:
            failed = f"failed (exit status {SSH_FAILED})" if self._ssh(login, key) == SSH_FAILED else ""
        except OSError as exc:
            failed = f"cannot start: {exc.strerror or exc}"
        if app.ui_alive():
            if failed:
                app.notify(f"ssh to {node_id} {failed}", severity="warning", timeout=6)
            self._offer_delete(view, login, shlex.join(ssh_argv(login, key.identity_file)))

    def _ssh(self, login: NodeLogin, key: LoginKey) -> int:
        """ssh in the terminal, the UI suspended meanwhile; its exit status. OSError."""
        argv = ssh_argv(login, key.identity_file)
        try:
            with self.app.suspend():
                print(f"batchtui: ssh to node {login.node_id} of pool {login.pool_id} as {login.user}, "
                      f"key {key.origin} (exit the shell to come back)", flush=True)
                return _run(argv, interactive=True)
        except SuspendNotSupported:
            return _run(argv, interactive=False)

    def _offer_delete(self, view: ViewKey, login: NodeLogin, again: str) -> None:
        """The dialog after ssh: delete the node user (Delete), or keep it (Cancel) and say how to log in again."""
        expiry = login.expiry.strftime("%Y-%m-%d %H:%M UTC")
        message = Text.assemble(
            "You are back from node ", (inert(login.node_id), "bold"), f" (pool {inert(login.pool_id)}).\n\n",
            "The node user ", (inert(login.user), "bold"), f" was made for this login; it expires at {expiry}. ",
            "Delete it now? Cancel keeps it until then, to log in again with ssh.")

        def answered(values: dict[str, object] | None) -> None:
            if values is not None:
                start_worker(self.app, self._delete, view, login, group="node-shell")
            else:
                self.app.notify(f"kept node user {login.user} until {expiry}; to log in again: {again}", timeout=10)

        self.app.push_screen(ConfirmScreen("Delete the node user?", message, confirm_label="Delete"), answered)

    async def _delete(self, view: ViewKey, login: NodeLogin) -> None:
        try:
            await close_login(self.app.services[view.account], login.pool_id, login.node_id, login.user)
        except ServiceError as error:
            self.app.notify(f"node user {login.user}: {error}", severity="error")
            return
        self.app.notify(f"deleted node user {login.user} from {login.node_id}", timeout=4)

