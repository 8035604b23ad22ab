"""The explorer, driven with Textual's pilot against a live emulator over HTTP."""

from __future__ import annotations

import signal
import socket

import pytest
from azure.batch import models as m
from conftest import add_task, make_job, make_pool, start_emulator, wait_task
from ui_helpers import account_for, row_texts, screen_text, service_for, until

from batchtui.ui.app import BatchApp
from batchtui.ui.views import JOBS, NODES, POOLS, TASKS, ViewKey
from batchtui.ui.widgets.resource_table import ResourceTable


@pytest.fixture(scope="module")
def workload(client):
    pool_id = make_pool(client, nodes=2, slots=2)
    job_id = make_job(client, pool_id)
    client.create_tasks(job_id, [
        m.BatchTaskCreateOptions(id=f"step-{i:02d}", command_line=f"/bin/sh -c 'echo {i}; exit {1 if i == 3 else 0}'")
        for i in range(12)
    ])
    return pool_id, job_id


def make_app(emulator, start: ViewKey | None = None, **options) -> BatchApp:
    account = account_for(emulator)
    return BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0, start=start, **options)


async def test_jobs_then_tasks_then_back(emulator, workload):
    pool_id, job_id = workload
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: job_id in table.visible_keys, what="job listed")
        assert app.view == ViewKey("emu", JOBS)
        assert table.move_cursor_to_key(job_id)
        await pilot.press("enter")
        assert app.view == ViewKey("emu", TASKS, job_id)
        await until(pilot, lambda: table.total_count == 12, what="12 tasks")
        await until(pilot, lambda: "12/12 done" in str(app.query_one("#summary").render()), what="summary")
        assert "failed 1" in str(app.query_one("#summary").render())
        await pilot.press("escape")
        assert app.view == ViewKey("emu", JOBS)
        assert table.cursor_key == job_id


async def test_command_line_pools_and_nodes(emulator, workload):
    pool_id, _ = workload
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.press("colon", *"pools", "enter")
        assert app.view.kind == POOLS
        await until(pilot, lambda: pool_id in table.visible_keys, what="pool listed")
        table.move_cursor_to_key(pool_id)
        await pilot.press("enter")
        assert app.view == ViewKey("emu", NODES, pool_id)
        await until(pilot, lambda: table.total_count == 2, what="two nodes")
        assert any("idle" in line or "running" in line for line in row_texts(table))
        await pilot.press("colon", *f"tasks {workload[1]}", "enter")
        assert app.view == ViewKey("emu", TASKS, workload[1])
        await pilot.press("colon", *"frobnicate", "enter")
        assert app.view.kind == TASKS  # an unknown command changes nothing


async def test_filter_and_sort(emulator, workload):
    _, job_id = workload
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 12 and "12/12" in str(app.query_one("#summary").render()),
                    what="all tasks done")
        await pilot.press("slash", *"step-0", "enter")
        assert table.row_count == 10
        await pilot.press("slash", "ctrl+u", *"!step-0", "enter")
        assert table.row_count == 2
        await pilot.press("escape")  # clears the filter
        assert table.row_count == 12
        await pilot.press("slash", *"failed", "enter")
        assert table.visible_keys == ["step-03"]
        await pilot.press("escape")
        await pilot.press("S")
        assert table.sort_column == "state"
        await pilot.press("E")
        assert table.sort_column == "exit"
        await pilot.press("E")
        assert table.sort_reverse is True
        assert table.visible_keys[0] == "step-03"


async def test_server_side_filter_for_tasks(emulator, workload):
    _, job_id = workload
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 12, what="tasks")
        await pilot.press("slash", *"$executionInfo/exitCode eq 1", "enter")
        await until(pilot, lambda: table.total_count == 1, what="server-side filter applied")
        assert table.visible_keys == ["step-03"]
        assert "$executionInfo/exitCode eq 1" in str(app.query_one("#view-title").render())


async def test_refresh_picks_up_a_state_change_without_a_key(emulator, client, workload):
    pool_id, _ = workload
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "slow", "sleep 2")
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: any("running" in line for line in row_texts(table)), what="running")
        await until(pilot, lambda: any("completed" in line for line in row_texts(table)), timeout=15, what="completed")


async def test_details_pane_and_raw_json(emulator, workload):
    _, job_id = workload
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 12, what="tasks")
        table.move_cursor_to_key("step-03")
        body = app.query_one("#details-body")
        await until(pilot, lambda: "FailureExitCode" in str(body.render()), what="failure info in details")
        await pilot.press("y")
        assert app.screen.__class__.__name__ == "JsonScreen"
        await pilot.press("escape")
        assert app.screen.__class__.__name__ != "JsonScreen"


async def test_deleted_task_and_job_are_shown_as_gone(emulator, client, workload):
    pool_id, _ = workload
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "keep", "true")
    add_task(client, job_id, "doomed", "true")
    wait_task(client, job_id, "doomed")
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 2, what="two tasks")
        client.delete_task(job_id, "doomed")
        await until(pilot, lambda: table.visible_keys == ["keep"], what="deleted task gone")
        client.begin_delete_job(job_id, polling_interval=0.05).result()
        await until(pilot, lambda: "no longer exists" in str(app.query_one("#summary").render()), what="job gone")
        assert table.total_count == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_endpoint_down_then_back(tmp_path):
    port = free_port()
    emu = start_emulator(tmp_path / "data", port=port)
    client = emu.client()
    pool_id = make_pool(client, nodes=1)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "t1", "true")
    app = make_app(emu, start=ViewKey("emu", TASKS, job_id))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.query_one(ResourceTable)
            await until(pilot, lambda: table.total_count == 1, what="task listed")
            emu.stop(signal.SIGKILL)
            topbar = app.query_one("#topbar")
            await until(pilot, lambda: "stale" in str(topbar.render()), timeout=20, what="stale banner")
            assert table.total_count == 1  # the last data stays
            emu = start_emulator(tmp_path / "data", port=port)
            add_task(emu.client(), job_id, "t2", "true")
            await until(pilot, lambda: table.total_count == 2, timeout=40, what="recovered")
            assert "stale" not in str(topbar.render())
    finally:
        emu.stop()


async def test_help_screen_lists_bindings(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        text = app.export_screenshot().replace("&#160;", " ")
        assert "Keys" in text and "Filter" in text
        listed = dict(app.screen._key_rows)
        assert "sort by the column" in listed["shift+letter"]
        assert "Reactivate" in listed["a"] or "Run the failed task again" in listed["a"]
        for _ in range(80):  # (down to the commands, below every key; the list grows with the keys)
            await pilot.press("down")
            text = app.export_screenshot().replace("&#160;", " ")
            if ":tasks JOB" in text:
                break
        assert ":tasks JOB" in text
        await pilot.press("escape")


async def test_command_palette_offers_our_commands(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(100, 40)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Pools", "Jobs", "Refresh", "Raw JSON"} <= set(titles)
        next(c for c in app.get_system_commands(app.screen) if c.title == "Pools").callback()
        assert app.view.kind == POOLS


async def test_welcome_screen_offers_the_demo():
    from batchtui.ui.screens.welcome import WelcomeApp

    app = WelcomeApp()
    async with app.run_test(size=(120, 30)) as pilot:
        text = app.export_screenshot().replace("&#160;", " ")
        assert "No Azure Batch account is configured" in text and "batchtui accounts add" in text
        await pilot.press("d")
    assert app.return_value == "demo"


def test_malformed_accounts_file_is_a_clear_error(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "accounts.toml").write_text('[accounts.prod]\nendpoint = "https://x.batch.azure.com"\nauth = \n')
    result = subprocess.run([sys.executable, "-m", "batchtui"], capture_output=True, text=True, timeout=30,
                            env={**os.environ, "BATCHTUI_CONFIG_DIR": str(tmp_path)}, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert "accounts.toml" in result.stderr and "line 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_stops_its_emulator_and_removes_its_data():
    from batchtui.workload import Demo, seed

    demo = Demo(step_seconds=0.05)
    client = demo.emulator.client()
    seed(client)
    assert {j.id for j in client.list_jobs()} == {"nightly-etl", "render-frames", "train-model", "daily-ingest"}
    assert {p.id for p in client.list_pools()} == {"render-pool", "gpu-pool", "ingest-pool"}
    demo.close()
    assert demo.emulator.process.poll() is not None
    assert not demo.data_dir.exists()


async def test_reactivate_every_failed_task_is_one_key_and_a_confirmation(emulator, client):
    pool_id = make_pool(client, nodes=1, slots=4)
    job_id = make_job(client, pool_id)
    client.create_task_collection(job_id, m.BatchTaskGroup(task_values=[
        m.BatchTaskCreateOptions(id=f"t{i}", command_line=f"/bin/sh -c 'exit {1 if i % 2 else 0}'") for i in range(6)
    ]))
    for i in range(6):
        wait_task(client, job_id, f"t{i}")
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 6, what="tasks")
        await pilot.press("A")
        await until(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen", what="confirmation")
        text = app.export_screenshot().replace("&#160;", " ")
        assert "Reactivate 3 tasks of job" in text
        await pilot.press("y")
        await until(pilot, lambda: any("reactivate 3 tasks: 3 done" in str(n.message) for n in app._notifications),
                    what="bulk result")
    for i in (1, 3, 5):
        assert client.get_task(job_id, f"t{i}").execution_info.retry_count == 0


async def test_marked_rows_and_terminate_with_confirmation(emulator, client):
    pool_id = make_pool(client, nodes=1, slots=4)
    job_id = make_job(client, pool_id)
    for i in range(3):
        add_task(client, job_id, f"s{i}", "sleep 30")
    for i in range(3):
        wait_task(client, job_id, f"s{i}", "running")
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 3, what="tasks")
        table.move_cursor_to_key("s0")
        await pilot.press("space", "space")  # space marks the row and moves down
        assert table.marked == {"s0", "s1"}
        await pilot.press("t")
        await until(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen", what="confirmation")
        await pilot.press("n")  # cancelled: nothing happens
        assert client.get_task(job_id, "s0").state == "running"
        await pilot.press("t")
        await until(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen", what="confirmation")
        await pilot.press("y")
        await until(pilot, lambda: client.get_task(job_id, "s1").state == "completed", what="terminated")
    assert client.get_task(job_id, "s0").execution_info.failure_info.code == "TaskEnded"
    assert client.get_task(job_id, "s2").state == "running"
    client.terminate_task(job_id, "s2")


async def test_resize_pool_from_the_dialog(emulator, client):
    pool_id = make_pool(client, nodes=1)
    app = make_app(emulator, start=ViewKey("emu", POOLS))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: pool_id in table.visible_keys, what="pool")
        table.move_cursor_to_key(pool_id)
        await until(pilot, lambda: (app._details_doc or {}).get("id") == pool_id, what="details")
        await pilot.press("z")
        await until(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen", what="dialog")
        await pilot.press("tab", "tab", "ctrl+u", "3", "enter")  # Cancel → Yes → the field; enter moves on
        assert app.screen.__class__.__name__ == "ConfirmScreen"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: client.get_pool(pool_id).target_dedicated_nodes == 3, what="resized")


async def test_read_only_mode_sends_no_mutating_request(emulator, client, workload):
    from test_emulator_protocol import signed_get

    _, job_id = workload
    before = signed_get(emulator, "/_emulator/requests").json()
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id), read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 12, what="tasks")
        assert "read-only" in str(app.query_one("#topbar").render())
        await pilot.press("space", "t", "a", "A", "ctrl+d", "z", "p")
        await pilot.pause(0.3)
        assert app.screen.__class__.__name__ not in ("ConfirmScreen",)
        footer = app.export_screenshot().replace("&#160;", " ")
        assert "Terminate" not in footer and "Rerun" not in footer
        assert "read-only: cannot terminate the task" in screen_text(app)  # said, not silently ignored
    after = signed_get(emulator, "/_emulator/requests").json()
    assert {k: after.get(k, 0) - before.get(k, 0) for k in ("POST", "DELETE", "PUT", "PATCH")} == \
        {"POST": 0, "DELETE": 0, "PUT": 0, "PATCH": 0}
    assert after["GET"] > before["GET"]


async def test_failed_only_view(emulator, workload):
    _, job_id = workload
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 12, what="tasks")
        await pilot.press("F")
        await until(pilot, lambda: table.visible_keys == ["step-03"], what="failed only")
        await pilot.press("F")
        await until(pilot, lambda: table.total_count == 12, what="all again")


async def _act(app, pilot, key: str, cursor: str, answers: tuple[str, ...] = ("y",)):
    table = app.query_one(ResourceTable)
    await until(pilot, lambda: cursor in table.visible_keys, what=f"row {cursor}")
    table.move_cursor_to_key(cursor)
    await pilot.press(key)
    await until(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen", what="confirmation")
    await pilot.press(*answers)
    await until(pilot, lambda: app.screen.__class__.__name__ != "ConfirmScreen", what="dialog closed")


async def test_every_node_action(emulator, client):
    pool_id = make_pool(client, nodes=3)
    nodes = sorted(n.id for n in client.list_nodes(pool_id))
    app = make_app(emulator, start=ViewKey("emu", NODES, pool_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await _act(app, pilot, "p", nodes[0], ("y",))  # disable scheduling: the option dialog
        await until(pilot, lambda: client.get_node(pool_id, nodes[0]).scheduling_state == "disabled", what="disabled")
        await _act(app, pilot, "P", nodes[0])
        await until(pilot, lambda: client.get_node(pool_id, nodes[0]).scheduling_state == "enabled", what="enabled")
        await _act(app, pilot, "o", nodes[1], ("y",))
        await until(pilot, lambda: client.get_node(pool_id, nodes[1]).state in ("rebooting", "starting", "idle")
                    and client.get_node(pool_id, nodes[1]).last_boot_time is not None, what="rebooted")
        await _act(app, pilot, "i", nodes[2], ("y",))
        await until(pilot, lambda: client.get_node(pool_id, nodes[2]).state in ("reimaging", "idle"), what="reimage")
        await _act(app, pilot, "ctrl+d", nodes[0], ("y",))
        await until(pilot, lambda: nodes[0] not in [n.id for n in client.list_nodes(pool_id)], what="removed")
    assert client.get_pool(pool_id).target_dedicated_nodes == 2


async def test_every_job_and_pool_action(emulator, client):
    pool_id = make_pool(client, nodes=1)
    job_id = make_job(client, pool_id)
    other = make_job(client, pool_id)
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40)) as pilot:
        await _act(app, pilot, "p", job_id, ("y",))
        await until(pilot, lambda: client.get_job(job_id).state == "disabled", what="disabled")
        await _act(app, pilot, "P", job_id)
        await until(pilot, lambda: client.get_job(job_id).state == "active", what="enabled")
        await _act(app, pilot, "t", job_id, ("ctrl+s",))  # ctrl+s confirms a dialog with a typed field
        await until(pilot, lambda: client.get_job(job_id).state == "completed", what="terminated")
        await _act(app, pilot, "ctrl+d", other)
        await until(pilot, lambda: other not in [j.id for j in client.list_jobs()], what="job deleted")
        await pilot.press("colon", *"pools", "enter")
        await _act(app, pilot, "ctrl+d", pool_id)
        await until(pilot, lambda: pool_id not in [p.id for p in client.list_pools()], what="pool deleted")


async def test_task_delete_and_stop_resize(emulator, client, slow_emulator):
    pool_id = make_pool(client, nodes=0, wait_idle=False)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "gone-soon", "true")
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await _act(app, pilot, "ctrl+d", "gone-soon")
        await until(pilot, lambda: list(client.list_tasks(job_id)) == [], what="task deleted")
    slow = slow_emulator.client()
    slow_pool = make_pool(slow, nodes=0, wait_idle=False)
    slow.begin_resize_pool(slow_pool, m.BatchPoolResizeOptions(target_dedicated_nodes=2), polling_interval=60)
    app = make_app(slow_emulator, start=ViewKey("emu", POOLS))
    async with app.run_test(size=(120, 40)) as pilot:
        await _act(app, pilot, "x", slow_pool)
        await until(pilot, lambda: slow.get_pool(slow_pool).allocation_state == "steady", what="stopped")


async def test_logs_and_files_from_the_explorer(emulator, client):
    start = m.BatchStartTask(command_line="/bin/sh -c 'echo node ready'", wait_for_success=True)
    pool_id = make_pool(client, nodes=1, start_task=start)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "talk", "/bin/sh -c 'echo to stdout; echo to stderr >&2; echo kept > keep.txt'")
    wait_task(client, job_id, "talk")
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 1, what="task")

        def screen_text() -> str:
            return app.export_screenshot().replace("&#160;", " ")

        await pilot.press("l")
        await until(pilot, lambda: app.screen.__class__.__name__ == "LogScreen", what="log screen")
        await until(pilot, lambda: "to stdout" in screen_text(), what="stdout shown")
        await pilot.press("escape")
        await pilot.press("e")
        await until(pilot, lambda: "to stderr" in screen_text(), what="stderr shown")
        await pilot.press("escape")
        await pilot.press("b")
        await until(pilot, lambda: app.screen.__class__.__name__ == "FileBrowserScreen", what="file browser")
        await until(pilot, lambda: "wd" in screen_text(), what="files listed")
        await pilot.press("escape")
        await pilot.press("colon", *f"nodes {pool_id}", "enter")
        await until(pilot, lambda: table.total_count == 1, what="node")
        await pilot.press("l")
        await until(pilot, lambda: "node ready" in screen_text(), what="start task output")


async def test_escape_sequences_in_service_strings_never_reach_the_terminal(emulator, client, workload):
    pool_id, _ = workload
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "evil", "/bin/echo \x1b]0;pwned\x07 \x1b[2J \x9b31m")
    wait_task(client, job_id, "evil")
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        body = app.query_one("#details-body")
        await until(pilot, lambda: "evil" in str(body.render()), what="details")
        shown = str(body.render())
        assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
        assert "^[]0;pwned^G" in shown and "<9B>" in shown
        await pilot.press("y")
        await until(pilot, lambda: app.screen.__class__.__name__ == "JsonScreen", what="json")
        text = app.export_screenshot()
        assert "\x1b" not in text and "\x9b" not in text


async def test_throttling_shows_stale_then_recovers(tmp_path):
    from test_emulator_protocol import signed_post

    # An emulator of its own: the faults go to the next requests it gets, and on the session's emulator
    # another client (a test's leftover refresh) could take them before this app asks.
    emu = start_emulator(tmp_path / "data")
    try:
        client = emu.client()
        job_id = make_job(client, make_pool(client, nodes=1))
        add_task(client, job_id, "t1", "true")
        account = account_for(emu)
        service = service_for(emu, retries=0)
        app = BatchApp([account], {account.name: service}, refresh_seconds=1.0, start=ViewKey("emu", TASKS, job_id))
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.query_one(ResourceTable)
            await until(pilot, lambda: table.total_count == 1, what="the task")
            signed_post(emu, "/_emulator/faults", {"status": 429, "count": 3, "retryAfter": 1})
            topbar = app.query_one("#topbar")
            await until(pilot, lambda: "TooManyRequests" in str(topbar.render()), what="throttled banner")
            assert "stale" in str(topbar.render()) and table.total_count == 1
            await until(pilot, lambda: "live" in str(topbar.render()), timeout=30, what="recovered")
    finally:
        emu.stop()


async def test_wrong_key_says_so(emulator, workload):
    import base64

    from azure.core.credentials import AzureNamedKeyCredential

    from batchtui.service.client import BatchService

    account = account_for(emulator)
    wrong_key = base64.b64encode(b"wrong").decode()
    wrong = BatchService(emulator.endpoint, AzureNamedKeyCredential(emulator.account, wrong_key))
    app = BatchApp([account], {account.name: wrong}, refresh_seconds=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        topbar = app.query_one("#topbar")
        await until(pilot, lambda: "AuthenticationFailed" in str(topbar.render()), what="auth error shown")
