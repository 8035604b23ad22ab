"""The job manager task through the official SDK and the REST API: it starts before the job's other
tasks, alone on its node (runExclusive), only on dedicated nodes when told, and its completion ends the
job (killJobOnCompletion); with authenticationTokenSettings it gets a token that opens its own job's
operations, and nothing else, as a bearer credential."""

from __future__ import annotations

import sys

import pytest
from azure.batch import models as m
from conftest import make_job, make_pool, wait_for, wait_task
from test_emulator_versions import call

from batchtui.emulator.schema.versions import V20


def manager(command: str, **options) -> m.BatchJobManagerTask:
    return m.BatchJobManagerTask(id="manager", command_line=command, **options)


def ended(client, job_id: str):
    return wait_for(lambda: (j := client.get_job(job_id)).state == "completed" and j, what=f"{job_id} completed")


@pytest.fixture(scope="module")
def pool_id(client):
    return make_pool(client, nodes=2, slots=2)


def test_the_manager_starts_first_alone_on_its_node_and_its_end_ends_the_job(client, pool_id):
    job_id = make_job(client, pool_id, job_manager_task=manager("/bin/sleep 1.5"))
    job = client.get_job(job_id)
    assert (job.job_manager_task.kill_job_on_completion, job.job_manager_task.run_exclusive,
            job.job_manager_task.allow_low_priority_node) == (True, True, True)
    client.create_tasks(job_id, [m.BatchTaskCreateOptions(id=f"t{i}", command_line="/bin/sleep 0.2")
                                 for i in range(3)])
    done = ended(client, job_id)
    assert done.execution_info.termination_reason == "JMComplete"
    tasks = {t.id: t for t in client.list_tasks(job_id)}
    boss = tasks.pop("manager")
    assert boss.state == "completed" and boss.execution_info.exit_code == 0
    for task in tasks.values():
        assert task.state == "completed"
        assert task.execution_info.start_time >= boss.execution_info.start_time  # the manager first
        if task.node_info.node_id == boss.node_info.node_id:  # nothing beside it on its node
            assert task.execution_info.start_time >= boss.execution_info.end_time


def test_without_kill_job_on_completion_the_job_stays_active(client, pool_id):
    job_id = make_job(client, pool_id, job_manager_task=manager("/bin/true", kill_job_on_completion=False))
    wait_task(client, job_id, "manager")
    m2 = make_job(client, pool_id, job_manager_task=manager("/bin/true"))
    ended(client, m2)  # a later job's manager completed and ended its job: ticks went by
    assert client.get_job(job_id).state == "active"


def test_a_manager_kept_off_low_priority_nodes_waits_and_so_do_the_other_tasks(client):
    spot = make_pool(client, nodes=0, low_priority=1)
    job_id = make_job(client, spot, job_manager_task=manager("/bin/true", allow_low_priority_node=False))
    client.create_tasks(job_id, [m.BatchTaskCreateOptions(id="after", command_line="/bin/true")])
    other = make_job(client, spot)
    client.create_tasks(other, [m.BatchTaskCreateOptions(id="runs", command_line="/bin/true")])
    wait_task(client, other, "runs")  # the node took a task meanwhile
    assert client.get_task(job_id, "manager").state == "active"
    assert client.get_task(job_id, "after").state == "active"


MANAGER_SCRIPT = """
import json, os, time, urllib.request, urllib.error
base = os.environ["AZ_BATCH_ACCOUNT_URL"].rstrip("/")
job = os.environ["AZ_BATCH_JOB_ID"]
head = {"Authorization": "Bearer " + os.environ["AZ_BATCH_AUTHENTICATION_TOKEN"],
        "Content-Type": "application/json; odata=minimalmetadata"}
def ask(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path + "?api-version=VERSION", data, head, method=method)
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.load(answer) if answer.length != 0 else None
    except urllib.error.HTTPError as error:
        return error.code, None
tasks = [{"id": "work-%d" % i, "commandLine": "/bin/echo %d" % i} for i in range(10)]
print("add", ask("POST", "/jobs/" + job + "/addtaskcollection", {"value": tasks})[0])
print("jobs", ask("GET", "/jobs")[0])
print("pools", ask("GET", "/pools")[0])
while True:
    status, page = ask("GET", "/jobs/" + job + "/tasks")
    done = [t for t in page["value"] if t["id"] != "manager" and t["state"] == "completed"]
    if len(done) == 10:
        break
    time.sleep(0.1)
print("done", len(done))
"""


def test_a_manager_adds_ten_tasks_with_its_token_and_the_job_ends(emulator, client, pool_id):
    """Through the REST API at an api-version that has authenticationTokenSettings (the SDK's has not)."""
    job_id = "jm-token-" + pool_id
    script = MANAGER_SCRIPT.replace("VERSION", V20)
    body = {"id": job_id, "poolInfo": {"poolId": pool_id}, "jobManagerTask": {
        "id": "manager", "commandLine": f"{sys.executable} -c '{script}'",
        "authenticationTokenSettings": {"access": ["job"]}}}
    assert call(emulator, "POST", "/jobs", V20, body).status_code == 201
    done = ended(client, job_id)
    assert done.execution_info.termination_reason == "JMComplete"
    out = b"".join(client.download_task_file(job_id, "manager", "stdout.txt")).decode().split("\n")
    assert out[:4] == ["add 200", "jobs 403", "pools 403", "done 10"], out
    tasks = [t for t in client.list_tasks(job_id) if t.id != "manager"]
    assert len(tasks) == 10 and all(t.execution_info.result == "success" for t in tasks)
    stored = call(emulator, "GET", f"/jobs/{job_id}/tasks/manager", V20).json()
    assert "_authToken" not in stored and stored["authenticationTokenSettings"] == {"access": ["job"]}


def test_a_token_is_refused_once_its_task_has_ended_and_an_unknown_one_always(emulator, client, pool_id):
    import requests

    job_id = "jm-leak-" + pool_id
    body = {"id": job_id, "poolInfo": {"poolId": pool_id}, "jobManagerTask": {
        "id": "manager", "commandLine": "/bin/sh -c 'echo $AZ_BATCH_AUTHENTICATION_TOKEN'",
        "authenticationTokenSettings": {"access": ["job"]}}}
    assert call(emulator, "POST", "/jobs", V20, body).status_code == 201
    ended(client, job_id)
    token = b"".join(client.download_task_file(job_id, "manager", "stdout.txt")).decode().strip()
    assert token.startswith("batchtui-")
    for credential in (token, "batchtui-forged"):
        answer = requests.get(f"{emulator.endpoint}/jobs/{job_id}", params={"api-version": V20},
                              headers={"Authorization": f"Bearer {credential}"}, timeout=10)
        assert answer.status_code == 403 and answer.json()["code"] == "AuthenticationFailed"
