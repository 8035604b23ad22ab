"""Job schedules in the explorer, driven with Textual's pilot against an emulator whose
clock runs 60 times faster (a 1-minute recurrence makes a job about every second):
the tree's branch, the table, details, a schedule's jobs and back, the jump from a
schedule's job to it, actions with confirmation, and :create jobschedule FILE."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from azure.batch import models as m
from conftest import EmulatorProcess, start_emulator, wait_for
from test_ui_dialogs import footer_keys, on_row, press_for, screen_name
from ui_helpers import account_for, row_texts, screen_text, service_for, until

from batchtui.ui.app import BatchApp
from batchtui.ui.views import JOBS, SCHEDULES, TASKS, ViewKey
from batchtui.ui.widgets.details import DetailsPane
from batchtui.ui.widgets.nav_tree import NavItem, NavTree
from batchtui.ui.widgets.resource_table import ResourceTable


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    emu = start_emulator(tmp_path_factory.mktemp("ui-schedules"), extra_args=("--clock-rate", "60"))
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def sdk(fast):
    return fast.client()


@pytest.fixture(scope="module")
def hourly(sdk) -> str:
    """A schedule that has made its first job (its next run an emulated hour on)."""
    sdk.create_job_schedule(m.BatchJobScheduleCreateOptions(
        id="hourly", display_name="hourly report",
        schedule=m.BatchJobScheduleConfiguration(recurrence_interval=timedelta(hours=1)),
        job_specification=m.BatchJobSpecification(pool_info=m.BatchPoolInfo(pool_id="reports"))))
    wait_for(lambda: [j.id for j in sdk.list_jobs_from_schedule("hourly")] == ["hourly:job-1"], what="job 1")
    return "hourly"


def make_app(emulator, start: ViewKey | None = None) -> BatchApp:
    account = account_for(emulator)
    return BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0, start=start)


def details_text(app) -> str:
    return str(app.query_one(DetailsPane).query_one("#details-body").render())


async def test_the_schedules_view_its_jobs_and_the_jump_back(fast, hourly):
    app = make_app(fast, start=ViewKey("emu", SCHEDULES))
    async with app.run_test(size=(120, 40)) as pilot:
        table = await on_row(pilot, hourly)
        line = next(text for text in row_texts(table) if "hourly" in text)
        assert "active" in line and "job-1" in line and "1h00m" in line and "reports" in line
        assert "Job schedules" in screen_text(app)
        await until(pilot, lambda: "recent job" in details_text(app), what="details")
        details = details_text(app)
        assert "hourly report" in details and "hourly:job-1" in details and "1h00m" in details
        tree = app.query_one(NavTree)
        await until(pilot, lambda: tree.find(NavItem("schedules", "emu")) is not None, what="tree branch")
        tree.find(NavItem("schedules", "emu")).expand()  # (collapsed until opened)
        await until(pilot, lambda: tree.find(NavItem("schedule", "emu", hourly)) is not None, what="tree child")
        assert {"t", "p", "ctrl+d"} <= set(footer_keys(app))  # terminate, disable, delete (P: enable)
        await pilot.press("enter")
        assert app.view == ViewKey("emu", JOBS, hourly)
        await until(pilot, lambda: "hourly:job-1" in table.visible_keys, what="the schedule's job")
        assert "Jobs of schedule hourly" in screen_text(app)
        await until(pilot, lambda: "schedule" in details_text(app), what="job details")
        assert "schedule      hourly" in details_text(app)
        assert footer_keys(app).get("s") == "Its schedule"
        await pilot.press("enter")
        assert app.view == ViewKey("emu", TASKS, "hourly:job-1")
        await pilot.press("escape")  # up from a schedule's job: the schedule's jobs
        assert app.view == ViewKey("emu", JOBS, hourly)
        await pilot.press("s")
        assert app.view == ViewKey("emu", SCHEDULES)
        await until(pilot, lambda: table.cursor_key == hourly, what="cursor on the schedule")


async def test_the_account_jobs_view_offers_the_jump_only_on_a_schedules_job(fast, hourly, sdk):
    sdk.create_job(m.BatchJobCreateOptions(id="own-job", pool_info=m.BatchPoolInfo(pool_id="reports")))
    app = make_app(fast, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40)) as pilot:
        await on_row(pilot, "own-job")
        await pilot.pause(0.1)
        assert "s" not in footer_keys(app)
        await on_row(pilot, "hourly:job-1")
        await until(pilot, lambda: "s" in footer_keys(app), what="the jump offered")
        await pilot.press("s")
        assert app.view == ViewKey("emu", SCHEDULES)


async def test_disable_enable_and_terminate_ask_first(fast, sdk):
    sdk.create_job_schedule(m.BatchJobScheduleCreateOptions(
        id="acted", schedule=m.BatchJobScheduleConfiguration(recurrence_interval=timedelta(hours=1)),
        job_specification=m.BatchJobSpecification(pool_info=m.BatchPoolInfo(pool_id="reports"))))
    app = make_app(fast, start=ViewKey("emu", SCHEDULES))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, "acted")
        await press_for(pilot, "p", "ConfirmScreen")
        assert "Disable 1 job schedule?" in screen_text(app) and "acted" in screen_text(app)
        await pilot.press("y")
        await until(pilot, lambda: sdk.get_job_schedule("acted").state == "disabled", what="disabled")
        await until(pilot, lambda: screen_name(app) == "ExplorerScreen", what="dialog closed")
        await until(pilot, lambda: any("disabled" in t for t in row_texts(app.query_one(ResourceTable))
                                       if " acted " in t), what="row disabled")
        await press_for(pilot, "P", "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: sdk.get_job_schedule("acted").state == "active", what="enabled")
        await until(pilot, lambda: screen_name(app) == "ExplorerScreen", what="dialog closed")
        await press_for(pilot, "t", "ConfirmScreen")
        assert "Terminate 1 job schedule?" in screen_text(app)
        await pilot.press("y")
        await until(pilot, lambda: sdk.get_job_schedule("acted").state == "completed", what="completed")


async def test_create_jobschedule_from_a_file_checks_every_field_first(fast, sdk, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "from-file", "schedule": {"recurrenceInterval": "soon"},
                               "jobSpecification": {"poolInfo": {}}}))
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"id": "from-file", "schedule": {"recurrenceInterval": "PT1H"},
                                "jobSpecification": {"poolInfo": {"poolId": "reports"}}}))
    app = make_app(fast, start=ViewKey("emu", SCHEDULES))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("colon", *f"create jobschedule {bad}", "enter")
        await until(pilot, lambda: "Nothing was created" in screen_text(app), what="the problems")
        text = " ".join(screen_text(app).split())
        assert "schedule.recurrenceInterval" in text and "jobSpecification.poolInfo.poolId" in text
        await pilot.press("colon", *f"create jobschedule {good}", "enter")
        await until(pilot, lambda: "from-file" in app.query_one(ResourceTable).visible_keys, what="created")
    assert sdk.get_job_schedule("from-file").schedule.recurrence_interval == timedelta(hours=1)
