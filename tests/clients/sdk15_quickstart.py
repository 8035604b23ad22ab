"""The quickstart of azure-batch 15.0.0b2 (`BatchClient`, api-version
2024-07-01.20.0) against an emulator: a pool, a job, tasks through the
create_tasks helper, lists with filters, task counts, a ranged file read, and
what 2024-07-01.20.0 adds (node deallocate and start).

    python sdk15_quickstart.py ENDPOINT ACCOUNT KEY
"""

from __future__ import annotations

import sys
import uuid

import azure.batch.models as m
from azure.batch import BatchClient
from azure.core.credentials import AzureNamedKeyCredential
from steps import Steps, expect, wait_until

endpoint, account, key = sys.argv[1:4]
client = BatchClient(endpoint, AzureNamedKeyCredential(account, key))
suffix = uuid.uuid4().hex[:6]
pool_id, job_id = f"b2-pool-{suffix}", f"b2-job-{suffix}"
TASKS = 30
steps = Steps()
IMAGE = m.ImageReference(publisher="canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts",
                         version="latest")


def images() -> None:
    found = list(client.list_supported_images(filter="verificationType eq 'verified'"))
    expect(any(i.node_agent_sku_id == "batch.node.ubuntu 22.04" for i in found), f"{len(found)} images")


steps.run("list_supported_images", images)


def create_pool() -> None:
    client.create_pool(m.BatchPoolCreateContent(
        id=pool_id, vm_size="standard_d2s_v3", target_dedicated_nodes=2,
        virtual_machine_configuration=m.VirtualMachineConfiguration(
            image_reference=IMAGE, node_agent_sku_id="batch.node.ubuntu 22.04",
            extensions=[m.VMExtension(name="monitor", publisher="Microsoft.Azure.Monitor",
                                      type="AzureMonitorLinuxAgent", type_handler_version="1.0")])))


steps.run("create_pool", create_pool)


def nodes_idle() -> list[m.BatchNode]:
    return wait_until("2 idle nodes", lambda: (n := list(client.list_nodes(pool_id, filter="state eq 'idle'")))
                      and len(n) == 2 and n)


nodes = steps.run("list_nodes (filter) until idle", nodes_idle, needs=("create_pool",))


def create_job() -> None:
    client.create_job(m.BatchJobCreateContent(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id), priority=3))


steps.run("create_job", create_job, needs=("create_pool",))


def create_tasks() -> None:
    tasks = [m.BatchTaskCreateContent(id=f"task-{i:03d}", command_line=f"/bin/sh -c 'echo output of {i}'")
             for i in range(TASKS)]
    result = client.create_tasks(job_id, tasks)
    expect(len(result.value) == TASKS and all(r.status == "success" for r in result.value), "create_tasks")


steps.run("create_tasks", create_tasks, needs=("create_job",))


def update_job() -> None:
    client.update_job(job_id, m.BatchJobUpdateContent(on_all_tasks_complete="terminatejob"))
    wait_until("the job to complete", lambda: client.get_job(job_id).state == "completed")


steps.run("update_job (terminatejob) and completion", update_job, needs=("create_tasks",))


def list_tasks() -> None:
    found = list(client.list_tasks(job_id, filter="state eq 'completed'", max_results=7, select=["id", "state"]))
    expect(len(found) == TASKS, f"{len(found)} tasks over the pages")


steps.run("list_tasks (filter, select, paging by 7)", list_tasks, needs=("update_job (terminatejob) and completion",))


def counts() -> None:
    result = client.get_job_task_counts(job_id)
    expect(result.task_counts.succeeded == TASKS, str(result.task_counts))


steps.run("get_job_task_counts", counts, needs=("update_job (terminatejob) and completion",))


def ranged() -> None:
    data = b"".join(client.get_task_file(job_id, "task-007", "stdout.txt", ocp_range="bytes=0-5"))
    expect(data == b"output", repr(data))


steps.run("get_task_file (ocp_range)", ranged, needs=("update_job (terminatejob) and completion",))


def replace_task() -> None:
    task = client.get_task(job_id, "task-001")
    task.constraints = m.BatchTaskConstraints(retention_time="PT1H")
    client.replace_task(job_id, "task-001", task)
    expect(client.get_task(job_id, "task-001").constraints.retention_time.total_seconds() == 3600, "retention")


steps.run("replace_task (constraints)", replace_task, needs=("create_tasks",))


def extensions() -> None:
    node_id = nodes[0].id  # type: ignore[index]
    found = list(client.list_node_extensions(pool_id, node_id))
    expect([e.vm_extension.name for e in found] == ["monitor"], str(found))
    expect(client.get_node_extension(pool_id, node_id, "monitor").provisioning_state == "Succeeded", "state")


steps.run("list_node_extensions and get_node_extension", extensions, needs=("list_nodes (filter) until idle",))


def deallocate_and_start() -> None:
    node_id = nodes[1].id  # type: ignore[index]
    client.deallocate_node(pool_id, node_id, m.BatchNodeDeallocateContent(node_deallocate_option="taskcompletion"))
    wait_until("deallocated", lambda: client.get_node(pool_id, node_id).state == "deallocated")
    counts = [c for c in client.list_pool_node_counts() if c.pool_id == pool_id][0]
    expect(counts.dedicated.deallocated == 1, str(counts.dedicated))
    client.start_node(pool_id, node_id)
    wait_until("idle again", lambda: client.get_node(pool_id, node_id).state == "idle")


steps.run("deallocate_node and start_node", deallocate_and_start, needs=("list_nodes (filter) until idle",))


def replace_pool() -> None:
    client.replace_pool_properties(pool_id, m.BatchPoolReplaceContent(
        start_task=m.BatchStartTask(command_line="/bin/true"), certificate_references=[],
        application_package_references=[], metadata=[m.MetadataItem(name="stage", value="b2")]))
    pool = client.get_pool(pool_id)
    expect(pool.start_task.command_line == "/bin/true" and pool.metadata[0].value == "b2", "replaced")


steps.run("replace_pool_properties", replace_pool, needs=("create_pool",))


def resize() -> None:
    wait_until("steady", lambda: client.get_pool(pool_id).allocation_state == "steady")
    client.resize_pool(pool_id, m.BatchPoolResizeContent(target_dedicated_nodes=1))
    wait_until("one node", lambda: (p := client.get_pool(pool_id)).allocation_state == "steady"
               and p.current_dedicated_nodes == 1)


steps.run("resize_pool", resize, needs=("list_nodes (filter) until idle",))


def delete() -> None:
    client.delete_job(job_id)
    client.delete_pool(pool_id)
    wait_until("the pool to go", lambda: not client.pool_exists(pool_id))


steps.run("delete_job and delete_pool", delete, needs=("create_pool", "create_job"))
steps.finish()
