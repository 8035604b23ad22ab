"""Going beyond k9s (issue 12): copying the cursor row's id, command line or JSON through OSC 52, and
UTC/local time, sort and columns remembered per view kind across restarts (batchtui.prefs)."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from azure.batch import BatchClient
from conftest import EmulatorProcess, add_task, make_job, make_pool, own_emulator, wait_task
from textual.binding import Binding
from ui_helpers import account_for, service_for, until
from ui_screen import screen_lines, screen_text, toast_texts

from batchtui.prefs import Prefs
from batchtui.ui.app import BatchApp
from batchtui.ui.format import clock_time
from batchtui.ui.screens.copy_menu import CopyMenu
from batchtui.ui.views import JOBS, TASKS, ViewKey, columns
from batchtui.ui.widgets.resource_table import ResourceTable


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """An emulator of this module's own: the session's holds hundreds of jobs from earlier modules
    by now, and with at most 100 jobs' counts fetched a refresh, which row's counts come first is
    then a matter of timing (the tests here read one job's counts and columns on screen)."""
    yield from own_emulator(tmp_path_factory)


@pytest.fixture(scope="module")
def client(emulator: EmulatorProcess) -> BatchClient:
    """The official SDK's client, on this module's own emulator."""
    return emulator.client()

COMMAND = "/bin/sh -c 'echo copied; exit 0'"


@pytest.fixture(scope="module")
def job(client):
    pool_id = make_pool(client, nodes=1, slots=2)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "t-copy", COMMAND)
    add_task(client, job_id, "t-fail", "/bin/sh -c 'exit 7'")
    wait_task(client, job_id, "t-copy")
    wait_task(client, job_id, "t-fail")
    return job_id


def _app(emulator, view: ViewKey, prefs: Prefs | None = None) -> BatchApp:
    account = account_for(emulator)
    return BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=60, start=view, prefs=prefs)


def toasted(app, text: str) -> bool:
    return any(text in toast for toast in toast_texts(app))


async def test_c_copies_the_id_and_ctrl_y_the_command_line_or_the_json(emulator, job):
    app = _app(emulator, ViewKey("emu", TASKS, job))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        written: list[str] = []
        write = app._driver.write
        app._driver.write = lambda data: (written.append(data), write(data))[1]
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 2, what="the tasks")
        table.move_cursor_to_key("t-copy")

        await pilot.press("c")
        await until(pilot, lambda: toasted(app, "copied task t-copy id"), what="the confirmation")
        assert app.clipboard == "t-copy"
        assert f"\x1b]52;c;{base64.b64encode(b't-copy').decode()}\x07" in "".join(written)  # OSC 52: works over ssh

        await pilot.press("ctrl+y")
        await until(pilot, lambda: isinstance(app.screen, CopyMenu), what="the copy menu")
        text = screen_text(app)
        assert "Copy task t-copy" in text and "l  its command line" in text and "j  its JSON" in text
        await pilot.press("l")
        await until(pilot, lambda: app.clipboard == COMMAND, what="the command line copied")
        await until(pilot, lambda: toasted(app, "copied task t-copy command line"), what="its confirmation")
        await pilot.pause(0.3)
        assert len(app.screen_stack) == 1  # the menu's l never reaches the view (l: logs)

        await pilot.press("ctrl+y", "j")
        await until(pilot, lambda: app.clipboard.startswith("{"), what="the JSON copied")
        assert json.loads(app.clipboard)["commandLine"] == COMMAND
        await until(pilot, lambda: toasted(app, "copied task t-copy JSON ("), what="its confirmation")

        await pilot.press("ctrl+y", "escape")  # cancelled: nothing copied
        assert not isinstance(app.screen, CopyMenu) and app.clipboard.startswith("{")

        await pilot.press("y")  # the JSON view: c copies what it shows
        await until(pilot, lambda: app.screen.__class__.__name__ == "JsonScreen", what="the JSON view")
        app.copy_to_clipboard("")
        await pilot.press("c")
        await until(pilot, lambda: app.clipboard == app.screen.text, what="the JSON view's text copied")
        await pilot.press("escape")

        app.show_view(ViewKey("emu", JOBS))
        await until(pilot, lambda: job in table.visible_keys, what="the jobs")
        table.move_cursor_to_key(job)
        await pilot.press("ctrl+y", "l")
        await until(pilot, lambda: toasted(app, f"job {job} has no command line"), what="nothing to copy")

        await pilot.press("question_mark")
        listed = dict(app.screen._key_rows)
        assert listed["c"] == "Copy id" and "UTC" in listed["u"]
        assert listed[app.get_key_display(Binding("ctrl+y", ""))] == "Copy id, command line or JSON"


@pytest.fixture
def india(monkeypatch):
    """A local time zone that is not UTC (+05:30), so that the two differ on screen."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _start_cell(app, task: str) -> str:
    line = next(line for line in screen_lines(app) if f" {task} " in line)
    return line


async def test_utc_and_sort_are_remembered_across_restarts(emulator, client, job, tmp_path, india):
    path = tmp_path / "prefs.json"
    started = client.get_task(job, "t-copy").execution_info.start_time
    now = datetime.now(timezone.utc)
    local = clock_time(started, now.astimezone())
    utc = clock_time(started, now)
    assert local != utc

    app = _app(emulator, ViewKey("emu", TASKS, job), Prefs.load(path))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 2, what="the tasks")
        table.move_cursor_to_key("t-copy")
        await until(pilot, lambda: local in _start_cell(app, "t-copy"), what="local times")
        assert "START UTC" not in screen_text(app)
        await until(pilot, lambda: "IST" in screen_text(app), what="the details pane in local time")

        await pilot.press("u")
        await until(pilot, lambda: utc in _start_cell(app, "t-copy"), what="UTC times in the table")
        assert "START UTC" in screen_text(app) and "END UTC" in screen_text(app)
        await until(pilot, lambda: " UTC" in screen_text(app) and "IST" not in screen_text(app), what="UTC details")
        assert toasted(app, "times in UTC")

        await pilot.press("E", "E")  # sort by exit code, then reverse it
        await until(pilot, lambda: table.sort_column == "exit" and table.sort_reverse, what="sorted")
        await until(pilot, lambda: path.exists() and json.loads(path.read_text())["views"]["tasks"].get("sort"),
                    what="the choice saved")
    saved = json.loads(path.read_text())["views"]
    assert saved["tasks"] == {"sort": {"column": "exit", "descending": True}, "utc": True}
    assert saved["jobs"] == {"utc": True}  # the time zone is one choice for every view

    app = _app(emulator, ViewKey("emu", TASKS, job), Prefs.load(path))  # a restart
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 2, what="the tasks again")
        assert table.visible_keys == ["t-fail", "t-copy"]  # exit 7 first
        await until(pilot, lambda: utc in _start_cell(app, "t-copy"), what="UTC again")
        assert any("START UTC" in line and "▼" in line for line in screen_lines(app))  # the header, sorted
        app.show_view(ViewKey("emu", JOBS))
        await until(pilot, lambda: job in table.visible_keys, what="the jobs")
        assert table.sort_column is None  # the tasks' sort is the tasks'
        assert "CREATED UTC" in screen_text(app)


async def test_a_malformed_prefs_file_is_said_once_and_the_defaults_apply(emulator, job, tmp_path):
    path = tmp_path / "prefs.json"
    path.write_text('{"version": 1, "views": {"tasks": {"utc": "yes"}}', encoding="utf-8")
    app = _app(emulator, ViewKey("emu", TASKS, job), Prefs.load(path))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 2, what="the tasks")
        await until(pilot, lambda: toasted(app, "is not valid JSON"), what="the problem")
        assert sum("prefs.json" in toast for toast in toast_texts(app)) == 1
        assert "START UTC" not in screen_text(app) and table.sort_column is None


def test_chosen_columns_keep_the_id_first_and_ignore_unknown_ones():
    keys = [c.key for c in columns(TASKS, chosen=("state", "nope", "exit"))]
    assert keys == ["id", "state", "exit"]
    assert [c.key for c in columns(TASKS, chosen=("nope",))] == [c.key for c in columns(TASKS)]
    assert [c.label for c in columns(JOBS, utc=True) if "UTC" in c.label] == ["CREATED UTC", "ENDED UTC"]


def test_prefs_are_not_read_or_written_without_a_prefs_object(tmp_path, monkeypatch):
    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(tmp_path))
    app = BatchApp([], {}, prefs=None)
    app.choices.sort_changed(TASKS, "exit", True)
    assert not os.listdir(tmp_path)
