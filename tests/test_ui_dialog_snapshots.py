"""Snapshots of every confirmation dialog (and the notices of actions that cannot
work, and the node's recent tasks) at 80x24 and 120x40, reached with the keys a
user presses, against an emulator with a frozen clock and predictable ids."""

from __future__ import annotations

import os
import time

import pytest
from azure.batch import models as m
from conftest import wait_for
from frozen import FROZEN
from frozen import snapshot_app as frozen_app
from textual.widgets import Input

from batchtui.emulator_process import start_emulator
from batchtui.ui.views import JOBS, NODES, POOLS, TASKS, ViewKey
from batchtui.ui.widgets.resource_table import ResourceTable

SIZES = [(80, 24), (120, 40)]
IMAGE = m.VirtualMachineConfiguration(
    image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
    node_agent_sku_id="batch.node.ubuntu 24.04")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Pool "analysis" (two idle nodes, scheduling disabled on the second) and pool
    "shrinking" (resizing to 0 while its node finishes a task); job "nightly"
    (active, shard-02 failed), "hold" (its task "long" running), "paused"
    (disabled), "finished" (completed, a task failed)."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("dialogs"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    client.create_pool(m.BatchPoolCreateOptions(id="analysis", vm_size="standard_d2s_v3", target_dedicated_nodes=2,
                                                virtual_machine_configuration=IMAGE))
    wait_for(lambda: [n.state for n in client.list_nodes("analysis")] == ["idle", "idle"], what="idle nodes")
    client.create_pool(m.BatchPoolCreateOptions(id="shrinking", vm_size="standard_d2s_v3", target_dedicated_nodes=1,
                                                virtual_machine_configuration=IMAGE))
    wait_for(lambda: [n.state for n in client.list_nodes("shrinking")] == ["idle"], what="idle node")
    client.create_job(m.BatchJobCreateOptions(id="nightly", pool_info=m.BatchPoolInfo(pool_id="analysis")))
    client.create_task_collection("nightly", m.BatchTaskGroup(task_values=[
        m.BatchTaskCreateOptions(id=f"shard-{i:02d}", command_line=f"/bin/sh -c 'exit {4 if i == 2 else 0}'")
        for i in range(4)
    ]))
    wait_for(lambda: client.get_job_task_counts("nightly").task_counts.completed == 4, what="nightly done")
    client.create_job(m.BatchJobCreateOptions(id="finished", pool_info=m.BatchPoolInfo(pool_id="analysis")))
    client.create_task("finished", m.BatchTaskCreateOptions(id="broke", command_line="/bin/sh -c 'exit 1'"))
    wait_for(lambda: client.get_task("finished", "broke").state == "completed", what="broke done")
    client.begin_terminate_job("finished", {"terminateReason": "done"}, polling_interval=0.05).result()
    client.create_job(m.BatchJobCreateOptions(id="paused", pool_info=m.BatchPoolInfo(pool_id="analysis")))
    client.begin_disable_job("paused", m.BatchJobDisableOptions(disable_tasks="requeue"),
                             polling_interval=0.05).result()
    client.create_job(m.BatchJobCreateOptions(id="hold", pool_info=m.BatchPoolInfo(pool_id="shrinking")))
    client.create_task("hold", m.BatchTaskCreateOptions(id="long", command_line="sleep 3600"))
    wait_for(lambda: client.get_task("hold", "long").state == "running", what="long running")
    client.begin_resize_pool("shrinking", m.BatchPoolResizeOptions(target_dedicated_nodes=0,
                                                                   node_deallocation_option="taskcompletion"),
                             polling_interval=60)
    nodes = sorted(n.id for n in client.list_nodes("analysis"))
    client.disable_node_scheduling("analysis", nodes[1], m.BatchNodeDisableSchedulingOptions(
        node_disable_scheduling_option="requeue"))
    wait_for(lambda: client.get_job("finished").state == "completed" and client.get_job("paused").state == "disabled"
             and [n.state for n in client.list_nodes("shrinking")] == ["leavingpool"], what="the states settle")
    yield emu, nodes
    emu.stop()


async def _quiet(pilot, deadline: float) -> None:
    await pilot.pause(0.2)
    while any(worker.is_running for worker in pilot.app.workers):
        assert time.monotonic() < deadline, "workers did not settle"
        await pilot.pause(0.05)
    await pilot.pause()


def opened(rows: int, cursor: str, key: str, screen: str):
    """Wait for `rows` rows, put the cursor on `cursor`, press `key`, wait for `screen`."""
    async def run_before(pilot) -> None:
        app = pilot.app
        table = app.query_one(ResourceTable)
        deadline = time.monotonic() + 15
        while table.total_count < rows or app._fresh_at is None:
            assert time.monotonic() < deadline, "view did not load"
            await pilot.pause(0.05)
        table.move_cursor_to_key(cursor)
        await _quiet(pilot, deadline)
        await pilot.press(key)
        while app.screen.__class__.__name__ != screen:
            assert time.monotonic() < deadline, f"{screen} did not open"
            await pilot.pause(0.05)
        for field in app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor would make the picture random
        await _quiet(pilot, deadline)

    return run_before


# (test id, view, rows in it, cursor row, key, the screen it opens); a cursor of
# None means the first or second node of "analysis".
DIALOGS = [
    ("pool-resize", ViewKey("emulator", POOLS), 2, "analysis", "z", "ConfirmScreen"),
    ("pool-stop-resize", ViewKey("emulator", POOLS), 2, "shrinking", "x", "ConfirmScreen"),
    ("pool-delete", ViewKey("emulator", POOLS), 2, "analysis", "ctrl+d", "ConfirmScreen"),
    ("pool-resize-refused", ViewKey("emulator", POOLS), 2, "shrinking", "z", "NoticeScreen"),
    ("node-reboot", ViewKey("emulator", NODES, "analysis"), 2, 0, "o", "ConfirmScreen"),
    ("node-reimage", ViewKey("emulator", NODES, "analysis"), 2, 0, "i", "ConfirmScreen"),
    ("node-disable-scheduling", ViewKey("emulator", NODES, "analysis"), 2, 0, "p", "ConfirmScreen"),
    ("node-enable-scheduling", ViewKey("emulator", NODES, "analysis"), 2, 1, "P", "ConfirmScreen"),
    ("node-remove", ViewKey("emulator", NODES, "analysis"), 2, 0, "ctrl+d", "ConfirmScreen"),
    ("node-recent-tasks", ViewKey("emulator", NODES, "analysis"), 2, 0, "J", "NodeTasksScreen"),
    ("job-terminate", ViewKey("emulator", JOBS), 4, "nightly", "t", "ConfirmScreen"),
    ("job-disable", ViewKey("emulator", JOBS), 4, "nightly", "p", "ConfirmScreen"),
    ("job-enable", ViewKey("emulator", JOBS), 4, "paused", "P", "ConfirmScreen"),
    ("job-delete", ViewKey("emulator", JOBS), 4, "nightly", "ctrl+d", "ConfirmScreen"),
    ("job-rerun-failed", ViewKey("emulator", JOBS), 4, "nightly", "A", "ConfirmScreen"),
    ("job-rerun-failed-refused", ViewKey("emulator", JOBS), 4, "finished", "A", "NoticeScreen"),
    ("task-reactivate", ViewKey("emulator", TASKS, "nightly"), 4, "shard-02", "a", "ConfirmScreen"),
    ("task-delete", ViewKey("emulator", TASKS, "nightly"), 4, "shard-00", "ctrl+d", "ConfirmScreen"),
    ("task-terminate", ViewKey("emulator", TASKS, "hold"), 1, "long", "t", "ConfirmScreen"),
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(("view", "rows", "cursor", "key", "screen"), [d[1:] for d in DIALOGS],
                         ids=[d[0] for d in DIALOGS])
def test_dialog(snap_compare, world, view, rows, cursor, key, screen, size):
    emu, nodes = world
    row = nodes[cursor] if isinstance(cursor, int) else cursor
    assert snap_compare(frozen_app(emu, view), terminal_size=size, run_before=opened(rows, row, key, screen))
