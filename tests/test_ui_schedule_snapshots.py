"""Snapshots of the job schedules view (the table, and a schedule's details below it)
at 80x24 and 120x40, against an emulator of their own with a frozen clock: each
schedule's first run is due at once (a job is made), the next one never comes."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

import pytest
from azure.batch import models as m
from conftest import wait_for
from test_ui_snapshots import FROZEN, SIZES, frozen_app, settled

from batchtui.emulator_process import start_emulator
from batchtui.ui.views import SCHEDULES, ViewKey

AT = datetime.fromisoformat(FROZEN)


def _spec(pool_info: m.BatchPoolInfo) -> m.BatchJobSpecification:
    return m.BatchJobSpecification(pool_info=pool_info, all_tasks_complete_mode="terminatejob")


@pytest.fixture(scope="module")
def frozen_schedules(tmp_path_factory):
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("frozen-schedules"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    analysis = m.BatchPoolInfo(pool_id="analysis")
    client.create_job_schedule(m.BatchJobScheduleCreateOptions(
        id="nightly-report", display_name="Nightly report", job_specification=_spec(analysis),
        schedule=m.BatchJobScheduleConfiguration(recurrence_interval=timedelta(days=1),
                                                 start_window=timedelta(hours=1),
                                                 do_not_run_after=AT + timedelta(days=30))))
    auto = m.BatchPoolInfo(auto_pool_specification=m.BatchAutoPoolSpecification(
        pool_lifetime_option="jobschedule", auto_pool_id_prefix="cleanup",
        pool=m.BatchPoolSpecification(vm_size="standard_d2s_v3", target_dedicated_nodes=1)))
    client.create_job_schedule(m.BatchJobScheduleCreateOptions(
        id="weekly-cleanup", job_specification=_spec(auto),
        schedule=m.BatchJobScheduleConfiguration(recurrence_interval=timedelta(days=7),
                                                 do_not_run_until=AT + timedelta(days=3))))
    client.create_job_schedule(m.BatchJobScheduleCreateOptions(
        id="retired", job_specification=_spec(analysis), schedule=m.BatchJobScheduleConfiguration()))
    wait_for(lambda: {j.id for j in client.list_jobs()} == {"nightly-report:job-1", "retired:job-1"},
             what="the first runs")
    client.begin_terminate_job_schedule("retired", polling_interval=0.05).result()
    yield emu
    emu.stop()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_schedules_view_with_a_schedules_details(snap_compare, frozen_schedules, size):
    app = frozen_app(frozen_schedules, ViewKey("emulator", SCHEDULES))
    assert snap_compare(app, terminal_size=size, run_before=settled(3, cursor="nightly-report"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_schedules_view_on_an_auto_pool_schedule(snap_compare, frozen_schedules, size):
    app = frozen_app(frozen_schedules, ViewKey("emulator", SCHEDULES))
    assert snap_compare(app, terminal_size=size, run_before=settled(3, cursor="weekly-cleanup"))
