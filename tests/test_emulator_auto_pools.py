"""Auto pools (poolInfo.autoPoolSpecification) through the official SDK: the
pool is created for the job or the job schedule, tasks run on it, and it is
deleted when its job or schedule ends unless keepAlive."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from conftest import EmulatorProcess, add_task, start_emulator, unique, wait_for, wait_task

IMAGE = m.VirtualMachineConfiguration(
    image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
    node_agent_sku_id="batch.node.ubuntu 24.04",
)


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    emu: EmulatorProcess = start_emulator(tmp_path_factory.mktemp("auto-pools"), extra_args=("--clock-rate", "60"))
    yield emu.client()
    emu.stop()


def auto_pool(lifetime: str, keep_alive: bool = False, prefix: str | None = "ap") -> m.BatchPoolInfo:
    return m.BatchPoolInfo(auto_pool_specification=m.BatchAutoPoolSpecification(
        pool_lifetime_option=lifetime, keep_alive=keep_alive, auto_pool_id_prefix=prefix,
        pool=m.BatchPoolSpecification(vm_size="standard_d2s_v3", virtual_machine_configuration=IMAGE,
                                      target_dedicated_nodes=1)))


def gone(sdk, pool_id: str) -> bool:
    try:
        sdk.get_pool(pool_id)
        return False
    except ResourceNotFoundError:
        return True


def test_a_jobs_auto_pool_runs_its_tasks_and_goes_with_the_job(sdk):
    job_id = unique("auto")
    sdk.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=auto_pool("job")))
    job = sdk.get_job(job_id)
    pool_id = job.execution_info.pool_id
    assert pool_id.startswith("ap_") and len(pool_id) == len("ap_") + 36  # PREFIX_GUID
    assert job.pool_info.pool_id is None  # poolInfo keeps the specification as sent
    assert job.pool_info.auto_pool_specification.pool_lifetime_option == "job"
    pool = sdk.get_pool(pool_id)
    assert (pool.vm_size, pool.target_dedicated_nodes) == ("standard_d2s_v3", 1)
    add_task(sdk, job_id, "t", "echo hi")
    task = wait_task(sdk, job_id, "t")
    assert task.execution_info.exit_code == 0 and task.node_info.pool_id == pool_id
    sdk.begin_terminate_job(job_id, {"terminateReason": "done"}, polling_interval=0.05).result()
    wait_for(lambda: gone(sdk, pool_id), what="the auto pool deleted")


def test_keep_alive_keeps_the_pool_after_the_job(sdk):
    job_id = unique("kept")
    sdk.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=auto_pool("job", keep_alive=True, prefix=None)))
    pool_id = sdk.get_job(job_id).execution_info.pool_id
    assert len(pool_id) == 36 and pool_id.count("-") == 4  # a bare GUID without a prefix
    sdk.begin_delete_job(job_id, polling_interval=0.05).result()
    assert sdk.get_pool(pool_id).state == "active"
    sdk.begin_delete_pool(pool_id, polling_interval=0.05).result()


def test_a_schedules_auto_pool_serves_all_its_jobs_and_goes_with_the_schedule(sdk):
    schedule_id = unique("apsched")
    sdk.create_job_schedule(m.BatchJobScheduleCreateOptions(
        id=schedule_id, schedule=m.BatchJobScheduleConfiguration(recurrence_interval=timedelta(minutes=1)),
        job_specification=m.BatchJobSpecification(pool_info=auto_pool("jobschedule"))))
    first = f"{schedule_id}:job-1"
    pool_id = wait_for(lambda: next(iter(sdk.list_jobs_from_schedule(schedule_id)), None), what="job 1") \
        .execution_info.pool_id
    sdk.begin_terminate_job(first, {"terminateReason": "done"}, polling_interval=0.05).result()
    assert sdk.get_pool(pool_id).state == "active"  # the schedule's, not the job's
    second = wait_for(lambda: [j for j in sdk.list_jobs_from_schedule(schedule_id) if j.id != first],
                      what="job 2")[0]
    assert second.execution_info.pool_id == pool_id
    sdk.begin_terminate_job_schedule(schedule_id, polling_interval=0.05).result()
    wait_for(lambda: gone(sdk, pool_id), what="the schedule's auto pool deleted")


def test_a_schedule_with_job_lifetime_gets_a_pool_per_job(sdk):
    schedule_id = unique("perjob")
    sdk.create_job_schedule(m.BatchJobScheduleCreateOptions(
        id=schedule_id, schedule=m.BatchJobScheduleConfiguration(recurrence_interval=timedelta(minutes=1)),
        job_specification=m.BatchJobSpecification(pool_info=auto_pool("job"))))
    first = wait_for(lambda: next(iter(sdk.list_jobs_from_schedule(schedule_id)), None), what="job 1")
    sdk.begin_terminate_job(first.id, {"terminateReason": "done"}, polling_interval=0.05).result()
    wait_for(lambda: gone(sdk, first.execution_info.pool_id), what="job 1's pool deleted")
    second = wait_for(lambda: [j for j in sdk.list_jobs_from_schedule(schedule_id) if j.id != first.id],
                      what="job 2")[0]
    assert second.execution_info.pool_id != first.execution_info.pool_id
    sdk.begin_delete_job_schedule(schedule_id, polling_interval=0.05).result()
    wait_for(lambda: gone(sdk, second.execution_info.pool_id), what="job 2's pool deleted with it")


def test_a_job_cannot_ask_for_a_pool_that_lives_as_long_as_a_schedule(sdk):
    with pytest.raises(HttpResponseError) as refused:
        sdk.create_job(m.BatchJobCreateOptions(id=unique("bad"), pool_info=auto_pool("jobschedule")))
    assert refused.value.status_code == 400 and refused.value.error.code == "InvalidPropertyValue"
    values = {d.code: d.message for d in refused.value.error.details}
    assert values["PropertyName"] == "poolInfo.autoPoolSpecification.poolLifetimeOption"
