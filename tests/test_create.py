"""Creating pools, jobs and tasks from JSON files: checked by field before
anything is sent; tasks 100 per call."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import make_job, make_pool, unique
from test_emulator_protocol import signed_get
from ui_helpers import account_for, service_for, until

from batchtui.create import InvalidFile, load
from batchtui.ui.app import BatchApp
from batchtui.ui.views import TASKS, ViewKey
from batchtui.ui.widgets.resource_table import ResourceTable


def write(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


@pytest.mark.parametrize(
    "kind, body, expected",
    [
        ("pool", '{"id": "p",\n "vmSize": }', "line 2, column 12: invalid JSON"),
        ("pool", {"id": "p", "vmSzie": "x"}, "vmSzie: unknown property (did you mean vmSize?)"),
        ("pool", {"id": "p"}, "vmSize: required"),
        ("pool", {"id": "p", "vmSize": "s", "targetDedicatedNodes": "2"},
         'targetDedicatedNodes: must be a whole number, not "2"'),
        ("pool", {"id": "p", "vmSize": "s", "startTask": {"waitForSuccess": True}}, "startTask.commandLine: required"),
        ("job", {"id": "j", "poolInfo": {}}, "poolInfo.poolId: required (or poolInfo.autoPoolSpecification)"),
        ("job", {"id": "j"}, "poolInfo: required"),
        ("tasks", [{"id": "a", "commandLine": "x"}, {"id": "b"}], "tasks[1].commandLine: required"),
        ("tasks", [{"id": "a", "commandLine": "x", "requiredSlots": True}],
         "tasks[0].requiredSlots: must be a whole number"),
        ("tasks", [{"id": "a", "commandLine": "x"}, {"id": "a", "commandLine": "y"}], "id 'a' appears more than once"),
        ("tasks", "[]", "expected a task object"),
        ("jobschedule", {"id": "s", "jobSpecification": {"poolInfo": {"poolId": "p"}}}, "schedule: required"),
        ("jobschedule", {"id": "s", "schedule": {}, "jobSpecification": {"poolInfo": {}}},
         "jobSpecification.poolInfo.poolId: required (or jobSpecification.poolInfo.autoPoolSpecification)"),
        ("jobschedule", {"id": "s", "schedule": {"recurrenceInterval": "hourly"},
                         "jobSpecification": {"poolInfo": {"poolId": "p"}}}, "schedule.recurrenceInterval: "),
    ],
)
def test_invalid_files_are_reported_by_field(tmp_path, kind, body, expected):
    with pytest.raises(InvalidFile) as info:
        load(write(tmp_path, "body.json", body), kind)
    assert any(expected in p for p in info.value.problems), info.value.problems


TASK = {"id": "t1", "commandLine": "/bin/true"}


@pytest.mark.parametrize(
    "kind, body, expected",
    [
        # nested unknown properties, with the one meant (and the new name of an old one)
        ("tasks", [{**TASK, "resourceFiles": [{"blobSource": "https://x/y", "filePath": "y"}]}],
         "tasks[0].resourceFiles[0].blobSource: unknown property (did you mean httpUrl? blobSource is its name "
         "in older api-versions)"),
        ("tasks", [TASK, {**TASK, "id": "t2", "constraints": {"maxWallClokTime": "PT1H"}}],
         "tasks[1].constraints.maxWallClokTime: unknown property (did you mean maxWallClockTime?)"),
        ("tasks", [{**TASK, "outputFiles": [{"filePattern": "*.txt",
                                             "uploadOptions": {"uploadCondition": "taskcompletion"},
                                             "destination": {"contianer": {"containerUrl": "https://x"}}}]}],
         "tasks[0].outputFiles[0].destination.contianer: unknown property (did you mean container?)"),
        ("tasks", [{**TASK, "commandline": "x"}], "tasks[0].commandline: unknown property (did you mean commandLine?)"),
        ("pool", {"id": "p", "vmSize": "s", "startTask": {"commandLine": "x", "waitForSucess": True}},
         "startTask.waitForSucess: unknown property (did you mean waitForSuccess?)"),
        ("pool", {"id": "p", "vmSize": "s", "maxTasksPerNode": 4},
         "maxTasksPerNode: unknown property (did you mean taskSlotsPerNode? maxTasksPerNode is its name in older"),
        ("job", {"id": "j", "poolInfo": {"poolId": "p"}, "jobManagerTask": {"id": "m", "commandLine": "x",
                                                                             "killJobOnCompletion": "yes"}},
         'jobManagerTask.killJobOnCompletion: must be true or false, not "yes"'),
        # required properties inside
        ("tasks", [{**TASK, "outputFiles": [{"filePattern": "*"}]}], "tasks[0].outputFiles[0].destination: required"),
        ("pool", {"id": "p", "vmSize": "s", "virtualMachineConfiguration": {"imageReference": {}}},
         "virtualMachineConfiguration.nodeAgentSKUId: required"),
        # ids: letters, digits, hyphens and underscores, 1 to 64
        ("pool", {"id": "my pool", "vmSize": "s"},
         'id: must be 1 to 64 letters, digits, hyphens and underscores, not "my pool"'),
        ("job", {"id": "j" * 65, "poolInfo": {"poolId": "p"}}, "id: must be 1 to 64 letters"),
        ("job", {"id": "j", "poolInfo": {"poolId": "p/q"}}, 'poolInfo.poolId: must be 1 to 64 letters, digits, '
                                                              'hyphens and underscores, not "p/q"'),
        ("tasks", [{**TASK, "id": "t.1"}], 'tasks[0].id: must be 1 to 64 letters, digits, hyphens and underscores'),
        ("tasks", [{**TASK, "dependsOn": {"taskIds": ["ok", "not ok"]}}],
         "tasks[0].dependsOn.taskIds[1]: must be 1 to"),
        # enums, durations, lists
        ("job", {"id": "j", "poolInfo": {"poolId": "p"}, "onAllTasksComplete": "terminate"},
         'onAllTasksComplete: must be one of noaction, terminatejob, not "terminate"'),
        ("tasks", [{**TASK, "constraints": {"maxWallClockTime": "1h"}}],
         'tasks[0].constraints.maxWallClockTime: must be an ISO 8601 duration (e.g. PT1H30M, P2D), not "1h"'),
        ("tasks", [{**TASK, "resourceFiles": {"httpUrl": "x"}}], "tasks[0].resourceFiles: must be a list, not {"),
        ("tasks", [{**TASK, "environmentSettings": ["A=1"]}], 'tasks[0].environmentSettings[0]: must be an object'),
        ("tasks", [{**TASK, "id": "A"}, {**TASK, "id": "a"}], "tasks: id 'a' appears more than once"),
    ],
)
def test_nested_problems_are_reported_by_path(tmp_path, kind, body, expected):
    with pytest.raises(InvalidFile) as info:
        load(write(tmp_path, "body.json", body), kind)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_a_full_body_passes(tmp_path):
    task = {**TASK, "displayName": "x", "constraints": {"maxWallClockTime": "P10675199DT2H48M5.4775807S",
                                                        "retentionTime": "PT1H", "maxTaskRetryCount": 2},
            "resourceFiles": [{"httpUrl": "https://a/b", "filePath": "b", "fileMode": "0755"},
                              {"autoStorageContainerName": "in", "blobPrefix": "x/"}],
            "outputFiles": [{"filePattern": "*.txt", "uploadOptions": {"uploadCondition": "TaskSuccess"},
                             "destination": {"container": {"containerUrl": "https://a/c?sas", "path": "out",
                                                           "uploadHeaders": [{"name": "x", "value": "y"}]}}}],
            "environmentSettings": [{"name": "A", "value": "1"}], "requiredSlots": 1,
            "userIdentity": {"autoUser": {"scope": "task", "elevationLevel": "admin"}},
            "exitConditions": {"exitCodes": [{"code": 3, "exitOptions": {"jobAction": "terminate"}}],
                               "default": {"dependencyAction": "satisfy"}},
            "dependsOn": {"taskIds": ["a_1", "B-2"], "taskIdRanges": [{"start": 1, "end": 9}]}}
    assert load(write(tmp_path, "task.json", [task]), "tasks") == [task]
    pool = {"id": "p_1", "vmSize": "standard_d2s_v3", "targetDedicatedNodes": 2, "resizeTimeout": "PT15M",
            "virtualMachineConfiguration": {"imageReference": {"publisher": "canonical", "offer": "o", "sku": "s"},
                                            "nodeAgentSKUId": "batch.node.ubuntu 24.04"},
            "startTask": {"commandLine": "x", "waitForSuccess": True,
                          "resourceFiles": [{"httpUrl": "h", "filePath": "f"}]},
            "metadata": [{"name": "a", "value": "b"}]}
    assert load(write(tmp_path, "pool.json", pool), "pool") == [pool]


def test_many_broken_tasks_stop_the_check_early(tmp_path):
    tasks = [{"id": f"t{i}"} for i in range(5000)]
    with pytest.raises(InvalidFile) as info:
        load(write(tmp_path, "many.json", tasks), "tasks")
    assert len(info.value.problems) == 1001 and info.value.problems[-1].startswith("(stopped checking at task 999")


def test_task_file_shapes(tmp_path):
    task = {"id": "a", "commandLine": "true"}
    assert load(write(tmp_path, "one.json", task), "tasks") == [task]
    assert load(write(tmp_path, "list.json", [task]), "tasks") == [task]
    assert load(write(tmp_path, "value.json", {"value": [task]}), "tasks") == [task]


def cli(tmp_path, emulator, *args):
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "accounts.toml").write_text(
        f'[accounts.emu]\nendpoint = "{emulator.endpoint}"\naccount_name = "{emulator.account}"\n'
        f'auth = "shared_key"\nkey_env = "EMU_KEY"\n')
    env = {**os.environ, "BATCHTUI_CONFIG_DIR": str(config), "EMU_KEY": emulator.key}
    return subprocess.run([sys.executable, "-m", "batchtui", "create", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_cli_creates_pool_job_and_250_tasks_in_3_calls(tmp_path, emulator, client):
    pool_id, job_id = unique("pool"), unique("job")
    pool = {"id": pool_id, "vmSize": "standard_d2s_v3"}
    result = cli(tmp_path, emulator, "pool", str(write(tmp_path, "pool.json", pool)))
    assert result.returncode == 0, result.stderr
    assert client.get_pool(pool_id).vm_size == "standard_d2s_v3"
    job = {"id": job_id, "poolInfo": {"poolId": pool_id}}
    result = cli(tmp_path, emulator, "job", str(write(tmp_path, "job.json", job)))
    assert result.returncode == 0, result.stderr
    before = signed_get(emulator, "/_emulator/requests").json()
    tasks = [{"id": f"t{i:03d}", "commandLine": "true"} for i in range(250)]
    result = cli(tmp_path, emulator, "tasks", str(write(tmp_path, "tasks.json", tasks)), "--job", job_id)
    after = signed_get(emulator, "/_emulator/requests").json()
    assert result.returncode == 0, result.stderr
    assert "250 tasks added" in result.stdout and "250/250" in result.stderr
    assert after["POST"] - before["POST"] == 3
    assert len(list(client.list_tasks(job_id, select=["id"]))) == 250


def test_cli_creates_a_job_schedule(tmp_path, emulator, client):
    schedule_id = unique("sched")
    body = {"id": schedule_id, "schedule": {"doNotRunUntil": "2099-01-01T00:00:00Z", "recurrenceInterval": "PT1H"},
            "jobSpecification": {"poolInfo": {"poolId": "p"}}}
    result = cli(tmp_path, emulator, "jobschedule", str(write(tmp_path, "schedule.json", body)))
    assert result.returncode == 0, result.stderr
    assert f"job schedule {schedule_id} created" in result.stdout
    assert client.get_job_schedule(schedule_id).schedule.recurrence_interval.total_seconds() == 3600
    client.begin_delete_job_schedule(schedule_id, polling_interval=0.05).result()  # (the session's emulator)


def test_cli_invalid_file_creates_nothing(tmp_path, emulator, client):
    before = signed_get(emulator, "/_emulator/requests").json()
    result = cli(tmp_path, emulator, "pool", str(write(tmp_path, "bad.json", {"id": "nope", "vmSzie": "x"})))
    after = signed_get(emulator, "/_emulator/requests").json()
    assert result.returncode == 2
    assert "vmSzie: unknown property (did you mean vmSize?)" in result.stderr
    assert "vmSize: required" in result.stderr
    assert "Traceback" not in result.stderr
    assert after.get("POST", 0) == before.get("POST", 0)


def test_cli_names_nested_problems_and_says_nothing_blank(tmp_path, emulator):
    tasks = [{"id": f"t{i}", "commandLine": "x", "resourceFiles": [{"blobSource": "https://x/y"}]} for i in range(30)]
    result = cli(tmp_path, emulator, "tasks", str(write(tmp_path, "old.json", tasks)), "--job", "j")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == f"batchtui create: {tmp_path / 'old.json'} is not a valid tasks body:"
    assert lines[1] == ("  tasks[0].resourceFiles[0].blobSource: unknown property (did you mean httpUrl? "
                        "blobSource is its name in older api-versions)")
    assert len(lines) == 22 and lines[-1] == "  … and 10 more"


def test_cli_service_error_is_one_line_with_no_blank_line_before(tmp_path, emulator):
    result = cli(tmp_path, emulator, "tasks", str(write(tmp_path, "t.json", [{"id": "a", "commandLine": "x"}])),
                 "--job", "no-such-job")
    assert result.returncode == 1
    assert result.stderr.startswith("batchtui create: JobNotFound") and result.stderr.count("\n") == 1, result.stderr


def test_cli_reports_service_errors_per_task(tmp_path, emulator, client):
    pool_id = make_pool(client, nodes=0, wait_idle=False)
    job_id = make_job(client, pool_id)
    client.create_task(job_id, {"id": "dup", "commandLine": "true"})
    tasks = [{"id": "dup", "commandLine": "true"}, {"id": "fresh", "commandLine": "true"}]
    result = cli(tmp_path, emulator, "tasks", str(write(tmp_path, "t.json", tasks)), "--job", job_id)
    assert result.returncode == 1
    assert "1 task added, 1 failed: dup: TaskExists" in result.stdout


async def test_create_tasks_from_the_tui(tmp_path, emulator, client):
    pool_id = make_pool(client, nodes=0, wait_idle=False)
    job_id = make_job(client, pool_id)
    path = write(tmp_path, "tasks.json", {"value": [{"id": f"x{i}", "commandLine": "true"} for i in range(120)]})
    account = account_for(emulator)
    app = BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0,
                   start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.press("colon", *f"create tasks {path}", "enter")
        await until(pilot, lambda: table.total_count == 120, what="120 tasks")
        bad = write(tmp_path, "bad.json", [{"id": "y"}])
        await pilot.press("colon", *f"create tasks {bad}", "enter")
        await until(pilot, lambda: any("commandLine: required" in str(n.message) for n in app._notifications),
                    what="field error")
    assert len(list(client.list_tasks(job_id, select=["id"]))) == 120
