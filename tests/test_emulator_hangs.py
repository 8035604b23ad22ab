"""One client must not stop every client (issue 13, items 1-4): hostile headers
and bodies are answered cleanly and logged within bounds, special files are not
read, file bodies stream in bounded memory, long command lines are refused at
once, and a pool past the account's core quota stops as Batch's does.

Each test runs its own emulator process where it floods or poisons it."""

from __future__ import annotations

import json
import os
import socket
import stat
import sys
import threading
import time
from email.utils import formatdate

import pytest
import requests
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError
from conftest import EmulatorProcess, add_task, make_job, make_pool, start_emulator, unique, wait_for, wait_task
from test_emulator_protocol import signed_get, signed_post

from batchtui.emulator import API_VERSION
from batchtui.emulator.auth import sign, string_to_sign
from batchtui.emulator.logs import BURST
from batchtui.emulator.quota import vm_cores
from batchtui.emulator.schema import MAX_COMMAND_LINE_LENGTH

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory):
    emulator = start_emulator(tmp_path_factory.mktemp("hangs"))
    yield emulator
    assert emulator.stop() == 0


@pytest.fixture(scope="module")
def ran(emu):
    """A pool with one node and a job on it."""
    client = emu.client()
    pool_id = make_pool(client, nodes=1, slots=4)
    return pool_id, make_job(client, pool_id)


def answers_quickly(emu: EmulatorProcess, limit: float = 1.0) -> float:
    """Seconds a signed GET /pools took; fails past `limit`."""
    started = time.monotonic()
    r = signed_get(emu, "/pools")
    took = time.monotonic() - started
    assert r.status_code == 200, r.text
    assert took < limit, f"GET /pools took {took:.2f} s"
    return took


def raw_post(emu: EmulatorProcess, path: str, data: bytes) -> requests.Response:
    """A signed POST of raw bytes (signed_post sends a JSON document)."""
    headers = {"ocp-date": formatdate(usegmt=True), "Content-Type": "application/json",
               "Content-Length": str(len(data))}
    query = f"api-version={API_VERSION}"
    sig = sign(emu.key, string_to_sign("POST", path, query, headers, emu.account))
    return requests.post(f"{emu.endpoint}{path}?{query}", data=data, timeout=30,
                         headers={**headers, "Authorization": f"SharedKey {emu.account}:{sig}"})


def child_stderr(emu: EmulatorProcess) -> bytes:
    """What the emulator wrote to its stderr (an unnamed file start_emulator gave it)."""
    with open(f"/proc/{emu.proc.pid}/fd/2", "rb") as f:
        return f.read()


# -- item 1: logs, stderr, non-ASCII headers ------------------------------------------------------------


def test_a_flood_of_bad_signatures_and_poison_bodies_leaves_the_service_answering(tmp_path):
    emu = start_emulator(tmp_path / "data")
    try:
        fd2 = os.readlink(f"/proc/{emu.proc.pid}/fd/2")
        assert not fd2.startswith("pipe:"), "nobody would read the emulator's stderr"
        log = tmp_path / "data" / "emulator.log"
        # Bodies that are stored today and break every scheduler tick until the schema refuses them.
        poisoned = 0
        for body in ({"priority": "high"}, {"priority": None}, {"maxParallelTasks": "x"}):
            job_id = unique("poison")
            r = signed_post(emu, "/jobs", {"id": job_id, "poolInfo": {"poolId": "nowhere"}, **body})
            assert r.status_code in (201, 400), r.text
            if r.status_code == 201:
                poisoned += 1
                signed_post(emu, f"/jobs/{job_id}/tasks", {"id": "t", "commandLine": "true"})
        if poisoned:  # a tick that fails again and again is logged BURST times a minute, then held back
            wait_for(lambda: "further messages like this are suppressed" in log.read_text(), timeout=30,
                     what="the repeated failure to be held back")
        url = f"{emu.endpoint}/pools?api-version={API_VERSION}"
        session = requests.Session()
        for i in range(200):
            value = b"SharedKey emulator:\xc3\xa9t\xc3\xa9" if i % 2 else b"SharedKey emulator:\xe9\xff"
            r = session.get(url, headers={"Authorization": value, "ocp-date": formatdate(usegmt=True)}, timeout=5)
            assert r.status_code == 403, r.text
            assert r.json()["code"] == "AuthenticationFailed"
        host, port = emu.endpoint.removeprefix("http://").rsplit(":", 1)
        for _ in range(20):  # requests aiohttp cannot parse: the client's error, one line each at most
            with socket.create_connection((host, int(port)), timeout=5) as raw:
                raw.sendall(b"GET /pools HTTP/1.1\r\nHost: x\r\nContent-Length: 1%s\r\n\r\n")
                assert b" 400 " in raw.recv(100)
        answers_quickly(emu)
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        text = log.read_text()
        assert "listening on" in text
        assert "AuthenticationFailed" not in text and "compare_digest" not in text  # a 403 is not an incident
        assert "BadHttpMessage" not in text and text.count("Error handling request") <= BURST
        assert text.count("scheduler tick failed") <= BURST
        assert child_stderr(emu) == b""
    finally:
        assert emu.stop() == 0


def test_a_startup_failure_is_still_reported_from_stderr(tmp_path):
    with pytest.raises(RuntimeError, match="--port must be 0 to 65535"):
        start_emulator(tmp_path / "data", port=70000)


def test_a_body_past_the_limit_is_413_request_body_too_large(emu):
    body = json.dumps({"id": "big", "commandLine": "x" * (2 * MiB)}).encode()
    r = raw_post(emu, "/pools", body)
    assert r.status_code == 413
    assert r.json()["code"] == "RequestBodyTooLarge"


def test_json_nested_5000_deep_is_400(emu):
    r = raw_post(emu, "/jobs", b'{"id": "deep", "metadata": ' + b"[" * 5000 + b"]" * 5000 + b"}")
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "InvalidRequestBody"
    answers_quickly(emu)


# -- item 2: special files and big files ------------------------------------------------------------------


@pytest.mark.parametrize("make, what", [
    ("mkfifo fifo", "FIFO"),
    (f"{sys.executable} -c \"import socket; socket.socket(socket.AF_UNIX).bind('fifo')\"", "socket"),
    pytest.param("mknod fifo c 1 5", "character device",
                 marks=pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device needs root")),
])
def test_a_special_file_is_refused_at_once_and_the_service_keeps_serving(emu, ran, make, what):
    client = emu.client()
    _, job_id = ran
    task_id = unique("special")
    add_task(client, job_id, task_id, make)  # run without a shell, in the task's wd/
    task = wait_task(client, job_id, task_id)
    assert task.execution_info.exit_code == 0, b"".join(client.download_task_file(job_id, task_id, "stderr.txt"))
    started = time.monotonic()
    r = signed_get(emu, f"/jobs/{job_id}/tasks/{task_id}/files/wd%2Ffifo")
    assert time.monotonic() - started < 5
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "OperationInvalidForCurrentState"
    reason = {v["key"]: v["value"] for v in r.json()["values"]}["Reason"]
    assert what in reason and "only regular files" in reason
    props = client.get_task_file_properties(job_id, task_id, "wd/fifo")  # HEAD reads no bytes: it answers
    assert props.is_directory is False
    answers_quickly(emu)


def _memory_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def test_a_100_mb_file_streams_in_bounded_memory(tmp_path):
    emu = start_emulator(tmp_path / "data")
    try:
        client = emu.client()
        pool_id = make_pool(client, nodes=1)
        job_id = make_job(client, pool_id)
        add_task(client, job_id, "big", "/bin/sh -c 'head -c 100000000 /dev/zero > big.bin'")
        assert wait_task(client, job_id, "big").execution_info.exit_code == 0
        pid = emu.proc.pid
        try:  # start the peak afresh (Linux: writing 5 to clear_refs resets VmHWM)
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass
        before = _memory_kib(pid, "VmRSS")
        latencies: list[float] = []
        done = threading.Event()

        def other_client() -> None:
            while not done.is_set():
                latencies.append(answers_quickly(emu, limit=5.0))

        watcher = threading.Thread(target=other_client)
        watcher.start()
        started = time.monotonic()
        try:
            received = 0
            with signed_get_stream(emu, f"/jobs/{job_id}/tasks/big/files/wd%2Fbig.bin") as r:
                assert r.status_code == 200
                assert r.headers["Content-Length"] == "100000000"
                for chunk in r.iter_content(MiB):
                    received += len(chunk)
        finally:
            done.set()
            watcher.join()
        took = time.monotonic() - started
        peak = _memory_kib(pid, "VmHWM")
        grew = max(0, peak - before) / 1024
        print(f"\n100 MB GET: {took:.2f} s, emulator RSS {before / 1024:.1f} MiB -> peak {peak / 1024:.1f} MiB "
              f"(+{grew:.1f} MiB); other client: {len(latencies)} GETs, slowest {max(latencies):.3f} s")
        assert received == 100_000_000
        assert grew < 32, f"the emulator grew by {grew:.1f} MiB while sending a 100 MB file"
    finally:
        assert emu.stop() == 0


def signed_get_stream(emu: EmulatorProcess, path: str) -> requests.Response:
    headers = {"ocp-date": formatdate(usegmt=True)}
    prepared = requests.Request("GET", emu.endpoint + path, params={"api-version": API_VERSION},
                                headers=headers).prepare()
    raw_path, _, raw_query = prepared.path_url.partition("?")
    to_sign = string_to_sign("GET", raw_path, raw_query, prepared.headers, emu.account)
    prepared.headers["Authorization"] = f"SharedKey {emu.account}:{sign(emu.key, to_sign)}"
    return requests.Session().send(prepared, stream=True, timeout=30)


def test_a_node_with_a_big_tree_goes_without_stalling_the_service(emu):
    client = emu.client()
    pool_id = make_pool(client, nodes=1)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "many-files", "/bin/sh -c 'mkdir d && cd d && seq 30000 | xargs touch'")
    task = wait_task(client, job_id, "many-files", timeout=120)
    assert task.execution_info.exit_code == 0
    node_dir = emu.data_dir / "nodes" / task.node_info.node_id
    trash = emu.data_dir / ".trash"
    latencies: list[float] = []
    done = threading.Event()

    def other_client() -> None:
        while not done.is_set():
            latencies.append(answers_quickly(emu, limit=10.0))

    watcher = threading.Thread(target=other_client)
    watcher.start()
    try:
        client.begin_delete_pool(pool_id, polling_interval=0.05).result()
        wait_for(lambda: not node_dir.exists() and not any(trash.glob("*/*")), timeout=120,
                 what="the node's tree to be deleted")
    finally:
        done.set()
        watcher.join()
    print(f"\nnode with 30,000 files removed: {len(latencies)} GETs meanwhile, slowest {max(latencies):.3f} s")
    assert max(latencies) < 1.0


# -- item 3: command lines ----------------------------------------------------------------------------------


def test_a_1_mb_command_line_is_refused_at_once_while_others_are_served(emu, ran):
    _, job_id = ran
    body = json.dumps({"id": "huge", "commandLine": "/bin/sh -c 'echo " + "x" * 1_000_000 + "'"}).encode()
    results: list[tuple[int, str, float]] = []

    def post() -> None:
        started = time.monotonic()
        r = raw_post(emu, f"/jobs/{job_id}/tasks", body)
        results.append((r.status_code, r.json()["code"], time.monotonic() - started))

    posters = [threading.Thread(target=post) for _ in range(4)]
    for t in posters:
        t.start()
    latencies = []
    while any(t.is_alive() for t in posters):
        latencies.append(answers_quickly(emu))
    for t in posters:
        t.join()
    assert [(status, code) for status, code, _ in results] == [(400, "InvalidPropertyValue")] * 4
    assert max(took for _, _, took in results) < 5
    print(f"\n4 x 1 MB command lines: slowest answer {max(t for *_, t in results):.3f} s; "
          f"other client's slowest GET meanwhile {max(latencies, default=0):.3f} s")


def test_the_longest_command_line_allowed_runs(emu, ran):
    client = emu.client()
    _, job_id = ran
    word = "y" * (MAX_COMMAND_LINE_LENGTH - len("/bin/sh -c 'echo '"))
    add_task(client, job_id, "longest", f"/bin/sh -c 'echo {word}'")
    task = wait_task(client, job_id, "longest")
    assert task.execution_info.exit_code == 0
    assert b"".join(client.download_task_file(job_id, "longest", "stdout.txt")) == word.encode() + b"\n"
    with pytest.raises(HttpResponseError) as info:
        add_task(client, job_id, "too-long", f"/bin/sh -c 'echo {word}y'")
    assert info.value.status_code == 400 and info.value.error.code == "InvalidPropertyValue"


@pytest.mark.parametrize("name, item", [("environmentSettings", {"name": "A", "value": "1"}),
                                        ("resourceFiles", {"httpUrl": "http://127.0.0.1:9/x"})])
def test_too_many_settings_or_resource_files_are_refused(emu, ran, name, item):
    from batchtui.emulator.schema import MAX_ENVIRONMENT_SETTINGS, MAX_RESOURCE_FILES

    _, job_id = ran
    limit = MAX_ENVIRONMENT_SETTINGS if name == "environmentSettings" else MAX_RESOURCE_FILES
    body = {"id": unique("many"), "commandLine": "true", name: [item] * (limit + 1)}
    r = signed_post(emu, f"/jobs/{job_id}/tasks", body)
    assert r.status_code == 400, r.text
    values = {v["key"]: v["value"] for v in r.json()["values"]}
    assert r.json()["code"] == "InvalidPropertyValue" and values["PropertyName"] == name


def test_a_collection_refuses_only_its_task_over_a_limit(emu, ran):
    _, job_id = ran
    good = [{"id": unique("ok"), "commandLine": "true"} for _ in range(2)]
    bad = {"id": unique("bad"), "commandLine": "x" * (MAX_COMMAND_LINE_LENGTH + 1)}
    r = signed_post(emu, f"/jobs/{job_id}/addtaskcollection", {"value": [good[0], bad, good[1]]})
    assert r.status_code == 200, r.text
    status = {v["taskId"]: (v["status"], v.get("error", {}).get("code")) for v in r.json()["value"]}
    assert status == {good[0]["id"]: ("success", None), bad["id"]: ("clienterror", "InvalidPropertyValue"),
                      good[1]["id"]: ("success", None)}


# -- item 4: core quotas ------------------------------------------------------------------------------------


IMAGE = m.VirtualMachineConfiguration(
    image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
    node_agent_sku_id="batch.node.ubuntu 24.04",
)


def _pool(client, vm_size: str = "standard_d2s_v3", dedicated: int = 0, low: int = 0) -> str:
    pool_id = unique("quota")
    client.create_pool(m.BatchPoolCreateOptions(id=pool_id, vm_size=vm_size, virtual_machine_configuration=IMAGE,
                                                target_dedicated_nodes=dedicated, target_low_priority_nodes=low))
    return pool_id


def _steady(client, pool_id: str) -> m.BatchPool:
    return wait_for(lambda: (p := client.get_pool(pool_id)).allocation_state == "steady" and p, timeout=60,
                    what=f"{pool_id} steady")


def _errors(pool: m.BatchPool) -> list[str]:
    return [e.code for e in pool.resize_errors or []]


def test_pools_past_the_core_quota_go_steady_with_a_resize_error(tmp_path):
    emu = start_emulator(tmp_path / "data", extra_args=("--core-quota", "8", "--low-priority-core-quota", "2"))
    try:
        client = emu.client()
        within = _steady(client, _pool(client, dedicated=3))  # 6 of 8 cores
        assert within.current_dedicated_nodes == 3 and not within.resize_errors
        past = _steady(client, _pool(client, dedicated=2**31 - 1))  # the int32 maximum: accepted, 1 node fits
        assert past.target_dedicated_nodes == 2**31 - 1 and past.current_dedicated_nodes == 1
        assert _errors(past) == ["AccountCoreQuotaReached"]
        error = past.resize_errors[0]
        assert error.message and {v.name: v.value for v in error.error_values}["CoreQuota"] == "8"
        try:  # Batch reads targetDedicatedNodes as an int32: 10^12 is refused, or (until then) held by the quota
            absurd_id = _pool(client, dedicated=10**12)
        except HttpResponseError as exc:
            assert exc.status_code == 400 and exc.error.code == "InvalidPropertyValue"
        else:
            absurd = _steady(client, absurd_id)
            assert absurd.current_dedicated_nodes == 0 and _errors(absurd) == ["AccountCoreQuotaReached"]
        low = _steady(client, _pool(client, low=5))  # 2 low-priority cores: 1 node
        assert low.current_low_priority_nodes == 1 and _errors(low) == ["AccountLowPriorityCoreQuotaReached"]
        total = sum(len(list(client.list_nodes(p.id))) for p in client.list_pools())
        assert total == 3 + 1 + 1
        answers_quickly(emu)
        client.begin_resize_pool(past.id, m.BatchPoolResizeOptions(target_dedicated_nodes=1),
                                 polling_interval=0.05).result()
        resized = _steady(client, past.id)
        assert resized.current_dedicated_nodes == 1 and not resized.resize_errors
    finally:
        assert emu.stop() == 0


def test_the_default_quota_is_batchs_900_dedicated_cores(tmp_path):
    emu = start_emulator(tmp_path / "data")
    try:
        client = emu.client()
        pool = _steady(client, _pool(client, vm_size="Standard_D64s_v3", dedicated=1000))
        assert pool.current_dedicated_nodes == 900 // 64 and _errors(pool) == ["AccountCoreQuotaReached"]
        answers_quickly(emu)
    finally:
        assert emu.stop() == 0


@pytest.mark.parametrize("vm_size, cores", [
    ("standard_d2s_v3", 2), ("Standard_D64s_v3", 64), ("standard_nc6s_v3", 6), ("Standard_E4-2s_v3", 4),
    ("Standard_A1_v2", 1), ("Standard_HB120rs_v3", 120), ("STANDARD_M416ms_v2", 416), ("basic_a0", 1),
    ("something-else", 1),
])
def test_vm_cores_come_from_the_size_name(vm_size, cores):
    assert vm_cores(vm_size) == cores
