"""Pools and nodes through the official SDK: lifecycle, start tasks, resize,
node counts, delete."""

from __future__ import annotations

import pytest
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from conftest import make_pool, unique, wait_for


def test_nodes_progress_from_creating_to_idle(client):
    pool_id = make_pool(client, nodes=2, wait_idle=False)
    seen: set[str] = set()

    def all_idle():
        states = [n.state for n in client.list_nodes(pool_id)]
        seen.update(states)
        return len(states) == 2 and set(states) == {"idle"}

    wait_for(all_idle, interval=0.02, what="idle nodes")
    assert {"creating", "starting"} & seen, seen
    pool = client.get_pool(pool_id)
    assert pool.allocation_state == "steady"
    assert pool.current_dedicated_nodes == 2
    node = client.list_nodes(pool_id).next()
    assert node.is_dedicated and node.vm_size == "standard_d2s_v3"
    assert node.node_id if hasattr(node, "node_id") else node.id.startswith("tvm-")


def test_pool_fields_and_defaults(client):
    pool_id = make_pool(client, nodes=0, wait_idle=False)
    pool = client.get_pool(pool_id)
    assert pool.state == "active"
    assert pool.resize_timeout.total_seconds() == 15 * 60
    assert pool.task_slots_per_node == 1
    assert pool.url.endswith(f"/pools/{pool_id}")
    assert pool.etag.startswith("0x")
    assert pool.virtual_machine_configuration.node_agent_sku_id == "batch.node.ubuntu 24.04"


def test_create_pool_twice_is_pool_exists(client):
    pool_id = make_pool(client, nodes=0, wait_idle=False)
    with pytest.raises(ResourceExistsError) as info:
        client.create_pool(m.BatchPoolCreateOptions(id=pool_id, vm_size="standard_d2s_v3"))
    assert info.value.error.code == "PoolExists"


def test_create_pool_without_vm_size_is_missing_property(client):
    with pytest.raises(HttpResponseError) as info:
        client.create_pool(m.BatchPoolCreateOptions(id=unique("pool"), vm_size=""))
    assert info.value.status_code == 400
    assert info.value.error.code == "MissingRequiredProperty"


def test_start_task_runs_on_every_node(client):
    start = m.BatchStartTask(
        command_line="/bin/sh -c 'echo started on $AZ_BATCH_NODE_ID; echo shared > $AZ_BATCH_NODE_SHARED_DIR/marker'",
        wait_for_success=True,
    )
    pool_id = make_pool(client, nodes=2, start_task=start)
    for node in client.list_nodes(pool_id):
        assert node.start_task_info.state == "completed"
        assert node.start_task_info.exit_code == 0
        out = b"".join(client.download_node_file(pool_id, node.id, "startup/stdout.txt"))
        assert out == f"started on {node.id}\n".encode()
        assert b"".join(client.download_node_file(pool_id, node.id, "shared/marker")) == b"shared\n"


def test_failing_start_task_leaves_node_starttaskfailed(client):
    start = m.BatchStartTask(
        command_line="/bin/sh -c 'echo boom >&2; exit 4'", wait_for_success=True, max_task_retry_count=1
    )
    pool_id = make_pool(client, nodes=1, start_task=start, wait_idle=False)
    node = wait_for(
        lambda: next((n for n in client.list_nodes(pool_id) if n.state == "starttaskfailed"), None),
        what="starttaskfailed",
    )
    info = node.start_task_info
    assert info.exit_code == 4 and info.result == "failure" and info.retry_count == 1
    assert info.failure_info.code == "FailureExitCode"
    assert b"".join(client.download_node_file(pool_id, node.id, "startup/stderr.txt")) == b"boom\n"


def test_resize_up_and_down_with_pollers(client):
    pool_id = make_pool(client, nodes=1)
    client.begin_resize_pool(
        pool_id, m.BatchPoolResizeOptions(target_dedicated_nodes=3, target_low_priority_nodes=1), polling_interval=0.05
    ).result()
    pool = client.get_pool(pool_id)
    assert pool.allocation_state == "steady"
    assert (pool.current_dedicated_nodes, pool.current_low_priority_nodes) == (3, 1)
    nodes = list(client.list_nodes(pool_id))
    assert sorted(n.is_dedicated for n in nodes) == [False, True, True, True]
    wait_for(lambda: all(n.state == "idle" for n in client.list_nodes(pool_id)), what="idle")
    client.begin_resize_pool(
        pool_id, m.BatchPoolResizeOptions(target_dedicated_nodes=1), polling_interval=0.05
    ).result()
    wait_for(lambda: len(list(client.list_nodes(pool_id))) == 1, what="nodes to leave")
    assert client.get_pool(pool_id).current_dedicated_nodes == 1


def test_resize_while_resizing_is_409(slow_emulator):
    client = slow_emulator.client()
    pool_id = make_pool(client, nodes=0, wait_idle=False)
    client.begin_resize_pool(pool_id, m.BatchPoolResizeOptions(target_dedicated_nodes=2), polling_interval=60)
    assert client.get_pool(pool_id).allocation_state == "resizing"
    with pytest.raises(ResourceExistsError) as info:
        client.begin_resize_pool(pool_id, m.BatchPoolResizeOptions(target_dedicated_nodes=3))
    assert info.value.error.code == "PoolBeingResized"
    assert info.value.status_code == 409


def test_stop_resize_returns_to_steady(slow_emulator):
    client = slow_emulator.client()
    pool_id = make_pool(client, nodes=0, wait_idle=False)
    client.begin_resize_pool(pool_id, m.BatchPoolResizeOptions(target_dedicated_nodes=2), polling_interval=60)
    assert client.get_pool(pool_id).allocation_state == "resizing"
    client.begin_stop_pool_resize(pool_id, polling_interval=0.05).result()
    assert client.get_pool(pool_id).allocation_state == "steady"


def test_node_counts(client):
    pool_id = make_pool(client, nodes=2, low_priority=1)
    counts = [c for c in client.list_pool_node_counts() if c.pool_id == pool_id]
    assert len(counts) == 1
    assert counts[0].dedicated.idle == 2 and counts[0].dedicated.total == 2
    assert counts[0].low_priority.idle == 1 and counts[0].low_priority.total == 1
    filtered = list(client.list_pool_node_counts(filter=f"poolId eq '{pool_id}'"))
    assert [c.pool_id for c in filtered] == [pool_id]


def test_delete_pool_with_poller(client):
    pool_id = make_pool(client, nodes=2)
    client.begin_delete_pool(pool_id, polling_interval=0.05).result()
    assert pool_id not in [p.id for p in client.list_pools()]
    with pytest.raises(Exception) as info:
        client.get_pool(pool_id)
    assert info.value.error.code == "PoolNotFound"


def test_remove_nodes_requeues_running_task(client):
    from conftest import add_task, make_job, wait_task

    pool_id = make_pool(client, nodes=2)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "long", "sleep 30")
    task = wait_task(client, job_id, "long", "running")
    node_id = task.node_info.node_id
    client.begin_remove_nodes(
        pool_id, m.BatchNodeRemoveOptions(node_ids=[node_id], node_deallocation_option="requeue"), polling_interval=0.05
    ).result()
    task = wait_for(
        lambda: (t := client.get_task(job_id, "long")).execution_info.requeue_count == 1 and t, what="requeue"
    )
    assert task.state in ("active", "running")
    rerun = wait_task(client, job_id, "long", "running")
    assert rerun.node_info.node_id != node_id
    client.terminate_task(job_id, "long")
