"""The subtasks view (`:subtasks [TASK]`) against a real emulator: a multi-instance task's subtasks with
their nodes, states and exit codes; a subtask's stdout and stderr open in the log view.

A pool of three nodes; the job's one task runs on all three, and its coordination command fails on the
last node by id (always a subtask: the primary goes to the first), so one subtask succeeds and one fails.
Pilot tests assert rendered lines at 80x24 and 120x40; the snapshots use an emulator with a frozen clock.
"""

from __future__ import annotations

import os
import time

import pytest
from azure.batch import models as m
from conftest import make_job, make_pool, wait_for
from frozen import FROZEN, idle_pool, snapshot_app
from ui_helpers import account_for, service_for, until
from ui_screen import screen_lines

from batchtui.emulator_process import start_emulator
from batchtui.ui.app import BatchApp
from batchtui.ui.screens.log_view import LogScreen
from batchtui.ui.screens.subtasks import SubtasksScreen
from batchtui.ui.views import JOBS, TASKS, ViewKey

SIZES = [(80, 24), (120, 40)]


def solved_job(client, pool_id: str, job_id: str | None = None) -> tuple[str, str]:
    """The job (id given, or a new one) with its one multi-instance task done: (job id, the failing node)."""
    bad = max(n.id for n in client.list_nodes(pool_id))
    coordination = (f"/bin/sh -c 'echo coordinated on $AZ_BATCH_NODE_ID; if [ $AZ_BATCH_NODE_ID = {bad} ]; "
                    "then echo no interconnect here >&2; exit 1; fi'")
    if job_id is None:
        job_id = make_job(client, pool_id)
    else:
        client.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id)))
    client.create_task(job_id, m.BatchTaskCreateOptions(
        id="solve", command_line="/bin/echo solved", multi_instance_settings=m.MultiInstanceSettings(
            number_of_instances=3, coordination_command_line=coordination)))
    wait_for(lambda: client.get_task(job_id, "solve").state == "completed", what="the task done")
    return job_id, bad


@pytest.fixture(scope="module")
def solved(client):
    pool_id = make_pool(client, nodes=3, slots=1)
    return (pool_id, *solved_job(client, pool_id))


async def open_subtasks(pilot, app: BatchApp) -> SubtasksScreen:
    await pilot.press("colon", *"subtasks", "enter")
    screen = await until(pilot, lambda: isinstance(app.screen, SubtasksScreen) and app.screen, what="the view")
    await until(pilot, lambda: screen.subtasks is not None, what="the subtasks listed")
    await pilot.pause(0.1)
    return screen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_subtasks_show_with_their_nodes_and_their_output_opens(emulator, solved, size):
    _, job_id, bad = solved
    account = account_for(emulator)
    app = BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0,
                   start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.table.total_count == 1, what="the task listed")
        screen = await open_subtasks(pilot, app)
        lines = screen_lines(app)
        assert f"Subtasks of task solve (job {job_id})" in lines[0]
        assert "3 instances" in "\n".join(lines) and "subtasks: 1 ok, 1 failed" in "\n".join(lines)
        rows = {line.split()[0]: line for line in lines if line.split()[:1] in (["1"], ["2"])}
        assert rows["1"].split()[1:4] == ["✓", "completed", "0"]
        assert rows["2"].split()[1:4] == ["✗", "failed", "1"] and bad.rsplit("-", 1)[0] in rows["2"]
        await pilot.press("down")
        await until(pilot, lambda: any("subtask 2 on" in line and "FailureExitCode" in line
                                       for line in screen_lines(app)), what="the failed subtask's line")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log view")
        await until(pilot, lambda: any("no interconnect here" in line for line in screen_lines(app)),
                    what="the subtask's stderr")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="back")
        await pilot.press("up", "l")
        await until(pilot, lambda: any(line.strip().startswith("coordinated on") for line in screen_lines(app)),
                    what="the other subtask's stdout")


# -- snapshots -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def frozen_solved(tmp_path_factory):
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("frozen-subtasks"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    idle_pool(client, "render", 3)
    solved_job(client, "render", "mpi")
    yield emu
    emu.stop()


def frozen_app(emu) -> BatchApp:
    return snapshot_app(emu, ViewKey("emulator", TASKS, "mpi"))


async def subtasks_shown(pilot) -> None:
    app = pilot.app
    deadline = time.monotonic() + 15
    while app.table.total_count < 1 or app._fresh_at is None:
        assert time.monotonic() < deadline, "tasks did not load"
        await pilot.pause(0.05)
    await open_subtasks(pilot, app)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_subtasks_view(snap_compare, frozen_solved, size):
    assert snap_compare(frozen_app(frozen_solved), terminal_size=size, run_before=subtasks_shown)


async def test_subtasks_away_from_a_job_s_tasks_says_what_to_open(emulator, solved):
    account = account_for(emulator)
    app = BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0,
                   start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.table.total_count > 0, what="the jobs listed")
        await pilot.press("colon", *"subtasks", "enter")
        said = ":subtasks lists a multi-instance task's subtasks: open its job's tasks first (:tasks JOB)"
        await until(pilot, lambda: any(said in line for line in screen_lines(app)), what="the reason")
