"""Issue 17, item 1 for job schedules: edit (ctrl+e, sent as Batch's PATCH /jobschedules/{id}), clone
(ctrl+n) and export (ctrl+s, the body `batchtui create jobschedule` takes) in the schedules view; refused on
a completed schedule and in read-only mode. Driven with the pilot against a live emulator and the fake
$EDITOR of test_ui_edit, checked through the SDK."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from azure.batch import models as m
from conftest import make_pool, unique, wait_for
from test_create import cli
from test_ui_dialogs import make_app, on_row, screen_name
from test_ui_edit import FakeEditor, dialog
from textual.widgets import Input
from ui_helpers import screen_text, until

from batchtui.create import load
from batchtui.ui.views import SCHEDULES, ViewKey
from batchtui.ui.widgets.details import DetailsPane

HOUR = "PT01H00M00S"  # an hour as the SDK sends it (and the service returns it)


@pytest.fixture(scope="module")
def pool_id(client):
    return make_pool(client, nodes=1, slots=2)


def make_schedule(client, pool_id: str) -> str:
    """An hourly schedule whose jobs have priority 1 and metadata owner=me."""
    schedule_id = unique("sched")
    client.create_job_schedule(m.BatchJobScheduleCreateOptions(
        id=schedule_id, display_name="nightly",
        schedule=m.BatchJobScheduleConfiguration(recurrence_interval=timedelta(hours=1)),
        job_specification=m.BatchJobSpecification(pool_info=m.BatchPoolInfo(pool_id=pool_id), priority=1),
        metadata=[m.BatchMetadataItem(name="owner", value="me")]))
    return schedule_id


def details_text(app) -> str:
    return str(app.query_one(DetailsPane).query_one("#details-body").render())


async def test_edit_a_schedules_recurrence_and_priority(emulator, client, pool_id, tmp_path, monkeypatch):
    schedule = make_schedule(client, pool_id)
    editor = FakeEditor(tmp_path / "ed", monkeypatch, [(f'"{HOUR}"', '"PT2H"'), ('"priority": 1', '"priority": 7')])
    app = make_app(emulator, start=ViewKey("emu", SCHEDULES))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, schedule)
        await until(pilot, lambda: "1h00m" in details_text(app), what="details")
        await pilot.press("ctrl+e")
        words = await dialog(pilot, "Edit job schedule")
        assert f"Change job schedule {schedule}? 2 changes, sent as Batch's job schedule PATCH:" in words
        assert f'~ schedule.recurrenceInterval: "{HOUR}" → "PT2H"' in words
        assert "~ jobSpecification.priority: 1 → 7" in words
        shown = editor.seen(0)
        assert shown.startswith(f"// Edit job schedule {schedule}:")
        assert "// Can be changed: schedule, jobSpecification, metadata." in shown
        for server_set in ('"url"', '"eTag"', '"state"', '"executionInfo"', '"displayName": "nightly"'):
            assert server_set not in shown
        await pilot.press("y")
        wait_for(lambda: client.get_job_schedule(schedule).schedule.recurrence_interval == timedelta(hours=2),
                 what="recurrence 2 h")
        await until(pilot, lambda: "2h00m" in details_text(app), what="details 2h00m")
        assert re.search(r"job priority\s+7\n", details_text(app)), details_text(app)
    after = client.get_job_schedule(schedule)
    assert after.job_specification.priority == 7 and after.job_specification.pool_info.pool_id == pool_id
    assert [(i.name, i.value) for i in after.metadata] == [("owner", "me")]  # (left out of the PATCH: kept)


async def test_schedule_edit_problems_by_field_then_edit_again(emulator, client, pool_id, tmp_path, monkeypatch):
    schedule = make_schedule(client, pool_id)
    editor = FakeEditor(tmp_path / "ed", monkeypatch,
                        [('"metadata"', '"metadataX"')],  # checked here
                        [('"metadataX"', '"metadata"'), ('"priority": 1', '"priority": 5000')],  # the service's
                        [('"priority": 5000', '"priority": 7')])
    app = make_app(emulator, start=ViewKey("emu", SCHEDULES))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, schedule)
        await pilot.press("ctrl+e")
        words = await dialog(pilot, "Problems")
        assert "metadataX: cannot be changed here (can be: schedule, jobSpecification, metadata)" in words
        assert "metadata: cannot be removed (Batch's job schedule PATCH leaves it as it is); give it a value" \
            in words
        await pilot.press("y")  # edit again: the editor gets the text as typed
        await dialog(pilot, "Edit job schedule")
        assert '"metadataX"' in editor.seen(1) and editor.seen(1).startswith("// Edit job schedule")
        await pilot.press("y")
        words = await dialog(pilot, "Problems")
        assert "The service refused it (InvalidPropertyValue)" in words
        assert "jobSpecification.priority: The value must be from -1000 to 1000." in words
        await pilot.press("y")
        await dialog(pilot, "Edit job schedule")
        assert '"priority": 5000' in editor.seen(2)
        await pilot.press("y")
        wait_for(lambda: client.get_job_schedule(schedule).job_specification.priority == 7, what="priority 7")


async def test_clone_a_schedule(emulator, client, pool_id, tmp_path, monkeypatch):
    schedule = make_schedule(client, pool_id)
    editor = FakeEditor(tmp_path / "ed", monkeypatch, [(f'"{HOUR}"', '"PT3H"')])
    app = make_app(emulator, start=ViewKey("emu", SCHEDULES))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, schedule)
        await pilot.press("ctrl+n")
        words = await dialog(pilot, "Clone job schedule")
        assert f"Create job schedule {schedule}-copy, a clone of {schedule}, with these changes:" in words
        assert f'~ schedule.recurrenceInterval: "{HOUR}" → "PT3H"' in words
        for server_set in ('"url"', '"eTag"', '"creationTime"', '"state"', '"executionInfo"', '"stats"'):
            assert server_set not in editor.seen(0)
        await pilot.press("y")
        wait_for(lambda: any(s.id == f"{schedule}-copy" for s in client.list_job_schedules()), what="clone")
    copy = client.get_job_schedule(f"{schedule}-copy")
    assert copy.schedule.recurrence_interval == timedelta(hours=3) and copy.display_name == "nightly"
    assert copy.job_specification.priority == 1 and copy.job_specification.pool_info.pool_id == pool_id


async def test_export_a_schedule_that_batchtui_create_takes(emulator, client, pool_id, tmp_path):
    schedule = make_schedule(client, pool_id)
    app = make_app(emulator, start=ViewKey("emu", SCHEDULES))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, schedule)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen_name(app) == "SaveScreen", what="save dialog")
        await until(pilot, lambda: f"Save job schedule {schedule} as JSON (the body batchtui create jobschedule"
                    in screen_text(app), what="the dialog's words")  # (then "takes)", on the next line)
        app.screen.query_one("#save-path", Input).value = str(tmp_path / "schedule.json")
        await pilot.press("enter")
        await until(pilot, lambda: (tmp_path / "schedule.json").exists(), what="schedule.json")
        await until(pilot, lambda: any(f"job schedule {schedule} saved to" in str(n.message)
                                       and "(batchtui create jobschedule FILE takes it)" in str(n.message)
                                       for n in app._notifications), what="notice")
    body = load(tmp_path / "schedule.json", "jobschedule")[0]
    assert body["id"] == schedule and body["schedule"]["recurrenceInterval"] == HOUR
    assert body["jobSpecification"]["poolInfo"] == {"poolId": pool_id} and "state" not in body
    (tmp_path / "schedule.json").write_text((tmp_path / "schedule.json").read_text().replace(schedule, "re-made"))
    result = cli(tmp_path, emulator, "jobschedule", str(tmp_path / "schedule.json"))
    assert result.returncode == 0, result.stderr
    again = client.get_job_schedule("re-made")
    assert again.schedule.recurrence_interval == timedelta(hours=1) and again.job_specification.priority == 1


async def test_edit_refused_on_a_completed_schedule_and_in_read_only_mode(emulator, client, pool_id, tmp_path,
                                                                         monkeypatch):
    schedule = make_schedule(client, pool_id)
    client.begin_terminate_job_schedule(schedule, polling_interval=0.05).result()
    wait_for(lambda: client.get_job_schedule(schedule).state == "completed", what="schedule completed")
    editor = FakeEditor(tmp_path / "ed", monkeypatch, [(f'"{HOUR}"', '"PT2H"')])
    app = make_app(emulator, start=ViewKey("emu", SCHEDULES))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, schedule)
        await pilot.press("ctrl+e")
        words = await dialog(pilot, "Cannot edit job schedule")
        assert f"Job schedule {schedule}: it is completed, and Batch changes no job schedule that has ended " \
               "or is ending." in words
        assert "What would work: clone it (ctrl+n) with the changes." in words
        assert editor.runs() == 0
    app = make_app(emulator, start=ViewKey("emu", SCHEDULES), read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, schedule)
        for key, what in (("ctrl+e", "edit it"), ("ctrl+n", "clone it")):
            await pilot.press(key)
            await until(pilot, lambda w=what: f"read-only: cannot {w}" in screen_text(app), what=what)
        assert editor.runs() == 0
