"""Issue 17, item 3: rerun with changes (ctrl+r) refuses, with the reason, a task other tasks depend on
and the job's job manager task. Driven with the pilot against a live emulator (which runs task
dependencies and job manager tasks), the fake $EDITOR of test_ui_edit never run."""

from __future__ import annotations

import pytest
from azure.batch import models as m
from conftest import add_task, make_job, make_pool, wait_for, wait_task
from test_ui_dialogs import make_app, mutations, on_row
from test_ui_edit import FakeEditor, dialog

from batchtui.ui.views import TASKS, ViewKey


@pytest.fixture(scope="module")
def pool_id(client):
    return make_pool(client, nodes=1, slots=2)


async def test_rerun_refused_on_a_task_other_tasks_depend_on(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id, uses_task_dependencies=True)
    add_task(client, job, "a", "/bin/sh -c 'exit 1'")
    add_task(client, job, "b", "echo b", depends_on=m.BatchTaskDependencies(task_ids=["a"]))
    add_task(client, job, "c", "echo c")
    wait_task(client, job, "a")
    editor = FakeEditor(tmp_path / "ed", monkeypatch, [("exit 1", "exit 0")])
    app = make_app(emulator, start=ViewKey("emu", TASKS, job))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, "a")
        before = mutations(emulator)
        await pilot.press("ctrl+r")
        words = await dialog(pilot, "Cannot rerun with changes")
        assert "Task a: other tasks depend on it (b); deleting it would leave them waiting on a task that is " \
               "gone." in words
        assert editor.runs() == 0 and mutations(emulator) == before
    assert client.get_task(job, "a").state == "completed"  # (still there, not deleted)


async def test_rerun_refused_on_the_job_manager_task(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id, job_manager_task=m.BatchJobManagerTask(
        id="manager", command_line="/bin/sh -c 'exit 1'", kill_job_on_completion=False))
    wait_for(lambda: any(t.id == "manager" for t in client.list_tasks(job)), what="the job manager task")
    wait_task(client, job, "manager")
    editor = FakeEditor(tmp_path / "ed", monkeypatch, [("exit 1", "exit 0")])
    app = make_app(emulator, start=ViewKey("emu", TASKS, job))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, "manager")
        before = mutations(emulator)
        await pilot.press("ctrl+r")
        words = await dialog(pilot, "Cannot rerun with changes")
        assert "Task manager: it is the job's job manager task, which Batch never adds again." in words
        assert "What would work: clone the job (ctrl+n) with the job manager changed." in words
        assert editor.runs() == 0 and mutations(emulator) == before
    assert client.get_task(job, "manager").state == "completed"
