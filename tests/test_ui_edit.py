"""Issue 17, items 1 to 3: edit a pool, job or task in $EDITOR (ctrl+e), clone one (ctrl+n), export it
as the JSON `batchtui create` takes (ctrl+s), rerun tasks with changes (ctrl+r). Driven with the pilot
against a live emulator, $EDITOR a small script each test writes (it rewrites the file as a user
would), and checked through the SDK."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import add_task, make_job, make_pool, wait_for, wait_task
from test_create import cli
from test_ui_dialogs import make_app, mutations, on_row, screen_name
from textual.widgets import Input
from ui_helpers import screen_text, screen_words, until

from batchtui.create import load
from batchtui.ui.views import JOBS, POOLS, TASKS, ViewKey

EDITOR_SCRIPT = """\
import json, pathlib, sys
path = pathlib.Path(sys.argv[1])
here = pathlib.Path(__file__).parent
count = len(list(here.glob("seen-*.txt")))
text = path.read_text()
(here / f"seen-{count}.txt").write_text(text)
steps = json.loads((here / "steps.json").read_text())
for old, new in steps[min(count, len(steps) - 1)]:
    assert old in text, (old, text)
    text = text.replace(old, new)
path.write_text(text)
"""


class FakeEditor:
    """$EDITOR for a test: the n-th run makes the n-th list of (old, new) replacements in the file (the
    last list again after that), and keeps a copy of the text it was given (`seen(n)`)."""

    def __init__(self, folder, monkeypatch, *steps: list[tuple[str, str]]) -> None:
        self.folder = folder
        folder.mkdir(exist_ok=True)
        (folder / "editor.py").write_text(EDITOR_SCRIPT)
        (folder / "steps.json").write_text(json.dumps([list(map(list, s)) for s in steps]))
        monkeypatch.setenv("EDITOR", f"{sys.executable} {folder / 'editor.py'}")

    def runs(self) -> int:
        return len(list(self.folder.glob("seen-*.txt")))

    def seen(self, run: int) -> str:
        return (self.folder / f"seen-{run}.txt").read_text()


async def dialog(pilot, title: str) -> str:
    """Wait for a dialog titled `title` to be drawn; its words."""
    app = pilot.app
    await until(pilot, lambda: screen_name(app) in ("ConfirmScreen", "NoticeScreen")
                and title in screen_text(app) and "(esc)" in screen_text(app), what=f"dialog {title}")
    return screen_words(app)


@pytest.fixture(scope="module")
def pool_id(client):
    return make_pool(client, nodes=1, slots=4)


async def test_edit_job_priority(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id)
    editor = FakeEditor(tmp_path / "ed", monkeypatch, [('"priority": 0', '"priority": 500')])
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, job)
        await pilot.press("ctrl+e")
        words = await dialog(pilot, "Edit job")
        assert f"Change job {job}? 1 change, sent as Batch's job PATCH:" in words
        assert "~ priority: 0 → 500" in words and "Send (y)" in words
        shown = editor.seen(0)
        assert shown.startswith(f"// Edit job {job}:") and "// Can be changed: priority, maxParallelTasks" in shown
        await pilot.press("y")
        wait_for(lambda: client.get_job(job).priority == 500, what="priority 500")
        await until(pilot, lambda: "priority  500" in screen_text(app) or "priority 500" in screen_words(app),
                    what="the details show priority 500")


async def test_unchanged_edit_sends_nothing(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id)
    FakeEditor(tmp_path / "ed", monkeypatch, [])
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, job)
        before = mutations(emulator)
        await pilot.press("ctrl+e")
        await until(pilot, lambda: "nothing changed" in screen_text(app), what="nothing changed")
        assert screen_name(app) == "ExplorerScreen" and mutations(emulator) == before


async def test_invalid_edit_shows_the_field_and_edit_again_keeps_the_text(emulator, client, pool_id, tmp_path,
                                                                        monkeypatch):
    job = make_job(client, pool_id)
    editor = FakeEditor(tmp_path / "ed", monkeypatch,
                        [('"priority": 0', '"priority": "high"')],  # not a number: checked here
                        [('"priority": "high"', '"priority": 5000')],  # out of range: the service refuses it
                        [('"priority": 5000', '"priority": 7')])
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, job)
        await pilot.press("ctrl+e")
        words = await dialog(pilot, "Problems")
        assert 'priority: must be a whole number, not "high"' in words and "Edit again (y)" in words
        await pilot.press("y")  # edit again: the editor gets the text as typed
        await dialog(pilot, "Edit job")
        assert '"priority": "high"' in editor.seen(1) and editor.seen(1).startswith("// Edit job")
        await pilot.press("y")
        words = await dialog(pilot, "Problems")
        assert "The service refused it (InvalidPropertyValue)" in words
        assert "priority: The value must be from -1000 to 1000." in words
        await pilot.press("y")
        await dialog(pilot, "Edit job")
        assert '"priority": 5000' in editor.seen(2)
        await pilot.press("y")
        wait_for(lambda: client.get_job(job).priority == 7, what="priority 7")


async def test_a_discarded_edit_keeps_the_text(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id)
    FakeEditor(tmp_path / "ed", monkeypatch, [('"priority": 0', '"priority": "urgent"')])
    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(tmp_path / "state"))
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, job)
        await pilot.press("ctrl+e")
        await dialog(pilot, "Problems")
        await pilot.press("escape")
        kept = tmp_path / "state" / "drafts" / f"job-{job}.json"
        await until(pilot, lambda: "what you typed is kept in" in screen_words(app), what="kept")
        assert '"priority": "urgent"' in kept.read_text()


async def test_edit_pool_metadata_and_task_constraints(emulator, client, pool_id, tmp_path, monkeypatch):
    FakeEditor(tmp_path / "ed", monkeypatch, [('"metadata": []', '"metadata": [{"name": "team", "value": "x"}]')])
    app = make_app(emulator, start=ViewKey("emu", POOLS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, pool_id)
        await pilot.press("ctrl+e")
        words = await dialog(pilot, "Edit pool")
        assert "sent as Batch's pool updateproperties" in words and '+ metadata' not in words
        await pilot.press("y")
        wait_for(lambda: [(i.name, i.value) for i in client.get_pool(pool_id).metadata or []] == [("team", "x")],
                 what="pool metadata")
    job = make_job(client, pool_id)
    add_task(client, job, "slow", "sleep 1")
    FakeEditor(tmp_path / "ed2", monkeypatch, [('"maxTaskRetryCount": 0', '"maxTaskRetryCount": 2')])
    app = make_app(emulator, start=ViewKey("emu", TASKS, job))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, "slow")
        await pilot.press("ctrl+e")
        words = await dialog(pilot, "Edit task")
        assert "~ constraints.maxTaskRetryCount: 0 → 2" in words
        await pilot.press("y")
        wait_for(lambda: client.get_task(job, "slow").constraints.max_task_retry_count == 2, what="retry count")


async def test_edit_an_empty_pools_size_and_slots(emulator, client, tmp_path, monkeypatch):
    empty = make_pool(client, nodes=0)
    FakeEditor(tmp_path / "ed", monkeypatch, [('"vmSize": "standard_d2s_v3"', '"vmSize": "standard_d4s_v3"'),
                                              ('"taskSlotsPerNode": 1', '"taskSlotsPerNode": 4')])
    app = make_app(emulator, start=ViewKey("emu", POOLS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, empty)
        await pilot.press("ctrl+e")
        words = await dialog(pilot, "Edit pool")
        assert f"Change pool {empty}? 2 changes, sent as Batch's pool PATCH:" in words
        await pilot.press("y")
        wait_for(lambda: (p := client.get_pool(empty)).vm_size == "standard_d4s_v3" and p.task_slots_per_node == 4,
                 what="pool patched")


async def test_read_only_refuses_edits(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id)
    editor = FakeEditor(tmp_path / "ed", monkeypatch, [('"priority": 0', '"priority": 1')])
    app = make_app(emulator, start=ViewKey("emu", JOBS), read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, job)
        for key, what in (("ctrl+e", "edit it"), ("ctrl+n", "clone it")):
            await pilot.press(key)
            await until(pilot, lambda w=what: f"read-only: cannot {w}" in screen_text(app), what=what)
        assert editor.runs() == 0


async def test_clone_a_job(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id, priority=3)
    editor = FakeEditor(tmp_path / "ed", monkeypatch, [(f'"id": "{job}-copy"', f'"id": "{job}-twin"')])
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, job)
        await pilot.press("ctrl+n")
        words = await dialog(pilot, "Clone job")
        assert f"Create job {job}-twin, a clone of {job}" in words and "Create (y)" in words
        for server_set in ('"url"', '"eTag"', '"creationTime"', '"state"', '"executionInfo"'):
            assert server_set not in editor.seen(0)
        await pilot.press("y")
        twin = wait_for(lambda: next((j for j in client.list_jobs() if j.id == f"{job}-twin"), None), what="twin")
        assert twin.priority == 3 and twin.pool_info.pool_id == pool_id


async def test_clone_a_task_and_a_pool(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id)
    add_task(client, job, "orig", "echo hello", environment_settings=[{"name": "A", "value": "1"}])
    wait_task(client, job, "orig")
    FakeEditor(tmp_path / "ed", monkeypatch, [("echo hello", "echo clone")])
    app = make_app(emulator, start=ViewKey("emu", TASKS, job))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, "orig")
        await pilot.press("ctrl+n")
        words = await dialog(pilot, "Clone task")
        assert f"Create task orig-copy in job {job}, a clone of orig, with these changes:" in words
        await pilot.press("y")
        copy = wait_task(client, job, "orig-copy")
        assert copy.command_line == "echo clone" and [(e.name, e.value) for e in copy.environment_settings] == \
            [("A", "1")]
    FakeEditor(tmp_path / "ed2", monkeypatch, [(f'"id": "{pool_id}-copy"', f'"id": "{pool_id}-b"'),
                                               ('"targetDedicatedNodes": 1', '"targetDedicatedNodes": 0')])
    app = make_app(emulator, start=ViewKey("emu", POOLS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, pool_id)
        await pilot.press("ctrl+n")
        await dialog(pilot, "Clone pool")
        await pilot.press("y")
        wait_for(lambda: any(p.id == f"{pool_id}-b" for p in client.list_pools()), what="pool clone")
    twin = client.get_pool(f"{pool_id}-b")
    assert twin.vm_size == client.get_pool(pool_id).vm_size and twin.target_dedicated_nodes == 0
    client.begin_delete_pool(twin.id, polling_interval=0.05)


async def test_export_writes_what_batchtui_create_takes(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id)
    for index in range(2):
        add_task(client, job, f"t{index}", f"echo {index}")
    app = make_app(emulator, start=ViewKey("emu", TASKS, job))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        table = await on_row(pilot, "t0")
        await pilot.press("space", "space")  # mark t0 and t1
        assert table.marked == {"t0", "t1"}
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen_name(app) == "SaveScreen", what="save dialog")
        assert "2 tasks as JSON" in screen_text(app)
        assert app.screen.query_one("Vertical").border_title == "Export the create bodies"
        field = app.screen.query_one("#save-path", Input)
        field.value = str(tmp_path / "tasks.json")
        await pilot.press("enter")
        await until(pilot, lambda: (tmp_path / "tasks.json").exists(), what="tasks.json")
    tasks = load(tmp_path / "tasks.json", "tasks")
    assert [t["id"] for t in tasks] == ["t0", "t1"] and tasks[1]["commandLine"] == "echo 1"
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, job)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen_name(app) == "SaveScreen", what="save dialog")
        assert app.screen.query_one("Vertical").border_title == "Export the create body"
        app.screen.query_one("#save-path", Input).value = str(tmp_path / "job.json")
        await pilot.press("enter")
        await until(pilot, lambda: (tmp_path / "job.json").exists(), what="job.json")
    body = load(tmp_path / "job.json", "job")[0]
    assert body["id"] == job and body["poolInfo"] == {"poolId": pool_id} and "state" not in body
    # `batchtui create` takes both files as they are (the job's under a new id)
    (tmp_path / "job.json").write_text((tmp_path / "job.json").read_text().replace(job, f"{job}-again"))
    result = cli(tmp_path, emulator, "job", str(tmp_path / "job.json"))
    assert result.returncode == 0, result.stderr
    result = cli(tmp_path, emulator, "tasks", str(tmp_path / "tasks.json"), "--job", f"{job}-again")
    assert result.returncode == 0, result.stderr
    assert sorted(t.id for t in client.list_tasks(f"{job}-again")) == ["t0", "t1"]


async def test_export_marked_jobs_one_file_each(emulator, client, pool_id, tmp_path):
    jobs = sorted(make_job(client, pool_id) for _ in range(3))
    (tmp_path / f"{jobs[2]}.json").write_text("mine")  # never overwritten
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        table = await on_row(pilot, jobs[0])
        for job in jobs:
            table.move_cursor_to_key(job)
            await pilot.press("space")
        await until(pilot, lambda: table.marked == set(jobs), what="marked")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen_name(app) == "SaveScreen", what="save dialog")
        assert "3 jobs, one file each ({id} in the path stands for each id)" in screen_words(app)
        app.screen.query_one("#save-path", Input).value = str(tmp_path / "{id}.json")
        await pilot.press("enter")
        await until(pilot, lambda: "left alone, as they exist" in screen_words(app), what="saved")
    assert [load(tmp_path / f"{job}.json", "job")[0]["id"] for job in jobs[:2]] == jobs[:2]
    assert (tmp_path / f"{jobs[2]}.json").read_text() == "mine"


async def test_rerun_a_failed_task_with_a_fixed_command_line(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id)
    add_task(client, job, "broken", "/bin/sh -c 'exit 3'")
    wait_task(client, job, "broken")
    editor = FakeEditor(tmp_path / "ed", monkeypatch, [("exit 3", "exit 0")])
    app = make_app(emulator, start=ViewKey("emu", TASKS, job))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, "broken")
        await pilot.press("ctrl+r")
        words = await dialog(pilot, "Rerun with changes")
        assert f"Rerun 1 task of job {job} with these changes? It is deleted and added again" in words
        assert "~ commandLine: \"/bin/sh -c 'exit 3'\" → \"/bin/sh -c 'exit 0'\"" in words
        assert '"commandLine"' in editor.seen(0) and '"environmentSettings": []' in editor.seen(0)
        await pilot.press("y")
        done = wait_for(lambda: (t := client.get_task(job, "broken")).state == "completed"
                        and t.command_line.endswith("'exit 0'") and t, what="rerun completed")
        assert done.execution_info.exit_code == 0


async def test_rerun_marked_tasks_with_one_fix(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id)
    for index in range(3):  # (each command line its own: the fix is made under perTask, by one replace)
        add_task(client, job, f"shard-{index}", f"/bin/sh -c 'echo shard {index}; exit 5'")
    for index in range(3):
        wait_task(client, job, f"shard-{index}")
    FakeEditor(tmp_path / "ed", monkeypatch, [("exit 5", "exit 0")])
    app = make_app(emulator, start=ViewKey("emu", TASKS, job))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        table = await on_row(pilot, "shard-0")
        await pilot.press("ctrl+a")
        await until(pilot, lambda: len(table.marked) == 3, what="3 marked")
        await pilot.press("ctrl+r")
        words = await dialog(pilot, "Rerun with changes")
        assert f"Rerun 3 tasks of job {job} with these changes? Each is deleted" in words and "Rerun (y)" in words
        assert "~ perTask.shard-1.commandLine: was \"/bin/sh -c 'echo shard 1; exit 5'\" now \"/bin/sh -c " \
               "'echo shard 1; exit 0'\"" in words
        await pilot.press("y")
        for index in range(3):
            wait_for(lambda i=index: (t := client.get_task(job, f"shard-{i}")).state == "completed"
                     and t.execution_info.exit_code == 0 and t.command_line == f"/bin/sh -c 'echo shard {i}; exit 0'",
                     what=f"shard-{index} succeeded")


async def test_rerun_and_edit_refused_on_a_completed_job(emulator, client, pool_id, tmp_path, monkeypatch):
    job = make_job(client, pool_id)
    add_task(client, job, "old", "/bin/sh -c 'exit 1'")
    wait_task(client, job, "old")
    client.begin_terminate_job(job, {"terminateReason": "done"}, polling_interval=0.05).result()
    wait_for(lambda: client.get_job(job).state == "completed", what="job completed")
    editor = FakeEditor(tmp_path / "ed", monkeypatch, [("exit 1", "exit 0")])
    app = make_app(emulator, start=ViewKey("emu", TASKS, job))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, "old")
        await pilot.press("ctrl+r")
        words = await dialog(pilot, "Cannot rerun with changes")
        assert "it is completed, and Batch adds no task to a completed job" in words
        assert editor.runs() == 0
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, job)
        await pilot.press("ctrl+e")
        words = await dialog(pilot, "Cannot edit job")
        assert f"Job {job}: it is completed, and Batch changes no job that has ended or is ending." in words
        assert "What would work: clone it (ctrl+n) with the changes." in words
        assert editor.runs() == 0
