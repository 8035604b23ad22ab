"""`batchtui wait` against a real emulator process: each exit status, --json, --fail-on-failure, pools."""

from __future__ import annotations

import fcntl
import json
import os
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from azure.batch import models as m
from conftest import add_task, make_job, make_pool
from planted import EXPECTED_LINES, plant, sh

from batchtui.cli import wait_watch

KEY_ENV = "BATCHTUI_WAIT_TEST_KEY"
COUNTS = {"checksum": 5, "keyerror": 3, "notfound": 2, "ok": 4}


def write_accounts(folder: Path, endpoint: str, account: str) -> Path:
    (folder / "accounts.toml").write_text(
        f'[accounts.emu]\nendpoint = "{endpoint}"\naccount_name = "{account}"\n'
        f'auth = "shared_key"\nkey_env = "{KEY_ENV}"\n')
    return folder


def env_for(emulator, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_BATCH_")}
    env.update({"BATCHTUI_CONFIG_DIR": str(write_accounts(folder, emulator.endpoint, emulator.account)),
                KEY_ENV: emulator.key})
    return env


@pytest.fixture(scope="module")
def cli_env(emulator, tmp_path_factory):
    return env_for(emulator, tmp_path_factory.mktemp("wait-config"))


@pytest.fixture(scope="module")
def pool_id(client):
    return make_pool(client, nodes=2, slots=4)


@pytest.fixture(scope="module")
def planted_job(client, pool_id):
    job_id = make_job(client, pool_id)
    return job_id, plant(client, job_id, COUNTS)


def end_job(client, job_id: str) -> None:
    client.begin_terminate_job(job_id, {"terminateReason": "UserTerminate"}, polling_interval=0.05).result()


def wait(env, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "batchtui", "wait", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def assert_one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("batchtui wait: ")
    assert proc.stderr.count("\n") == 1, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def test_all_succeeded_exits_0_with_a_progress_line_per_change(client, pool_id, cli_env):
    job_id = make_job(client, pool_id)
    for i in range(3):
        add_task(client, job_id, f"ok-{i}", sh(f"sleep 0.{i + 3}; echo {i}"))
    proc = wait(cli_env, job_id, "--interval", "0.5")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"job {job_id}: all 3 tasks succeeded\n"
    progress = proc.stderr.splitlines()
    assert progress and all(line.startswith(f"batchtui wait: job {job_id}: ") for line in progress)
    assert progress[-1] == f"batchtui wait: job {job_id}: 3/3 tasks completed (3 succeeded, 0 failed), 0 running, " \
                           "0 active"
    assert len(progress) == len(set(progress))  # a line only when the counts changed


def test_failures_exit_1_with_the_clusters_printed(planted_job, cli_env):
    job_id, ids = planted_job
    proc = wait(cli_env, job_id, "--interval", "0.5")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"job {job_id}: 10 of 14 tasks failed (4 succeeded); 3 causes:"
    heads = [line for line in lines if " × " in line]
    assert heads == [
        f"     5 × exit 3, FailureExitCode (usererror): {EXPECTED_LINES['checksum'][1]}",
        f"     3 × exit 1, FailureExitCode (usererror): {EXPECTED_LINES['keyerror'][1]}",
        f"     2 × exit 127, FailureExitCode (usererror): {EXPECTED_LINES['notfound'][1]}",
    ]
    examples = [line.strip() for line in lines if line.strip().startswith("e.g. task ")]
    assert len(examples) == 3
    assert examples[0].split()[2] in ids["checksum"] and "(stderr.txt): ERROR shard " in examples[0]
    assert examples[1].endswith("(stderr.txt): KeyError: 'label'")
    assert "nosuchtool: not found" in examples[2]
    assert sum("first failed " in line for line in lines) == 3


def test_json_lines_parse(planted_job, cli_env):
    job_id, ids = planted_job
    proc = wait(cli_env, job_id, "--json")
    assert proc.returncode == 1 and proc.stderr == ""
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    progress, result = records[:-1], records[-1]
    assert progress and all(r["type"] == "progress" and r["job"] == job_id for r in progress)
    assert set(progress[0]) == {"type", "job", "state", "active", "running", "completed", "succeeded", "failed"}
    assert result["type"] == "result" and result["result"] == "failed" and result["exitStatus"] == 1
    assert result["counts"]["failed"] == 10 and result["counts"]["succeeded"] == 4
    clusters = result["clusters"]
    assert [(c["count"], c["signature"]["exitCode"], c["signature"]["line"]) for c in clusters] == [
        (COUNTS[cause], *EXPECTED_LINES[cause]) for cause in ("checksum", "keyerror", "notfound")]
    assert [sorted(c["taskIds"]) for c in clusters] == [ids["checksum"], ids["keyerror"], ids["notfound"]]
    assert all(c["exampleTask"] in c["taskIds"] and c["firstFailure"] and c["nodes"] for c in clusters)


def test_fail_on_failure_exits_at_the_first_failure(client, pool_id, cli_env):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "breaks", sh("echo 'fatal: disk /dev/sdb1 is read-only' >&2; exit 9"))
    for i in range(3):
        add_task(client, job_id, f"slow-{i}", sh("sleep 60"))
    started = time.monotonic()
    proc = wait(cli_env, job_id, "--fail-on-failure", "--interval", "0.5")
    took = time.monotonic() - started
    try:
        assert proc.returncode == 1, proc.stderr
        assert took < 30
        lines = proc.stdout.splitlines()
        assert lines[0] == (f"job {job_id}: 1 task failed so far (0 succeeded, 3 running, 0 active); stopped waiting "
                            "(--fail-on-failure); 1 cause:")
        assert lines[1] == "     1 × exit 9, FailureExitCode (usererror): fatal: disk <path> is read-only"
        assert [t.state for t in client.list_tasks(job_id) if t.id.startswith("slow")] == ["running"] * 3
    finally:
        end_job(client, job_id)


def test_timeout_exits_124(client, pool_id, cli_env):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "slow", sh("sleep 60"))
    try:
        started = time.monotonic()
        proc = wait(cli_env, job_id, "--timeout", "1.5", "--interval", "0.5")
        assert proc.returncode == 124 and proc.stdout == ""
        assert time.monotonic() - started < 20
        last = proc.stderr.splitlines()[-1]
        assert last.startswith(f"batchtui wait: job {job_id}: timed out after 1.5 s: 0/1 task") and "Traceback" \
            not in proc.stderr
        as_json = wait(cli_env, job_id, "--timeout", "1", "--json")
        assert as_json.returncode == 124
        result = json.loads(as_json.stdout.splitlines()[-1])
        assert result["result"] == "timeout" and result["exitStatus"] == 124
    finally:
        end_job(client, job_id)


def test_a_job_that_ends_with_tasks_never_run_exits_1(client, cli_env):
    job_id = make_job(client, make_pool(client, nodes=0))
    add_task(client, job_id, "never", sh("echo never"))
    end_job(client, job_id)
    proc = wait(cli_env, job_id)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == f"job {job_id}: the job ended (UserTerminate) with 1 of 1 task not completed\n"


def test_a_job_deleted_while_waited_for_exits_1(client, pool_id, cli_env):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "slow", sh("sleep 60"))
    proc = subprocess.Popen([sys.executable, "-m", "batchtui", "wait", job_id, "--interval", "0.5"], env=cli_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    client.begin_delete_job(job_id, polling_interval=0.05)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert out in (f"job {job_id}: the job is being deleted: its tasks will not complete\n",
                   f"job {job_id}: the job was deleted while waiting\n")


def in_process(capsys, *args: str) -> tuple[int, str, str]:
    """`batchtui wait ARGS` run in this process (for what needs no service): status, stdout, stderr."""
    from batchtui import cli

    try:
        status = cli.main(["wait", *args])
    except SystemExit as exit_:  # (argparse)
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("args, words", [
    (["a", "b", "c"], "give one job id, or 'pool' and one pool id"),
    (["pool", "p", "x"], "give one job id"),
    (["jobs/x"], "is not a job id"),
    (["pool", "p/q"], "is not a pool id"),
    (["job-1", "--steady"], "--steady is for a pool"),
    (["job-1", "--timeout", "-1"], "must be more than 0"),
    (["job-1", "--timeout", "0"], "must be more than 0"),
    (["job-1", "--timeout", "nan"], "must be more than 0"),
    (["job-1", "--interval", "0.1"], "at least 0.5"),
    ([], "the following arguments are required"),
])
def test_usage_errors_exit_2(capsys, args, words):
    status, out, err = in_process(capsys, *args)
    assert status == 2 and out == "" and words in err and "Traceback" not in err


def test_account_errors_and_a_missing_job_exit_2(emulator, planted_job, cli_env):
    job_id, _ = planted_job
    missing = wait(cli_env, "no-such-job")
    assert_one_line_error(missing, "job 'no-such-job' does not exist")
    unknown = wait(cli_env, job_id, "--account", "nope")
    assert_one_line_error(unknown, "no account named 'nope'")
    no_key = wait({**cli_env, KEY_ENV: ""}, job_id)
    assert_one_line_error(no_key, KEY_ENV)
    wrong_key = wait({**cli_env, KEY_ENV: "d3Jvbmc="}, job_id)  # base64 of "wrong"
    assert_one_line_error(wrong_key, "the service refused the account")
    assert all(p.returncode == 2 and p.stdout == "" for p in (missing, unknown, no_key, wrong_key))
    as_json = wait(cli_env, "no-such-job", "--json")
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["result"] == "error"


def test_an_unreachable_service_is_given_up_on_with_3(emulator, tmp_path, monkeypatch, capsys):
    from batchtui import cli

    monkeypatch.setattr(wait_watch, "GIVE_UP_AFTER", 1.0)
    env = env_for(emulator, tmp_path)
    for name in ("BATCHTUI_CONFIG_DIR", KEY_ENV):
        monkeypatch.setenv(name, env[name])
    write_accounts(tmp_path, "http://127.0.0.1:9", emulator.account)  # (nothing listens on port 9)
    assert cli.main(["wait", "some-job", "--interval", "0.5"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("batchtui wait: cannot reach the Batch endpoint") and "gave up after 1 s" in err


def test_progress_is_redrawn_in_place_on_a_terminal(client, pool_id, cli_env):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "quick", sh("sleep 4; echo done"))
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))  # 60 columns
    try:
        proc = subprocess.Popen([sys.executable, "-m", "batchtui", "wait", job_id, "--interval", "0.5"],
                                env=cli_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        screen = bytearray()
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            screen += data
        out, _ = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 0 and out == f"job {job_id}: all 1 task succeeded\n".encode()
    text = screen.decode()
    assert text.startswith(f"\rbatchtui wait: job {job_id}: ") and text.endswith("\x1b[K\r\n")  # (a pty: \n→\r\n)
    assert text.count("\n") == 1  # one line, redrawn
    drawn = [part.removesuffix("\x1b[K") for part in text.removesuffix("\r\n").split("\r")[1:]]
    assert len(drawn) >= 2 and all(len(part) <= 59 for part in drawn), drawn  # cut to the terminal's width
    assert drawn[-1].endswith("…") and "\x1b" not in "".join(drawn)


# -- pools ---------------------------------------------------------------------------------------------------------


def test_pool_steady_exits_0_once_its_nodes_have_started(slow_emulator, tmp_path):
    env = env_for(slow_emulator, tmp_path)
    client = slow_emulator.client()
    pool_id = make_pool(client, nodes=2, wait_idle=False)
    proc = wait(env, "pool", pool_id, "--steady", "--interval", "0.5")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"pool {pool_id}: steady, 2/2 nodes: 2 idle\n"
    progress = proc.stderr.splitlines()
    assert len(progress) > 1 and any("resizing" in line or "starting" in line for line in progress)
    assert {n.state for n in client.list_nodes(pool_id)} == {"idle"}


def test_pool_whose_start_task_fails_exits_1(slow_emulator, tmp_path):
    env = env_for(slow_emulator, tmp_path)
    client = slow_emulator.client()
    start_task = m.BatchStartTask(command_line=sh("exit 4"), wait_for_success=True)
    pool_id = make_pool(client, nodes=1, start_task=start_task, wait_idle=False)
    proc = wait(env, "pool", pool_id, "--json", "--interval", "0.5")
    assert proc.returncode == 1, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["result"] == "failed" and result["problems"] == ["1 startTaskFailed"]
    assert result["allocationState"] == "steady" and result["nodes"] == {"startTaskFailed": 1}
    missing = wait(env, "pool", "no-such-pool")
    assert missing.returncode == 2 and "pool 'no-such-pool' does not exist" in missing.stderr
