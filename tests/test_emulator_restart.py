"""State survives the emulator being killed: pools, jobs and tasks are still
there, running tasks are requeued and run again."""

from __future__ import annotations

import os
import signal
import time

from conftest import add_task, make_job, make_pool, start_emulator, wait_task


def test_sigkill_then_restart_loses_nothing(tmp_path):
    data = tmp_path / "data"
    emu = start_emulator(data)
    try:
        client = emu.client()
        pool_id = make_pool(client, nodes=2, slots=2)
        job_id = make_job(client, pool_id)
        # Each run appends a line to a file outside the task dir, so runs can be counted.
        runs = tmp_path / "runs"
        for i in range(3):
            add_task(client, job_id, f"long{i}", f"/bin/sh -c 'echo run >> {runs}-{i}; sleep 2; echo finished'")
        add_task(client, job_id, "done", "/bin/sh -c 'echo quick'")
        wait_task(client, job_id, "done")
        for i in range(3):
            wait_task(client, job_id, f"long{i}", "running")
        pids = [client.get_task(job_id, f"long{i}") for i in range(3)]
        assert all(t.state == "running" for t in pids)
    finally:
        emu.stop(signal.SIGKILL)
    time.sleep(0.3)
    # The killed emulator's task processes died with it.
    assert not any(
        os.path.exists(f"/proc/{pid}")
        and f"{runs}" in open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
        for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]
        if os.path.exists(f"/proc/{pid}/cmdline")
    )

    emu2 = start_emulator(data)
    try:
        client = emu2.client()
        assert client.get_pool(pool_id).id == pool_id
        assert client.get_job(job_id).state == "active"
        assert sorted(t.id for t in client.list_tasks(job_id)) == ["done", "long0", "long1", "long2"]
        assert client.get_task(job_id, "done").execution_info.exit_code == 0
        for i in range(3):
            task = wait_task(client, job_id, f"long{i}", timeout=30)
            assert task.execution_info.requeue_count == 1
            assert task.execution_info.last_requeue_time is not None
            assert task.execution_info.exit_code == 0
            assert (tmp_path / f"runs-{i}").read_text() == "run\nrun\n"
            assert b"".join(client.download_task_file(job_id, f"long{i}", "stdout.txt")) == b"finished\n"
        assert [n.state for n in client.list_nodes(pool_id)] == ["idle", "idle"]
        counts = client.get_job_task_counts(job_id).task_counts
        assert (counts.succeeded, counts.failed) == (4, 0)
    finally:
        assert emu2.stop() == 0


def test_sigterm_stops_cleanly(tmp_path):
    emu = start_emulator(tmp_path / "data")
    client = emu.client()
    pool_id = make_pool(client, nodes=1)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "sleepy", "sleep 60")
    wait_task(client, job_id, "sleepy", "running")
    started = time.monotonic()
    assert emu.stop(signal.SIGTERM) == 0
    assert time.monotonic() - started < 10
    assert "Traceback" not in (tmp_path / "data" / "emulator.log").read_text()  # it logs there, not to stderr
