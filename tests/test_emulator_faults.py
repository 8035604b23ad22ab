"""Faults under the emulator: a full disk, a damaged store. Real emulator
processes; the full disk is a real 4 MiB tmpfs (the test is skipped where the
machine cannot mount one)."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import add_task, make_job, make_pool, start_emulator, wait_for
from signed import signed


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a 4 MiB tmpfs here (needs root): {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(path: Path) -> Path:
    """Write `path` until the file system has no room left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1 << 12, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    return path


def emulator_log(emu) -> str:
    """What a stopped emulator logged: its stderr, when that is a pipe, and its log files, when it keeps any."""
    text = emu.proc.stderr.read() if emu.proc.stderr else ""
    for path in sorted(emu.data_dir.glob("emulator.log*")):
        text += path.read_text(errors="replace")
    return text


def task_ids(emu, job_id: str) -> set[str]:
    return {t.id for t in emu.client().list_tasks(job_id)}


def test_a_full_disk_refuses_changes_with_503_and_loses_nothing_acknowledged(small_disk, tmp_path):
    data, go = small_disk / "batch", tmp_path / "go"
    emu = start_emulator(data)
    refused: list[str] = []
    try:
        client = emu.client()
        job_id = make_job(client, make_pool(client, nodes=1, slots=4))
        acknowledged = [f"wait-{i}" for i in range(8)]
        for task_id in acknowledged:  # they end when `go` exists; 4 run at once
            add_task(client, job_id, task_id, f"/bin/sh -c 'while [ ! -e {go} ]; do sleep 0.05; done'")
        wait_for(lambda: sum(t.state == "running" for t in client.list_tasks(job_id)) == 4, what="4 running tasks")

        filler = fill(small_disk / "filler")
        for i in range(3000):  # SQLite may reuse free pages for a while; then writes fail
            r = signed(emu, "POST", f"/jobs/{job_id}/tasks", {"id": f"full-{i}", "commandLine": "/bin/true"})
            if r.status_code == 201:
                acknowledged.append(f"full-{i}")
                continue
            assert r.status_code == 503, r.text
            assert r.headers["Content-Type"].startswith("application/json")
            body = r.json()
            assert body["code"] == "ServerBusy"
            reason = dict((v["key"], v["value"]) for v in body["values"])["Reason"]
            assert reason.startswith("disk full: cannot write") and "state.sqlite" in reason
            refused.append(f"full-{i}")
            if len(refused) == 5:
                break
        assert len(refused) == 5, "the full disk never refused a write"
        print(f"disk full: {len(acknowledged) - 8} creates acknowledged after filling, then {len(refused)} refused")
        collection = {"value": [{"id": f"batch-{i}", "commandLine": "/bin/true"} for i in range(3)]}
        r = signed(emu, "POST", f"/jobs/{job_id}/addtaskcollection", collection)
        assert r.status_code == 503 and r.json()["code"] == "ServerBusy"
        refused += [f"batch-{i}" for i in range(3)]
        for task_id in refused:  # refused means not there, not even in memory
            r = signed(emu, "GET", f"/jobs/{job_id}/tasks/{task_id}")
            assert r.status_code == 404 and r.json()["code"] == "TaskNotFound"
        counts = signed(emu, "GET", f"/jobs/{job_id}/taskcounts").json()["taskCounts"]
        assert counts["active"] + counts["running"] + counts["completed"] == len(acknowledged)

        go.touch()  # the tasks end while nothing can be written
        wait_for(lambda: all(client.get_task(job_id, f"wait-{i}").state == "completed" for i in range(8)),
                 what="the waiting tasks to complete")
        filler.unlink()

        def created_again():
            r = signed(emu, "POST", f"/jobs/{job_id}/tasks", {"id": "after", "commandLine": "/bin/true"})
            assert r.status_code in (201, 503), r.text
            return r.status_code == 201

        wait_for(created_again, what="a create to succeed once the disk has room")
        acknowledged.append("after")
    finally:
        emu.stop(signal.SIGKILL)
    log = emulator_log(emu)
    assert log.count("disk full: cannot write") <= 1, log  # said once (a log on the full disk may lose it)
    recovered = [line for line in log.splitlines() if "written again" in line]
    assert len(recovered) == 1 and "disk full" in recovered[0], log

    again = start_emulator(data)
    try:
        assert task_ids(again, job_id) == set(acknowledged)
        client = again.client()
        for i in range(8):
            assert client.get_task(job_id, f"wait-{i}").state == "completed"
    finally:
        assert again.stop() == 0


def _damage(data: Path, *statements: str) -> None:
    db = sqlite3.connect(data / "state.sqlite")
    with db:
        for statement in statements:
            db.execute(statement)
    db.close()


def start_refused(data: Path) -> subprocess.CompletedProcess:
    """Run the emulator on `data`, expecting it to refuse to start."""
    return subprocess.run([sys.executable, "-m", "batchtui", "emulator", "--port", "0", "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def assert_one_line_refusal(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("batchtui emulator: ") and "Traceback" not in done.stderr
    assert "internal error" not in lines[0]
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def stored(tmp_path: Path):
    """A data dir left by an emulator: a pool with a node, two jobs with tasks."""
    data = tmp_path / "data"
    emu = start_emulator(data)
    try:
        client = emu.client()
        pool_id = make_pool(client, nodes=1)
        jobs = [make_job(client, pool_id) for _ in range(2)]
        for job_id in jobs:
            for i in range(3):
                add_task(client, job_id, f"t{i}", "/bin/true")
            wait_for(lambda job_id=job_id: all(t.state == "completed" for t in client.list_tasks(job_id)),
                     what="the tasks to complete")
    finally:
        assert emu.stop() == 0
    return data, pool_id, jobs


def test_damaged_rows_are_set_aside_and_named_and_the_rest_is_served(stored):
    data, pool_id, (job_a, job_b) = stored
    _damage(
        data,
        f"UPDATE docs SET doc = 'not json' WHERE kind = 'task' AND parent = '{job_a}' AND id = 't0'",
        f"UPDATE docs SET doc = json_set(doc, '$.state', 5) WHERE kind = 'task' AND parent = '{job_a}' AND id = 't1'",
        f"UPDATE docs SET doc = json_remove(doc, '$.poolInfo') WHERE kind = 'job' AND id = '{job_b}'",
        "UPDATE docs SET doc = json_set(doc, '$.executionInfo', 'x') WHERE kind = 'task' AND id = 't2'"
        f" AND parent = '{job_a}'",
    )
    emu = start_emulator(data)
    try:
        client = emu.client()
        assert task_ids(emu, job_a) == set()  # all three of its tasks were damaged
        assert signed(emu, "GET", f"/jobs/{job_b}").json()["code"] == "JobNotFound"
        assert [n.state for n in client.list_nodes(pool_id)] == ["idle"]
        add_task(client, job_a, "fresh", "/bin/sh -c 'echo still scheduling'")
        wait_for(lambda: client.get_task(job_a, "fresh").state == "completed", what="a new task to run")
    finally:
        assert emu.stop() == 0
    log = emulator_log(emu)
    store = str(data / "state.sqlite")
    for resource, reason in (
        (f"task 't0' of job '{job_a}'", "not JSON"),
        (f"task 't1' of job '{job_a}'", "property state is int, not str"),
        (f"task 't2' of job '{job_a}'", "property executionInfo is str, not dict"),
        (f"job '{job_b}'", "property poolInfo is missing"),
        (f"task 't0' of job '{job_b}'", f"its job '{job_b}' is not in the store"),
    ):
        line = next((x for x in log.splitlines() if resource in x), "")
        assert store in line and "set aside in table 'damaged'" in line and reason in line, log
    db = sqlite3.connect(data / "state.sqlite")
    aside = db.execute("SELECT kind, parent, id FROM damaged").fetchall()
    db.close()
    assert sorted(aside) == sorted([("job", "", job_b)] + [("task", job, f"t{i}") for job in (job_a, job_b)
                                                            for i in range(3)])


def test_a_store_whose_table_was_renamed_is_refused_not_started_empty(stored):
    data = stored[0]
    _damage(data, "ALTER TABLE docs RENAME TO docs_old")
    assert_one_line_refusal(start_refused(data), str(data / "state.sqlite"), "no table 'docs'", "docs_old")


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "state.sqlite").write_bytes(b"these are my notes, not a database" * 100)
    assert_one_line_refusal(start_refused(data), str(data / "state.sqlite"), "not a batchtui emulator store")
    other = sqlite3.connect(tmp_path / "other.sqlite")
    other.execute("PRAGMA application_id = 42")
    other.execute("CREATE TABLE docs (kind, parent, id, doc)")
    other.commit()
    other.close()
    os.replace(tmp_path / "other.sqlite", data / "state.sqlite")
    assert_one_line_refusal(start_refused(data), "application_id 0x2a")


def test_a_data_dir_that_cannot_be_created_is_a_one_line_error(tmp_path):
    (tmp_path / "file").write_text("")
    assert_one_line_refusal(start_refused(tmp_path / "file" / "data"), str(tmp_path / "file"))
