"""Task request bodies: task add (and each addtaskcollection item), task put,
and the job's own tasks (job manager, preparation, release) with the task
features they use: exit conditions, dependencies, multi-instance settings."""

from __future__ import annotations

from .common import (
    APPLICATION_PACKAGES,
    AUTHENTICATION_TOKEN_SETTINGS,
    BOOL,
    COMMAND_LINE,
    CONTAINER_SETTINGS,
    DISPLAY_NAME,
    DURATION,
    ENVIRONMENT_SETTINGS,
    ID,
    IDS,
    INT,
    OUTPUT_FILES,
    RESOURCE_FILES,
    TASK_CONSTRAINTS,
    TEXT,
    USER_IDENTITY,
)
from .limits import MAX_TASKS_PER_COLLECTION
from .versions import V20
from .vocabulary import Enum, Int, List, Object, Prop, Unchecked

SLOTS = Int(1, rule="The value must be 1 or more.")

EXIT_OPTIONS = Object("ExitOptions", [
    Prop("jobAction", Enum("none", "disable", "terminate")),
    Prop("dependencyAction", Enum("satisfy", "block")),
])

EXIT_CONDITIONS = Object("ExitConditions", [
    Prop("exitCodes", List(Object("ExitCodeMapping", [
        Prop("code", INT, True),
        Prop("exitOptions", EXIT_OPTIONS, True),
    ]))),
    Prop("exitCodeRanges", List(Object("ExitCodeRangeMapping", [
        Prop("start", INT, True),
        Prop("end", INT, True),
        Prop("exitOptions", EXIT_OPTIONS, True),
    ]))),
    Prop("preProcessingError", EXIT_OPTIONS),
    Prop("fileUploadError", EXIT_OPTIONS),
    Prop("default", EXIT_OPTIONS),
])

DEPENDENCIES = Object("BatchTaskDependencies", [
    Prop("taskIds", IDS),
    Prop("taskIdRanges", List(Object("BatchTaskIdRange", [Prop("start", INT, True), Prop("end", INT, True)]))),
])

MULTI_INSTANCE_SETTINGS = Object("MultiInstanceSettings", [
    Prop("numberOfInstances", SLOTS),
    Prop("coordinationCommandLine", COMMAND_LINE, True),
    Prop("commonResourceFiles", RESOURCE_FILES),
])

TASK_ADD = Object("BatchTaskCreateOptions", [
    Prop("id", ID, True),
    Prop("displayName", DISPLAY_NAME),
    Prop("commandLine", COMMAND_LINE, True),
    Prop("containerSettings", CONTAINER_SETTINGS),
    Prop("exitConditions", EXIT_CONDITIONS),
    Prop("resourceFiles", RESOURCE_FILES),
    Prop("outputFiles", OUTPUT_FILES),
    Prop("environmentSettings", ENVIRONMENT_SETTINGS),
    Prop("affinityInfo", Object("BatchAffinityInfo", [Prop("affinityId", TEXT, True)])),
    Prop("constraints", TASK_CONSTRAINTS),
    Prop("requiredSlots", SLOTS),
    Prop("userIdentity", USER_IDENTITY),
    Prop("multiInstanceSettings", MULTI_INSTANCE_SETTINGS),
    Prop("dependsOn", DEPENDENCIES),
    Prop("applicationPackageReferences", APPLICATION_PACKAGES),
    Prop("authenticationTokenSettings", AUTHENTICATION_TOKEN_SETTINGS, until=V20),
])

# POST /jobs/{job}/addtaskcollection
TASK_COLLECTION = Object("BatchTaskGroup", [
    Prop("value", List(TASK_ADD, MAX_TASKS_PER_COLLECTION, min_items=1), True),
])

# The same, with the tasks left for the caller to check one by one.
TASK_COLLECTION_ENVELOPE = Object("BatchTaskGroup", [
    Prop("value", List(Unchecked(), MAX_TASKS_PER_COLLECTION, min_items=1), True),
])

# PUT /jobs/{job}/tasks/{task}: only the constraints can change.
TASK_PUT = Object("BatchTask", [Prop("constraints", TASK_CONSTRAINTS)])

JOB_MANAGER_TASK = Object("BatchJobManagerTask", [
    Prop("id", ID, True),
    Prop("displayName", DISPLAY_NAME),
    Prop("commandLine", COMMAND_LINE, True),
    Prop("containerSettings", CONTAINER_SETTINGS),
    Prop("resourceFiles", RESOURCE_FILES),
    Prop("outputFiles", OUTPUT_FILES),
    Prop("environmentSettings", ENVIRONMENT_SETTINGS),
    Prop("constraints", TASK_CONSTRAINTS),
    Prop("requiredSlots", SLOTS),
    Prop("killJobOnCompletion", BOOL),
    Prop("userIdentity", USER_IDENTITY),
    Prop("runExclusive", BOOL),
    Prop("applicationPackageReferences", APPLICATION_PACKAGES),
    Prop("authenticationTokenSettings", AUTHENTICATION_TOKEN_SETTINGS, until=V20),
    Prop("allowLowPriorityNode", BOOL),
])

JOB_PREPARATION_TASK = Object("BatchJobPreparationTask", [
    Prop("id", ID),
    Prop("commandLine", COMMAND_LINE, True),
    Prop("containerSettings", CONTAINER_SETTINGS),
    Prop("resourceFiles", RESOURCE_FILES),
    Prop("environmentSettings", ENVIRONMENT_SETTINGS),
    Prop("constraints", TASK_CONSTRAINTS),
    Prop("waitForSuccess", BOOL),
    Prop("userIdentity", USER_IDENTITY),
    Prop("rerunOnNodeRebootAfterSuccess", BOOL),
])

JOB_RELEASE_TASK = Object("BatchJobReleaseTask", [
    Prop("id", ID),
    Prop("commandLine", COMMAND_LINE, True),
    Prop("containerSettings", CONTAINER_SETTINGS),
    Prop("resourceFiles", RESOURCE_FILES),
    Prop("environmentSettings", ENVIRONMENT_SETTINGS),
    Prop("maxWallClockTime", DURATION),
    Prop("retentionTime", DURATION),
    Prop("userIdentity", USER_IDENTITY),
])
