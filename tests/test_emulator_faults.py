"""Faults under the emulator: a full disk, a damaged store. Real emulator
processes; the full disk is a real 4 MiB tmpfs (the test is skipped where the
machine cannot mount one)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
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
    """What a stopped emulator logged."""
    return emu.proc.stderr.read() if emu.proc.stderr else ""


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
    assert log.count("disk full") == 1, log
    assert "written again" in log

    again = start_emulator(data)
    try:
        assert task_ids(again, job_id) == set(acknowledged)
        client = again.client()
        for i in range(8):
            assert client.get_task(job_id, f"wait-{i}").state == "completed"
    finally:
        assert again.stop() == 0
