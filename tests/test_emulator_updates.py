"""The operations that change what exists (PATCH and PUT of jobs, PATCH and
updateproperties of pools, PUT of a task), conditional requests, the wire as
the Azure CLI sends it, and the account-level lists (supported images, usage
metrics, certificates), node extensions and subtasks — through azure-batch 15.1
(api-version 2025-06-01) and raw signed HTTP for what the SDK cannot send."""

from __future__ import annotations

from datetime import timedelta

import pytest
from azure.batch import models as m
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceModifiedError, ResourceNotFoundError
from conftest import add_task, make_job, make_pool, unique, wait_for, wait_task
from test_emulator_versions import call

from batchtui.emulator.schema.versions import V16, V19, V20, V2025


@pytest.fixture(scope="module")
def pool(client) -> str:
    return make_pool(client, nodes=1, slots=4)


def test_patch_job_changes_only_what_it_names(client, pool):
    job_id = make_job(client, pool, priority=1, constraints=m.BatchJobConstraints(max_task_retry_count=3),
                      metadata=[m.BatchMetadataItem(name="a", value="1")])
    client.update_job(job_id, m.BatchJobUpdateOptions(
        priority=50, max_parallel_tasks=2, constraints=m.BatchJobConstraints(max_wall_clock_time=timedelta(hours=2))))
    job = client.get_job(job_id)
    assert (job.priority, job.max_parallel_tasks) == (50, 2)
    assert job.constraints.max_task_retry_count == 3 and job.constraints.max_wall_clock_time == timedelta(hours=2)
    assert job.metadata[0].value == "1"


def test_patch_job_to_terminate_when_all_tasks_complete(client, pool):
    """The common script: add every task, then patch the job to terminatejob."""
    job_id = make_job(client, pool)
    for i in range(3):
        add_task(client, job_id, f"t{i}", "/bin/true")
    client.update_job(job_id, m.BatchJobUpdateOptions(all_tasks_complete_mode="terminatejob"))
    job = wait_for(lambda: (j := client.get_job(job_id)).state == "completed" and j, what="the job to complete")
    assert job.execution_info.termination_reason == "AllTasksComplete"
    with pytest.raises(HttpResponseError) as info:  # ... and there is no going back
        client.update_job(job_id, m.BatchJobUpdateOptions(all_tasks_complete_mode="noaction"))
    assert info.value.status_code == 409  # completed


def test_terminatejob_cannot_change_back_to_noaction(client, pool):
    job_id = make_job(client, pool, all_tasks_complete_mode="terminatejob")
    with pytest.raises(HttpResponseError) as info:
        client.update_job(job_id, m.BatchJobUpdateOptions(all_tasks_complete_mode="noaction"))
    assert info.value.status_code == 400 and info.value.error.code == "InvalidPropertyValue"


def test_a_jobs_pool_changes_only_while_it_is_disabled(client, pool):
    other = make_pool(client, nodes=0)
    job_id = make_job(client, pool)
    with pytest.raises(HttpResponseError) as info:
        client.update_job(job_id, m.BatchJobUpdateOptions(pool_info=m.BatchPoolInfo(pool_id=other)))
    assert info.value.status_code == 409
    client.begin_disable_job(job_id, m.BatchJobDisableOptions(disable_tasks="requeue"), polling_interval=0.1).result()
    client.update_job(job_id, m.BatchJobUpdateOptions(pool_info=m.BatchPoolInfo(pool_id=other)))
    assert client.get_job(job_id).pool_info.pool_id == other


def test_put_job_replaces_and_defaults_what_is_left_out(client, pool):
    job_id = make_job(client, pool, priority=9, max_parallel_tasks=3,
                      metadata=[m.BatchMetadataItem(name="a", value="1")])
    client.replace_job(job_id, m.BatchJob(pool_info=m.BatchPoolInfo(pool_id=pool), priority=4))
    job = client.get_job(job_id)
    assert (job.priority, job.max_parallel_tasks, job.metadata) == (4, -1, [])
    assert job.constraints.max_task_retry_count == 0


def test_conditional_requests_hold_or_fail(client, emulator, pool):
    job_id = make_job(client, pool)
    etag = client.get_job(job_id).etag
    client.update_job(job_id, m.BatchJobUpdateOptions(priority=2), etag=etag,
                      match_condition=MatchConditions.IfNotModified)
    with pytest.raises(ResourceModifiedError):  # 412: the job changed since that ETag
        client.update_job(job_id, m.BatchJobUpdateOptions(priority=3), etag=etag,
                          match_condition=MatchConditions.IfNotModified)
    assert client.get_job(job_id).priority == 2
    fresh = client.get_job(job_id).etag
    r = call(emulator, "GET", f"/jobs/{job_id}", V2025, headers={"If-None-Match": fresh})
    assert r.status_code == 304 and not r.content


def test_the_cli_sends_numbers_as_strings_and_they_are_stored_as_numbers(emulator, pool):
    job_id = unique("clijob")
    r = call(emulator, "POST", "/jobs", V19, {"id": job_id, "poolInfo": {"poolId": pool}, "priority": "5",
                                              "constraints": {"maxTaskRetryCount": "2"}})
    assert r.status_code == 201, r.text
    job = call(emulator, "GET", f"/jobs/{job_id}", V19).json()
    assert job["priority"] == 5 and job["constraints"]["maxTaskRetryCount"] == 2
    r = call(emulator, "POST", f"/jobs/{job_id}/tasks", V19, {"id": "t", "commandLine": "/bin/true"})
    assert r.status_code == 201, r.text
    assert call(emulator, "GET", f"/jobs/{job_id}/tasks/t", V19).json()["constraints"]["maxTaskRetryCount"] == 2


def test_patch_pool_and_replace_its_properties(client, emulator, pool):
    client.update_pool(pool, m.BatchPoolUpdateOptions(metadata=[m.BatchMetadataItem(name="k", value="v")],
                                                      start_task=m.BatchStartTask(command_line="/bin/true")))
    got = client.get_pool(pool)
    assert got.metadata[0].value == "v" and got.start_task.command_line == "/bin/true"
    with pytest.raises(HttpResponseError) as info:  # a pool with nodes keeps its VM size
        client.update_pool(pool, m.BatchPoolUpdateOptions(vm_size="standard_d4s_v3"))
    assert info.value.status_code == 409
    r = call(emulator, "PATCH", f"/pools/{pool}", V19, {"vmSize": "standard_d4s_v3"})  # not patchable in 19.0
    assert r.status_code == 400 and r.json()["code"] == "UnsupportedProperty"
    client.replace_pool_properties(pool, m.BatchPoolReplaceOptions(
        application_package_references=[], metadata=[]))
    got = client.get_pool(pool)
    assert got.start_task is None and got.metadata in (None, [])


def test_patch_of_an_empty_pool_changes_its_vm_size(client):
    pool_id = make_pool(client, nodes=0)
    client.update_pool(pool_id, m.BatchPoolUpdateOptions(vm_size="standard_d8s_v3", task_slots_per_node=4))
    got = client.get_pool(pool_id)
    assert (got.vm_size, got.task_slots_per_node) == ("standard_d8s_v3", 4)


def test_put_task_changes_its_constraints_even_while_it_runs(client, pool):
    job_id = make_job(client, pool)
    add_task(client, job_id, "sleeper", "/bin/sh -c 'sleep 30'")
    wait_task(client, job_id, "sleeper", "running")
    task = client.get_task(job_id, "sleeper")
    task.constraints = m.BatchTaskConstraints(max_wall_clock_time=timedelta(seconds=1), max_task_retry_count=0)
    client.replace_task(job_id, "sleeper", task)
    done = wait_task(client, job_id, "sleeper", timeout=20)
    assert done.execution_info.failure_info.code == "MaxWallClockTimeExceeded"
    assert done.constraints.retention_time == timedelta(days=7)


def test_supported_images_filter_and_page(client):
    windows = list(client.list_supported_images(filter="osType eq 'windows'"))
    assert windows and all(i.os_type == "windows" for i in windows)
    paged = list(client.list_supported_images(max_results=2))
    assert len(paged) > 2 and len({(i.image_reference.offer, i.image_reference.sku) for i in paged}) == len(paged)
    assert any(i.node_agent_sku_id == "batch.node.ubuntu 24.04" for i in paged)


def test_pool_usage_metrics_are_an_empty_list(client, emulator):
    assert list(client.list_pool_usage_metrics(filter="poolId eq 'x'")) == []
    r = call(emulator, "GET", "/poolusagemetrics", V2025, query={"starttime": "yesterday"})
    assert r.status_code == 400 and r.json()["code"] == "InvalidQueryParameterValue"


def test_certificates_are_an_empty_store_up_to_2024_07(emulator):
    assert call(emulator, "GET", "/certificates", V20).json()["value"] == []
    path = "/certificates(thumbprintAlgorithm=sha1,thumbprint=abc)"
    r = call(emulator, "GET", path, V16)
    assert r.status_code == 404 and r.json()["code"] == "CertificateNotFound"
    r = call(emulator, "POST", "/certificates", V20, {"thumbprint": "abc"})
    assert r.status_code == 501 and "not supported by the batchtui emulator" in r.json()["message"]["value"]
    assert call(emulator, "GET", "/certificates", V2025).status_code == 400  # gone in 2025-06-01


def test_node_extensions_are_the_pools(client):
    pool_id = unique("ext")
    client.create_pool(m.BatchPoolCreateOptions(
        id=pool_id, vm_size="standard_d2s_v3", target_dedicated_nodes=1,
        virtual_machine_configuration=m.VirtualMachineConfiguration(
            image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
            node_agent_sku_id="batch.node.ubuntu 24.04",
            extensions=[m.VMExtension(name="agent", publisher="Microsoft.Azure.Monitor", type="AMA",
                                      protected_settings={"secret": "s"})])))
    node = wait_for(lambda: [n for n in client.list_nodes(pool_id) if n.state == "idle"], what="an idle node")[0]
    found = list(client.list_node_extensions(pool_id, node.id))
    assert [e.vm_extension.name for e in found] == ["agent"]
    assert found[0].vm_extension.protected_settings is None  # secrets are not echoed
    assert client.get_node_extension(pool_id, node.id, "agent").instance_view.statuses[0].level == "Info"
    with pytest.raises(ResourceNotFoundError):
        client.get_node_extension(pool_id, node.id, "other")


def test_subtasks_are_empty_and_preparation_status_needs_a_preparation_task(client, pool):
    job_id = make_job(client, pool)
    add_task(client, job_id, "t", "/bin/true")
    assert list(client.list_subtasks(job_id, "t")) == []
    with pytest.raises(HttpResponseError) as err:  # Batch's answer for a job without a preparation task
        list(client.list_job_preparation_and_release_task_status(job_id))
    assert err.value.status_code == 409 and err.value.error.code == "JobPreparationTaskNotSpecified"


def test_a_feature_the_emulator_does_not_act_on_is_refused_naming_it(emulator, pool):
    job_id = make_job_raw(emulator, pool)
    r = call(emulator, "POST", f"/jobs/{job_id}/tasks", V2025,
             {"id": "t", "commandLine": "/bin/true", "containerSettings": {"imageName": "ubuntu"}})
    assert r.status_code == 400 and r.json()["code"] == "UnsupportedProperty"
    assert {"key": "PropertyName", "value": "containerSettings"} in r.json()["values"]


def make_job_raw(emulator, pool: str) -> str:
    job_id = unique("raw")
    assert call(emulator, "POST", "/jobs", V2025, {"id": job_id, "poolInfo": {"poolId": pool}}).status_code == 201
    return job_id


def test_sdk_15_1_deallocates_and_starts_a_node(client):
    """begin_deallocate_node polls until the node is no longer deallocating,
    begin_start_node until it is no longer starting."""
    pool_id = make_pool(client, nodes=1)
    node = next(iter(client.list_nodes(pool_id)))
    options = {"nodeDeallocateOption": "requeue"}  # 15.1 does not export BatchNodeDeallocateOptions
    client.begin_deallocate_node(pool_id, node.id, options, polling_interval=0.1).result()  # type: ignore[arg-type]
    assert client.get_node(pool_id, node.id).state == "deallocated"
    with pytest.raises(HttpResponseError) as info:  # only an idle or running node deallocates
        client.begin_deallocate_node(pool_id, node.id, options, polling_interval=0.1).result()  # type: ignore[arg-type]
    assert info.value.status_code == 409
    client.begin_start_node(pool_id, node.id, polling_interval=0.1).result()
    wait_for(lambda: client.get_node(pool_id, node.id).state == "idle", what="the node idle again")
