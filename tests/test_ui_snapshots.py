"""Snapshots of each main view at 80x24 and 120x40, against an emulator with a
frozen clock and predictable node ids, so the pictures are stable."""

from __future__ import annotations

import os
import time

import pytest
from azure.batch import models as m
from conftest import wait_for
from frozen import FROZEN
from frozen import snapshot_app as frozen_app

from batchtui.emulator_process import start_emulator
from batchtui.ui.views import JOBS, NODES, POOLS, TASKS, ViewKey
from batchtui.ui.widgets.resource_table import ResourceTable

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("frozen"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    image = m.VirtualMachineConfiguration(
        image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
        node_agent_sku_id="batch.node.ubuntu 24.04")
    client.create_pool(m.BatchPoolCreateOptions(id="analysis", vm_size="standard_d2s_v3", target_dedicated_nodes=1,
                                                virtual_machine_configuration=image))
    client.create_pool(m.BatchPoolCreateOptions(id="spare", vm_size="standard_d8s_v3", target_dedicated_nodes=2,
                                                target_low_priority_nodes=1, virtual_machine_configuration=image))
    wait_for(lambda: all(n.state == "idle" for p in ("analysis", "spare") for n in client.list_nodes(p))
             and len(list(client.list_nodes("spare"))) == 3, what="idle nodes")
    client.create_job(m.BatchJobCreateOptions(id="nightly", pool_info=m.BatchPoolInfo(pool_id="analysis")))
    client.create_task_collection("nightly", m.BatchTaskGroup(task_values=[
        m.BatchTaskCreateOptions(id=f"shard-{i:02d}",
                                 command_line=f"/bin/sh -c 'echo shard {i}; exit {4 if i == 2 else 0}'")
        for i in range(6)
    ]))
    client.create_job(m.BatchJobCreateOptions(id="waiting", pool_info=m.BatchPoolInfo(pool_id="gpu")))
    client.create_task("waiting", m.BatchTaskCreateOptions(id="train", command_line="python train.py"))
    wait_for(lambda: client.get_job_task_counts("nightly").task_counts.completed == 6, what="tasks done")
    yield emu
    emu.stop()


def settled(expected_rows: int, cursor: str | None = None):
    async def run_before(pilot) -> None:
        app = pilot.app
        table = app.query_one(ResourceTable)
        deadline = time.monotonic() + 15
        while table.total_count < expected_rows or app._fresh_at is None:
            assert time.monotonic() < deadline, "view did not load"
            await pilot.pause(0.05)
        if cursor:
            table.move_cursor_to_key(cursor)
        # Let the details worker (and anything it started) finish; an exclusive
        # worker replaced by a newer one counts as finished.
        await pilot.pause(0.2)
        while any(worker.is_running for worker in app.workers):
            assert time.monotonic() < deadline, "workers did not settle"
            await pilot.pause(0.05)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_jobs_view(snap_compare, frozen, size):
    assert snap_compare(frozen_app(frozen, ViewKey("emulator", JOBS)), terminal_size=size, run_before=settled(2))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_tasks_view_with_failure_details(snap_compare, frozen, size):
    app = frozen_app(frozen, ViewKey("emulator", TASKS, "nightly"))
    assert snap_compare(app, terminal_size=size, run_before=settled(6, cursor="shard-02"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pools_view(snap_compare, frozen, size):
    assert snap_compare(frozen_app(frozen, ViewKey("emulator", POOLS)), terminal_size=size, run_before=settled(2))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_nodes_view(snap_compare, frozen, size):
    app = frozen_app(frozen, ViewKey("emulator", NODES, "spare"))
    assert snap_compare(app, terminal_size=size, run_before=settled(3))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(snap_compare, frozen, size):
    app = frozen_app(frozen, ViewKey("emulator", JOBS))
    assert snap_compare(app, terminal_size=size, run_before=settled(2), press=["question_mark"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_tasks_view_without_colour(snap_compare, frozen, size, monkeypatch):
    """NO_COLOR: states told apart by their glyphs (✓ completed, ✗ failed), not by colour."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = frozen_app(frozen, ViewKey("emulator", TASKS, "nightly"))
    assert snap_compare(app, terminal_size=size, run_before=settled(6, cursor="shard-02"))
