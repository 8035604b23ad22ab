"""Silence when nothing changes: every view of the explorer writes 0 bytes to the
terminal while refreshes keep fetching the same state (issue 12, item 3).

The workload lives in an emulator of its own, so nothing changes under it:
tasks that finished, one that waits forever on a pool that does not exist,
and an idle node.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from conftest import add_task, make_job, make_pool, start_emulator, wait_task
from screen_probe import WriteCounter, line_with
from ui_helpers import account_for, service_for, until

from batchtui.ui.app import BatchApp
from batchtui.ui.views import JOBS, ViewKey
from batchtui.ui.widgets.resource_table import ResourceTable

REFRESH = 1.0
QUIET = 3.5  # seconds of listening: three refreshes and more


@pytest.fixture(scope="module")
def still(tmp_path_factory):
    """An emulator whose pools, jobs and tasks no longer change."""
    emu = start_emulator(tmp_path_factory.mktemp("still"), step=0.05)
    client = emu.client()
    pool_id = make_pool(client, nodes=1, slots=2)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "ok", "/bin/sh -c 'echo all good'")
    add_task(client, job_id, "bad", "/bin/sh -c 'echo broken >&2; exit 3'")
    waiting = make_job(client, "no-such-pool")
    add_task(client, waiting, "queued", "true")
    for task in ("ok", "bad"):
        wait_task(client, job_id, task)
    yield emu, pool_id, job_id
    emu.stop()


def make_app(emu, refresh_seconds: float = REFRESH, **options) -> BatchApp:
    account = account_for(emu)
    return BatchApp([account], {account.name: service_for(emu)}, refresh_seconds=refresh_seconds, **options)


async def quiet_bytes(pilot, counter: WriteCounter, settle: float = 2.5) -> int:
    """Bytes written over QUIET seconds, after `settle` seconds for the view to load."""
    await pilot.pause(settle)
    counter.reset()
    await pilot.pause(QUIET)
    return counter.bytes


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_every_view_is_silent_while_nothing_changes(still, size):
    emu, pool_id, job_id = still
    app = make_app(emu)
    written: dict[str, int] = {}
    async with app.run_test(size=size) as pilot:
        counter = WriteCounter(app)
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: job_id in table.visible_keys, what="jobs listed")
        written["jobs"] = await quiet_bytes(pilot, counter)
        await pilot.press("colon", *"pools", "enter")
        await until(pilot, lambda: pool_id in table.visible_keys, what="pools listed")
        written["pools"] = await quiet_bytes(pilot, counter)
        await pilot.press("enter")
        await until(pilot, lambda: table.total_count == 1, what="the node")
        written["nodes"] = await quiet_bytes(pilot, counter)
        await pilot.press("colon", *f"tasks {job_id}", "enter")
        await until(pilot, lambda: table.total_count == 2, what="tasks")
        written["tasks"] = await quiet_bytes(pilot, counter)
        table.move_cursor_to_key("ok")
        await pilot.press("l")
        await until(pilot, lambda: _shows(app, "all good"), what="the log")
        # the task is done: the view reads to the end, says so, and stops polling (a state, not a time)
        await until(pilot, lambda: bool(getattr(app.screen, "stopped", "")), what="the log's end")
        written["log"] = await quiet_bytes(pilot, counter)
        await pilot.press("escape", "b")
        await until(pilot, lambda: _shows(app, "stdout.txt"), what="the files")
        written["files"] = await quiet_bytes(pilot, counter)
        await pilot.press("escape", "question_mark")
        await until(pilot, lambda: app.screen.__class__.__name__ == "HelpScreen", what="help")
        written["help"] = await quiet_bytes(pilot, counter)
        await pilot.press("escape", "t")
        # (a confirmation, or the notice saying why terminate cannot work on a completed task)
        await until(pilot, lambda: app.screen.__class__.__name__ in ("ConfirmScreen", "NoticeScreen"),
                    what="the dialog")
        written["dialog"] = await quiet_bytes(pilot, counter)
        await pilot.press("escape")
    assert written == dict.fromkeys(written, 0), f"bytes written while nothing changed: {written}"


def _shows(app: BatchApp, text: str) -> bool:
    try:
        line_with(app, text)
    except AssertionError:
        return False
    return True


async def test_top_bar_shows_when_it_was_refreshed_not_a_ticking_age(still):
    emu, _, _ = still
    now = [datetime(2026, 11, 23, 10, 0, 0, tzinfo=timezone.utc)]
    app = make_app(emu, refresh_seconds=60, clock=lambda: now[0], start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app._fresh_at is not None, what="a refresh")
        await until(pilot, lambda: not any(w.is_running for w in app.workers), what="the start's work to end")
        await pilot.pause(0.3)
        assert "live, every 60s" in line_with(app, "batchtui")
        now[0] += timedelta(seconds=130)  # the next refresh is late
        app.refresher.update_topbar()
        await pilot.pause()
        late = line_with(app, "late")
        local = (now[0] - timedelta(seconds=130)).astimezone()
        assert f"late: last refreshed {local:%H:%M:%S}" in late
        counter = WriteCounter(app)
        for _ in range(3):  # seconds go by: the bar says the same, so nothing is written
            now[0] += timedelta(seconds=1)
            app.refresher.update_topbar()
            await pilot.pause(0.05)
        assert counter.bytes == 0
