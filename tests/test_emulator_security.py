"""The emulator's security model: fresh signed requests only (Batch's 15-minute
rule), requests addressed to it only (Host check), private files, secrets off
the command line, task processes with a scrubbed environment."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, formatdate

import pytest
from signed import signed

from batchtui.emulator import DEFAULT_KEY


def _at(minutes: float) -> str:
    return format_datetime(datetime.now(timezone.utc) + timedelta(minutes=minutes), usegmt=True)


@pytest.mark.parametrize(("date", "reason"), [
    (None, "has no ocp-date or Date header"),
    ("Mon, 01 Jan 2001 00:00:00 GMT", "more than 15 minutes"),
    ("Fri, 01 Jan 2100 00:00:00 GMT", "more than 15 minutes"),
    ("+16", "more than 15 minutes"),
    ("-16", "more than 15 minutes"),
    ("yesterday", "is not an RFC 1123 date"),
])
def test_a_request_not_created_within_15_minutes_is_refused_403(emulator, date, reason):
    if date in ("+16", "-16"):
        date = _at(float(date))
    r = signed(emulator, "GET", "/pools", date=date)
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "AuthenticationFailed"
    assert reason in r.json()["message"]["value"]


@pytest.mark.parametrize("minutes", [0, 14, -14])
def test_a_request_created_within_15_minutes_is_served(emulator, minutes):
    assert signed(emulator, "GET", "/pools", date=_at(minutes)).status_code == 200


def test_date_serves_when_there_is_no_ocp_date_and_ocp_date_wins_over_it(emulator):
    assert signed(emulator, "GET", "/pools", date=None, headers={"Date": formatdate(usegmt=True)}).status_code == 200
    stale = signed(emulator, "GET", "/pools", date=_at(-30), headers={"Date": formatdate(usegmt=True)})
    assert stale.status_code == 403


def _port(emulator) -> int:
    return int(emulator.endpoint.rsplit(":", 1)[1])


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:{other}", "localhost.evil:{port}",
                                  "10.0.0.1:{port}", "127.0.0.1:{port}@evil"])
def test_a_request_for_another_host_is_refused_400_before_anything_else(emulator, host):
    host = host.format(port=_port(emulator), other=_port(emulator) + 1)
    for key in (None, "d3Jvbmcga2V5"):  # signed with the key, and not signed with it: same answer
        r = signed(emulator, "GET", "/jobs", headers={"Host": host}, query={"maxresults": "1"}, key=key)
        assert r.status_code == 400, r.text
        body = r.json()
        assert body["code"] == "InvalidHeaderValue"
        values = {v["key"]: v["value"] for v in body["values"]}
        assert values["HeaderName"] == "Host" and values["HeaderValue"] == host
        assert "--allow-host" in values["Reason"]
        assert body["odata.metadata"].startswith(emulator.endpoint + "/")  # the emulator's own address, not `host`
        assert r.headers["request-id"]


def test_the_address_it_listens_on_and_localhost_are_served(emulator, client):
    from conftest import make_job, make_pool

    port = _port(emulator)
    job_id = make_job(client, make_pool(client, nodes=0, wait_idle=False))
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        r = signed(emulator, "GET", f"/jobs/{job_id}", headers={"Host": host})
        assert r.status_code == 200, r.text
        assert r.json()["url"] == f"http://{host}/jobs/{job_id}"


def test_a_request_without_host_is_refused_400(emulator):
    import socket

    port = _port(emulator)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /pools?api-version=2025-06-01 HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400") or head.startswith(b"HTTP/1.1 400"), head
    assert b'"MissingRequiredHeader"' in body


# -- private files, secrets off the command line, scrubbed task environments ------------------------------

MY_KEY = "bXkgb3duIGVtdWxhdG9yIGtleSwgbm90IGZvciBhbnlvbmUgZWxzZQ=="  # base64, not the development key
MY_STORAGE = ("DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=c2VjcmV0LXN0b3JhZ2Uta2V5LWZvci10ZXN0cw==;"
              "BlobEndpoint=http://127.0.0.1:9/acct;")
STORAGE_SECRET = "c2VjcmV0LXN0b3JhZ2Uta2V5LWZvci10ZXN0cw=="


def _emulator(data_dir, **options):
    from conftest import EmulatorProcess

    from batchtui.emulator_process import start_emulator

    emu = start_emulator(data_dir, step_seconds=0.1, **options)
    return EmulatorProcess(emu.endpoint, emu.account, emu.key, data_dir, emu.process)


def _mode(path) -> int:
    return os.stat(path).st_mode & 0o777


def test_the_data_dir_and_the_store_are_private(tmp_path):
    from conftest import add_task, make_job, make_pool, wait_task

    data = tmp_path / "new" / "data"
    emu = _emulator(data)
    try:
        client = emu.client()
        job_id = make_job(client, make_pool(client))
        add_task(client, job_id, "writes", "/bin/sh -c 'echo out; echo made > made.txt; mkdir sub'")
        wait_task(client, job_id, "writes")
        assert _mode(tmp_path / "new") == 0o700 and _mode(data) == 0o700
        for name in ("state.sqlite", "state.sqlite-wal", "state.sqlite-shm"):
            assert _mode(data / name) == 0o600, name
        for folder, dirs, files in os.walk(data):
            if "wd" in dirs:  # a task's own files and directories are 0644/0755, as on Batch, in a private tree
                dirs.remove("wd")
            assert _mode(folder) & 0o077 == 0, folder  # every directory the emulator made: its owner's only
            for name in files:
                assert _mode(os.path.join(folder, name)) & 0o077 == 0, os.path.join(folder, name)
        task_dir = next(data.glob("nodes/*/workitems/*/job-1/writes"))
        assert _mode(task_dir / "stdout.txt") == 0o600 and _mode(task_dir / "wd" / "made.txt") == 0o644
    finally:
        assert emu.stop() == 0


def test_an_existing_data_dir_keeps_its_mode_and_an_old_store_becomes_private(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    emu = _emulator(data)
    assert emu.stop() == 0
    os.chmod(data / "state.sqlite", 0o644)
    emu = _emulator(data)
    try:
        assert _mode(data) == 0o755
        assert _mode(data / "state.sqlite") == 0o600 and _mode(data / "state.sqlite-wal") == 0o600
    finally:
        assert emu.stop() == 0


def _proc(pid: int, name: str) -> bytes:
    with open(f"/proc/{pid}/{name}", "rb") as f:
        return f.read()


def test_the_key_and_the_storage_secret_never_reach_ps_or_tasks(tmp_path):
    from conftest import add_task, make_job, make_pool, wait_task

    emu = _emulator(tmp_path / "data", key=MY_KEY, storage_connection_string=MY_STORAGE)
    try:
        client = emu.client()
        assert client.get_job  # signed with MY_KEY, it is served
        job_id = make_job(client, make_pool(client))
        for name in ("cmdline", "environ"):  # what `ps e`, and any process of this user, can read
            seen = _proc(emu.proc.pid, name)
            assert MY_KEY.encode() not in seen and STORAGE_SECRET.encode() not in seen, name
            assert b"BATCHTUI_EMULATOR" not in seen, name
        add_task(client, job_id, "env", "/usr/bin/env")
        add_task(client, job_id, "parent", "/bin/sh -c 'cat /proc/$PPID/cmdline /proc/$PPID/environ; ps -ef'")
        wait_task(client, job_id, "env")
        wait_task(client, job_id, "parent")
        env_out = b"".join(client.download_task_file(job_id, "env", "stdout.txt")).decode()
        parent_out = b"".join(client.download_task_file(job_id, "parent", "stdout.txt"))
        assert MY_KEY.encode() not in parent_out and STORAGE_SECRET.encode() not in parent_out
        names = {line.split("=", 1)[0] for line in env_out.splitlines() if "=" in line}
        from batchtui.emulator.executor import INHERITED

        assert names - set(INHERITED) == {n for n in names if n.startswith("AZ_BATCH_")}, names
        assert MY_KEY not in env_out and STORAGE_SECRET not in env_out
    finally:
        assert emu.stop() == 0
    assert emu.proc.stdout is not None
    assert MY_KEY not in emu.proc.stdout.read()


def _cli(*args: str, env: dict | None = None, data=None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "batchtui", "emulator", "--port", "0", *args]
    if data is not None:
        command += ["--data-dir", str(data)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          env={**os.environ, **(env or {})})


def test_a_key_on_the_command_line_is_refused_unless_it_is_the_public_one(tmp_path):
    done = _cli("--key", MY_KEY, data=tmp_path / "d")
    assert done.returncode == 2 and MY_KEY not in done.stderr
    assert "BATCHTUI_EMULATOR_KEY" in done.stderr and "--key-file" in done.stderr
    done = _cli("--storage-connection-string", MY_STORAGE, data=tmp_path / "d")
    assert done.returncode == 2 and "BATCHTUI_EMULATOR_STORAGE_CONNECTION_STRING" in done.stderr
    done = _cli("--key", MY_KEY, env={"BATCHTUI_EMULATOR_KEY": MY_KEY}, data=tmp_path / "d")
    assert done.returncode == 2
    assert not (tmp_path / "d").exists()  # refused before anything was made


def test_a_key_file_must_be_private(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(MY_KEY + "\n")
    os.chmod(key_file, 0o644)
    done = _cli("--key-file", str(key_file), data=tmp_path / "d")
    assert done.returncode == 2 and f"chmod 600 {key_file}" in done.stderr and MY_KEY not in done.stderr
    os.chmod(key_file, 0o600)
    proc = subprocess.Popen([sys.executable, "-m", "batchtui", "emulator", "--port", "0", "--data-dir",
                             str(tmp_path / "d"), "--key-file", str(key_file)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline()
        assert " key hidden " in line and MY_KEY not in line
        from conftest import EmulatorProcess

        endpoint = line.split("endpoint ")[1].split()[0]
        emu = EmulatorProcess(endpoint, "emulator", MY_KEY, tmp_path / "d", proc)
        assert signed(emu, "GET", "/pools").status_code == 200
        assert signed(emu, "GET", "/pools", key=DEFAULT_KEY).status_code == 403
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0


def test_allow_host_adds_names_the_emulator_answers_to(tmp_path):
    emu = _emulator(tmp_path / "data", allow_hosts=["batch.test", "Other.Test:9"])
    try:
        port = _port(emu)
        for host, status in ((f"batch.test:{port}", 200), ("other.test:9", 200), ("batch.test:9", 400),
                             (f"other.test:{port}", 400)):
            assert signed(emu, "GET", "/pools", headers={"Host": host}).status_code == status, host
    finally:
        assert emu.stop() == 0
    done = _cli("--allow-host", "a/b", data=tmp_path / "d")
    assert done.returncode == 2 and "--allow-host" in done.stderr
