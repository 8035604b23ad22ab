"""The preparation and release view (`:prep [JOB]`) against a real emulator: per node the preparation
task's run and, once the job ended, the release task's; a run's stdout and stderr open in the log view.

A pool of two one-slot nodes; the job's preparation task fails on the first node (its id is checked) and
succeeds on the second, where the job's tasks then run; the job is terminated, so the release task runs on
the second node only. Pilot tests assert rendered lines at 80x24 and 120x40; the snapshots use an emulator
with a frozen clock and predictable node ids.
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
from batchtui.ui.screens.prep_release import PrepReleaseScreen
from batchtui.ui.views import JOBS, TASKS, ViewKey

SIZES = [(80, 24), (120, 40)]


def prep_spec(bad_node: str) -> m.BatchJobPreparationTask:
    """Says where it runs (stdout); on `bad_node` it complains (stderr) and exits 1."""
    script = (f"echo preparing on $AZ_BATCH_NODE_ID; if [ $AZ_BATCH_NODE_ID = {bad_node} ]; "
              "then echo no scratch disk here >&2; exit 1; fi")
    return m.BatchJobPreparationTask(command_line=f"/bin/sh -c '{script}'")


def staged_job(client, pool_id: str, job_id: str | None = None) -> tuple[str, str, str]:
    """The job (id given, or a new one), run to its end: (job id, bad node, good node)."""
    bad, good = sorted(n.id for n in client.list_nodes(pool_id))
    options = {"job_preparation_task": prep_spec(bad),
               "job_release_task": m.BatchJobReleaseTask(command_line="/bin/echo released")}
    if job_id is None:
        job_id = make_job(client, pool_id, **options)
    else:
        client.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id), **options))
    client.create_task_collection(job_id, m.BatchTaskGroup(task_values=[
        m.BatchTaskCreateOptions(id=f"step-{i}", command_line="/bin/true") for i in range(2)]))
    wait_for(lambda: client.get_job_task_counts(job_id).task_counts.succeeded == 2, what="both tasks done")
    client.begin_terminate_job(job_id, {"terminateReason": "staged"}, polling_interval=0.05).result()
    return job_id, bad, good


@pytest.fixture(scope="module")
def staged(client):
    pool_id = make_pool(client, nodes=2, slots=1)
    return (pool_id, *staged_job(client, pool_id))


def short(node_id: str) -> str:
    return node_id.rsplit("-", 1)[0]


def row_of(lines: list[str], node_id: str, which: str) -> str:
    """The table row of `node_id`'s run of "prep" or "release"."""
    return line_of([line for line in lines if line.lstrip().startswith(short(node_id))], f" {which} ")


def line_of(lines: list[str], *words: str) -> str:
    found = [line for line in lines if all(word in line for word in words)]
    assert len(found) == 1, (words, lines)
    return found[0]


async def open_prep(pilot, app: BatchApp, command: str = "prep") -> PrepReleaseScreen:
    await pilot.press("colon", *command, "enter")
    screen = await until(pilot, lambda: isinstance(app.screen, PrepReleaseScreen) and app.screen, what="the view")
    await until(pilot, lambda: screen.entries is not None, what="the runs listed")
    await pilot.pause(0.1)
    return screen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_each_nodes_runs_show_and_their_output_opens(emulator, staged, size):
    _, job_id, bad, good = staged
    account = account_for(emulator)
    app = BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0,
                   start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.table.total_count == 2, what="the tasks listed")
        screen = await open_prep(pilot, app)
        lines = screen_lines(app)
        assert f"Preparation and release tasks of job {job_id}" in lines[0]
        assert "preparation: 1 ok, 1 failed  release: 1 ok" in line_of(lines, f"job {job_id}", "nodes")
        assert row_of(lines, bad, "prep").split()[2:5] == ["✗", "failed", "1"]  # state, exit code
        assert row_of(lines, good, "prep").split()[2:5] == ["✓", "completed", "0"]
        assert row_of(lines, good, "release").split()[2:5] == ["✓", "completed", "0"]
        assert not [line for line in lines if line.lstrip().startswith(short(bad)) and " release " in line]
        # The cursor starts on the bad node's preparation: why it failed, and its directory.
        assert "FailureExitCode" in line_of(lines, f"preparation on {short(bad)}")
        assert f"workitems/{job_id}/job-1/jobpreparation" in "\n".join(lines)
        await pilot.press("e")
        log = await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen, what="the log view")
        await until(pilot, lambda: any("no scratch disk here" in line for line in screen_lines(app)),
                    what="the preparation task's stderr")
        assert log.ref.path == f"workitems/{job_id}/job-1/jobpreparation/stderr.txt"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="back")
        await pilot.press("down", "down", "l")  # the good node's release
        await until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log view")
        await until(pilot, lambda: any(line.strip() == "released" for line in screen_lines(app)),
                    what="the release task's stdout")


async def test_a_job_without_a_preparation_task_says_so(emulator, client, staged):
    pool_id = staged[0]
    job_id = make_job(client, pool_id)
    account = account_for(emulator)
    app = BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0,
                   start=ViewKey("emu", JOBS))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: job_id in app.table.visible_keys, what="the jobs listed")
        await open_prep(pilot, app, f"prep {job_id}")
        assert "has no preparation task" in "\n".join(screen_lines(app))


# -- snapshots -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def frozen_staged(tmp_path_factory):
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("frozen-prep"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    idle_pool(client, "render", 2)
    staged_job(client, "render", "stage")
    yield emu
    emu.stop()


def frozen_app(emu) -> BatchApp:
    return snapshot_app(emu, ViewKey("emulator", TASKS, "stage"))


async def prep_shown(pilot) -> None:
    app = pilot.app
    deadline = time.monotonic() + 15
    while app.table.total_count < 2 or app._fresh_at is None:
        assert time.monotonic() < deadline, "tasks did not load"
        await pilot.pause(0.05)
    await open_prep(pilot, app)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_prep_release_view(snap_compare, frozen_staged, size):
    assert snap_compare(frozen_app(frozen_staged), terminal_size=size, run_before=prep_shown)
