"""Operations with Batch's semantics: node reboot, reimage, scheduling; job
disable and enable; the SDK's pollers finish."""

from __future__ import annotations

import pytest
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from conftest import add_task, make_job, make_pool, wait_for, wait_task
from test_emulator_protocol import signed_get


def node_of(client, pool_id):
    return next(iter(client.list_nodes(pool_id)))


def test_reboot_requeues_running_task_and_node_comes_back(client):
    start = m.BatchStartTask(
        command_line="/bin/sh -c 'echo boot >> $AZ_BATCH_NODE_SHARED_DIR/boots'", wait_for_success=True
    )
    pool_id = make_pool(client, nodes=1, start_task=start)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "long", "sleep 30")
    task = wait_task(client, job_id, "long", "running")
    node_id = task.node_info.node_id
    client.begin_reboot_node(pool_id, node_id, {"nodeRebootOption": "requeue"},
                             polling_interval=0.05).result()
    assert client.get_node(pool_id, node_id).state != "rebooting"
    task = client.get_task(job_id, "long")
    assert task.execution_info.requeue_count == 1
    wait_for(lambda: client.get_node(pool_id, node_id).state in ("idle", "running"), what="node back")
    assert b"".join(client.download_node_file(pool_id, node_id, "shared/boots")) == b"boot\nboot\n"
    wait_task(client, job_id, "long", "running")
    client.terminate_task(job_id, "long")


def test_reboot_with_terminate_ends_the_task(client):
    pool_id = make_pool(client, nodes=1)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "long", "sleep 30")
    node_id = wait_task(client, job_id, "long", "running").node_info.node_id
    client.begin_reboot_node(pool_id, node_id, {"nodeRebootOption": "terminate"},
                             polling_interval=0.05).result()
    task = client.get_task(job_id, "long")
    assert task.state == "completed" and task.execution_info.failure_info.code == "TaskEnded"


def test_reboot_of_a_starting_node_is_409(slow_emulator):
    client = slow_emulator.client()
    pool_id = make_pool(client, nodes=1, wait_idle=False)
    node = wait_for(lambda: next(iter(client.list_nodes(pool_id)), None), what="a node")
    assert node.state in ("creating", "starting")
    with pytest.raises(ResourceExistsError) as info:
        client.begin_reboot_node(pool_id, node.id, {"nodeRebootOption": "requeue"})
    assert info.value.error.code == "OperationInvalidForCurrentState"


def test_reimage_wipes_the_node_and_reruns_the_start_task(client):
    start = m.BatchStartTask(
        command_line="/bin/sh -c 'echo fresh > $AZ_BATCH_NODE_SHARED_DIR/state'", wait_for_success=True
    )
    pool_id = make_pool(client, nodes=1, start_task=start)
    node_id = node_of(client, pool_id).id
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "marker", "/bin/sh -c 'echo dirty >> $AZ_BATCH_NODE_SHARED_DIR/state'")
    wait_task(client, job_id, "marker")
    assert b"".join(client.download_node_file(pool_id, node_id, "shared/state")) == b"fresh\ndirty\n"
    client.begin_reimage_node(pool_id, node_id, {"nodeReimageOption": "requeue"}, polling_interval=0.05).result()
    wait_for(lambda: client.get_node(pool_id, node_id).state == "idle", what="node back")
    assert b"".join(client.download_node_file(pool_id, node_id, "shared/state")) == b"fresh\n"


def test_disable_scheduling_keeps_tasks_off_the_node(client):
    pool_id = make_pool(client, nodes=1)
    node_id = node_of(client, pool_id).id
    client.disable_node_scheduling(pool_id, node_id, {"nodeDisableSchedulingOption": "requeue"})
    assert client.get_node(pool_id, node_id).scheduling_state == "disabled"
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "t", "true")
    import time

    time.sleep(0.5)
    assert client.get_task(job_id, "t").state == "active"
    client.enable_node_scheduling(pool_id, node_id)
    assert wait_task(client, job_id, "t").execution_info.exit_code == 0


def test_disable_job_requeue_then_enable(client):
    pool_id = make_pool(client, nodes=1)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "long", "sleep 30")
    wait_task(client, job_id, "long", "running")
    client.begin_disable_job(job_id, {"disableTasks": "requeue"}, polling_interval=0.05).result()
    assert client.get_job(job_id).state == "disabled"
    task = client.get_task(job_id, "long")
    assert task.state == "active" and task.execution_info.requeue_count == 1
    with pytest.raises(ResourceExistsError):
        client.begin_disable_job(job_id, {"disableTasks": "wait"})
    client.begin_enable_job(job_id, polling_interval=0.05).result()
    assert client.get_job(job_id).state == "active"
    wait_task(client, job_id, "long", "running")
    client.terminate_task(job_id, "long")


def test_disable_job_terminate_and_wait(client):
    pool_id = make_pool(client, nodes=1, slots=2)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "a", "sleep 30")
    wait_task(client, job_id, "a", "running")
    client.begin_disable_job(job_id, {"disableTasks": "terminate"}, polling_interval=0.05).result()
    assert client.get_task(job_id, "a").execution_info.failure_info.code == "TaskEnded"
    client.begin_enable_job(job_id, polling_interval=0.05).result()
    add_task(client, job_id, "b", "sleep 1")
    wait_task(client, job_id, "b", "running")
    poller = client.begin_disable_job(job_id, {"disableTasks": "wait"}, polling_interval=0.05)
    assert client.get_job(job_id).state == "disabling"
    poller.result()
    assert client.get_job(job_id).state == "disabled"
    assert client.get_task(job_id, "b").execution_info.exit_code == 0


def test_disable_job_needs_a_valid_option(client):
    pool_id = make_pool(client, nodes=0, wait_idle=False)
    job_id = make_job(client, pool_id)
    with pytest.raises(HttpResponseError) as info:
        client.begin_disable_job(job_id, {"disableTasks": "sometimes"})
    assert info.value.status_code == 400


def test_request_counts_by_method(emulator, client):
    before = signed_get(emulator, "/_emulator/requests").json()
    list(client.list_jobs())
    after = signed_get(emulator, "/_emulator/requests").json()
    assert after["GET"] == before.get("GET", 0) + 1
