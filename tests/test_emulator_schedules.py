"""Job schedules through the official SDK, on an emulator whose clock runs 60
times faster (`--clock-rate 60`: an emulated minute is a real second), so a
1-minute recurrence creates a job about every second."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from azure.batch import models as m
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from conftest import EmulatorProcess, start_emulator, wait_for


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    emu = start_emulator(tmp_path_factory.mktemp("schedules"), extra_args=("--clock-rate", "60"))
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def sdk(fast: EmulatorProcess):
    return fast.client()


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _spec(pool_id: str = "nopool", **extra) -> m.BatchJobSpecification:
    return m.BatchJobSpecification(pool_info=m.BatchPoolInfo(pool_id=pool_id), **extra)


def _create(sdk, schedule: m.BatchJobScheduleConfiguration, spec: m.BatchJobSpecification | None = None,
            prefix: str = "sched") -> str:
    schedule_id = _id(prefix)
    sdk.create_job_schedule(m.BatchJobScheduleCreateOptions(
        id=schedule_id, schedule=schedule, job_specification=spec or _spec(), display_name="nightly"))
    return schedule_id


def _job_ids(sdk, schedule_id: str) -> list[str]:
    return [job.id for job in sdk.list_jobs_from_schedule(schedule_id)]


def _end(sdk, job_id: str) -> None:
    sdk.begin_terminate_job(job_id, {"terminateReason": "done"}, polling_interval=0.05).result()


def test_a_recurring_schedule_creates_one_job_per_run_each_after_the_last_ended(sdk):
    schedule_id = _create(sdk, m.BatchJobScheduleConfiguration(recurrence_interval=timedelta(minutes=1)))
    first = f"{schedule_id}:job-1"
    wait_for(lambda: _job_ids(sdk, schedule_id) == [first], what="the first job")
    got = sdk.get_job_schedule(schedule_id)
    assert got.state == "active" and got.display_name == "nightly"
    assert got.execution_info.recent_job.id == first
    assert got.execution_info.recent_job.url.endswith(f"/jobs/{first}")
    assert got.execution_info.next_run_time is not None and got.execution_info.end_time is None
    job = sdk.get_job(first)
    assert job.pool_info.pool_id == "nopool" and job.execution_info.pool_id == "nopool"
    # While job-1 is active, the runs that come (one an emulated minute) are not started.
    time.sleep(2.5)
    assert _job_ids(sdk, schedule_id) == [first]
    _end(sdk, first)
    second = f"{schedule_id}:job-2"
    wait_for(lambda: second in _job_ids(sdk, schedule_id), what="the second job", timeout=10)
    _end(sdk, second)
    wait_for(lambda: f"{schedule_id}:job-3" in _job_ids(sdk, schedule_id), what="the third job", timeout=10)
    sdk.begin_terminate_job_schedule(schedule_id, polling_interval=0.05).result()
    ended = sdk.get_job_schedule(schedule_id)
    assert ended.state == "completed" and ended.execution_info.end_time is not None
    assert ended.execution_info.next_run_time is None
    assert sdk.get_job(f"{schedule_id}:job-3").state == "completed"  # terminate ended its active job


def test_a_schedule_without_recurrence_runs_once_and_completes_when_its_job_ends(sdk):
    schedule_id = _create(sdk, m.BatchJobScheduleConfiguration())
    job_id = f"{schedule_id}:job-1"
    wait_for(lambda: _job_ids(sdk, schedule_id) == [job_id], what="its job")
    assert sdk.get_job_schedule(schedule_id).execution_info.next_run_time is None
    assert sdk.get_job_schedule(schedule_id).state == "active"
    _end(sdk, job_id)
    wait_for(lambda: sdk.get_job_schedule(schedule_id).state == "completed", what="completed")
    assert _job_ids(sdk, schedule_id) == [job_id]


FAR = datetime(2099, 1, 1, tzinfo=timezone.utc)


def test_do_not_run_until_and_do_not_run_after_bound_the_runs(sdk):
    schedule_id = _create(sdk, m.BatchJobScheduleConfiguration(do_not_run_until=FAR))
    now = sdk.get_job_schedule(schedule_id).creation_time  # the emulated clock's now
    sdk.update_job_schedule(schedule_id, m.BatchJobScheduleUpdateOptions(schedule=m.BatchJobScheduleConfiguration(
        do_not_run_until=now + timedelta(minutes=2), do_not_run_after=now + timedelta(minutes=3, seconds=30),
        recurrence_interval=timedelta(minutes=1))))
    assert sdk.get_job_schedule(schedule_id).execution_info.next_run_time == now + timedelta(minutes=2)
    assert _job_ids(sdk, schedule_id) == []
    jobs: list[str] = []

    def finish_each() -> bool:
        for job_id in _job_ids(sdk, schedule_id):
            if job_id not in jobs:
                jobs.append(job_id)
                _end(sdk, job_id)
        return sdk.get_job_schedule(schedule_id).state == "completed"

    wait_for(finish_each, what="completed past doNotRunAfter", timeout=15, interval=0.1)
    # Due at +2 and +3 minutes; +4 is past doNotRunAfter (+3:30).
    assert jobs == [f"{schedule_id}:job-1", f"{schedule_id}:job-2"]
    assert sdk.get_job_schedule(schedule_id).execution_info.end_time is not None


def test_a_run_not_started_within_its_start_window_is_lost(sdk):
    schedule_id = _create(sdk, m.BatchJobScheduleConfiguration(
        recurrence_interval=timedelta(minutes=3), start_window=timedelta(minutes=1)))
    first = f"{schedule_id}:job-1"
    wait_for(lambda: _job_ids(sdk, schedule_id) == [first], what="the first job")
    due = sdk.get_job_schedule(schedule_id).execution_info.next_run_time  # the second run, 3 minutes on
    sdk.disable_job_schedule(schedule_id)
    assert sdk.get_job_schedule(schedule_id).state == "disabled"
    _end(sdk, first)
    time.sleep(4.5)  # 4.5 emulated minutes: the second run's window (1 minute after it was due) has passed
    sdk.enable_job_schedule(schedule_id)
    wait_for(lambda: sdk.get_job_schedule(schedule_id).execution_info.next_run_time == due + timedelta(minutes=3),
             what="the next run moved on", timeout=2)
    assert sdk.get_job_schedule(schedule_id).state == "active"
    assert _job_ids(sdk, schedule_id) == [first]  # the lost run made no job
    sdk.begin_delete_job_schedule(schedule_id, polling_interval=0.05).result()


def test_delete_deletes_the_schedules_jobs(sdk):
    schedule_id = _create(sdk, m.BatchJobScheduleConfiguration(recurrence_interval=timedelta(minutes=1)))
    wait_for(lambda: _job_ids(sdk, schedule_id), what="a job")
    assert sdk.job_schedule_exists(schedule_id) is True
    sdk.begin_delete_job_schedule(schedule_id, polling_interval=0.05).result()
    with pytest.raises(ResourceNotFoundError):  # azure-batch 15.x raises on the HEAD's 404
        sdk.job_schedule_exists(schedule_id)
    assert not [job.id for job in sdk.list_jobs() if job.id.startswith(schedule_id)]


def test_list_filter_select_and_paging(sdk):
    ids = sorted(_create(sdk, m.BatchJobScheduleConfiguration(do_not_run_until=FAR), prefix="listed")
                 for _ in range(3))
    listed = [s.id for s in sdk.list_job_schedules(filter="startswith(id, 'listed-')", max_results=2)]
    assert listed == ids
    one = next(iter(sdk.list_job_schedules(filter=f"id eq '{ids[0]}'", select=["id", "state"])))
    assert (one.id, one.state, one.job_specification) == (ids[0], "active", None)
    got = sdk.get_job_schedule(ids[0], select=["id", "executionInfo"])
    assert got.execution_info.next_run_time == FAR
    expanded = sdk.get_job_schedule(ids[0], expand=["stats"]).job_schedule_statistics
    assert (expanded.succeeded_tasks_count, expanded.failed_tasks_count) == (0, 0)


def test_update_and_replace_with_etags(sdk):
    far = FAR
    schedule_id = _create(sdk, m.BatchJobScheduleConfiguration(do_not_run_until=far))
    got = sdk.get_job_schedule(schedule_id)
    sdk.update_job_schedule(schedule_id, m.BatchJobScheduleUpdateOptions(
        metadata=[m.BatchMetadataItem(name="k", value="v")]), etag=got.etag,
        match_condition=MatchConditions.IfNotModified)
    with pytest.raises(ResourceModifiedError):
        sdk.update_job_schedule(schedule_id, m.BatchJobScheduleUpdateOptions(metadata=[]), etag=got.etag,
                                match_condition=MatchConditions.IfNotModified)
    changed = sdk.get_job_schedule(schedule_id)
    assert changed.metadata[0].name == "k" and changed.etag != got.etag
    assert changed.schedule.do_not_run_until == far  # left as it was
    replaced = m.BatchJobSchedule(schedule=m.BatchJobScheduleConfiguration(do_not_run_until=far),
                                  job_specification=_spec("other"))
    sdk.replace_job_schedule(schedule_id, replaced)
    after = sdk.get_job_schedule(schedule_id)
    assert after.job_specification.pool_info.pool_id == "other" and not after.metadata


def test_errors_are_batchs(sdk):
    with pytest.raises(ResourceNotFoundError) as missing:
        sdk.get_job_schedule("no-such-schedule")
    assert missing.value.error.code == "JobScheduleNotFound"
    schedule_id = _create(sdk, m.BatchJobScheduleConfiguration(do_not_run_until=FAR))
    with pytest.raises(ResourceExistsError) as exists:
        sdk.create_job_schedule(m.BatchJobScheduleCreateOptions(
            id=schedule_id, schedule=m.BatchJobScheduleConfiguration(), job_specification=_spec()))
    assert exists.value.error.code == "JobScheduleExists"
    with pytest.raises(HttpResponseError) as short:
        sdk.create_job_schedule(m.BatchJobScheduleCreateOptions(
            id=_id("short"), schedule=m.BatchJobScheduleConfiguration(recurrence_interval=timedelta(seconds=30)),
            job_specification=_spec()))
    assert short.value.status_code == 400 and short.value.error.code == "InvalidPropertyValue"
    sdk.begin_terminate_job_schedule(schedule_id, polling_interval=0.05).result()
    with pytest.raises(HttpResponseError) as completed:
        sdk.disable_job_schedule(schedule_id)
    assert (completed.value.status_code, completed.value.error.code) == (409, "JobScheduleCompleted")
    with pytest.raises(ResourceNotFoundError):
        list(sdk.list_jobs_from_schedule("no-such-schedule"))


def test_schedules_survive_a_restart(tmp_path):
    emu = start_emulator(tmp_path, extra_args=("--clock-rate", "60"))
    sdk = emu.client()
    schedule_id = _create(sdk, m.BatchJobScheduleConfiguration(recurrence_interval=timedelta(minutes=1)))
    wait_for(lambda: _job_ids(sdk, schedule_id), what="a job")
    assert emu.stop() == 0
    again = start_emulator(tmp_path, extra_args=("--clock-rate", "60"))
    try:
        sdk = again.client()
        got = sdk.get_job_schedule(schedule_id)
        assert got.state == "active" and got.execution_info.recent_job.id == f"{schedule_id}:job-1"
        _end(sdk, f"{schedule_id}:job-1")
        wait_for(lambda: f"{schedule_id}:job-2" in _job_ids(sdk, schedule_id), what="numbering goes on")
    finally:
        again.stop()


def test_a_schedules_job_is_changed_through_the_async_sdk(fast, sdk):
    """A schedule's job id holds a `:` (SCHED:job-1): the aio SDK signs its URL with `%3A` and aiohttp
    sends `:`; the emulator accepts what the client signed, so the explorer can act on such a job."""
    import asyncio

    from azure.batch.aio import BatchClient as AsyncBatchClient
    from azure.core.credentials import AzureNamedKeyCredential

    schedule_id = _create(sdk, m.BatchJobScheduleConfiguration())
    job_id = wait_for(lambda: next(iter(_job_ids(sdk, schedule_id)), None), what="the schedule's job")
    assert ":" in job_id

    async def change() -> None:
        async with AsyncBatchClient(fast.endpoint, AzureNamedKeyCredential(fast.account, fast.key)) as client:
            await client.update_job(job_id, m.BatchJobUpdateOptions(priority=7))
            assert (await client.get_job(job_id)).priority == 7
            poller = await client.begin_terminate_job(job_id, {"terminateReason": "by the aio client"},
                                                      polling_interval=0.05)
            await poller.result()

    asyncio.run(change())
    assert sdk.get_job(job_id).execution_info.termination_reason == "by the aio client"
