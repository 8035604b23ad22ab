"""Task dependencies and exit conditions through the official SDK against a real
emulator: dependent tasks run after what they depend on (checked by the tasks'
start and end times, never by sleeping), a failed upstream blocks its
dependents, exit options run job actions, and Batch's 400s."""

from __future__ import annotations

import pytest
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError
from conftest import add_task, make_job, make_pool, wait_for, wait_task


@pytest.fixture(scope="module")
def pool_id(client):
    return make_pool(client, nodes=2, slots=4)


def deps(*ids: str, ranges: tuple[tuple[int, int], ...] = ()) -> m.BatchTaskDependencies:
    return m.BatchTaskDependencies(task_ids=list(ids) or None,
                                   task_id_ranges=[m.BatchTaskIdRange(start=s, end=e) for s, e in ranges] or None)


def exits(*mappings: tuple[int, m.ExitOptions], **others: m.ExitOptions) -> m.ExitConditions:
    codes = [m.ExitCodeMapping(code=c, exit_options=o) for c, o in mappings]
    return m.ExitConditions(exit_codes=codes or None, **others)


def error_code(exc: HttpResponseError) -> str:
    return exc.error.code if exc.error else ""


def test_diamond_runs_in_order(client, pool_id):
    job_id = make_job(client, pool_id, uses_task_dependencies=True)
    slow = "/bin/sh -c 'sleep 0.3'"
    add_task(client, job_id, "d", slow, depends_on=deps("b", "c"))
    add_task(client, job_id, "b", slow, depends_on=deps("a"))
    add_task(client, job_id, "c", slow, depends_on=deps("a"))
    add_task(client, job_id, "a", slow)
    done = {t: wait_task(client, job_id, t) for t in ("a", "b", "c", "d")}
    info = {t: task.execution_info for t, task in done.items()}
    assert all(i.result == "success" for i in info.values())
    assert info["b"].start_time >= info["a"].end_time and info["c"].start_time >= info["a"].end_time
    assert info["d"].start_time >= max(info["b"].end_time, info["c"].end_time)
    assert client.get_task(job_id, "d").depends_on.task_ids == ["b", "c"]


def test_range_of_100_tasks_and_ids_that_do_not_exist_yet(client, pool_id):
    job_id = make_job(client, pool_id, uses_task_dependencies=True)
    add_task(client, job_id, "merge", "/bin/true", depends_on=deps(ranges=((1, 100),)))
    add_task(client, job_id, "other", "/bin/true")  # queued after merge: once it ran, merge was passed over
    wait_task(client, job_id, "other")
    assert client.get_task(job_id, "merge").state == "active"  # its 100 tasks do not exist yet
    tasks = [m.BatchTaskCreateOptions(id=str(i), command_line="/bin/sh -c 'sleep 0.05'") for i in range(1, 101)]
    client.create_task_collection(job_id, m.BatchTaskGroup(task_values=tasks))
    merge = wait_task(client, job_id, "merge", timeout=60)
    ends = [t.execution_info.end_time for t in client.list_tasks(job_id) if t.id not in ("merge", "other")]
    assert len(ends) == 100 and merge.execution_info.start_time >= max(ends)


def test_failed_upstream_blocks_its_dependents(client, pool_id):
    job_id = make_job(client, pool_id, uses_task_dependencies=True)
    add_task(client, job_id, "up", "/bin/sh -c 'exit 1'")
    add_task(client, job_id, "down", "/bin/true", depends_on=deps("up"))
    add_task(client, job_id, "down2", "/bin/true", depends_on=deps(ranges=((7, 7),)))
    add_task(client, job_id, "007", "/bin/sh -c 'exit 2'")  # leading zeros: task 7 of a range
    assert wait_task(client, job_id, "up").execution_info.result == "failure"
    wait_task(client, job_id, "007")
    add_task(client, job_id, "later", "/bin/true")  # queued after the blocked ones
    wait_task(client, job_id, "later")
    assert client.get_task(job_id, "down").state == "active"
    assert client.get_task(job_id, "down2").state == "active"
    add_task(client, job_id, "7", "/bin/true")  # another task 7, succeeding, satisfies the range
    assert wait_task(client, job_id, "down2").execution_info.result == "success"
    assert client.get_task(job_id, "down").state == "active"


def test_satisfy_lets_a_dependent_run_after_a_failure(client, pool_id):
    job_id = make_job(client, pool_id, uses_task_dependencies=True)
    add_task(client, job_id, "up", "/bin/sh -c 'sleep 0.2; exit 3'",
             exit_conditions=exits((3, m.ExitOptions(dependency_action="satisfy"))))
    add_task(client, job_id, "down", "/bin/true", depends_on=deps("up"))
    up, down = wait_task(client, job_id, "up"), wait_task(client, job_id, "down")
    assert up.execution_info.result == "failure" and down.execution_info.result == "success"
    assert down.execution_info.start_time >= up.execution_info.end_time


def test_exit_1_terminates_the_job_with_task_failed(client, pool_id):
    job_id = make_job(client, pool_id, task_failure_mode="performexitoptionsjobaction")
    add_task(client, job_id, "fails", "/bin/sh -c 'exit 1'",
             exit_conditions=exits((1, m.ExitOptions(job_action="terminate"))))
    job = wait_for(lambda: (j := client.get_job(job_id)).state == "completed" and j, what="job completed")
    assert job.execution_info.termination_reason == "TaskFailed"


def test_a_failure_with_no_exit_conditions_terminates_by_default(client, pool_id):
    job_id = make_job(client, pool_id, task_failure_mode="performexitoptionsjobaction")
    add_task(client, job_id, "ok", "/bin/true")
    wait_task(client, job_id, "ok")
    assert client.get_job(job_id).state == "active"  # exit 0: jobAction none
    add_task(client, job_id, "fails", "/bin/sh -c 'exit 9'")
    job = wait_for(lambda: (j := client.get_job(job_id)).state == "completed" and j, what="job completed")
    assert job.execution_info.termination_reason == "TaskFailed"


def test_exit_code_ranges_disable_and_exit_codes_come_first(client, pool_id):
    job_id = make_job(client, pool_id, task_failure_mode="performexitoptionsjobaction")
    disable = m.ExitOptions(job_action="disable")
    ranges = [m.ExitCodeRangeMapping(start=2, end=5, exit_options=disable)]
    add_task(client, job_id, "listed", "/bin/sh -c 'exit 2'", exit_conditions=m.ExitConditions(
        exit_codes=[m.ExitCodeMapping(code=2, exit_options=m.ExitOptions(job_action="none"))],
        exit_code_ranges=ranges))
    wait_task(client, job_id, "listed")
    add_task(client, job_id, "next", "/bin/true")
    wait_task(client, job_id, "next")
    assert client.get_job(job_id).state == "active"  # exitCodes' none before the range's disable
    add_task(client, job_id, "ranged", "/bin/sh -c 'exit 4'", exit_conditions=m.ExitConditions(exit_code_ranges=ranges))
    wait_for(lambda: client.get_job(job_id).state == "disabled", what="job disabled")


def test_pre_processing_error_and_default(client, pool_id):
    job_id = make_job(client, pool_id, task_failure_mode="performexitoptionsjobaction")
    add_task(client, job_id, "nope", "no-such-program-xyz", exit_conditions=exits(
        pre_processing_error=m.ExitOptions(job_action="none"), default=m.ExitOptions(job_action="terminate")))
    assert wait_task(client, job_id, "nope").execution_info.failure_info.code == "CommandProgramNotFound"
    add_task(client, job_id, "next", "/bin/true")
    wait_task(client, job_id, "next")
    assert client.get_job(job_id).state == "active"
    add_task(client, job_id, "other", "/bin/sh -c 'exit 6'", exit_conditions=exits(
        pre_processing_error=m.ExitOptions(job_action="none"), default=m.ExitOptions(job_action="disable")))
    wait_for(lambda: client.get_job(job_id).state == "disabled", what="job disabled")


def test_depends_on_needs_uses_task_dependencies(client, pool_id):
    job_id = make_job(client, pool_id)
    with pytest.raises(HttpResponseError) as caught:
        add_task(client, job_id, "t", "/bin/true", depends_on=deps("a"))
    assert caught.value.status_code == 400 and error_code(caught.value) == "TaskDependenciesNotSpecifiedOnJob"
    result = client.create_task_collection(job_id, m.BatchTaskGroup(task_values=[
        m.BatchTaskCreateOptions(id="plain", command_line="/bin/true"),
        m.BatchTaskCreateOptions(id="dep", command_line="/bin/true", depends_on=deps("plain")),
    ]))
    status = {r.task_id: (r.status, r.error.code if r.error else None) for r in result.result_values}
    assert status == {"plain": ("success", None), "dep": ("clienterror", "TaskDependenciesNotSpecifiedOnJob")}


def test_dependency_limits(client, pool_id):
    job_id = make_job(client, pool_id, uses_task_dependencies=True)
    with pytest.raises(HttpResponseError) as caught:
        add_task(client, job_id, "long", "/bin/true", depends_on=deps(*[f"{i:064d}" for i in range(1001)]))
    assert error_code(caught.value) == "TaskDependencyListTooLong"
    add_task(client, job_id, "fits", "/bin/true", depends_on=deps(*[f"{i:064d}" for i in range(1000)]))
    with pytest.raises(HttpResponseError) as caught:
        add_task(client, job_id, "wide", "/bin/true", depends_on=deps(ranges=((1, 2_000_000),)))
    assert error_code(caught.value) == "TaskDependencyRangesTooLong"
    with pytest.raises(HttpResponseError) as caught:
        add_task(client, job_id, "backwards", "/bin/true", depends_on=deps(ranges=((5, 1),)))
    assert error_code(caught.value) == "InvalidPropertyValue"


def test_job_action_needs_perform_exit_options_job_action(client, pool_id):
    job_id = make_job(client, pool_id)
    with pytest.raises(HttpResponseError) as caught:
        add_task(client, job_id, "t", "/bin/true", exit_conditions=exits(default=m.ExitOptions(job_action="terminate")))
    assert caught.value.status_code == 400 and error_code(caught.value) == "InvalidPropertyValue"
    add_task(client, job_id, "ok", "/bin/true", exit_conditions=exits(default=m.ExitOptions(dependency_action="block")))


def test_all_tasks_complete_waits_for_dependents(client, pool_id):
    job_id = make_job(client, pool_id, uses_task_dependencies=True, all_tasks_complete_mode="terminatejob")
    add_task(client, job_id, "b", "/bin/true", depends_on=deps("a"))
    add_task(client, job_id, "a", "/bin/sh -c 'sleep 0.2'")
    job = wait_for(lambda: (j := client.get_job(job_id)).state == "completed" and j, what="job completed")
    assert job.execution_info.termination_reason == "AllTasksComplete"
    a, b = client.get_task(job_id, "a"), client.get_task(job_id, "b")
    assert b.state == "completed" and b.execution_info.start_time >= a.execution_info.end_time


def test_dependencies_survive_a_restart(tmp_path):
    from conftest import start_emulator

    data = tmp_path / "data"
    emu = start_emulator(data)
    try:
        client = emu.client()
        pool = make_pool(client, nodes=1, slots=2)
        job_id = make_job(client, pool, uses_task_dependencies=True)
        add_task(client, job_id, "blocked", "/bin/true", depends_on=deps("bad"))
        add_task(client, job_id, "waits", "/bin/true", depends_on=deps("good", ranges=((1, 2),)))
        add_task(client, job_id, "bad", "/bin/sh -c 'exit 1'")
        add_task(client, job_id, "1", "/bin/true")
        wait_task(client, job_id, "bad")
        wait_task(client, job_id, "1")
    finally:
        emu.stop()
    emu = start_emulator(data)
    try:
        client = emu.client()
        add_task(client, job_id, "good", "/bin/true")
        add_task(client, job_id, "later", "/bin/true")
        wait_task(client, job_id, "later")
        assert client.get_task(job_id, "waits").state == "active"  # task 2 of its range does not exist yet
        add_task(client, job_id, "02", "/bin/true")
        waits = wait_task(client, job_id, "waits")
        assert waits.execution_info.start_time >= client.get_task(job_id, "02").execution_info.end_time
        assert client.get_task(job_id, "blocked").state == "active"
    finally:
        emu.stop()
