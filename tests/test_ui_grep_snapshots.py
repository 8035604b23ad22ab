"""Snapshots of `:grep` at 80x24 and 120x40: its results, the question before a big search, and the log
view opened at a matching line, against an emulator with a frozen clock running the planted grep job
(tests/grep_job.py) under fixed ids, so the pictures are stable."""

from __future__ import annotations

import os
import time

import pytest
from azure.batch import models as m
from conftest import wait_for
from grep_job import plant_grep_job
from test_ui_snapshots import FROZEN, SIZES, frozen_app
from textual.keys import _character_to_key

from batchtui.emulator_process import start_emulator
from batchtui.ui.screens import grep_view
from batchtui.ui.screens.grep_view import GrepScreen, ReadConfirm
from batchtui.ui.screens.log_view import LogScreen
from batchtui.ui.views import TASKS, ViewKey

sizes = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")


@pytest.fixture(scope="module")
def frozen_grep(tmp_path_factory):
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("frozen-grep"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    image = m.VirtualMachineConfiguration(
        image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
        node_agent_sku_id="batch.node.ubuntu 24.04")
    client.create_pool(m.BatchPoolCreateOptions(id="analysis", vm_size="standard_d2s_v3", target_dedicated_nodes=1,
                                                task_slots_per_node=4, virtual_machine_configuration=image))
    wait_for(lambda: [n.state for n in client.list_nodes("analysis")] == ["idle"], what="an idle node")
    client.create_job(m.BatchJobCreateOptions(id="nightly", pool_info=m.BatchPoolInfo(pool_id="analysis")))
    plant_grep_job(client, "nightly")
    wait_for(lambda: all(t.state == "completed" for t in client.list_tasks("nightly")), timeout=60,
             what="the planted tasks to complete")
    yield emu
    emu.stop()


def grep_typed(line: str, *then: str):
    """Open the tasks view, type the `:grep` line, let the search finish (or ask), then press `then`."""

    async def run_before(pilot) -> None:
        app = pilot.app
        deadline = time.monotonic() + 30
        while app.table.total_count < 11 or app._fresh_at is None:
            assert time.monotonic() < deadline, "the tasks view did not load"
            await pilot.pause(0.05)
        await pilot.press("colon", *[c if c.isalnum() else _character_to_key(c) for c in line], "enter")
        while not (isinstance(app.screen, ReadConfirm) or (isinstance(app.screen, GrepScreen)
                                                              and not app.screen.running)):
            assert time.monotonic() < deadline, "the search did not finish"
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        for key in then:
            await pilot.press(key)
        while isinstance(app.screen, LogScreen) and (app.screen.goto is not None or app.screen.stopped is None):
            assert time.monotonic() < deadline, "the log view did not settle"
            await pilot.pause(0.05)
        await pilot.pause(0.3)

    return run_before


@sizes
def test_grep_results(snap_compare, frozen_grep, size):
    app = frozen_app(frozen_grep, ViewKey("emulator", TASKS, "nightly"))
    assert snap_compare(app, terminal_size=size, run_before=grep_typed("grep mark-7q"))


@sizes
def test_grep_asks_before_a_big_search(snap_compare, frozen_grep, size, monkeypatch):
    monkeypatch.setattr(grep_view, "CONFIRM_BYTES", 100_000)
    app = frozen_app(frozen_grep, ViewKey("emulator", TASKS, "nightly"))
    assert snap_compare(app, terminal_size=size, run_before=grep_typed("grep --all mark-7q"))


@sizes
def test_grep_result_opens_the_log_at_its_line(snap_compare, frozen_grep, size):
    app = frozen_app(frozen_grep, ViewKey("emulator", TASKS, "nightly"))
    assert snap_compare(app, terminal_size=size, run_before=grep_typed("grep --all mark-7q", "enter"))
