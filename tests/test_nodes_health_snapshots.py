"""Snapshots of the nodes health view (and its help) at 80x24 and 120x40, against an emulator with a frozen
clock and predictable node ids.

The pool's node `_2` is made bad by its start task; the job's tasks are added three at a time (one per
node: every node is free when a wave arrives, and the scheduler spreads them in node order), so each
node runs the same tasks on every run: 8 each, all failing on node 2, one failing on node 1.
"""

from __future__ import annotations

import os
import time

import pytest
from azure.batch import models as m
from conftest import wait_for
from frozen import FROZEN, snapshot_app
from planted import bad_node_start_task, node_task

from batchtui.emulator_process import start_emulator
from batchtui.ui.app import BatchApp
from batchtui.ui.screens.nodes_health import NodesHealthScreen
from batchtui.ui.views import TASKS, ViewKey

SIZES = [(80, 24), (120, 40)]
WAVES = 8


@pytest.fixture(scope="module")
def frozen_bad_node(tmp_path_factory):
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("frozen-nodes"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    image = m.VirtualMachineConfiguration(
        image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
        node_agent_sku_id="batch.node.ubuntu 24.04")
    client.create_pool(m.BatchPoolCreateOptions(id="render", vm_size="standard_d2s_v3", target_dedicated_nodes=3,
                                                virtual_machine_configuration=image,
                                                start_task=bad_node_start_task(node_pattern="*_2-*")))
    wait_for(lambda: [n.state for n in client.list_nodes("render")] == ["idle"] * 3, what="idle nodes")
    client.create_job(m.BatchJobCreateOptions(id="frames", pool_info=m.BatchPoolInfo(pool_id="render")))
    for wave in range(WAVES):
        client.create_task_collection("frames", m.BatchTaskGroup(task_values=[
            m.BatchTaskCreateOptions(id=f"frame-{3 * wave + i:02d}",
                                     command_line=node_task(0, exit_code=1 if (wave, i) == (2, 0) else 0))
            for i in range(3)
        ]))
        wait_for(lambda done=3 * (wave + 1): client.get_job_task_counts("frames").task_counts.completed == done
                 and all(n.state == "idle" for n in client.list_nodes("render")), what=f"wave {wave}")
    yield emu
    emu.stop()


def frozen_app(emu) -> BatchApp:
    return snapshot_app(emu, ViewKey("emulator", TASKS, "frames"))


def health_shown(*keys: str):
    async def run_before(pilot) -> None:
        app = pilot.app
        deadline = time.monotonic() + 15
        while app.table.total_count < 3 * WAVES or app._fresh_at is None:
            assert time.monotonic() < deadline, "tasks did not load"
            await pilot.pause(0.05)
        await pilot.press("H")
        screen = app.screen
        assert isinstance(screen, NodesHealthScreen)
        while screen.health is None or screen.table.total_count < 3:
            assert time.monotonic() < deadline, "nodes health did not load"
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        if keys:
            await pilot.press(*keys)
        await pilot.pause()

    return run_before


def test_the_planted_distribution(frozen_bad_node):
    tasks = frozen_bad_node.client().list_tasks("frames")
    by_node: dict[str, list[int]] = {}
    for task in tasks:
        by_node.setdefault(task.node_info.node_id.split("-")[1], []).append(task.execution_info.exit_code)
    assert by_node == {"1695681911_1": [0, 0, 1, 0, 0, 0, 0, 0], "1695681911_2": [9] * WAVES,
                       "1695681911_3": [0] * WAVES}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_nodes_health_view(snap_compare, frozen_bad_node, size):
    assert snap_compare(frozen_app(frozen_bad_node), terminal_size=size, run_before=health_shown())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_nodes_health_help(snap_compare, frozen_bad_node, size):
    assert snap_compare(frozen_app(frozen_bad_node), terminal_size=size, run_before=health_shown("question_mark"))


async def clusters_shown(pilot) -> None:
    """`!` on the job: its failures clustered, and the bad node named on the nodes line."""
    from batchtui.ui.screens.failures import FailuresScreen

    app = pilot.app
    deadline = time.monotonic() + 15
    while app.table.total_count < 3 * WAVES or app._fresh_at is None:
        assert time.monotonic() < deadline, "tasks did not load"
        await pilot.pause(0.05)
    await pilot.press("exclamation_mark")
    screen = app.screen
    assert isinstance(screen, FailuresScreen)
    while not screen.progress.done or screen.health is None:
        assert time.monotonic() < deadline, "clusters or nodes did not load"
        await pilot.pause(0.05)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_failure_clusters_name_the_bad_node(snap_compare, frozen_bad_node, size):
    assert snap_compare(frozen_app(frozen_bad_node), terminal_size=size, run_before=clusters_shown)
