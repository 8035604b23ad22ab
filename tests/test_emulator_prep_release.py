"""Job preparation and release tasks through the official SDK: the preparation
task runs once per node before the job's tasks there, a failing one keeps them
off the node, the release task runs once per node when the job ends, and
GET /jobs/{id}/jobpreparationandreleasetaskstatus reports both per node."""

from __future__ import annotations

import pytest
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError
from conftest import add_task, make_job, make_pool, wait_for, wait_task

# Each run appends a line to a file in the node's shared directory, so runs per node can be counted.
LOG = "shared/runs-$AZ_BATCH_JOB_ID.txt"


def logging(word: str, extra: str = "") -> str:
    return f"/bin/sh -c 'echo {word} >> $AZ_BATCH_NODE_ROOT_DIR/{LOG}; {extra or 'true'}'"


def prep(command: str, **options) -> m.BatchJobPreparationTask:
    return m.BatchJobPreparationTask(command_line=command, **options)


def node_lines(client, pool_id: str, node_id: str, job_id: str) -> list[str]:
    data = b"".join(client.download_node_file(pool_id, node_id, f"shared/runs-{job_id}.txt"))
    return data.decode().split()


def statuses(client, job_id: str, **options) -> list[m.BatchJobPreparationAndReleaseTaskStatus]:
    return list(client.list_job_preparation_and_release_task_status(job_id, **options))


@pytest.fixture(scope="module")
def pool_id(client):
    return make_pool(client, nodes=2, slots=2)


def test_preparation_once_per_node_and_release_once_per_node_at_job_end(client, pool_id):
    job_id = make_job(
        client, pool_id,
        job_preparation_task=prep(logging("prep", "sleep 0.5; echo prepared")),
        job_release_task=m.BatchJobReleaseTask(command_line=logging("release", "echo released")),
    )
    job = client.get_job(job_id)
    assert job.job_preparation_task.id == "jobpreparation" and job.job_preparation_task.wait_for_success is True
    assert job.job_preparation_task.rerun_on_node_reboot_after_success is True
    assert job.job_release_task.id == "jobrelease" and job.job_release_task.max_wall_clock_time.total_seconds() == 900
    client.create_tasks(job_id, [
        m.BatchTaskCreateOptions(id=f"t{i}", command_line="/bin/sh -c 'echo $AZ_BATCH_JOB_PREP_WORKING_DIR'")
        for i in range(8)
    ])
    wait_for(lambda: client.get_job_task_counts(job_id).task_counts.succeeded == 8, what="8 succeeded")
    tasks = list(client.list_tasks(job_id))
    used = {t.node_info.node_id for t in tasks}
    status = {s.node_id: s for s in statuses(client, job_id)}
    assert set(status) == used
    for node_id, entry in status.items():
        info = entry.job_preparation_task_execution_info
        assert (info.state, info.result, info.exit_code, info.retry_count) == ("completed", "success", 0, 0)
        assert info.task_root_directory == f"workitems/{job_id}/job-1/jobpreparation"
        url = f"/pools/{pool_id}/nodes/{node_id}/files/{info.task_root_directory}"
        assert info.task_root_directory_url.endswith(url)
        assert entry.pool_id == pool_id and entry.job_release_task_execution_info is None
        assert node_lines(client, pool_id, node_id, job_id) == ["prep"]
        out = b"".join(client.download_node_file(pool_id, node_id, f"{info.task_root_directory}/stdout.txt"))
        assert out == b"prepared\n"
    for task in tasks:  # every task started after the preparation task on its node had ended
        prep_end = status[task.node_info.node_id].job_preparation_task_execution_info.end_time
        assert task.execution_info.start_time >= prep_end
        out = b"".join(client.download_task_file(job_id, task.id, "stdout.txt")).decode().strip()
        assert out.endswith(f"/workitems/{job_id}/job-1/jobpreparation/wd")
    client.begin_terminate_job(job_id, {"terminateReason": "enough"}, polling_interval=0.05).result()
    done = client.get_job(job_id)
    assert done.state == "completed" and done.execution_info.termination_reason == "enough"
    for node_id, entry in {s.node_id: s for s in statuses(client, job_id)}.items():
        info = entry.job_release_task_execution_info
        assert (info.state, info.result, info.exit_code) == ("completed", "success", 0)
        assert info.end_time <= done.state_transition_time  # the job completed after its release tasks
        assert node_lines(client, pool_id, node_id, job_id) == ["prep", "release"]


def test_failing_preparation_keeps_the_jobs_tasks_off_that_node(client, pool_id):
    nodes = sorted(n.id for n in client.list_nodes(pool_id))
    job_id = make_job(client, pool_id, job_preparation_task=prep(
        f"/bin/sh -c 'test $AZ_BATCH_NODE_ID != {nodes[0]}'",
        constraints=m.BatchTaskConstraints(max_task_retry_count=1)))
    client.create_tasks(job_id, [m.BatchTaskCreateOptions(id=f"t{i}", command_line="/bin/sleep 0.2")
                                 for i in range(6)])
    wait_for(lambda: client.get_job_task_counts(job_id).task_counts.succeeded == 6, what="6 succeeded")
    assert {t.node_info.node_id for t in client.list_tasks(job_id)} == {nodes[1]}
    status = {s.node_id: s.job_preparation_task_execution_info for s in statuses(client, job_id)}
    failed = status[nodes[0]]
    assert (failed.state, failed.result, failed.exit_code, failed.retry_count) == ("completed", "failure", 1, 1)
    assert failed.failure_info.code == "FailureExitCode" and failed.last_retry_time is not None
    assert status[nodes[1]].result == "success"


def test_preparation_failing_everywhere_leaves_the_tasks_active(client, pool_id):
    job_id = make_job(client, pool_id, job_preparation_task=prep("/bin/false"))
    add_task(client, job_id, "waits", "/bin/true")
    wait_for(lambda: len([s for s in statuses(client, job_id)
                          if s.job_preparation_task_execution_info.state == "completed"]) == 2,
             what="the preparation task failed on both nodes")
    task = client.get_task(job_id, "waits")
    assert task.state == "active" and task.node_info is None
    assert client.get_job_task_counts(job_id).task_counts.active == 1


def test_without_wait_for_success_tasks_run_anyway(client, pool_id):
    job_id = make_job(client, pool_id, job_preparation_task=prep("/bin/false", wait_for_success=False))
    add_task(client, job_id, "runs", "/bin/true")
    assert wait_task(client, job_id, "runs").execution_info.result == "success"


def test_release_runs_when_all_tasks_complete_and_when_the_job_is_deleted(client, pool_id):
    job_id = make_job(
        client, pool_id, all_tasks_complete_mode="terminatejob",
        job_preparation_task=prep(logging("prep")),
        job_release_task=m.BatchJobReleaseTask(command_line=logging("release", "sleep 0.3")),
    )
    add_task(client, job_id, "only", "/bin/true")
    done = wait_for(lambda: (j := client.get_job(job_id)).state == "completed" and j, what="job completed")
    assert done.execution_info.termination_reason == "AllTasksComplete"
    (entry,) = statuses(client, job_id)
    assert entry.job_release_task_execution_info.state == "completed"
    assert node_lines(client, pool_id, entry.node_id, job_id) == ["prep", "release"]

    job_id = make_job(client, pool_id, job_preparation_task=prep(logging("prep")),
                      job_release_task=m.BatchJobReleaseTask(command_line=logging("release")))
    add_task(client, job_id, "only", "/bin/true")
    node_id = wait_task(client, job_id, "only").node_info.node_id
    client.begin_delete_job(job_id, polling_interval=0.05).result()
    wait_for(lambda: job_id not in {j.id for j in client.list_jobs()}, what="job deleted")
    files = {f.name for f in client.list_node_files(pool_id, node_id, recursive=True)}
    assert f"shared/runs-{job_id}.txt" in files and not any(job_id in name and "workitems" in name for name in files)
    assert node_lines(client, pool_id, node_id, job_id) == ["prep", "release"]


def test_status_list_pages_and_filters(client, pool_id):
    job_id = make_job(client, pool_id, job_preparation_task=prep("/bin/true"))
    client.create_tasks(job_id, [m.BatchTaskCreateOptions(id=f"t{i}", command_line="/bin/sleep 0.3")
                                 for i in range(4)])
    wait_for(lambda: len(statuses(client, job_id)) == 2, what="both nodes prepared")
    pages = list(client.list_job_preparation_and_release_task_status(job_id, max_results=1).by_page())
    assert [len(list(p)) for p in pages] == [1, 1]
    first = sorted(s.node_id for s in statuses(client, job_id))[0]
    assert [s.node_id for s in statuses(client, job_id, filter=f"nodeId eq '{first}'")] == [first]
    assert statuses(client, job_id, filter="jobPreparationTaskExecutionInfo/exitCode eq 1") == []


def test_batch_rules_for_the_jobs_own_tasks(client, pool_id):
    plain = make_job(client, pool_id)
    with pytest.raises(HttpResponseError) as err:
        statuses(client, plain)
    assert err.value.status_code == 409 and err.value.error.code == "JobPreparationTaskNotSpecified"
    with pytest.raises(HttpResponseError) as err:
        make_job(client, pool_id, job_release_task=m.BatchJobReleaseTask(command_line="/bin/true"))
    assert err.value.status_code == 400 and err.value.error.code == "InvalidPropertyValue"
    with pytest.raises(HttpResponseError) as err:
        make_job(client, pool_id, job_preparation_task=prep("/bin/true"),
                 job_release_task=m.BatchJobReleaseTask(command_line="/bin/true", max_wall_clock_time="PT16M"))
    assert err.value.status_code == 400
    job_id = make_job(client, pool_id, job_preparation_task=prep("/bin/true", id="setup"))
    with pytest.raises(HttpResponseError) as err:
        add_task(client, job_id, "setup", "/bin/true")
    assert err.value.status_code == 409 and err.value.error.code == "TaskIdSameAsJobPreparationTask"


def test_after_a_reboot_the_preparation_task_reruns_unless_told_not_to(client):
    pool_id = make_pool(client, nodes=1)
    again = make_job(client, pool_id, job_preparation_task=prep(logging("prep")))
    once = make_job(client, pool_id, job_preparation_task=prep(logging("prep"),
                                                               rerun_on_node_reboot_after_success=False))
    for job_id in (again, once):
        add_task(client, job_id, "before", "/bin/true")
        node_id = wait_task(client, job_id, "before").node_info.node_id
    client.begin_reboot_node(pool_id, node_id, {"nodeRebootOption": "requeue"}, polling_interval=0.05).result()
    wait_for(lambda: client.get_node(pool_id, node_id).state == "idle", what="node back")
    for job_id in (again, once):
        add_task(client, job_id, "after", "/bin/true")
        wait_task(client, job_id, "after")
    assert node_lines(client, pool_id, node_id, again) == ["prep", "prep"]
    assert node_lines(client, pool_id, node_id, once) == ["prep"]


def test_a_preparation_task_cut_short_by_a_killed_emulator_runs_again_after_the_restart(tmp_path):
    import signal

    from conftest import start_emulator

    marks = tmp_path / "preps"
    emu = start_emulator(tmp_path / "data")
    try:
        client = emu.client()
        pool_id = make_pool(client, nodes=1)
        job_id = make_job(client, pool_id, job_preparation_task=prep(
            f"/bin/sh -c 'echo prep >> {marks}; test -e {marks}.slow || (touch {marks}.slow; sleep 30)'"))
        add_task(client, job_id, "after", "/bin/true")
        wait_for(lambda: statuses(client, job_id), what="the preparation task running")
        assert client.get_task(job_id, "after").state == "preparing"
    finally:
        emu.stop(signal.SIGKILL)
    emu = start_emulator(tmp_path / "data")
    try:
        client = emu.client()
        assert wait_task(client, job_id, "after").execution_info.result == "success"
        (entry,) = statuses(client, job_id)
        assert entry.job_preparation_task_execution_info.state == "completed"
        assert marks.read_text() == "prep\nprep\n"
    finally:
        assert emu.stop() == 0


def test_a_node_where_the_preparation_task_failed_takes_the_jobs_tasks_again_once_reimaged(client):
    pool_id = make_pool(client, nodes=1)
    spoiler = make_job(client, pool_id)
    add_task(client, spoiler, "spoil", "/bin/sh -c 'touch $AZ_BATCH_NODE_SHARED_DIR/bad'")
    node_id = wait_task(client, spoiler, "spoil").node_info.node_id
    careful = prep("/bin/sh -c 'test ! -e $AZ_BATCH_NODE_SHARED_DIR/bad'")  # fails on a spoilt node
    job_id = make_job(client, pool_id, job_preparation_task=careful)
    add_task(client, job_id, "waits", "/bin/true")
    wait_for(lambda: [s.job_preparation_task_execution_info.result for s in statuses(client, job_id)] == ["failure"],
             what="the preparation task failed")
    client.begin_reboot_node(pool_id, node_id, {"nodeRebootOption": "requeue"}, polling_interval=0.05).result()
    wait_for(lambda: client.get_node(pool_id, node_id).state == "idle", what="node back")
    add_task(client, spoiler, "probe", "/bin/true")
    wait_task(client, spoiler, "probe")  # the node took a task after its reboot: still not this job's
    assert client.get_task(job_id, "waits").state == "active"
    client.begin_reimage_node(pool_id, node_id, {"nodeReimageOption": "requeue"}, polling_interval=0.05).result()
    assert wait_task(client, job_id, "waits").execution_info.result == "success"
    (entry,) = statuses(client, job_id)
    assert entry.job_preparation_task_execution_info.result == "success"
