"""The explorer's task dependencies and exit options, against an emulator with a
frozen clock: the WAITING ON column, a dependent task's details (what it waits
for, which task blocks it), the dependency view (`D`, `enter` jumps), and a
failed task's exit option and what it did to its job. Pilot tests assert the
rendered lines; snapshots at 80x24 and 120x40."""

from __future__ import annotations

import os
import time

import pytest
from azure.batch import models as m
from conftest import wait_for
from test_ui_snapshots import FROZEN, SIZES, frozen_app, settled
from ui_helpers import row_texts, screen_lines, until

from batchtui.emulator_process import start_emulator
from batchtui.ui.screens.task_dependencies import TaskDependenciesScreen
from batchtui.ui.views import TASKS, ViewKey
from batchtui.ui.widgets.resource_table import ResourceTable


def _task(task_id: str, command: str = "/bin/true", *ids: str, ranges=(), **options) -> m.BatchTaskCreateOptions:
    depends = None
    if ids or ranges:
        depends = m.BatchTaskDependencies(task_ids=list(ids) or None, task_id_ranges=[
            m.BatchTaskIdRange(start=s, end=e) for s, e in ranges] or None)
    return m.BatchTaskCreateOptions(id=task_id, command_line=command, depends_on=depends, **options)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("deps"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    image = m.VirtualMachineConfiguration(
        image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
        node_agent_sku_id="batch.node.ubuntu 24.04")
    client.create_pool(m.BatchPoolCreateOptions(id="analysis", vm_size="standard_d2s_v3", target_dedicated_nodes=1,
                                                task_slots_per_node=4, virtual_machine_configuration=image))
    wait_for(lambda: [n.state for n in client.list_nodes("analysis")] == ["idle"], what="idle node")
    client.create_job(m.BatchJobCreateOptions(id="pipeline", pool_info=m.BatchPoolInfo(pool_id="analysis"),
                                              uses_task_dependencies=True))
    client.create_task_collection("pipeline", m.BatchTaskGroup(task_values=[
        _task("fetch"),
        _task("prep", "/bin/sh -c 'exit 3'"),
        _task("train", "/bin/true", "fetch", "prep"),
        _task("report", "/bin/true", "train"),
        *[_task(str(i)) for i in range(1, 4)],
        _task("merge", "/bin/true", ranges=((1, 4),)),
    ]))
    client.create_job(m.BatchJobCreateOptions(id="guarded", pool_info=m.BatchPoolInfo(pool_id="analysis"),
                                              task_failure_mode="performexitoptionsjobaction"))
    client.create_task("guarded", _task("check", "/bin/sh -c 'exit 2'", exit_conditions=m.ExitConditions(
        exit_codes=[m.ExitCodeMapping(code=2, exit_options=m.ExitOptions(job_action="terminate"))])))
    wait_for(lambda: client.get_job_task_counts("pipeline").task_counts.completed == 5, what="5 tasks done")
    wait_for(lambda: client.get_job("guarded").state == "completed", what="guarded terminated")
    yield emu
    emu.stop()


def _row(table, task_id: str) -> str:
    return next(line for line in row_texts(table) if line.split() and line.split()[0] == task_id)


async def test_waiting_on_column_details_and_dependency_view(pipeline):
    app = frozen_app(pipeline, ViewKey("emulator", TASKS, "pipeline"))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 8 and "waiting" in {c.key for c in table.columns},
                    what="8 tasks, WAITING ON shown")
        await until(pilot, lambda: _row(table, "train").rstrip().endswith("✗ prep"), what="train blocked")
        assert _row(table, "report").rstrip().endswith("train")
        assert _row(table, "merge").rstrip().endswith("4")
        assert _row(table, "fetch").rstrip().endswith("0")  # not waiting: no label
        table.move_cursor_to_key("train")
        await until(pilot, lambda: any("blocked by" in line for line in screen_lines(app)), what="details")
        lines = screen_lines(app)
        assert any("depends on" in line and "fetch, prep" in line for line in lines)
        assert any("blocked by" in line and "prep (failed)" in line for line in lines)
        table.move_cursor_to_key("prep")
        await until(pilot, lambda: any("dependents" in line for line in screen_lines(app)), what="prep's details")
        lines = screen_lines(app)
        assert any("exit option" in line and "none matched: Batch's defaults" in line for line in lines)
        assert any("job action" in line and "none: the job's onTaskFailure is noaction" in line for line in lines)
        assert any("dependents" in line and "blocked: tasks depending on it stay active" in line for line in lines)
        table.move_cursor_to_key("train")
        await pilot.pause(0.3)
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, TaskDependenciesScreen), what="dependency view")
        deps = app.screen.query_one(ResourceTable)
        await until(pilot, lambda: deps.total_count == 3, what="3 rows")
        texts = [" ".join(line.split()) for line in row_texts(deps) if line.strip()]
        assert texts[:3] == ["upstream prep ✗ failed blocks", "upstream fetch ✓ completed satisfied",
                             "downstream report ○ active not done"], texts
        deps.move_cursor_to_key("downstream/report")
        await pilot.press("enter")
        await until(pilot, lambda: table.cursor_key == "report", what="cursor on report")
        assert app.view == ViewKey("emulator", TASKS, "pipeline")


async def test_failed_task_details_name_its_exit_option_and_job_action(pipeline):
    app = frozen_app(pipeline, ViewKey("emulator", TASKS, "guarded"))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 1, what="1 task")
        table.move_cursor_to_key("check")
        await until(pilot, lambda: any("job action" in line for line in screen_lines(app)), what="exit lines")
        lines = screen_lines(app)
        assert any("exit option" in line and "exitCodes[0]" in line for line in lines)
        assert any("job action" in line and "terminate: the job was terminated (terminateReason TaskFailed)" in line
                   for line in lines)
        assert not any("dependents" in line for line in lines)  # the job uses no task dependencies


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dependent_task_snapshot(snap_compare, pipeline, size):
    app = frozen_app(pipeline, ViewKey("emulator", TASKS, "pipeline"))
    assert snap_compare(app, terminal_size=size, run_before=settled(8, cursor="train"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dependency_view_snapshot(snap_compare, pipeline, size):
    app = frozen_app(pipeline, ViewKey("emulator", TASKS, "pipeline"))
    settle = settled(8, cursor="train")

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("D")
        await until(pilot, lambda: isinstance(pilot.app.screen, TaskDependenciesScreen), what="dependency view")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_exit_option_snapshot(snap_compare, pipeline, size):
    app = frozen_app(pipeline, ViewKey("emulator", TASKS, "guarded"))
    assert snap_compare(app, terminal_size=size, run_before=settled(1, cursor="check"))


async def test_the_pace_line_counts_tasks_blocked_for_good(pipeline):
    """train waits on the failed prep and report on train: both can never run, so the pace line's ETA (if
    any) is for merge alone and says 2 tasks are blocked; it never promises the job's end."""
    from batchtui.ui.widgets.progress_line import ProgressLine

    app = frozen_app(pipeline, ViewKey("emulator", TASKS, "pipeline"))
    async with app.run_test(size=(120, 40)) as pilot:
        line = app.query_one(ProgressLine)
        await until(pilot, lambda: "2 tasks blocked" in line.plain or "blocked: " in line.plain,
                    what=f"the blocked tasks on the pace line ({line.plain!r})")
        assert "2 tasks blocked" in line.plain  # merge (waiting on a task 4 that may come) can still run
