"""The models behind edit, clone, export and rerun with changes (issue 17, items 1 to 3): the edited
text (comment header, parsing by line, diffs), what an edit may change and the request it sends,
create bodies with server-set properties removed, and the rerun's common fields and dependents."""

from __future__ import annotations

import json

import pytest

from batchtui.body_check import problems as body_problems
from batchtui.rest_schema import JOB, POOL, TASK
from batchtui.ui.model.edit_text import MISSING, Change, EditProblems, changes, diff_lines, parse, render
from batchtui.ui.model.rerun_body import PER_TASK, common_fields, dependents, rerun_bodies, rerun_fields, rerun_problems
from batchtui.ui.model.resource_bodies import (
    clone_problems,
    create_body,
    edit_header,
    editable,
    export_bodies,
    export_paths,
    update_request,
)
from batchtui.ui.preconditions import edit_refusal

JOB_DOC = {
    "odata.metadata": "http://x/$metadata#jobs/@Element", "id": "j", "url": "http://x/jobs/j",
    "eTag": "0x1", "lastModified": "2026-11-30T13:35:14Z", "creationTime": "2026-11-30T13:35:14Z",
    "state": "active", "stateTransitionTime": "2026-11-30T13:35:14Z", "poolInfo": {"poolId": "p"},
    "priority": 0, "maxParallelTasks": -1, "allowTaskPreemption": False, "usesTaskDependencies": False,
    "constraints": {"maxWallClockTime": "P10675199DT2H48M5.4775807S", "maxTaskRetryCount": 0},
    "onAllTasksComplete": "noaction", "onTaskFailure": "noaction",
    "executionInfo": {"startTime": "2026-11-30T13:35:14Z", "poolId": "p"},
}
TASK_DOC = {
    "id": "t", "url": "http://x/jobs/j/tasks/t", "commandLine": "/bin/sh -c 'exit 3'", "eTag": "0x2",
    "state": "completed", "constraints": {"maxTaskRetryCount": 0, "retentionTime": "P7D"}, "requiredSlots": 1,
    "userIdentity": {"autoUser": {"scope": "pool", "elevationLevel": "nonadmin"}},
    "executionInfo": {"exitCode": 3, "result": "failure"}, "nodeInfo": {"nodeId": "n", "poolId": "p"},
}


def test_the_text_round_trips_and_comment_lines_keep_line_numbers():
    text = render("Edit job j.\nCan be changed: priority.", {"priority": 0})
    assert text.splitlines()[:2] == ["// Edit job j.", "// Can be changed: priority."]
    assert parse(text) == {"priority": 0}
    with pytest.raises(EditProblems) as caught:
        parse(text.replace('"priority": 0', '"priority": 0,'))
    assert caught.value.problems[0].startswith("line 5, column 1: invalid JSON")  # the file's own line 5
    with pytest.raises(EditProblems, match="must be a JSON object"):
        parse("// only a comment\n[1]")


def test_changes_go_inside_objects_and_say_added_removed_changed():
    before = {"priority": 0, "constraints": {"maxTaskRetryCount": 0, "maxWallClockTime": "PT1H"}, "metadata": []}
    after = {"priority": 5, "constraints": {"maxTaskRetryCount": 2}, "maxParallelTasks": 4, "metadata": []}
    found = changes(before, after)
    assert found == [Change("priority", 0, 5), Change("constraints.maxTaskRetryCount", 0, 2),
                     Change("constraints.maxWallClockTime", "PT1H", MISSING), Change("maxParallelTasks", MISSING, 4)]
    assert diff_lines(found) == ["~ priority: 0 → 5", "~ constraints.maxTaskRetryCount: 0 → 2",
                                 '- constraints.maxWallClockTime: "PT1H" (removed)', "+ maxParallelTasks: 4"]
    assert changes({"a": 1}, {"a": 1.0}) == [Change("a", 1, 1.0)]  # (a number's type is part of it)
    long = "x" * 100 + " exit {}; fi; echo done"
    assert diff_lines(changes({"c": long.format(75)}, {"c": long.format(0)})) == [
        "~ c:", '    was …xxxxxxxxxx exit 75; fi; echo done"', '    now …xxxxxxxxxx exit 0; fi; echo done"']


def test_a_job_edit_shows_the_patchable_properties_and_sends_only_the_changes():
    before = editable("jobs", JOB_DOC)
    assert list(before) == ["priority", "maxParallelTasks", "allowTaskPreemption", "constraints",
                            "onAllTasksComplete", "poolInfo", "metadata"]
    assert "Can be changed: priority, maxParallelTasks" in edit_header("jobs", "j")
    assert update_request("jobs", before, dict(before)) is None
    request = update_request("jobs", before, {**before, "priority": 500})
    assert request is not None and (request.operation, request.body) == ("job.patch", {"priority": 500})
    with pytest.raises(EditProblems) as caught:
        update_request("jobs", before, {**{k: v for k, v in before.items() if k != "metadata"},
                                        "priority": "high", "id": "other", "onAllTasksComplete": "never"})
    assert caught.value.problems == [
        "id: cannot be changed here (can be: priority, maxParallelTasks, allowTaskPreemption, constraints, "
        "onAllTasksComplete, poolInfo, metadata)",
        'priority: must be a whole number, not "high"',
        'onAllTasksComplete: must be one of noaction, terminatejob, not "never"',
        "metadata: cannot be removed (Batch's job PATCH leaves it as it is); give it a value",
    ]


SCHEDULE_DOC = {
    "id": "s", "url": "http://x/jobschedules/s", "eTag": "0x3", "displayName": "nightly", "state": "active",
    "creationTime": "2026-11-30T13:35:14Z", "schedule": {"recurrenceInterval": "PT1H"},
    "jobSpecification": {"poolInfo": {"poolId": "p"}, "priority": 1, "unknownNested": 2},
    "executionInfo": {"nextRunTime": "2026-11-30T14:35:14Z", "recentJob": {"id": "s:job-1"}},
}


def test_a_job_schedule_edit_patches_its_schedule_job_specification_and_metadata():
    before = editable("schedules", SCHEDULE_DOC)
    assert before == {"schedule": {"recurrenceInterval": "PT1H"},
                      "jobSpecification": {"poolInfo": {"poolId": "p"}, "priority": 1}, "metadata": []}
    assert "Can be changed: schedule, jobSpecification, metadata." in edit_header("schedules", "s")
    after = {**before, "schedule": {"recurrenceInterval": "PT2H"}}
    request = update_request("schedules", before, after)
    assert request is not None and (request.operation, request.body) == \
        ("jobschedule.patch", {"schedule": {"recurrenceInterval": "PT2H"}})
    with pytest.raises(EditProblems) as caught:
        update_request("schedules", before, {"schedule": {"recurrenceInterval": 5}, "metadata": []})
    assert caught.value.problems == [
        'schedule.recurrenceInterval: must be an ISO 8601 duration (e.g. PT1H30M, P2D), not 5',
        "jobSpecification: cannot be removed (Batch's job schedule PATCH leaves it as it is); give it a value"]
    clone = create_body("schedules", SCHEDULE_DOC, "s-copy")
    assert clone == {"id": "s-copy", "displayName": "nightly", "schedule": {"recurrenceInterval": "PT1H"},
                     "jobSpecification": {"poolInfo": {"poolId": "p"}, "priority": 1}}
    assert clone_problems("schedules", clone) == [] and export_bodies("schedules", [SCHEDULE_DOC])["id"] == "s"
    assert clone_problems("schedules", {**clone, "jobSpecification": {"poolInfo": {}}}) == [
        "jobSpecification.poolInfo.poolId: required (or jobSpecification.poolInfo.autoPoolSpecification)"]
    refused = edit_refusal("schedules", "completed")
    assert refused is not None and refused.why == \
        "it is completed, and Batch changes no job schedule that has ended or is ending"
    assert edit_refusal("schedules", "deleting") is not None and edit_refusal("schedules", "disabled") is None


def test_a_pool_edit_replaces_its_three_properties_and_a_task_edit_its_constraints():
    pool = {"id": "p", "state": "active", "startTask": {"commandLine": "setup"}, "vmSize": "x"}
    before = editable("pools", pool)
    assert before == {"startTask": {"commandLine": "setup"}, "applicationPackageReferences": [], "metadata": []}
    after = {k: v for k, v in before.items() if k != "startTask"}
    request = update_request("pools", before, after)
    assert request is not None and request.operation == "pool.updateproperties"
    assert request.body == {"applicationPackageReferences": [], "metadata": []}  # startTask left out: removed
    task_before = editable("tasks", TASK_DOC)
    assert task_before == {"constraints": {"maxTaskRetryCount": 0, "retentionTime": "P7D"}}
    request = update_request("tasks", task_before, {"constraints": {"maxTaskRetryCount": 3}})
    assert request is not None and request.body == {"constraints": {"maxTaskRetryCount": 3}}
    with pytest.raises(EditProblems, match="maxWallClockTime: must be an ISO 8601 duration"):
        update_request("tasks", task_before, {"constraints": {"maxWallClockTime": "1 hour"}})


def test_an_empty_pool_edit_offers_what_its_patch_changes():
    pool = {"id": "p", "vmSize": "small", "taskSlotsPerNode": 1, "allocationState": "steady",
            "currentDedicatedNodes": 0, "currentLowPriorityNodes": 0, "startTask": {"commandLine": "setup"}}
    before = editable("pools", pool)
    assert list(before) == ["startTask", "applicationPackageReferences", "metadata", "vmSize", "taskSlotsPerNode"]
    header = edit_header("pools", "p", before)
    assert "As the pool has no nodes, these can be changed too: displayName, vmSize," in header
    request = update_request("pools", before, {**before, "vmSize": "large", "metadata": [{"name": "a", "value": "b"}]})
    assert request is not None and request.operation == "pool.patch"
    assert request.body == {"metadata": [{"name": "a", "value": "b"}], "vmSize": "large"}
    with pytest.raises(EditProblems, match="startTask: cannot be removed"):
        update_request("pools", before, {k: v for k, v in {**before, "vmSize": "large"}.items() if k != "startTask"})
    assert "vmSize" not in editable("pools", {**pool, "currentDedicatedNodes": 1})


def test_create_bodies_lose_every_server_set_property():
    job = create_body("jobs", JOB_DOC, "j-copy")
    assert list(job)[0] == "id" and job["id"] == "j-copy"
    for gone in ("url", "eTag", "lastModified", "creationTime", "state", "stateTransitionTime", "executionInfo",
                 "odata.metadata"):
        assert gone not in job
    assert body_problems(job, JOB) == [] and clone_problems("jobs", job) == []
    task = create_body("tasks", TASK_DOC)
    assert set(task) == {"id", "commandLine", "constraints", "requiredSlots", "userIdentity"}
    assert body_problems(task, TASK) == []
    pool = create_body("pools", {"id": "p", "vmSize": "s", "currentDedicatedNodes": 2, "resizeErrors": [],
                                 "startTask": {"commandLine": "c", "unknownNested": 1}})
    assert pool == {"id": "p", "vmSize": "s", "startTask": {"commandLine": "c"}}
    assert body_problems(pool, POOL) == []
    assert export_bodies("tasks", [TASK_DOC, {**TASK_DOC, "id": "u"}])[1]["id"] == "u"
    assert export_bodies("jobs", [JOB_DOC])["id"] == "j"
    assert export_paths("out/{id}.json", ["a", "b"]) == ["out/a.json", "out/b.json"]
    assert export_paths("./jobs.json", ["a"]) == ["./jobs-a.json"] and export_paths("x.d/jobs", ["a"]) == ["x.d/jobs-a"]
    assert clone_problems("jobs", {"id": "x y", "poolInfo": {}}) == [
        'id: must be 1 to 64 letters, digits, hyphens and underscores, not "x y"',
        "poolInfo.poolId: required (or poolInfo.autoPoolSpecification)"]


def test_a_rerun_shows_the_common_fields_and_applies_one_change_to_each():
    docs = [{**TASK_DOC, "id": "a"}, {**TASK_DOC, "id": "b", "constraints": {"maxTaskRetryCount": 1}}]
    shown, differing = common_fields(docs)
    assert shown == {"commandLine": "/bin/sh -c 'exit 3'", "environmentSettings": [], "resourceFiles": []}
    assert differing == ["constraints"]
    after = {**shown, "commandLine": "/bin/sh -c 'exit 0'", "environmentSettings": [{"name": "X", "value": "1"}]}
    bodies = rerun_bodies(docs, shown, after)
    assert [b["id"] for b in bodies] == ["a", "b"]
    assert all(b["commandLine"] == "/bin/sh -c 'exit 0'" and b["environmentSettings"] == [{"name": "X", "value": "1"}]
               for b in bodies)
    assert bodies[1]["constraints"] == {"maxTaskRetryCount": 1}  # (not shown: each keeps its own)
    assert "executionInfo" not in bodies[0] and "state" not in bodies[0]
    assert rerun_problems(shown, {"id": "x"}) == [
        "id: cannot be changed in a rerun (can be: commandLine, environmentSettings, resourceFiles, constraints)",
        "commandLine: required"]


def test_fields_the_tasks_differ_in_are_edited_per_task():
    docs = [{**TASK_DOC, "id": "a", "commandLine": "run a; exit 5"},
            {**TASK_DOC, "id": "b", "commandLine": "run b; exit 5"}]
    shown, differing = rerun_fields(docs)
    assert differing == ["commandLine"]
    assert shown[PER_TASK] == {"a": {"commandLine": "run a; exit 5"}, "b": {"commandLine": "run b; exit 5"}}
    after = json.loads(json.dumps(shown).replace("exit 5", "exit 0"))
    after["constraints"] = {"maxTaskRetryCount": 1}
    assert rerun_problems(shown, after) == []
    bodies = rerun_bodies(docs, shown, after)
    assert [(b["commandLine"], b["constraints"]) for b in bodies] == [
        ("run a; exit 0", {"maxTaskRetryCount": 1}), ("run b; exit 0", {"maxTaskRetryCount": 1})]
    broken = json.loads(json.dumps(after))
    del broken[PER_TASK]["b"]
    assert rerun_problems(shown, broken) == [f"{PER_TASK}: must hold one entry for each task, keyed by its id (a, b)"]
    broken = json.loads(json.dumps(after))
    broken[PER_TASK]["a"] = {"commandLine": 5, "id": "c"}
    assert rerun_problems(shown, broken) == [
        f"{PER_TASK}.a.id: cannot be changed in a rerun (can be: commandLine, environmentSettings, resourceFiles, "
        "constraints)", f"{PER_TASK}.a.commandLine: must be a string, not 5"]


def test_dependents_by_id_and_by_range():
    tasks = [{"id": "1"}, {"id": "2", "dependsOn": {"taskIds": ["1"]}},
             {"id": "9", "dependsOn": {"taskIdRanges": [{"start": 3, "end": 5}]}},
             {"id": "z", "dependsOn": {"taskIds": ["A"]}}, {"id": "a"}]
    assert dependents(tasks, ["1", "4", "a", "6"]) == {"1": ["2"], "4": ["9"], "a": ["z"]}
