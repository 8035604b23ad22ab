"""Snapshots of the confirmations edit and rerun-with-changes show (the diff of what will change; a job
schedule's edit too) and of the problems dialog ("Edit again"), at 80x24 and 120x40, reached with the
keys a user presses and a fake $EDITOR, against an emulator with a frozen clock and predictable ids."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

import pytest
from azure.batch import models as m
from conftest import wait_for
from test_ui_dialog_snapshots import FROZEN, IMAGE, SIZES, frozen_app, opened
from test_ui_edit import FakeEditor

from batchtui.emulator_process import start_emulator
from batchtui.ui.views import JOBS, SCHEDULES, TASKS, ViewKey


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Pool "analysis" (one idle node); job "nightly", its task shard-02 failed (exit 4), the others not."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("edits"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    client.create_pool(m.BatchPoolCreateOptions(id="analysis", vm_size="standard_d2s_v3", target_dedicated_nodes=1,
                                                virtual_machine_configuration=IMAGE))
    wait_for(lambda: [n.state for n in client.list_nodes("analysis")] == ["idle"], what="idle node")
    client.create_job(m.BatchJobCreateOptions(id="nightly", pool_info=m.BatchPoolInfo(pool_id="analysis")))
    client.create_task_collection("nightly", m.BatchTaskGroup(task_values=[
        m.BatchTaskCreateOptions(id=f"shard-{i:02d}", command_line=f"/bin/sh -c 'exit {4 if i == 2 else 0}'")
        for i in range(3)
    ]))
    wait_for(lambda: client.get_job_task_counts("nightly").task_counts.completed == 3, what="nightly done")
    yield emu
    emu.stop()


# (test id, view, rows, cursor, key, the screen it opens, the editor's replacements)
EDITS = [
    ("job-edit-diff", ViewKey("emulator", JOBS), 1, "nightly", "ctrl+e", "ConfirmScreen",
     [('"priority": 0', '"priority": 250'), ('"maxTaskRetryCount": 0', '"maxTaskRetryCount": 2'),
      ('"metadata": []', '"metadata": [{"name": "owner", "value": "data-team"}]')]),
    ("job-edit-problems", ViewKey("emulator", JOBS), 1, "nightly", "ctrl+e", "ConfirmScreen",
     [('"priority": 0', '"priority": "high"'), ('"onAllTasksComplete": "noaction"', '"onAllTasksComplete": "done"')]),
    ("task-rerun-diff", ViewKey("emulator", TASKS, "nightly"), 3, "shard-02", "ctrl+r", "ConfirmScreen",
     [("exit 4", "exit 0"), ('"environmentSettings": []', '"environmentSettings": [{"name": "RETRY", "value": "1"}]')]),
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(("view", "rows", "cursor", "key", "screen", "steps"), [e[1:] for e in EDITS],
                         ids=[e[0] for e in EDITS])
def test_edit_dialog(snap_compare, world, view, rows, cursor, key, screen, steps, size, tmp_path, monkeypatch):
    FakeEditor(tmp_path / "editor", monkeypatch, steps)
    assert snap_compare(frozen_app(world, view), terminal_size=size, run_before=opened(rows, cursor, key, screen))


@pytest.fixture(scope="module")
def schedules_world(tmp_path_factory):
    """Job schedule "weekly" (every 7 days from a week after the frozen clock's time, so no job yet), its
    jobs for pool "analysis"; an emulator of its own (the tree's Job schedules branch would change the
    other snapshots)."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("schedule-edits"), step_seconds=0.05, frozen_clock=FROZEN)
    emu.client().create_job_schedule(m.BatchJobScheduleCreateOptions(
        id="weekly", display_name="weekly report",
        schedule=m.BatchJobScheduleConfiguration(
            do_not_run_until=datetime.fromisoformat(FROZEN) + timedelta(days=7), recurrence_interval=timedelta(days=7)),
        job_specification=m.BatchJobSpecification(pool_info=m.BatchPoolInfo(pool_id="analysis"), priority=10)))
    yield emu
    emu.stop()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_schedule_edit_dialog(snap_compare, schedules_world, size, tmp_path, monkeypatch):
    FakeEditor(tmp_path / "editor", monkeypatch, [('"P7D"', '"P1D"'), ('"priority": 10', '"priority": 100')])
    assert snap_compare(frozen_app(schedules_world, ViewKey("emulator", SCHEDULES)), terminal_size=size,
                        run_before=opened(1, "weekly", "ctrl+e", "ConfirmScreen"))
