"""Tests for batchtui.emulator.schema: the declarative Batch request-body schema
(pure unit tests, no emulator process)."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest
from azure.batch import models as m
from azure.batch.models import _models as sdk_models  # also the models azure.batch.models does not export
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.emulator.errors import BatchError
from batchtui.emulator.formats import parse_duration
from batchtui.emulator.schema import (
    API_VERSIONS,
    KINDS,
    LATEST,
    MAX_JSON_DEPTH,
    MAX_TASK_COLLECTION_BYTES,
    MAX_TASKS_PER_COLLECTION,
    NOT_EMULATED,
    parse_body,
    validate,
    validate_task_collection,
)
from batchtui.emulator.schema import vocabulary as voc
from batchtui.emulator.schema.versions import V16, V17, V18, V19, V20, V2025

CLI = V19  # the api-version Azure CLI 2.91 sends
POOL = {"id": "p", "vmSize": "standard_d2s_v3"}
JOB = {"id": "j", "poolInfo": {"poolId": "p"}}
TASK = {"id": "t", "commandLine": "/bin/true"}


def refused(kind: str, body: object, version: str = LATEST, **options: Any) -> BatchError:
    with pytest.raises(BatchError) as info:
        validate(kind, body, version, **options)
    assert info.value.status == 400
    return info.value


def detail(error: BatchError, key: str = "PropertyName") -> str:
    return dict(error.values)[key]


def invalid(kind: str, body: object, path: str, version: str = LATEST) -> BatchError:
    error = refused(kind, body, version)
    assert (error.code, detail(error)) == ("InvalidPropertyValue", path), error.values
    return error


# --- issue 13: poison bodies -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "body", "path"),
    [
        ("job.add", {**JOB, "priority": "high"}, "priority"),
        ("job.add", {**JOB, "priority": None}, "priority"),
        ("job.add", {**JOB, "priority": 1001}, "priority"),
        ("job.add", {**JOB, "priority": 1.5}, "priority"),
        ("job.add", {**JOB, "priority": True}, "priority"),
        ("job.add", {**JOB, "priority": math.nan}, "priority"),
        ("job.add", {"id": "j", "poolInfo": {"poolId": ["p"]}}, "poolInfo.poolId"),
        ("job.add", {**JOB, "maxParallelTasks": "x"}, "maxParallelTasks"),
        ("job.add", {**JOB, "maxParallelTasks": 0}, "maxParallelTasks"),
        ("job.add", {**JOB, "constraints": "PT1H"}, "constraints"),
        ("job.add", {**JOB, "constraints": {"maxTaskRetryCount": -2}}, "constraints.maxTaskRetryCount"),
        ("job.add", {**JOB, "constraints": {"maxWallClockTime": "an hour"}}, "constraints.maxWallClockTime"),
        ("job.add", {**JOB, "onAllTasksComplete": "explode"}, "onAllTasksComplete"),
        ("job.add", {**JOB, "commonEnvironmentSettings": [{"name": "A", "value": 1}]},
         "commonEnvironmentSettings[0].value"),
        ("pool.add", {**POOL, "taskSchedulingPolicy": "spread"}, "taskSchedulingPolicy"),
        ("pool.add", {**POOL, "taskSchedulingPolicy": {"nodeFillType": "densest"}},
         "taskSchedulingPolicy.nodeFillType"),
        ("pool.add", {**POOL, "startTask": "echo hi"}, "startTask"),
        ("pool.add", {**POOL, "startTask": {"commandLine": "x", "resourceFiles": [{"httpUrl": 7}]}},
         "startTask.resourceFiles[0].httpUrl"),
        ("pool.add", {**POOL, "targetDedicatedNodes": -1}, "targetDedicatedNodes"),
        ("pool.add", {**POOL, "targetDedicatedNodes": 2**31}, "targetDedicatedNodes"),
        ("pool.add", {**POOL, "taskSlotsPerNode": 257}, "taskSlotsPerNode"),
        ("pool.add", {**POOL, "resizeTimeout": "PT4M"}, "resizeTimeout"),
        ("pool.add", {**POOL, "resizeTimeout": "PT15M\n"}, "resizeTimeout"),
        ("pool.add", {**POOL, "metadata": {"a": "b"}}, "metadata"),
        ("pool.add", {**POOL, "virtualMachineConfiguration": {"imageReference": {}, "nodeAgentSKUId": 3}},
         "virtualMachineConfiguration.nodeAgentSKUId"),
        ("pool.add", {**POOL, "virtualMachineConfiguration": {
            "imageReference": {}, "nodeAgentSKUId": "n", "extensions": [
                {"name": "e", "publisher": "p", "type": "t", "settings": {"x": [math.inf]}}]}},
         "virtualMachineConfiguration.extensions[0].settings.x[0]"),
        ("task.add", {**TASK, "outputFiles": "abc"}, "outputFiles"),
        ("task.add", {**TASK, "resourceFiles": 5}, "resourceFiles"),
        ("task.add", {**TASK, "resourceFiles": [None]}, "resourceFiles[0]"),
        ("task.add", {**TASK, "environmentSettings": [{"name": "A", "value": 5}]}, "environmentSettings[0].value"),
        ("task.add", {**TASK, "environmentSettings": [{"name": "A=B", "value": "x"}]}, "environmentSettings[0].name"),
        ("task.add", {**TASK, "environmentSettings": {"A": "1"}}, "environmentSettings"),
        ("task.add", {**TASK, "commandLine": "/bin/echo a\x00b"}, "commandLine"),
        ("task.add", {**TASK, "commandLine": "x" * 40_000}, "commandLine"),
        ("task.add", {**TASK, "commandLine": "\ud800"}, "commandLine"),
        ("task.add", {**TASK, "constraints": []}, "constraints"),
        ("task.add", {**TASK, "constraints": {"maxWallClockTime": "-PT1H"}}, "constraints.maxWallClockTime"),
        ("task.add", {**TASK, "requiredSlots": 0}, "requiredSlots"),
        ("task.add", {**TASK, "displayName": "d" * 1025}, "displayName"),
        ("task.add", {**TASK, "outputFiles": [{"filePattern": "*.txt", "destination": {"container": {
            "containerUrl": "https://x"}}, "uploadOptions": {"uploadCondition": "always"}}]},
         "outputFiles[0].uploadOptions.uploadCondition"),
        ("task.put", {"constraints": {"retentionTime": 7}}, "constraints.retentionTime"),
        ("pool.resize", {"targetDedicatedNodes": "two"}, "targetDedicatedNodes"),
        ("jobschedule.add", {"id": "s", "schedule": {"doNotRunUntil": "tomorrow"}, "jobSpecification": JOB},
         "schedule.doNotRunUntil"),
        ("jobschedule.add", {"id": "s", "schedule": {"doNotRunAfter": "2026-02-30T00:00:00Z"}, "jobSpecification": JOB},
         "schedule.doNotRunAfter"),
    ],
)
def test_poison_bodies_are_refused_naming_the_property(kind, body, path):
    invalid(kind, body, path)


@pytest.mark.parametrize("ident", ["t\n", "t ", "", "a" * 65, "tâche", "t/1", "t.1", 5, None])
def test_ids_follow_batchs_rule_with_a_full_match(ident):
    error = refused("task.add", {**TASK, "id": ident})
    assert detail(error) == "id"
    assert error.code == ("MissingRequiredProperty" if ident in ("", None) else "InvalidPropertyValue")


@pytest.mark.parametrize("ident", ["a", "A-b_9", "x" * 64])
def test_good_ids_pass(ident):
    assert validate("task.add", {**TASK, "id": ident}, LATEST)["id"] == ident


def test_missing_required_properties_name_their_full_path():
    cases = [
        ("pool.add", {"id": "p"}, "vmSize"),
        ("pool.add", {"id": "p", "vmSize": ""}, "vmSize"),
        ("pool.add", {**POOL, "startTask": {"waitForSuccess": True}}, "startTask.commandLine"),
        ("job.add", {"id": "j"}, "poolInfo"),
        ("job.add", {"id": "j", "poolInfo": {}}, "poolInfo.poolId"),
        ("task.add", {"id": "t"}, "commandLine"),
        ("task.add", {**TASK, "resourceFiles": [{"filePath": "x"}]}, "resourceFiles[0].autoStorageContainerName"),
        ("task.addcollection", {"value": [TASK, {"id": "u"}]}, "value[1].commandLine"),
    ]
    for kind, body, path in cases:
        error = refused(kind, body)
        assert (error.code, detail(error)) == ("MissingRequiredProperty", path)


def test_mutually_exclusive_properties_are_refused():
    both = [{"httpUrl": "https://x/a", "autoStorageContainerName": "c"}]
    error = invalid("task.add", {**TASK, "resourceFiles": both}, "resourceFiles[0].httpUrl")
    assert "mutually exclusive" in detail(error, "Reason")
    both = {"id": "j", "poolInfo": {"poolId": "p", "autoPoolSpecification": {"poolLifetimeOption": "job"}}}
    error = refused("job.add", both, not_emulated={})
    assert (error.code, detail(error)) == ("InvalidPropertyValue", "poolInfo.autoPoolSpecification")


def test_a_body_that_is_not_an_object_is_an_invalid_request_body():
    for body in ([], "x", None, 3):
        assert refused("pool.add", body).code == "InvalidRequestBody"


# --- parse_body: size, nesting, NaN, duplicates --------------------------------------------------------
def test_parse_body_refuses_deep_nesting():
    for depth in (MAX_JSON_DEPTH + 1, 5_000, 200_000):
        with pytest.raises(BatchError) as info:
            parse_body(("[" * depth + "]" * depth).encode())
        assert (info.value.status, info.value.code) == (400, "InvalidRequestBody")
    nested: object = []
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    assert parse_body(json.dumps(nested).encode()) == nested


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a": 1e400}',
                                  '{"a": 1, "a": 2}', '{"a": ', "\xff", '{"a": 1' + "0" * 5000 + "}"])
def test_parse_body_refuses_what_is_not_plain_json(text):
    with pytest.raises(BatchError) as info:
        parse_body(text.encode("latin-1"))
    assert (info.value.status, info.value.code) == (400, "InvalidRequestBody")


def test_parse_body_refuses_a_task_collection_of_1mb():
    body = {"value": [{**TASK, "id": f"t{i}", "commandLine": "x" * 20_000} for i in range(60)]}
    raw = json.dumps(body).encode()
    assert len(raw) >= MAX_TASK_COLLECTION_BYTES
    with pytest.raises(BatchError) as info:
        parse_body(raw, "task.addcollection")
    assert (info.value.status, info.value.code) == (413, "RequestBodyTooLarge")


def test_parse_body_reads_utf8_json_with_or_without_a_bom():
    assert parse_body(b'\xef\xbb\xbf{"id": "p"}') == {"id": "p"}
    assert parse_body('{"displayName": "tâche"}'.encode()) == {"displayName": "tâche"}


# --- good bodies pass unchanged -------------------------------------------------------------------
IMAGE = m.VirtualMachineConfiguration(
    image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
    node_agent_sku_id="batch.node.ubuntu 24.04",
)
SDK_BODIES = [
    ("pool.add", m.BatchPoolCreateOptions(
        id="render-pool", vm_size="standard_d4s_v3", virtual_machine_configuration=IMAGE,
        target_dedicated_nodes=4, target_low_priority_nodes=1, task_slots_per_node=2,
        resize_timeout=dt.timedelta(minutes=15), enable_auto_scale=False,
        task_scheduling_policy=m.BatchTaskSchedulingPolicy(node_fill_type="pack"),
        metadata=[m.BatchMetadataItem(name="owner", value="")],
        application_package_references=[m.BatchApplicationPackageReference(application_id="wordcount", version="1.0")],
        start_task=m.BatchStartTask(command_line="/bin/sh -c 'echo ready'", wait_for_success=True,
                                    max_task_retry_count=1,
                                    environment_settings=[m.EnvironmentSetting(name="STAGE", value="start")],
                                    user_identity=m.UserIdentity(auto_user=m.AutoUserSpecification(
                                        scope="pool", elevation_level="admin"))))),
    ("job.add", m.BatchJobCreateOptions(id="nightly-etl", pool_info=m.BatchPoolInfo(pool_id="render-pool"),
                                        all_tasks_complete_mode="terminatejob", priority=100, max_parallel_tasks=-1,
                                        uses_task_dependencies=False, task_failure_mode="noaction",
                                        constraints=m.BatchJobConstraints(max_wall_clock_time=dt.timedelta(days=1),
                                                                          max_task_retry_count=2),
                                        common_environment_settings=[m.EnvironmentSetting(name="A")])),
    ("job.patch", m.BatchJobUpdateOptions(priority=-1000, all_tasks_complete_mode="noaction")),
    ("job.put", {"poolInfo": {"poolId": "p"}, "priority": 5, "onAllTasksComplete": "noaction"}),
    ("task.add", m.BatchTaskCreateOptions(
        id="frame-0001", command_line="/bin/sh -c 'echo hi'", display_name="frame", required_slots=2,
        constraints=m.BatchTaskConstraints(max_wall_clock_time=dt.timedelta(hours=1, seconds=0.5),
                                           retention_time=dt.timedelta(days=2), max_task_retry_count=-1),
        environment_settings=[m.EnvironmentSetting(name="FRAME", value="1")],
        affinity_info=m.BatchAffinityInfo(affinity_id="node-1"),
        resource_files=[m.ResourceFile(http_url="https://x/y", file_path="y", file_mode="0755")],
        output_files=[m.OutputFile(file_pattern="*.exr", destination=m.OutputFileDestination(
            container=m.OutputFileBlobContainerDestination(container_url="https://x/c?sas", path="out",
                                                           upload_headers=[m.OutputFileUploadHeader(name="a")])),
                                   upload_options=m.OutputFileUploadConfiguration(upload_condition="tasksuccess"))])),
    ("task.addcollection", m.BatchTaskGroup(task_values=[m.BatchTaskCreateOptions(id=f"t{i}", command_line="x")
                                                         for i in range(MAX_TASKS_PER_COLLECTION)])),
    ("task.put", {"constraints": {"maxTaskRetryCount": 3, "retentionTime": "P7D"}}),
    ("pool.resize", m.BatchPoolResizeOptions(target_dedicated_nodes=2, node_deallocation_option="taskcompletion")),
    ("pool.removenodes", m.BatchNodeRemoveOptions(node_ids=["tvm-1"], resize_timeout=dt.timedelta(minutes=5))),
    ("node.reboot", sdk_models.BatchNodeRebootOptions(node_reboot_kind="requeue")),
    ("job.disable", m.BatchJobDisableOptions(disable_tasks="wait")),
    ("job.terminate", sdk_models.BatchJobTerminateOptions(termination_reason="done")),
    ("jobschedule.add", m.BatchJobScheduleCreateOptions(
        id="nightly", schedule=m.BatchJobScheduleConfiguration(
            do_not_run_until=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
            recurrence_interval=dt.timedelta(hours=24)),
        job_specification=m.BatchJobSpecification(pool_info=m.BatchPoolInfo(pool_id="p")))),
]


def wire(body: object) -> dict[str, Any]:
    """What the SDK puts on the wire (dict bodies are sent as they are)."""
    return json.loads(json.dumps(body if isinstance(body, dict) else body.as_dict()))


@pytest.mark.parametrize(("kind", "body"), SDK_BODIES, ids=[kind for kind, _ in SDK_BODIES])
def test_what_the_sdk_sends_passes_unchanged(kind, body):
    sent = wire(body)
    assert validate(kind, sent, LATEST) == sent


def test_the_demo_and_its_storage_workflow_pass_in_every_version():
    task = {
        "id": "count-000",
        "commandLine": "/bin/sh -c 'python3 $AZ_BATCH_APP_PACKAGE_wordcount_1_0/wordcount.py x > counts.txt'",
        "resourceFiles": [{"autoStorageContainerName": "inputs", "blobPrefix": "wordcount/part-000.txt"}],
        "applicationPackageReferences": [{"applicationId": "wordcount", "version": "1.0"}],
        "outputFiles": [{"filePattern": "counts.txt",
                         "destination": {"container": {"containerUrl": "https://a/outputs?sig=1", "path": "o.txt"}},
                         "uploadOptions": {"uploadCondition": "taskSuccess"}}],
    }
    pool = wire(SDK_BODIES[0][1])
    for version in API_VERSIONS:
        assert validate("pool.add", pool, version) == pool
        assert validate("job.add", wire(SDK_BODIES[1][1]), version)["priority"] == 100
        clean = validate("task.addcollection", {"value": [task]}, version)["value"][0]
        assert clean["outputFiles"][0]["uploadOptions"]["uploadCondition"] == "tasksuccess"  # canonical spelling


def test_enums_are_case_insensitive_and_canonical():
    clean = validate("job.add", {**JOB, "onAllTasksComplete": "TerminateJob"}, LATEST)
    assert clean["onAllTasksComplete"] == "terminatejob"
    clean = validate("pool.add", {**POOL, "taskSchedulingPolicy": {"nodeFillType": "PACK"}}, LATEST)
    assert clean["taskSchedulingPolicy"] == {"nodeFillType": "pack"}


def test_durations_are_iso_8601_and_a_bare_p_is_zero():
    for text in ("PT15M", "P1DT2H", "PT01H00M00.5S", "P10675199DT2H48M5.4775807S", "P"):
        clean = validate("task.put", {"constraints": {"maxWallClockTime": text}}, LATEST)["constraints"]
        assert clean == {"maxWallClockTime": "PT0S" if text == "P" else text}
        parse_duration(clean["maxWallClockTime"])  # what the engine reads it with
    for text in ("PT", "1H", "P1H", "PT1D", "pt1h", "P1Y"):
        invalid("task.put", {"constraints": {"retentionTime": text}}, "constraints.retentionTime")


# --- issue 14: CLI strings, versions, not emulated --------------------------------------------------
def test_cli_style_strings_become_numbers_and_booleans():
    pool = validate("pool.add", {**POOL, "targetDedicatedNodes": "1", "taskSlotsPerNode": "+4",
                                 "enableInterNodeCommunication": "false", "enableAutoScale": "False"}, CLI)
    assert (pool["targetDedicatedNodes"], pool["taskSlotsPerNode"]) == (1, 4)
    assert pool["enableInterNodeCommunication"] is False and pool["enableAutoScale"] is False
    job = validate("job.add", {**JOB, "priority": "5", "constraints": {"maxTaskRetryCount": "2"}}, CLI)
    assert (job["priority"], job["constraints"]["maxTaskRetryCount"]) == (5, 2)
    task = validate("task.add", {**TASK, "constraints": {"maxTaskRetryCount": "-1"}, "requiredSlots": "2"}, CLI)
    assert (task["constraints"]["maxTaskRetryCount"], task["requiredSlots"]) == (-1, 2)
    for text in ("1.0", " 1", "1e3", "0x10", "١"):
        invalid("pool.resize", {"targetDedicatedNodes": text}, "targetDedicatedNodes", CLI)
    invalid("pool.add", {**POOL, "enableInterNodeCommunication": "yes"}, "enableInterNodeCommunication", CLI)


def unsupported(kind: str, body: object, version: str, path: str) -> str:
    error = refused(kind, body, version)
    assert (error.code, detail(error)) == ("UnsupportedProperty", path), error.values
    return detail(error, "Reason")


@pytest.mark.parametrize(
    ("kind", "body", "path", "accepted_in", "refused_in"),
    [
        ("pool.add", {**POOL, "resourceTags": {"team": "render"}}, "resourceTags", (V18, V19, V20), (V17, V2025)),
        ("pool.add", {**POOL, "upgradePolicy": {"mode": "manual"}}, "upgradePolicy", (V19, V2025), (V16, V18)),
        ("pool.add", {**POOL, "cloudServiceConfiguration": {"osFamily": "6"}}, "cloudServiceConfiguration",
         (V16, V19), (V20, V2025)),
        ("pool.add", {**POOL, "targetNodeCommunicationMode": "simplified"}, "targetNodeCommunicationMode",
         (V16, V20), (V2025,)),
        ("pool.add", {**POOL, "networkConfiguration": {"enableAcceleratedNetworking": True}},
         "networkConfiguration.enableAcceleratedNetworking", (V17, V2025), (V16,)),
        ("pool.patch", {"vmSize": "standard_d2s_v3"}, "vmSize", (V20, V2025), (V16, V19)),
        ("pool.add", {**POOL, "taskSchedulingPolicy": {"nodeFillType": "spread", "jobDefaultOrder": "none"}},
         "taskSchedulingPolicy.jobDefaultOrder", (V2025,), (V20,)),
        ("job.patch", {"networkConfiguration": {"subnetId": "s"}}, "networkConfiguration", (V20, V2025), (V19,)),
    ],
)
def test_a_property_exists_only_in_its_api_versions(kind, body, path, accepted_in, refused_in):
    for version in accepted_in:
        validate(kind, body, version)
    for version in refused_in:
        reason = unsupported(kind, body, version, path)
        assert f"not part of api-version {version}: it exists from" in reason


def test_obsolete_and_misspelt_properties_are_refused_naming_them():
    task = {**TASK, "resourceFiles": [{"blobSource": "https://x/y", "filePath": "y"}]}
    for version in API_VERSIONS:
        unsupported("task.add", task, version, "resourceFiles[0].blobSource")
    assert "did you mean vmSize?" in unsupported("pool.add", {"id": "p", "vmSzie": "x"}, LATEST, "vmSzie")
    unsupported("pool.add", {**POOL, "certificateReferences": []}, LATEST, "certificateReferences")
    unsupported("task.add", {**TASK, "authenticationTokenSettings": {"access": ["job"]}}, LATEST,
                "authenticationTokenSettings")


def test_enum_values_added_later_are_refused_before():
    body = {**POOL, "virtualMachineConfiguration": {"imageReference": {}, "nodeAgentSKUId": "n",
                                                    "containerConfiguration": {"type": "criCompatible"}}}
    invalid("pool.add", body, "virtualMachineConfiguration.containerConfiguration.type", V16)
    validate("pool.add", body, V17)


def test_an_unknown_api_version_is_refused():
    error = refused("pool.add", POOL, "2021-06-01.14.0")
    assert error.code == "UnsupportedRequestVersion"


@pytest.mark.parametrize(
    ("kind", "body", "path", "version"),
    [
        ("task.add", {**TASK, "containerSettings": {"imageName": "ubuntu"}}, "containerSettings", LATEST),
        ("task.addcollection", {"value": [TASK, {**TASK, "containerSettings": {"imageName": "u"}}]},
         "value[1].containerSettings", LATEST),
        ("task.add", {**TASK, "userIdentity": {"username": "batch"}}, "userIdentity.username", LATEST),
        ("job.add", {**JOB, "jobManagerTask": {"id": "m", "commandLine": "x", "containerSettings": {"imageName": "u"}}},
         "jobManagerTask.containerSettings", LATEST),
        ("job.add", {**JOB, "jobPreparationTask": {"commandLine": "x", "containerSettings": {"imageName": "u"}}},
         "jobPreparationTask.containerSettings", LATEST),
        ("pool.add", {**POOL, "startTask": {"commandLine": "x", "containerSettings": {"imageName": "u"}}},
         "startTask.containerSettings", LATEST),
        ("pool.add", {**POOL, "mountConfiguration": [{"nfsMountConfiguration": {"source": "s",
                                                                                "relativeMountPath": "m"}}]},
         "mountConfiguration", LATEST),
        ("pool.add", {**POOL, "userAccounts": [{"name": "u", "password": "p"}]}, "userAccounts", LATEST),
    ],
)
def test_what_the_emulator_does_not_act_on_is_refused_clearly(kind, body, path, version):
    reason = unsupported(kind, body, version, path)
    assert "batchtui emulator does not emulate" in reason


def test_not_emulated_marks_accept_the_off_value_and_can_be_flipped():
    validate("pool.add", {**POOL, "enableAutoScale": False, "mountConfiguration": []}, LATEST)
    validate("job.add", {**JOB, "usesTaskDependencies": False, "onTaskFailure": "noaction"}, LATEST)
    body = {**TASK, "dependsOn": {"taskIds": ["a"], "taskIdRanges": [{"start": "1", "end": 9}]}}
    built = {key: off for key, off in NOT_EMULATED.items() if key != "BatchTaskCreateOptions.dependsOn"}
    clean = validate("task.add", body, LATEST, not_emulated=built)
    assert clean["dependsOn"]["taskIdRanges"] == [{"start": 1, "end": 9}]


def test_every_not_emulated_mark_names_a_real_property():
    names = {f"{obj.name}.{prop}" for version in range(len(API_VERSIONS)) for obj in objects(version)
             for prop in obj.props}
    assert set(NOT_EMULATED) <= names


# --- the task collection ---------------------------------------------------------------------------
def test_a_task_collection_is_checked_whole_or_task_by_task():
    invalid("task.addcollection", {"value": [TASK] * (MAX_TASKS_PER_COLLECTION + 1)}, "value")
    invalid("task.addcollection", {"value": []}, "value")
    invalid("task.addcollection", {"value": [{**TASK, "requiredSlots": "many"}]}, "value[0].requiredSlots")
    results = validate_task_collection({"value": [TASK, {"id": "u"}, 7, {**TASK, "id": "v", "requiredSlots": "2"}]},
                                       LATEST)
    assert results[0] == TASK and results[3] == {**TASK, "id": "v", "requiredSlots": 2}
    assert isinstance(results[1], BatchError) and detail(results[1]) == "commandLine"
    assert isinstance(results[2], BatchError) and results[2].code == "InvalidPropertyValue"
    with pytest.raises(BatchError) as info:
        validate_task_collection({"value": "tasks"}, LATEST)
    assert detail(info.value) == "value"


# --- the schema agrees with the 2025-06-01 models of azure-batch 15.1 ---------------------------------
def objects(version: int = len(API_VERSIONS) - 1) -> list[voc.Object]:
    """Every object type reachable from a body kind in `version`."""
    seen: dict[int, voc.Object] = {}

    def visit(kind: voc.Type) -> None:
        while isinstance(kind, voc.List):
            kind = kind.item
        if isinstance(kind, voc.Object) and id(kind) not in seen:
            seen[id(kind)] = kind
            for prop in kind.props.values():
                if prop.exists_in(version):
                    visit(prop.type)

    for root in KINDS.values():
        visit(root)
    return list(seen.values())


def sdk_properties(name: str) -> dict[str, bool]:
    """The writable REST properties of azure-batch 15.1's model `name`: JSON name -> required."""
    cls = getattr(sdk_models, name)
    cls()  # the SDK computes its field table on first use
    annotations: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        annotations.update(getattr(klass, "__annotations__", {}))
    optional = ("Optional[", "NoneType")
    return {field._rest_name: not any(word in str(annotations[attr]) for word in optional)
            for attr, field in cls._attr_to_rest_field.items() if field._visibility != ["read"]}


def test_every_object_matches_the_sdk_models_of_the_latest_version():
    latest = len(API_VERSIONS) - 1
    checked = 0
    for obj in objects(latest):
        mine = {name: prop.required_in(latest) for name, prop in obj.props.items() if prop.exists_in(latest)}
        assert mine == sdk_properties(obj.name), obj.name
        checked += 1
    assert checked > 60


# --- hypothesis: random wrong bodies only ever give a 400 -------------------------------------------
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["", "true", "1", "-1", "PT1H", "P", "pack", "noaction", "a\x00", "a=b"]),
)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                    max_leaves=20)


def valid(kind: voc.Type, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values the schema accepts in every api-version (if nothing is marked not emulated)."""
    if isinstance(kind, voc.Object):
        props = [p for p in kind.props.values() if p.since == API_VERSIONS[0] and p.until == LATEST]
        exclusive = {name for group in kind.one_of for name in group.names}
        required = [p for p in props if p.required]
        chosen = [st.just(group.names[0]) for group in kind.one_of if group.required]
        optional = [p.name for p in props if not p.required and p.name not in exclusive]
        if depth > 7:
            optional = []
        return st.tuples(st.lists(st.sampled_from(optional), unique=True, max_size=4) if optional else st.just([]),
                         *chosen).flatmap(lambda names: st.fixed_dictionaries({
                             p.name: valid(p.type, depth + 1)
                             for p in [*required, *(kind.props[n] for n in [*names[0], *names[1:]])]}))
    if isinstance(kind, voc.List):
        return st.lists(valid(kind.item, depth + 1), min_size=kind.min_items, max_size=min(kind.max_items or 3, 3))
    if isinstance(kind, voc.Int):
        number = st.integers(kind.minimum, min(kind.maximum, kind.minimum + 2000)).filter(
            lambda n: n not in kind.forbidden)
        return st.one_of(number, number.map(str))
    if isinstance(kind, voc.Bool):
        return st.sampled_from([True, False, "true", "FALSE"])
    if isinstance(kind, voc.Enum):
        return st.sampled_from([v for k, v in kind.values.items() if k not in kind.since]).map(
            lambda value: value.upper())
    if isinstance(kind, voc.Duration):
        return st.sampled_from(["PT5M", "PT1H", "P1DT2H", "PT300.5S", "P7D"]).filter(
            lambda text: kind.minimum <= (voc.duration_seconds(text) or 0) <= (kind.maximum or math.inf))
    if isinstance(kind, voc.DateTime):
        return st.just("2026-01-02T03:04:05.5Z")
    if isinstance(kind, voc.String) and kind.pattern is not None:
        return st.sampled_from(["a", "job-1", "T_9"])
    if isinstance(kind, (voc.StringMap, voc.Opaque)):
        return st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)
    return st.text(max_size=8)


def spoiled(data: st.DataObject, body: Any) -> Any:
    """`body` with up to three of its values (at any depth) replaced by random JSON."""
    for _ in range(data.draw(st.integers(0, 3))):
        holders: list[tuple[Any, Any]] = []
        stack = [body]
        while stack:
            item = stack.pop()
            keys = list(item) if isinstance(item, dict) else range(len(item)) if isinstance(item, list) else []
            for key in keys:
                holders.append((item, key))
                stack.append(item[key])
        if not holders:
            return data.draw(JSON)
        holder, key = data.draw(st.sampled_from(holders))
        holder[key] = data.draw(JSON)
    return body


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_random_bodies_give_only_400s(kind, data):
    body = spoiled(data, data.draw(valid(KINDS[kind])))
    version = data.draw(st.sampled_from(API_VERSIONS))
    marks = data.draw(st.sampled_from([NOT_EMULATED, {}]))
    try:
        clean = validate(kind, body, version, not_emulated=marks)
    except BatchError as exc:
        assert exc.status == 400
    else:
        assert isinstance(clean, dict)
        json.dumps(clean, allow_nan=False)  # what is accepted can be stored and sent back


@settings(max_examples=200, deadline=1000)
@given(raw=st.one_of(st.binary(max_size=200), JSON.map(lambda v: json.dumps(v).encode())))
def test_random_bytes_parse_or_give_a_400(raw):
    try:
        parse_body(raw)
    except BatchError as exc:
        assert exc.status == 400
