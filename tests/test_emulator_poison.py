"""Issue 13, items 5-8: poison bodies are refused when they arrive (400 naming
the property), a bad document already stored harms only itself, a task that
cannot start completes with failureInfo and frees its slot, ids match Batch's
rule whole, and no input a client controls gets a 500 — against a real
emulator process."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.batch import models as m
from batch_http import BatchHttp, error_of
from conftest import EmulatorProcess, add_task, make_job, make_pool, start_emulator, unique, wait_for, wait_task

from batchtui.emulator.isolation import SetAside
from batchtui.emulator.schema import MAX_REQUEST_BODY_BYTES


@pytest.fixture(scope="module")
def http(emulator: EmulatorProcess) -> Iterator[BatchHttp]:
    session = BatchHttp(emulator.endpoint, emulator.account, emulator.key)
    yield session
    session.close()


@pytest.fixture(scope="module")
def pool(client) -> str:
    """A pool with one node of one slot: what a bad task must not starve."""
    return make_pool(client, nodes=1, slots=1)


def refused(response, status: int = 400) -> tuple[str, dict[str, str]]:
    got, code, values = error_of(response)
    assert got == status, response.text
    return code, values


def absent(http: BatchHttp, path: str) -> bool:
    return http.get(path).status_code == 404


def canary_runs(client, pool_id: str) -> None:
    """A fresh job's task on `pool_id` is scheduled and succeeds."""
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "canary", "/bin/true")
    task = wait_task(client, job_id, "canary")
    assert task.execution_info.result == "success"


# --- item 5: poison bodies refused when they arrive --------------------------------------------------
POISON_JOBS = [
    ({"priority": "high"}, "priority"),
    ({"priority": None}, "priority"),
    ({"poolInfo": {"poolId": ["p"]}}, "poolInfo.poolId"),
    ({"maxParallelTasks": "x"}, "maxParallelTasks"),
    ({"constraints": "PT1H"}, "constraints"),
]


@pytest.mark.parametrize(("change", "path"), POISON_JOBS)
def test_poison_job_is_refused_naming_the_property(http, client, pool, change, path):
    job_id = unique("poison")
    r = http.post("/jobs", {"id": job_id, "poolInfo": {"poolId": pool}, **change})
    code, values = refused(r)
    assert code == "InvalidPropertyValue" and values["PropertyName"] == path
    assert absent(http, f"/jobs/{job_id}")


@pytest.mark.parametrize(("change", "path"), [
    ({"taskSchedulingPolicy": "spread"}, "taskSchedulingPolicy"),
    ({"startTask": "echo hi"}, "startTask"),
    ({"targetDedicatedNodes": [1]}, "targetDedicatedNodes"),
    ({"taskSlotsPerNode": 0}, "taskSlotsPerNode"),
])
def test_poison_pool_is_refused_naming_the_property(http, change, path):
    pool_id = unique("poison")
    r = http.post("/pools", {"id": pool_id, "vmSize": "standard_d2s_v3", **change})
    code, values = refused(r)
    assert code == "InvalidPropertyValue" and values["PropertyName"] == path
    assert absent(http, f"/pools/{pool_id}")


def test_after_poison_bodies_a_canary_task_still_runs(http, client, pool):
    for change, _ in POISON_JOBS:
        http.post("/jobs", {"id": unique("poison"), "poolInfo": {"poolId": pool}, **change})
    canary_runs(client, pool)


# --- item 6: refused at creation where Batch refuses ---------------------------------------------------
@pytest.mark.parametrize(("change", "path"), [
    ({"commandLine": "/bin/echo a\x00b"}, "commandLine"),
    ({"environmentSettings": [{"name": "A=B", "value": "1"}]}, "environmentSettings[0].name"),
    ({"environmentSettings": [{"name": "A", "value": 5}]}, "environmentSettings[0].value"),
    ({"outputFiles": "abc"}, "outputFiles"),
    ({"resourceFiles": 5}, "resourceFiles"),
    ({"constraints": {"maxTaskRetryCount": "many"}}, "constraints.maxTaskRetryCount"),
])
def test_task_that_could_not_start_is_refused_at_creation(http, client, pool, change, path):
    job_id = make_job(client, pool)
    r = http.post(f"/jobs/{job_id}/tasks", {"id": "t", "commandLine": "/bin/true", **change})
    code, values = refused(r)
    assert code == "InvalidPropertyValue" and values["PropertyName"] == path
    assert absent(http, f"/jobs/{job_id}/tasks/t")


@pytest.mark.parametrize(("command", "code"), [
    ("/bin/echo 'unbalanced", "CommandLaunchFailed"),
    ("/etc/hostname", "CommandLaunchFailed"),  # not executable
    ("no-such-program-xyz", "CommandProgramNotFound"),
])
def test_task_that_fails_at_launch_completes_with_failure_info_and_frees_its_slot(client, pool, command, code):
    job_id = make_job(client, pool)
    add_task(client, job_id, "bad", command)
    add_task(client, job_id, "next", "/bin/true")
    bad = wait_task(client, job_id, "bad")
    assert bad.execution_info.result == "failure"
    assert bad.execution_info.failure_info.category == "usererror"
    assert bad.execution_info.failure_info.code == code
    assert wait_task(client, job_id, "next").execution_info.result == "success"  # the one slot was freed


# --- item 7: ids match Batch's rule whole ------------------------------------------------------------
BAD_IDS = ["t\n", "t\r\n", "", "a" * 65, "a.b", "a b", "é", "a/b", "\n"]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_bad_ids_are_refused_for_pools_jobs_and_tasks(http, client, pool, bad_id):
    job_id = make_job(client, pool)
    for path, body in (
        ("/pools", {"id": bad_id, "vmSize": "standard_d2s_v3"}),
        ("/jobs", {"id": bad_id, "poolInfo": {"poolId": pool}}),
        (f"/jobs/{job_id}/tasks", {"id": bad_id, "commandLine": "/bin/true"}),
    ):
        code, values = refused(http.post(path, body))
        assert values["PropertyName"] == "id", (path, values)
        assert code == ("MissingRequiredProperty" if bad_id == "" else "InvalidPropertyValue")
    assert [t.id for t in client.list_tasks(job_id)] == []


def test_a_64_character_id_is_accepted(http, client, pool):
    job_id = "j" * 64
    assert http.post("/jobs", {"id": job_id, "poolInfo": {"poolId": pool}}).status_code == 201
    assert client.get_job(job_id).id == job_id


@pytest.mark.parametrize("path", ["/jobs/j%0A", "/pools/p%0A/nodes", "/jobs/j%0A/tasks/t", "/jobs/%E2%80%A6"])
def test_ids_in_url_paths_that_no_resource_can_have_are_404(http, path):
    status, code, _ = error_of(http.get(path))
    assert status == 404 and code.endswith("NotFound")


# --- item 8: no 500 for what a client controls --------------------------------------------------------
def test_json_nested_5000_deep_is_invalid_request_body(http):
    r = http.request("POST", "/jobs", b"[" * 5000 + b"]" * 5000)
    assert refused(r)[0] == "InvalidRequestBody"
    r = http.request("POST", "/jobs", ('{"id": "deep", "poolInfo": ' + '{"a": ' * 5000 + "1" + "}" * 5001).encode())
    assert refused(r)[0] == "InvalidRequestBody"
    assert absent(http, "/jobs/deep")


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_nan_and_infinity_are_never_stored(http, pool, token):
    job_id = unique("nan")
    body = b'{"id": "%s", "poolInfo": {"poolId": "%s"}, "priority": %s}' % (job_id.encode(), pool.encode(), token)
    assert refused(http.request("POST", "/jobs", body))[0] == "InvalidRequestBody"
    assert absent(http, f"/jobs/{job_id}")


def test_a_body_too_large_is_413_request_body_too_large(http, pool):
    job_id = unique("big")
    body = json.dumps({"id": job_id, "poolInfo": {"poolId": pool}, "displayName": "x" * MAX_REQUEST_BODY_BYTES})
    code, _ = refused(http.request("POST", "/jobs", body.encode()), 413)
    assert code == "RequestBodyTooLarge"
    chunks = iter([body[:1000].encode(), body[1000:].encode()])  # no Content-Length: read, then refused
    code, _ = refused(http.request("POST", "/jobs", chunks), 413)
    assert code == "RequestBodyTooLarge"
    assert absent(http, f"/jobs/{job_id}")


@pytest.mark.parametrize("raw", [b"\xff\xfe junk", b"{", b"[]", b'"text"', b'{"id": "a", "id": "b"}'])
def test_malformed_bodies_are_invalid_request_body(http, raw):
    code, _ = refused(http.request("POST", "/jobs", raw))
    assert code in ("InvalidRequestBody", "InvalidPropertyValue")


def test_wrong_types_for_start_task_and_constraints_are_400(http, client, pool):
    code, values = refused(http.post("/pools", {"id": unique("p"), "vmSize": "a", "startTask": 5}))
    assert (code, values["PropertyName"]) == ("InvalidPropertyValue", "startTask")
    job_id = make_job(client, pool)
    code, values = refused(http.post(f"/jobs/{job_id}/tasks", {"id": "t", "commandLine": "x", "constraints": []}))
    assert (code, values["PropertyName"]) == ("InvalidPropertyValue", "constraints")


def test_removenodes_with_a_nested_list_is_400(http, pool):
    code, values = refused(http.post(f"/pools/{pool}/removenodes", {"nodeList": [["tvm-1"]]}))
    assert (code, values["PropertyName"]) == ("InvalidPropertyValue", "nodeList[0]")


@pytest.mark.parametrize("raw", [
    b"[]", b'"x"', b"{", b'{"status": "x"}', b'{"status": 500}', b'{"count": [1]}', b'{"count": 0}',
    b'{"count": 1e400}', b'{"retryAfter": "soon"}', b'{"status": 429, "extra": 1}', b"\xff",
])
def test_malformed_fault_bodies_are_400(http, raw):
    assert refused(http.request("POST", "/_emulator/faults", raw))[0] in (
        "InvalidRequestBody", "InvalidPropertyValue", "UnsupportedProperty")
    assert http.get("/jobs").status_code == 200  # nothing was queued


def test_a_5000_digit_integer_in_filter_is_400(http):
    code, values = refused(http.get("/jobs", {"$filter": "priority eq " + "9" * 5000}))
    assert code == "InvalidQueryParameterValue" and values["QueryParameterName"] == "$filter"


def test_long_filters_get_json_answers(http):
    assert http.get("/jobs", {"$filter": "id eq '" + "a" * 8000 + "'"}).json()["value"] == []
    assert refused(http.get("/jobs", {"$filter": "x" * 8200}))[0] == "InvalidQueryParameterValue"
    assert refused(http.get("/jobs", {"$filter": "id eq '" + "a" * 40_000 + "'"}))[0] == "InvalidQueryParameterValue"


def test_ocp_range_past_2_63_is_400_and_a_long_range_is_clamped(http, client, pool):
    job_id = make_job(client, pool)
    add_task(client, job_id, "out", "/bin/echo hello")
    wait_task(client, job_id, "out")
    path = f"/jobs/{job_id}/tasks/out/files/stdout.txt"
    for bad in ("bytes=0-" + "9" * 40, "bytes=9223372036854775808-", "bytes=0-9223372036854775808", "bytes=1-2-3"):
        status, code, values = error_of(http.get(path, headers={"ocp-range": bad}))
        assert (status, code, values["HeaderName"]) == (400, "InvalidHeaderValue", "ocp-range")
    r = http.get(path, headers={"ocp-range": "bytes=0-9223372036854775806"})
    assert (r.status_code, r.content) == (200, b"hello\n")


def test_a_collection_with_a_bad_fourth_task_keeps_the_good_ones(http, client, pool):
    job_id = make_job(client, pool)
    tasks = [{"id": f"t{i}", "commandLine": "/bin/true"} for i in range(6)]
    tasks[3] = {"id": "t3", "commandLine": "/bin/true", "requiredSlots": "many"}
    tasks[4] = "not a task"
    r = http.post(f"/jobs/{job_id}/addtaskcollection", {"value": tasks})
    assert r.status_code == 200, r.text
    results = r.json()["value"]
    assert [x["status"] for x in results] == ["success"] * 3 + ["clienterror"] * 2 + ["success"]
    assert results[3]["taskId"] == "t3" and results[3]["error"]["code"] == "InvalidPropertyValue"
    assert {"key": "PropertyName", "value": "requiredSlots"} in results[3]["error"]["values"]
    assert results[4]["taskId"] == "" and results[4]["error"]["code"] == "InvalidPropertyValue"
    assert {"key": "PropertyName", "value": "value[4]"} in results[4]["error"]["values"]
    assert sorted(t.id for t in client.list_tasks(job_id)) == ["t0", "t1", "t2", "t5"]


def test_a_collection_whose_envelope_is_bad_stores_nothing(http, client, pool):
    job_id = make_job(client, pool)
    for body in ({"value": []}, {"value": "t"}, {"value": [{"id": "a", "commandLine": "x"}] * 101}, {"tasks": []}):
        refused(http.post(f"/jobs/{job_id}/addtaskcollection", body))
    assert list(client.list_tasks(job_id)) == []


# --- item 5, second half: a bad document already stored harms only itself ---------------------------------
def _rows(db: Path, kind: str) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        return {i: json.loads(d) for i, d in conn.execute("SELECT id, doc FROM docs WHERE kind=?", (kind,))}


def _write(db: Path, kind: str, parent: str, doc: dict) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?)", (kind, parent, doc["id"], json.dumps(doc)))


def _log_text(emu: EmulatorProcess) -> str:
    """What the stopped emulator logged (its stderr, and any log file in its data dir)."""
    text = emu.proc.stderr.read() if emu.proc.stderr else ""
    return text + "".join(p.read_text(errors="replace") for p in emu.data_dir.rglob("*.log"))


def _damaged(db: Path) -> set[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return {(k, p, i) for k, p, i in conn.execute("SELECT kind, parent, id FROM damaged")}


def test_poison_documents_in_an_old_data_dir_are_set_aside_and_the_rest_is_served(tmp_path):
    """Two nets: a row whose types are wrong where the store checks them (store_check) is
    moved to table 'damaged' as the emulator starts; a document that loads but breaks
    the engine (isolation) is set aside while it stays as it is. Each is named once in the
    log, never once a tick, and the canary keeps running meanwhile."""
    emu = start_emulator(tmp_path / "data")
    try:
        client = emu.client()
        canary_pool = make_pool(client, nodes=1, slots=1)
        client.create_job(m.BatchJobCreateOptions(id="template", pool_info=m.BatchPoolInfo(pool_id="nowhere")))
        add_task(client, "template", "template", "/bin/true")  # stays active: its pool does not exist
    finally:
        assert emu.stop() == 0
    db = tmp_path / "data" / "state.sqlite"
    job, task = _rows(db, "job")["template"], _rows(db, "task")["template"]
    pool_doc = _rows(db, "pool")[canary_pool]

    def poison_job(job_id: str, **change: object) -> None:
        _write(db, "job", "", {**job, "id": job_id, "poolInfo": {"poolId": canary_pool}, **change})
        _write(db, "task", job_id, {**task, "id": "t1"})

    # all four from the issue, stored by an older emulator: the store's load check moves them aside
    poison_job("bad-priority", priority="high")
    poison_job("null-priority", priority=None)
    poison_job("bad-parallel", maxParallelTasks="x")
    _write(db, "pool", "", {**pool_doc, "id": "bad-pool", "taskSchedulingPolicy": "spread",
                            "targetDedicatedNodes": "x", "allocationState": "resizing"})
    poison_job("bad-pool-job", poolInfo={"poolId": "bad-pool"})
    # loaded, then failing in the engine's hands: set aside (isolation)
    poison_job("list-pool", poolInfo={"poolId": ["p"]})
    poison_job("bad-wallclock", constraints={"maxWallClockTime": 5, "maxTaskRetryCount": 0})
    # item 6: tasks that cannot start, on the canary pool's only slot, queued before the canary
    _write(db, "job", "", {**job, "id": "legacy", "poolInfo": {"poolId": canary_pool}})
    legacy = {
        "nul": {"commandLine": "/bin/echo a\x00b"},
        "eq-name": {"environmentSettings": [{"name": "A=B", "value": "1"}]},
        "int-value": {"environmentSettings": [{"name": "A", "value": 5}]},
        "outputs": {"outputFiles": "abc"},
        "resources": {"resourceFiles": 5},
    }
    for task_id, change in legacy.items():
        _write(db, "task", "legacy", {**task, "id": task_id, **change})
    _write(db, "task", "legacy", {**task, "id": "slots", "requiredSlots": "x"})  # the load check's

    emu = start_emulator(tmp_path / "data")
    try:
        client = emu.client()
        canary_runs(client, canary_pool)
        http = BatchHttp(emu.endpoint, emu.account, emu.key)  # raw: the SDK cannot read these documents
        for task_id in legacy:
            failed = wait_for(lambda t=task_id: (d := http.get(f"/jobs/legacy/tasks/{t}").json())["state"]
                              == "completed" and d, what=f"legacy task {task_id} completed")
            info = failed["executionInfo"]
            assert info["result"] == "failure", task_id
            assert info["failureInfo"]["category"] in ("usererror", "servererror"), task_id
            assert info["failureInfo"]["code"] in ("CommandLaunchFailed", "Unknown"), task_id
        assert http.get("/jobs/legacy/tasks/slots").status_code == 404  # in table 'damaged'
        wait_for(lambda: [n.running_task_slots_count for n in client.list_nodes(canary_pool)] == [0],
                 what="the node's slot freed")
        for job_id in ("list-pool", "bad-wallclock", "bad-pool-job"):
            assert http.get(f"/jobs/{job_id}").status_code == 200, job_id  # still readable
        for job_id in ("bad-priority", "null-priority", "bad-parallel"):
            assert http.get(f"/jobs/{job_id}").status_code == 404, job_id
        canary_runs(client, canary_pool)  # and the service keeps serving, tick after tick
        assert http.request("DELETE", "/jobs/list-pool").status_code == 202  # changed: it gets another chance
        wait_for(lambda: http.get("/jobs/list-pool").status_code == 404, what="the poison job deleted")
        http.close()
    finally:
        assert emu.stop() == 0
    assert {("job", "", "bad-priority"), ("job", "", "null-priority"), ("job", "", "bad-parallel"),
            ("pool", "", "bad-pool"), ("task", "legacy", "slots")} <= _damaged(db)
    log = _log_text(emu)
    for kind, name in (("job", "bad-priority"), ("job", "null-priority"), ("job", "bad-parallel"),
                       ("pool", "bad-pool")):
        lines = [line for line in log.splitlines() if f"'{name}'" in line]
        assert all("set aside in table 'damaged'" in line for line in lines), (name, lines)
        assert sum(f": {kind} '{name}' set aside" in line for line in lines) == 1, (name, lines)
    for name in ("list-pool", "bad-wallclock"):
        assert log.count(f"'{name}'") == 1, (name, log[-3000:])


def test_a_document_set_aside_gets_another_chance_when_it_changes():
    aside = SetAside()
    doc: dict[str, object] = {"id": "j", "priority": "high"}
    calls: list[str] = []

    def fails() -> None:
        calls.append("ran")
        raise TypeError("priority")

    assert aside.attempt("job", doc, fails) is None and len(aside) == 1
    assert aside.attempt("job", doc, fails) is None and calls == ["ran"]  # skipped while unchanged
    doc["priority"] = 1
    assert aside.attempt("job", doc, lambda: "ok") == "ok" and len(aside) == 0
