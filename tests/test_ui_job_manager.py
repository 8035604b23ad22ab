"""A job's job manager task in its tasks view: marked as the job manager and shown first (its id sorts
last here), at 80x24 and 120x40; snapshots against an emulator with a frozen clock."""

from __future__ import annotations

import os
import time

import pytest
from azure.batch import models as m
from conftest import make_pool, unique, wait_for
from frozen import FROZEN, idle_pool, snapshot_app
from ui_helpers import account_for, row_texts, service_for, until
from ui_screen import screen_lines

from batchtui.emulator_process import start_emulator
from batchtui.ui.app import BatchApp
from batchtui.ui.views import TASKS, ViewKey

SIZES = [(80, 24), (120, 40)]


def managed_job(client, pool_id: str, job_id: str) -> str:
    """A job whose manager (id "zz-manager", last by id) ran, then its two tasks."""
    client.create_job(m.BatchJobCreateOptions(
        id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id),
        job_manager_task=m.BatchJobManagerTask(id="zz-manager", command_line="/bin/true",
                                               kill_job_on_completion=False)))
    client.create_tasks(job_id, [m.BatchTaskCreateOptions(id=f"step-{i}", command_line="/bin/true")
                                 for i in range(2)])
    wait_for(lambda: client.get_job_task_counts(job_id).task_counts.completed == 3, what="3 tasks done")
    return job_id


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_job_manager_is_first_and_marked(emulator, client, size):
    pool_id = make_pool(client, nodes=1)
    job_id = managed_job(client, pool_id, unique("managed"))
    account = account_for(emulator)
    app = BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0,
                   start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.table.all_keys()[:1] == ["zz-manager"], what="the manager first")
        await pilot.pause(0.1)
        rows = [line.strip() for line in row_texts(app.table) if line.strip()]
        assert rows[0].startswith("zz-manager ⚑ job manager") and "completed" in rows[0], rows
        assert [row.split()[0] for row in rows[1:3]] == ["step-0", "step-1"]
        assert "job manager" not in " ".join(rows[1:3])
        assert any("zz-manager ⚑ job manager" in line for line in screen_lines(app))


@pytest.fixture(scope="module")
def frozen_managed(tmp_path_factory):
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("frozen-manager"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    idle_pool(client, "render", 1)
    managed_job(client, "render", "managed")
    yield emu
    emu.stop()


def frozen_app(emu) -> BatchApp:
    return snapshot_app(emu, ViewKey("emulator", TASKS, "managed"), refresh_seconds=1)


async def manager_shown(pilot) -> None:
    app = pilot.app
    deadline = time.monotonic() + 15
    while app.table.all_keys()[:1] != ["zz-manager"]:
        assert time.monotonic() < deadline, "the manager did not come first"
        await pilot.pause(0.05)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_tasks_view_with_a_job_manager(snap_compare, frozen_managed, size):
    assert snap_compare(frozen_app(frozen_managed), terminal_size=size, run_before=manager_shown)
