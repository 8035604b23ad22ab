"""The quickstart of the track-1 SDK (azure-batch 14.2.0, `BatchServiceClient`,
api-version 2024-02-01.19.0) against an emulator: what the Azure Batch Python
quickstart and its usual scripts do.

    python track1_quickstart.py ENDPOINT ACCOUNT KEY
"""

from __future__ import annotations

import sys
import uuid

import azure.batch.models as batchmodels
from azure.batch import BatchServiceClient
from azure.batch.batch_auth import SharedKeyCredentials
from steps import Steps, expect, wait_until

endpoint, account, key = sys.argv[1:4]
client = BatchServiceClient(SharedKeyCredentials(account, key), batch_url=endpoint)
suffix = uuid.uuid4().hex[:6]
pool_id, job_id = f"t1-pool-{suffix}", f"t1-job-{suffix}"
TASKS = 12
steps = Steps()


def choose_image() -> batchmodels.ImageInformation:
    images = list(client.account.list_supported_images(
        account_list_supported_images_options=batchmodels.AccountListSupportedImagesOptions(
            filter="osType eq 'linux'")))
    ubuntu = [i for i in images if i.node_agent_sku_id == "batch.node.ubuntu 22.04"]
    expect(bool(ubuntu), f"no ubuntu 22.04 image among {len(images)}")
    return ubuntu[0]


image = steps.run("list supported images (filter)", choose_image)


def create_pool() -> None:
    reference = image.image_reference if image else batchmodels.ImageReference(
        publisher="canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts", version="latest")
    client.pool.add(batchmodels.PoolAddParameter(
        id=pool_id, vm_size="standard_d2s_v3", target_dedicated_nodes=2,
        virtual_machine_configuration=batchmodels.VirtualMachineConfiguration(
            image_reference=reference, node_agent_sku_id="batch.node.ubuntu 22.04"),
        start_task=batchmodels.StartTask(command_line="/bin/sh -c 'echo started'", wait_for_success=True)))


steps.run("pool.add", create_pool)


def nodes_idle() -> None:
    def idle() -> bool:
        nodes = list(client.compute_node.list(pool_id, compute_node_list_options=batchmodels.ComputeNodeListOptions(
            filter="state eq 'idle'")))
        return len(nodes) == 2
    wait_until("2 idle nodes", idle)
    expect(client.pool.get(pool_id).allocation_state == batchmodels.AllocationState.steady, "pool not steady")


steps.run("compute_node.list (filter) until idle", nodes_idle, needs=("pool.add",))


def create_job() -> None:
    client.job.add(batchmodels.JobAddParameter(
        id=job_id, pool_info=batchmodels.PoolInformation(pool_id=pool_id), priority=5,
        constraints=batchmodels.JobConstraints(max_task_retry_count=1)))


steps.run("job.add", create_job, needs=("pool.add",))


def add_tasks() -> None:
    tasks = [batchmodels.TaskAddParameter(id=f"task-{i:02d}", command_line=f"/bin/sh -c 'echo hello from task {i}'")
             for i in range(TASKS)]
    result = client.task.add_collection(job_id, tasks)
    statuses = {r.status for r in result.value}
    expect(statuses == {batchmodels.TaskAddStatus.success}, f"add_collection results {statuses}")


steps.run("task.add_collection", add_tasks, needs=("job.add",))


def patch_job() -> None:
    client.job.patch(job_id, batchmodels.JobPatchParameter(
        priority=7, on_all_tasks_complete=batchmodels.OnAllTasksComplete.terminate_job))
    job = client.job.get(job_id)
    expect(job.priority == 7 and job.on_all_tasks_complete == "terminatejob", f"job after patch: {job.priority}")


steps.run("job.patch (onAllTasksComplete terminatejob)", patch_job, needs=("task.add_collection",))


def job_completes() -> None:
    job = wait_until("the job to complete", lambda: (j := client.job.get(job_id)).state == "completed" and j)
    expect(job.execution_info.terminate_reason == "AllTasksComplete", job.execution_info.terminate_reason)


steps.run("job completes when all tasks complete", job_completes,
          needs=("job.patch (onAllTasksComplete terminatejob)",))


def list_tasks_paged() -> None:
    options = batchmodels.TaskListOptions(filter="state eq 'completed'", max_results=5, select="id,state")
    tasks = list(client.task.list(job_id, task_list_options=options))
    expect(len(tasks) == TASKS, f"{len(tasks)} tasks over the pages")
    expect(sorted(t.id for t in tasks) == [f"task-{i:02d}" for i in range(TASKS)], "ids")


steps.run("task.list (filter, select, paging by 5)", list_tasks_paged, needs=("task.add_collection",))


def task_counts() -> None:
    counts = client.job.get_task_counts(job_id)
    expect(counts.task_counts.succeeded == TASKS and counts.task_counts.completed == TASKS, str(counts.task_counts))


steps.run("job.get_task_counts", task_counts, needs=("job completes when all tasks complete",))


def ranged_file() -> None:
    expected = b"hello from task 3\n"
    options = batchmodels.FileGetFromTaskOptions(ocp_range="bytes=6-9")
    got = b"".join(client.file.get_from_task(job_id, "task-03", "stdout.txt", file_get_from_task_options=options))
    expect(got == expected[6:10], f"range bytes {got!r}")
    whole = b"".join(client.file.get_from_task(job_id, "task-03", "stdout.txt"))
    expect(whole == expected, f"file {whole!r}")


steps.run("file.get_from_task (ocp_range)", ranged_file, needs=("job completes when all tasks complete",))


def file_properties() -> None:
    client.file.get_properties_from_task(job_id, "task-03", "stdout.txt")
    files = list(client.file.list_from_task(job_id, "task-03", recursive=True))
    expect("stdout.txt" in {f.name for f in files}, str([f.name for f in files]))


steps.run("file.get_properties_from_task and list_from_task", file_properties,
          needs=("job completes when all tasks complete",))


def node_counts() -> None:
    counts = [c for c in client.account.list_pool_node_counts() if c.pool_id == pool_id]
    expect(len(counts) == 1 and counts[0].dedicated.total == 2, str(counts))


steps.run("account.list_pool_node_counts", node_counts, needs=("compute_node.list (filter) until idle",))


def resize() -> None:
    client.pool.resize(pool_id, batchmodels.PoolResizeParameter(target_dedicated_nodes=1))
    wait_until("the pool to shrink", lambda: (p := client.pool.get(pool_id)).allocation_state == "steady"
               and p.current_dedicated_nodes == 1)


steps.run("pool.resize", resize, needs=("compute_node.list (filter) until idle",))


def patch_pool() -> None:
    client.pool.patch(pool_id, batchmodels.PoolPatchParameter(
        metadata=[batchmodels.MetadataItem(name="owner", value="quickstart")]))
    expect(client.pool.get(pool_id).metadata[0].value == "quickstart", "metadata")


steps.run("pool.patch (metadata)", patch_pool, needs=("pool.add",))


def delete_all() -> None:
    client.job.delete(job_id)
    client.pool.delete(pool_id)
    wait_until("the pool to go", lambda: not client.pool.exists(pool_id))


steps.run("job.delete and pool.delete", delete_all, needs=("pool.add", "job.add"))
steps.finish()
