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
            await until(pilot, lambda: app.screen.__class__.__name__ == "StorageScreen", what="storage view")
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
        assert {j.id for j in demo.emulator.client().list_jobs()} == {"nightly-etl", "render-frames", "train-model"}
        assert not demo.emulator.as_account().has_storage
    finally:
        demo.close()
