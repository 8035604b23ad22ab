"""`s` on a node, driven with the pilot against a live emulator: a node user is
made with a key (here batchtui's own, generated under the state dir, as the test's
HOME has none), ssh runs (BATCHTUI_SSH: a script running the real ssh client
non-interactively against the node's endpoint), and the user's deletion is offered
and done. Read-only accounts and nodes that are not up refuse, saying why."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from azure.batch import models as m
from conftest import make_pool, wait_for
from test_ui_dialogs import make_app, mutations, on_row, press_for
from ui_helpers import screen_text, screen_words, until

from batchtui.ui.views import NODES, ViewKey

SCRIPT = """#!/bin/sh
printf '%s\\n' "$@" > "{folder}/argv"
exec ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \\
    "$@" 'pwd; echo "node=$AZ_BATCH_NODE_ID"' > "{folder}/out" 2>&1 < /dev/null
"""


@pytest.fixture
def login_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME without keys, no agent, a state dir of the test's own, and BATCHTUI_SSH."""
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(tmp_path / "state"))
    script = tmp_path / "fake-ssh"
    script.write_text(SCRIPT.format(folder=tmp_path))
    script.chmod(0o700)
    monkeypatch.setenv("BATCHTUI_SSH", str(script))
    return tmp_path


def _ssh_again(folder: Path, argv: list[str]) -> int:
    """The same login once more, with the real ssh: 0 while the node user exists."""
    return subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o",
                           "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", *argv, "true"],
                          capture_output=True, timeout=30, stdin=subprocess.DEVNULL).returncode


async def test_s_logs_in_and_deletes_the_user(emulator, client, login_env):
    pool_id = make_pool(client)
    node_id = next(iter(client.list_nodes(pool_id))).id
    app = make_app(emulator, start=ViewKey("emu", NODES, pool_id))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, node_id)
        await press_for(pilot, "s", "ConfirmScreen")
        out = (login_env / "out").read_text().splitlines()
        assert Path(out[0]).resolve() == (emulator.data_dir / "nodes" / node_id).resolve(), out
        assert out[1] == f"node={node_id}"
        argv = (login_env / "argv").read_text().splitlines()
        private = login_env / "state" / "ssh" / "id_ed25519"
        assert argv[argv.index("-i") + 1] == str(private) and stat.S_IMODE(private.stat().st_mode) == 0o600
        user = argv[argv.index("-l") + 1]
        assert user.startswith("batchtui-") and argv[-1] == "127.0.0.1"
        assert "StrictHostKeyChecking=accept-new" in argv
        words = screen_words(app)
        assert "Delete the node user?" in words and user in words and node_id in words, words
        assert _ssh_again(login_env, argv) == 0
        await pilot.press("y")
        await until(pilot, lambda: f"deleted node user {user}" in screen_text(app), what="the deletion")
    assert _ssh_again(login_env, argv) == 255


async def test_cancel_keeps_the_user(emulator, client, login_env):
    pool_id = make_pool(client)
    node_id = next(iter(client.list_nodes(pool_id))).id
    app = make_app(emulator, start=ViewKey("emu", NODES, pool_id))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, node_id)
        await press_for(pilot, "s", "ConfirmScreen")
        await pilot.press("escape")
        await until(pilot, lambda: "kept node user" in screen_text(app), what="the notice")
    argv = (login_env / "argv").read_text().splitlines()
    assert _ssh_again(login_env, argv) == 0


async def test_read_only_refuses(emulator, client, login_env):
    pool_id = make_pool(client)
    node_id = next(iter(client.list_nodes(pool_id))).id
    app = make_app(emulator, start=ViewKey("emu", NODES, pool_id), read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, node_id)
        before = mutations(emulator)
        await pilot.press("s")
        await until(pilot, lambda: "read-only: cannot log in" in screen_text(app), what="the refusal")
        assert mutations(emulator) == before
    assert not (login_env / "argv").exists()


async def test_node_not_up_says_why(emulator, client, login_env):
    start = m.BatchStartTask(command_line="/bin/false", wait_for_success=True)
    pool_id = make_pool(client, start_task=start, wait_idle=False)
    wait_for(lambda: [n.state for n in client.list_nodes(pool_id)] == ["starttaskfailed"], what="starttaskfailed")
    node_id = next(iter(client.list_nodes(pool_id))).id
    app = make_app(emulator, start=ViewKey("emu", NODES, pool_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await on_row(pilot, node_id)
        await press_for(pilot, "s", "NoticeScreen")
        words = screen_words(app)
        assert "Cannot log in" in words and "it is starttaskfailed; only an idle or running node" in words, words
    assert not (login_env / "argv").exists()
