"""Snapshots of autoscale in the explorer at 80x24 and 120x40: a pool's autoscale details (formula,
last evaluation as a variables table) and the autoscale editor with an evaluation beside its
formula. The emulator's clock is frozen (test_ui_snapshots' pattern): the pools' one evaluation is
at creation, none follows, and every time on screen is the frozen one."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from azure.batch import models as m
from frozen import FROZEN, snapshot_app
from textual.widgets import TextArea

from batchtui.emulator_process import start_emulator
from batchtui.ui.app import BatchApp
from batchtui.ui.views import POOLS, ViewKey
from batchtui.ui.widgets.details import DetailsPane
from batchtui.ui.widgets.resource_table import ResourceTable

SIZES = [(80, 24), (120, 40)]
QUEUE = ("$tasks = $PendingTasks;\n$TargetDedicatedNodes = min(2, $tasks);\n"
         "$NodeDeallocationOption = taskcompletion;")
TRIED = "$TargetDedicatedNodes = 3;\n$perNode = 4;\n$cores = $TargetDedicatedNodes * $perNode;"


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("frozen-autoscale"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    image = m.VirtualMachineConfiguration(
        image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
        node_agent_sku_id="batch.node.ubuntu 24.04")
    for pool_id, formula in (("queue", QUEUE), ("typo", "$TargetDedicatedNodes = $pending;")):
        client.create_pool(m.BatchPoolCreateOptions(
            id=pool_id, vm_size="standard_d2s_v3", virtual_machine_configuration=image, enable_auto_scale=True,
            auto_scale_formula=formula, auto_scale_evaluation_interval=timedelta(minutes=5)))
    client.create_pool(m.BatchPoolCreateOptions(id="fixed", vm_size="standard_d2s_v3", target_dedicated_nodes=0,
                                                virtual_machine_configuration=image))
    yield emu
    emu.stop()


def frozen_app(emu) -> BatchApp:
    return snapshot_app(emu, ViewKey("emulator", POOLS))


async def _settle(pilot, deadline: float) -> None:
    await pilot.pause(0.2)
    while any(worker.is_running for worker in pilot.app.workers) or any(
            worker.is_running for worker in pilot.app.screen.workers):
        assert time.monotonic() < deadline, "workers did not settle"
        await pilot.pause(0.05)
    await pilot.pause()


def on_pool(pool_id: str, evaluate: str | None = None, open_editor: bool = False):
    """Load the pools, put the cursor on `pool_id` and scroll its details to the end; with `evaluate`,
    open the editor instead, write that formula and evaluate it; with `open_editor`, only open it."""
    async def run_before(pilot) -> None:
        app = pilot.app
        table = app.query_one(ResourceTable)
        deadline = time.monotonic() + 15
        while table.total_count < 3 or app._fresh_at is None:
            assert time.monotonic() < deadline, "view did not load"
            await pilot.pause(0.05)
        table.move_cursor_to_key(pool_id)
        await _settle(pilot, deadline)
        if evaluate is None and not open_editor:  # the details scrolled down to the last evaluation's variables table
            app.query_one(DetailsPane).scroll_end(animate=False)
            await pilot.pause()
            return
        await pilot.press("A")
        while app.screen.__class__.__name__ != "AutoScaleEditor":
            assert time.monotonic() < deadline, "the editor did not open"
            await pilot.pause(0.05)
        await pilot.pause()
        area = app.screen.query_one("#formula", TextArea)
        area.cursor_blink = False  # a blinking cursor would make the picture depend on the moment it is taken
        if evaluate is None:
            await _settle(pilot, deadline)
            return
        area.text = evaluate
        area.move_cursor((0, 0))
        await pilot.press("ctrl+e")
        while "$cores" not in str(app.screen.query_one("#results").render()):
            assert time.monotonic() < deadline, "the evaluation did not show"
            await pilot.pause(0.05)
        await _settle(pilot, deadline)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pool_autoscale_details(snap_compare, frozen, size):
    assert snap_compare(frozen_app(frozen), terminal_size=size, run_before=on_pool("queue"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_autoscale_editor_with_an_evaluation(snap_compare, frozen, size):
    assert snap_compare(frozen_app(frozen), terminal_size=size, run_before=on_pool("queue", evaluate=TRIED))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_autoscale_editor_on_a_fixed_pool(snap_compare, frozen, size):
    """The starter formula wraps (never cut) and the side pane says how a fixed pool gets evaluated."""
    assert snap_compare(frozen_app(frozen), terminal_size=size, run_before=on_pool("fixed", open_editor=True))
