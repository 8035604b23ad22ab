"""`batchtui demo`'s workload, with blob storage through Azurite: inputs and an
application package uploaded, tasks download them, run, upload their outputs."""

from __future__ import annotations

import pytest
from azure.storage.blob import BlobServiceClient
from conftest import wait_for

from batchtui.workload import Demo


def test_demo_runs_the_whole_batch_workflow_through_storage():
    demo = Demo(with_storage=True, step_seconds=0.1)
    try:
        if demo.storage_problem:
            pytest.skip(f"Azurite unavailable: {demo.storage_problem}")
        demo.seed()
        client = demo.emulator.client()
        counts = wait_for(lambda: (c := client.get_job_task_counts("wordcount").task_counts).completed == 6 and c,
                          timeout=60, what="the word-count tasks")
        assert (counts.succeeded, counts.failed) == (6, 0)
        task = client.get_task("wordcount", "count-002")
        assert task.execution_info.result == "success"
        blobs = BlobServiceClient.from_connection_string(demo.azurite.connection_string)
        outputs = blobs.get_container_client("outputs")
        names = {b.name for b in outputs.list_blobs()}
        assert {f"wordcount/counts-{i:03d}.txt" for i in range(6)} <= names
        assert "wordcount/logs/count-002/stderr.txt" in names
        counted = outputs.download_blob("wordcount/counts-002.txt").readall().decode()
        assert sum(int(line.split("\t")[0]) for line in counted.splitlines()) == 400 * 12
        assert demo.emulator.as_account().has_storage
    finally:
        demo.close()
    assert not demo.data_dir.exists()


async def test_storage_from_the_explorer():
    from ui_helpers import until

    from batchtui.service.connect import service_for
    from batchtui.ui.app import BatchApp
    from batchtui.ui.screens.storage_view import StorageScreen
    from batchtui.ui.views import TASKS, ViewKey
    from batchtui.ui.widgets.resource_table import ResourceTable

    demo = Demo(with_storage=True, step_seconds=0.1)
    try:
        if demo.storage_problem:
            pytest.skip(f"Azurite unavailable: {demo.storage_problem}")
        demo.seed()
        client = demo.emulator.client()
        wait_for(lambda: client.get_job_task_counts("wordcount").task_counts.succeeded == 6, timeout=60,
                 what="the word-count tasks")
        account = demo.emulator.as_account()
        app = BatchApp([account], {account.name: service_for(account)}, refresh_seconds=1.0,
                       start=ViewKey("demo", TASKS, "wordcount"))
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.query_one(ResourceTable)
            await until(pilot, lambda: table.total_count == 6, what="tasks")
            table.move_cursor_to_key("count-001")
            body = app.query_one("#details-body")
            await until(pilot, lambda: "counts-001.txt" in str(body.render()), what="outputs in the details")
            shown = str(body.render())
            assert "inputs/wordcount/part-001.txt" in shown and "wordcount 1.0" in shown and "sig=" not in shown
            await pilot.press("O")
            await until(pilot, lambda: isinstance(app.screen, StorageScreen), what="storage view")
            await until(pilot, lambda: "counts-001.txt" in app.export_screenshot().replace("&#160;", " "),
                        what="the task's outputs listed")
            await pilot.press("escape")
            await pilot.press("colon", *"storage inputs/wordcount/", "enter")
            await until(pilot, lambda: "part-005.txt" in app.export_screenshot().replace("&#160;", " "),
                        what="the inputs listed")
    finally:
        demo.close()


def test_demo_without_node_says_storage_is_off(monkeypatch):
    import os
    import sys

    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))  # no node, no npm
    said = []
    demo = Demo(with_storage=True, say=said.append, step_seconds=0.1)
    try:
        assert demo.storage_problem and "node" in demo.storage_problem.lower()
        assert demo.azurite is None
        demo.seed()  # the rest of the demo still runs
        jobs = {j.id for j in demo.emulator.client().list_jobs()}
        assert jobs == {"nightly-etl", "render-frames", "train-model", "daily-ingest"}
        assert not demo.emulator.as_account().has_storage
    finally:
        demo.close()


async def test_demo_shows_rerun_failed_working_and_refused():
    """The demo's daily-ingest job (active) has two tasks that failed on a transient
    error: `A` reruns them and they succeed; on nightly-etl (completed) `A` says why not."""
    from ui_helpers import row_texts, screen_words, until

    from batchtui.service.connect import service_for
    from batchtui.ui.app import BatchApp
    from batchtui.ui.views import JOBS, TASKS, ViewKey

    demo = Demo(step_seconds=0.05)
    try:
        demo.seed()
        client = demo.emulator.client()
        counts = wait_for(lambda: (c := client.get_job_task_counts("daily-ingest").task_counts).completed == 10 and c,
                          timeout=60, what="the ingest tasks")
        assert (counts.succeeded, counts.failed) == (8, 2)
        wait_for(lambda: client.get_job("nightly-etl").state == "completed", timeout=60, what="the ETL job done")
        account = demo.emulator.as_account()
        app = BatchApp([account], {account.name: service_for(account)}, refresh_seconds=1.0,
                       start=ViewKey("demo", TASKS, "daily-ingest"))
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.table
            await until(pilot, lambda: sum("failed" in line for line in row_texts(table)) == 2, what="2 failed")
            await pilot.press("A")
            await until(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen", what="confirmation")
            assert "Reactivate 2 tasks of job daily-ingest? ingest-03, ingest-07" in screen_words(app)
            await pilot.press("y")
            await until(pilot, lambda: client.get_job_task_counts("daily-ingest").task_counts.succeeded == 10,
                        timeout=30, what="the reruns succeeded")
            await until(pilot, lambda: not any("failed" in line for line in row_texts(table)), what="no failed row")
            await pilot.press("colon", *"jobs", "enter")
            assert app.view == ViewKey("demo", JOBS)
            await until(pilot, lambda: "nightly-etl" in table.visible_keys, what="jobs")
            table.move_cursor_to_key("nightly-etl")
            await pilot.press("A")
            await until(pilot, lambda: app.screen.__class__.__name__ == "NoticeScreen", what="the notice")
            assert "Job nightly-etl: it is completed" in screen_words(app)
    finally:
        demo.close()


def test_a_hangup_stops_the_demo_s_service_and_removes_its_data(tmp_path):
    """The terminal closed (SIGHUP): the demo ends as quitting does, the emulator stops and the data dir
    goes, and it exits 129 (128 + SIGHUP). Run on a pseudo-terminal, as a user runs it."""
    import os
    import pty
    import signal
    import subprocess
    import sys
    import threading
    import time

    env = {**os.environ, "TMPDIR": str(tmp_path), "PATH": os.path.dirname(sys.executable), "TERM": "xterm"}
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "batchtui", "demo"], stdin=terminal, stdout=terminal,
                               stderr=terminal, env=env, start_new_session=True)
    os.close(terminal)
    screen: list[bytes] = []
    threading.Thread(target=lambda: _drain(controller, screen), daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while b"Pools" not in b"".join(screen):
            assert process.poll() is None and time.monotonic() < deadline, b"".join(screen)[-2000:]
            time.sleep(0.05)
        data = [p for p in tmp_path.iterdir() if p.name.startswith("batchtui-demo-")]
        assert len(data) == 1
        emulators = _processes_naming(str(data[0]))
        assert emulators, "the demo's emulator"
        process.send_signal(signal.SIGHUP)
        assert process.wait(timeout=30) == 128 + signal.SIGHUP
        assert not data[0].exists()
        deadline = time.monotonic() + 10
        while _processes_naming(str(data[0])):
            assert time.monotonic() < deadline, "the emulator outlived the demo"
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _drain(fd: int, into: list[bytes]) -> None:
    import os

    try:
        while chunk := os.read(fd, 65536):
            into.append(chunk)
    except OSError:
        pass


def _processes_naming(text: str) -> list[int]:
    """Pids of the processes whose command line holds `text`."""
    from pathlib import Path

    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
