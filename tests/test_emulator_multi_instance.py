"""Multi-instance tasks through the official SDK: a task of N instances waits for N free nodes, runs the
coordination command on each and the application command on the primary, with Batch's AZ_BATCH_HOST_LIST,
AZ_BATCH_MASTER_NODE, AZ_BATCH_IS_CURRENT_NODE_MASTER and AZ_BATCH_TASK_SHARED_DIR; GET .../subtasksinfo
lists the subtasks with their nodes, states and exit codes."""

from __future__ import annotations

import pytest
from azure.batch import models as m
from conftest import add_task, make_job, make_pool, wait_for, wait_task

APP = ("/bin/sh -c 'echo $AZ_BATCH_HOST_LIST; echo $AZ_BATCH_MASTER_NODE; echo $AZ_BATCH_IS_CURRENT_NODE_MASTER; "
       "cat $AZ_BATCH_TASK_SHARED_DIR/coord.txt'")
COORDINATION = ("/bin/sh -c 'echo coord $AZ_BATCH_IS_CURRENT_NODE_MASTER > $AZ_BATCH_TASK_SHARED_DIR/coord.txt; "
                "echo $AZ_BATCH_HOST_LIST'")


def multi(task_id: str, command: str, instances: int, coordination: str = COORDINATION) -> m.BatchTaskCreateOptions:
    return m.BatchTaskCreateOptions(id=task_id, command_line=command, multi_instance_settings=m.MultiInstanceSettings(
        number_of_instances=instances, coordination_command_line=coordination))


def node_file(client, pool_id: str, node_id: str, path: str) -> str:
    return b"".join(client.download_node_file(pool_id, node_id, path)).decode()


@pytest.fixture(scope="module")
def pool_id(client):
    return make_pool(client, nodes=3, slots=1)


def test_a_three_instance_task_runs_on_three_nodes_and_sees_the_host_list(client, pool_id):
    job_id = make_job(client, pool_id)
    client.create_task(job_id, multi("mpi", APP, 3))
    task = wait_task(client, job_id, "mpi")
    assert task.execution_info.result == "success" and task.multi_instance_settings.number_of_instances == 3
    ips = {n.id: n.ip_address for n in client.list_nodes(pool_id)}
    primary = task.node_info.node_id
    hosts, master, is_master, coord = b"".join(client.download_task_file(job_id, "mpi", "stdout.txt")).decode().split(
        "\n")[:4]
    assert hosts.split(",")[0] == ips[primary] and sorted(hosts.split(",")) == sorted(ips.values())
    assert master == f"{ips[primary]}:6000" and is_master == "true" and coord == "coord true"
    subtasks = list(client.list_subtasks(job_id, "mpi"))
    assert [s.id for s in subtasks] == [1, 2]
    assert {s.node_info.node_id for s in subtasks} == set(ips) - {primary}
    for sub in subtasks:
        assert (sub.state, sub.exit_code, sub.result) == ("completed", 0, "success")
        assert sub.start_time <= sub.end_time
        folder = sub.node_info.task_root_directory
        assert folder == f"workitems/{job_id}/job-1/mpi"
        assert node_file(client, pool_id, sub.node_info.node_id, f"{folder}/coord.txt") == "coord false\n"
        assert node_file(client, pool_id, sub.node_info.node_id, f"{folder}/stdout.txt") == hosts + "\n"
    wait_for(lambda: all(n.state == "idle" for n in client.list_nodes(pool_id)), what="every node idle again")


def test_it_waits_for_that_many_free_nodes(client, pool_id):
    busy = make_job(client, pool_id)
    add_task(client, busy, "sleeper", "/bin/sleep 30")
    wait_task(client, busy, "sleeper", "running")
    job_id = make_job(client, pool_id)
    client.create_task(job_id, multi("mpi", "/bin/true", 3))
    add_task(client, job_id, "probe", "/bin/true")
    wait_task(client, job_id, "probe")  # the job's next task ran meanwhile, on a free node
    assert client.get_task(job_id, "mpi").state == "active"
    assert list(client.list_subtasks(job_id, "mpi")) == []
    client.terminate_task(busy, "sleeper")
    assert wait_task(client, job_id, "mpi").execution_info.result == "success"


def test_a_failing_coordination_command_fails_the_task_before_its_application_runs(client, pool_id):
    job_id = make_job(client, pool_id)
    client.create_task(job_id, multi("mpi", "/bin/sh -c 'echo application ran'", 2,
                                     coordination="/bin/sh -c 'test $AZ_BATCH_IS_CURRENT_NODE_MASTER = true'"))
    task = wait_task(client, job_id, "mpi")
    assert (task.execution_info.result, task.execution_info.exit_code) == ("failure", 1)
    assert b"".join(client.download_task_file(job_id, "mpi", "stdout.txt")) == b""
    (sub,) = client.list_subtasks(job_id, "mpi")
    assert (sub.state, sub.exit_code, sub.result) == ("completed", 1, "failure")
    assert sub.failure_info.code == "FailureExitCode"


def test_terminating_the_task_ends_its_subtasks_and_frees_their_nodes(client, pool_id):
    job_id = make_job(client, pool_id)
    client.create_task(job_id, multi("mpi", "/bin/sleep 30", 3, coordination="/bin/true"))
    wait_task(client, job_id, "mpi", "running")
    wait_for(lambda: all(n.state == "running" for n in client.list_nodes(pool_id)), what="three nodes running")
    client.terminate_task(job_id, "mpi")
    wait_for(lambda: all(n.state == "idle" for n in client.list_nodes(pool_id)), what="every node idle again")
    assert [s.state for s in client.list_subtasks(job_id, "mpi")] == ["completed", "completed"]


def test_a_subtask_node_rebooting_requeues_the_task(client, tmp_path):
    pool_id = make_pool(client, nodes=2, slots=1)
    mark = tmp_path / "first-run"
    job_id = make_job(client, pool_id)
    client.create_task(job_id, multi("mpi", f"/bin/sh -c 'test -e {mark} || (touch {mark}; sleep 30)'", 2,
                                     coordination="/bin/true"))
    task = wait_task(client, job_id, "mpi", "running")
    (sub,) = wait_for(lambda: list(client.list_subtasks(job_id, "mpi")), what="the subtask")
    assert sub.node_info.node_id != task.node_info.node_id
    client.begin_reboot_node(pool_id, sub.node_info.node_id, {"nodeRebootOption": "requeue"},
                             polling_interval=0.05).result()
    task = wait_task(client, job_id, "mpi", timeout=30)
    assert task.execution_info.requeue_count == 1 and task.execution_info.result == "success"
    wait_for(lambda: all(n.state == "idle" for n in client.list_nodes(pool_id)), what="both nodes idle")
