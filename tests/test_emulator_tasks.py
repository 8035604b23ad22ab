"""Jobs and tasks through the official SDK: scheduling on task slots, real
processes, exit codes, retries, wall-clock limits, collections, terminate,
reactivate, delete."""

from __future__ import annotations

import json

import pytest
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from conftest import add_task, make_job, make_pool, wait_for, wait_task


@pytest.fixture(scope="module")
def pool_id(client):
    return make_pool(client, nodes=2, slots=4)


def read(client, job_id, task_id, name="stdout.txt") -> bytes:
    return b"".join(client.download_task_file(job_id, task_id, name))


def test_done_when_scenario_25_tasks_one_failing(client, pool_id):
    """The issue's acceptance scenario: 25 tasks, one exits 3."""
    job_id = make_job(client, pool_id)
    tasks = [
        m.BatchTaskCreateOptions(
            id=f"task-{i:02d}", command_line=f"/bin/sh -c 'echo output of {i}; exit {3 if i == 13 else 0}'"
        )
        for i in range(25)
    ]
    result = client.create_tasks(job_id, tasks)
    assert len(result.result_values) == 25
    counts = wait_for(
        lambda: (c := client.get_job_task_counts(job_id)).task_counts.completed == 25 and c, what="25 completed"
    )
    assert (counts.task_counts.succeeded, counts.task_counts.failed) == (24, 1)
    assert (counts.task_slot_counts.succeeded, counts.task_slot_counts.failed) == (24, 1)
    pages = list(client.list_tasks(job_id, max_results=7).by_page())
    assert [len(list(p)) for p in pages] == [7, 7, 7, 4]
    failed = client.get_task(job_id, "task-13")
    assert failed.execution_info.exit_code == 3
    assert failed.execution_info.result == "failure"
    assert failed.execution_info.failure_info.category == "usererror"
    assert failed.execution_info.failure_info.code == "FailureExitCode"
    assert "exit code" in failed.execution_info.failure_info.message
    assert b"".join(client.download_task_file(job_id, "task-05", "stdout.txt", ocp_range="bytes=7-10")) == b"of 5"


def test_task_environment_and_directory_layout(client, pool_id):
    job_id = make_job(client, pool_id, common_environment_settings=[m.EnvironmentSetting(name="FROM_JOB", value="j")])
    add_task(client, job_id, "env", "/usr/bin/env",
             environment_settings=[m.EnvironmentSetting(name="FROM_TASK", value="t v")])
    task = wait_task(client, job_id, "env")
    assert task.execution_info.exit_code == 0
    env = dict(line.split("=", 1) for line in read(client, job_id, "env").decode().splitlines())
    assert env["AZ_BATCH_JOB_ID"] == job_id and env["AZ_BATCH_TASK_ID"] == "env"
    assert env["AZ_BATCH_POOL_ID"] == pool_id and env["AZ_BATCH_NODE_ID"] == task.node_info.node_id
    assert env["AZ_BATCH_TASK_DIR"].endswith(f"/workitems/{job_id}/job-1/env")
    assert env["AZ_BATCH_TASK_WORKING_DIR"] == env["AZ_BATCH_TASK_DIR"] + "/wd"
    assert env["AZ_BATCH_NODE_SHARED_DIR"].endswith(f"{task.node_info.node_id}/shared")
    assert env["FROM_JOB"] == "j" and env["FROM_TASK"] == "t v"
    assert task.node_info.task_root_directory == f"workitems/{job_id}/job-1/env"
    assert task.node_info.pool_id == pool_id


def test_command_line_runs_without_a_shell(client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "echo", "echo $HOME; 'two words'")
    wait_task(client, job_id, "echo")
    assert read(client, job_id, "echo") == b"$HOME; two words\n"


def test_missing_program_fails_with_failure_info(client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "nope", "no-such-program-xyz --flag")
    task = wait_task(client, job_id, "nope")
    assert task.execution_info.result == "failure"
    assert task.execution_info.failure_info.code == "CommandProgramNotFound"
    assert task.execution_info.exit_code is None


def test_retries_until_max_task_retry_count(client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "flaky", "/bin/sh -c 'echo try >> ../../attempts; exit 1'",
             constraints=m.BatchTaskConstraints(max_task_retry_count=2))
    task = wait_task(client, job_id, "flaky")
    assert task.execution_info.retry_count == 2
    assert task.execution_info.last_retry_time is not None
    assert task.execution_info.exit_code == 1
    assert task.previous_state == "running"


def test_retry_that_succeeds(client, pool_id):
    job_id = make_job(client, pool_id)
    # Fails the first time, succeeds the second: the marker file survives in the task dir.
    add_task(client, job_id, "second", "/bin/sh -c 'if [ -e ../marker ]; then exit 0; fi; touch ../marker; exit 9'",
             constraints=m.BatchTaskConstraints(max_task_retry_count=3))
    task = wait_task(client, job_id, "second")
    assert task.execution_info.result == "success"
    assert task.execution_info.retry_count == 1


def test_max_wall_clock_time_kills_the_process(client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "slow", "/bin/sh -c 'echo start; sleep 30; echo never'",
             constraints=m.BatchTaskConstraints(max_wall_clock_time="PT1S", max_task_retry_count=3))
    task = wait_task(client, job_id, "slow", timeout=15)
    assert task.execution_info.failure_info.code == "MaxWallClockTimeExceeded"
    assert task.execution_info.retry_count == 0
    assert read(client, job_id, "slow") == b"start\n"


def test_state_transition_time_and_previous_state(client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "t", "true")
    created = client.get_task(job_id, "t")
    done = wait_task(client, job_id, "t")
    assert done.previous_state == "running"
    assert done.state_transition_time >= created.creation_time
    assert done.execution_info.start_time <= done.execution_info.end_time


def test_task_slots_limit_concurrency(client):
    pool = make_pool(client, nodes=1, slots=2)
    job_id = make_job(client, pool)
    for i in range(4):
        add_task(client, job_id, f"s{i}", "sleep 1")
    running = wait_for(lambda: (c := client.get_job_task_counts(job_id).task_counts).running and c, what="running")
    assert running.running <= 2
    node = client.list_nodes(pool).next()
    assert node.running_task_slots_count <= 2
    wait_for(lambda: client.get_job_task_counts(job_id).task_counts.succeeded == 4, what="all done")
    node = client.get_node(pool, node.id)
    assert node.total_tasks_run == 4 and node.total_tasks_succeeded == 4 and node.state == "idle"


def test_add_collection_reports_per_task_results(client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "dup", "true")
    # create_tasks treats TaskExists as success, as the SDK documents.
    result = client.create_tasks(job_id, [m.BatchTaskCreateOptions(id="dup", command_line="true"),
                                          m.BatchTaskCreateOptions(id="new", command_line="true")])
    statuses = {r.task_id: (r.status, r.error.code if r.error else None) for r in result.result_values}
    assert statuses == {"dup": ("clienterror", "TaskExists"), "new": ("success", None)}
    ok = [r for r in result.result_values if r.status == "success"][0]
    assert ok.etag and ok.location.endswith(f"/jobs/{job_id}/tasks/new")
    with pytest.raises(m.CreateTasksError):
        client.create_tasks(job_id, [m.BatchTaskCreateOptions(id="bad id!", command_line="true")])


def test_collection_over_100_is_rejected(client, pool_id):
    job_id = make_job(client, pool_id)
    group = m.BatchTaskGroup(
        task_values=[m.BatchTaskCreateOptions(id=f"t{i}", command_line="true") for i in range(101)]
    )
    with pytest.raises(HttpResponseError) as info:
        client.create_task_collection(job_id, group)
    assert info.value.status_code == 400
    assert not list(client.list_tasks(job_id))


def test_create_tasks_sends_many_in_chunks_of_100(client, pool_id):
    job_id = make_job(client, pool_id)
    tasks = [m.BatchTaskCreateOptions(id=f"bulk-{i:04d}", command_line="true") for i in range(250)]
    client.create_tasks(job_id, tasks)
    assert len(list(client.list_tasks(job_id, select=["id"]))) == 250


def test_duplicate_task_is_task_exists(client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "one", "true")
    with pytest.raises(ResourceExistsError) as info:
        add_task(client, job_id, "one", "true")
    assert info.value.error.code == "TaskExists"


def test_terminate_job_then_adding_a_task_is_job_completed(client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "long", "sleep 30")
    wait_task(client, job_id, "long", "running")
    client.begin_terminate_job(job_id, {"terminateReason": "enough"}, polling_interval=0.05).result()
    job = client.get_job(job_id)
    assert job.state == "completed"
    assert job.execution_info.termination_reason == "enough"
    task = client.get_task(job_id, "long")
    assert task.state == "completed" and task.execution_info.failure_info.code == "TaskEnded"
    with pytest.raises(ResourceExistsError) as info:
        add_task(client, job_id, "late", "true")
    assert info.value.error.code == "JobCompleted"


def test_job_completes_when_all_tasks_complete_if_asked(client, pool_id):
    job_id = make_job(client, pool_id, all_tasks_complete_mode="terminatejob")
    add_task(client, job_id, "a", "true")
    job = wait_for(lambda: (j := client.get_job(job_id)).state == "completed" and j, what="job completed")
    assert job.execution_info.termination_reason == "AllTasksComplete"


def test_delete_job_with_poller_removes_it_and_its_tasks(client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "long", "sleep 30")
    wait_task(client, job_id, "long", "running")
    client.begin_delete_job(job_id, polling_interval=0.05).result()
    with pytest.raises(ResourceNotFoundError) as info:
        client.get_job(job_id)
    assert info.value.error.code == "JobNotFound"


def test_terminate_reactivate_and_delete_task(client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "t", "sleep 30")
    wait_task(client, job_id, "t", "running")
    client.terminate_task(job_id, "t")
    task = client.get_task(job_id, "t")
    assert task.state == "completed" and task.execution_info.result == "failure"
    client.reactivate_task(job_id, "t")
    task = client.get_task(job_id, "t")
    assert task.state in ("active", "running") and task.execution_info.retry_count == 0
    wait_task(client, job_id, "t", "running")
    client.delete_task(job_id, "t")
    with pytest.raises(ResourceNotFoundError) as info:
        client.get_task(job_id, "t")
    assert info.value.error.code == "TaskNotFound"


def test_reactivating_a_succeeded_task_is_409(client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "ok", "true")
    wait_task(client, job_id, "ok")
    with pytest.raises(ResourceExistsError) as info:
        client.reactivate_task(job_id, "ok")
    assert info.value.error.code == "OperationInvalidForCurrentState"


def test_job_fields(client, pool_id):
    job_id = make_job(client, pool_id)
    job = client.get_job(job_id)
    assert job.state == "active" and job.pool_info.pool_id == pool_id
    assert job.execution_info.pool_id == pool_id
    assert job.all_tasks_complete_mode == "noaction"
    assert job.constraints.max_task_retry_count == 0
    with pytest.raises(ResourceExistsError) as info:
        client.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id)))
    assert info.value.error.code == "JobExists"


def test_invalid_json_body_is_400(emulator):
    from email.utils import formatdate

    import requests

    from batchtui.emulator import API_VERSION
    from batchtui.emulator.auth import sign, string_to_sign

    body = b"{not json"
    headers = {
        "ocp-date": formatdate(usegmt=True), "Content-Type": "application/json", "Content-Length": str(len(body))
    }
    path = "/jobs"
    query = f"api-version={API_VERSION}"
    sig = sign(emulator.key, string_to_sign("POST", path, query, headers, emulator.account))
    r = requests.post(f"{emulator.endpoint}{path}?{query}", data=body,
                      headers={**headers, "Authorization": f"SharedKey {emulator.account}:{sig}"}, timeout=10)
    assert r.status_code == 400
    assert r.json()["code"] == "InvalidRequestBody"
    json.loads(r.text)


def test_task_counts_match_the_tasks_after_every_kind_of_change(client, pool_id):
    job_id = make_job(client, pool_id)
    client.create_task_collection(job_id, m.BatchTaskGroup(task_values=[
        m.BatchTaskCreateOptions(id=f"c{i}", command_line=f"/bin/sh -c 'exit {i % 3}'", required_slots=1 + i % 2)
        for i in range(9)
    ]))
    add_task(client, job_id, "long", "sleep 30")
    for i in range(9):
        wait_task(client, job_id, f"c{i}")
    wait_task(client, job_id, "long", "running")
    client.reactivate_task(job_id, "c1")
    client.delete_task(job_id, "c2")
    client.terminate_task(job_id, "long")
    wait_task(client, job_id, "c1")

    def scanned():
        counts = dict.fromkeys(("active", "running", "completed", "succeeded", "failed"), 0)
        slots = dict(counts)
        for t in client.list_tasks(job_id):
            buckets = [t.state if t.state != "preparing" else "running"]
            if t.state == "completed":
                buckets.append("failed" if t.execution_info.result == "failure" else "succeeded")
            for b in buckets:
                counts[b] += 1
                slots[b] += t.required_slots
        return counts, slots

    result = client.get_job_task_counts(job_id)
    counts, slots = scanned()
    assert {k: getattr(result.task_counts, k) for k in counts} == counts
    assert {k: getattr(result.task_slot_counts, k) for k in slots} == slots
    assert counts["completed"] == 9 and counts["failed"] >= 4


def test_a_node_lists_the_tasks_that_ran_on_it(client):
    """recentTasks (TaskInformation): each task that ran on the node, with its state and
    execution info as of its last change; absent until a task has run there."""
    pool_id = make_pool(client, nodes=1, slots=2)
    node_id = next(iter(client.list_nodes(pool_id))).id
    assert client.get_node(pool_id, node_id).recent_tasks is None
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "ok", "true")
    add_task(client, job_id, "bad", "/bin/sh -c 'exit 4'")
    add_task(client, job_id, "slow", "sleep 30")
    wait_task(client, job_id, "ok")
    wait_task(client, job_id, "bad")
    wait_task(client, job_id, "slow", "running")
    recent = {r.task_id: r for r in client.get_node(pool_id, node_id).recent_tasks}
    assert set(recent) == {"ok", "bad", "slow"}
    assert recent["bad"].job_id == job_id and recent["bad"].task_state == "completed"
    assert recent["bad"].execution_info.exit_code == 4 and recent["bad"].execution_info.result == "failure"
    assert recent["slow"].task_state == "running"
    assert recent["ok"].task_url.endswith(f"/jobs/{job_id}/tasks/ok")
    client.terminate_task(job_id, "slow")
    wait_for(lambda: {r.task_id: r.task_state for r in client.get_node(pool_id, node_id).recent_tasks}["slow"]
             == "completed", what="the node's entry follows the task")
    listed = next(iter(client.list_nodes(pool_id, select=["id", "recentTasks"])))
    assert {r.task_id for r in listed.recent_tasks} == {"ok", "bad", "slow"}
