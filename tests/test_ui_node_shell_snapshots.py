"""Snapshot of the dialog `s` ends with ("Delete the node user?") at 80x24, against
an emulator with a frozen clock and predictable node ids; ssh is replaced by
/bin/true and the user's name is fixed, so the picture is stable."""

from __future__ import annotations

import os
import time

import pytest
from frozen import FROZEN, idle_pool, snapshot_app

from batchtui.emulator_process import start_emulator
from batchtui.service import node_login
from batchtui.ui.app import BatchApp
from batchtui.ui.views import NODES, ViewKey
from batchtui.ui.widgets.resource_table import ResourceTable


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("frozen-ssh"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    idle_pool(client, "analysis", 1)
    yield emu
    emu.stop()


def frozen_app(emu) -> BatchApp:
    return snapshot_app(emu, ViewKey("emulator", NODES, "analysis"))


async def _back_from_ssh(pilot) -> None:
    app = pilot.app
    table = app.query_one(ResourceTable)
    deadline = time.monotonic() + 15
    while table.total_count < 1 or app._fresh_at is None:
        assert time.monotonic() < deadline, "view did not load"
        await pilot.pause(0.05)
    await pilot.press("s")
    while app.screen.__class__.__name__ != "ConfirmScreen":
        assert time.monotonic() < deadline, "the dialog did not open"
        await pilot.pause(0.05)
    await pilot.pause(0.2)
    while any(worker.is_running for worker in app.workers):
        assert time.monotonic() < deadline, "workers did not settle"
        await pilot.pause(0.05)
    await pilot.pause()


def test_delete_node_user_dialog(snap_compare, frozen, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("BATCHTUI_SSH", "/bin/true")
    monkeypatch.setattr(node_login, "new_user_name", lambda: "batchtui-0a1b2c")
    assert snap_compare(frozen_app(frozen), terminal_size=(80, 24), run_before=_back_from_ssh)
