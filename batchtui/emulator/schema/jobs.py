"""Job and job schedule request bodies: job add (POST /jobs), patch (PATCH
/jobs/{job}), put (PUT /jobs/{job}), disable, terminate; job schedule add, patch
and put; with the job's constraints, pool information and specification."""

from __future__ import annotations

from .common import BOOL, DISPLAY_NAME, DURATION, ENVIRONMENT_SETTINGS, ID, METADATA, RETRIES, TEXT
from .limits import MAX_AUTO_POOL_ID_PREFIX_LENGTH, MAX_JOB_PRIORITY, MIN_JOB_PRIORITY, MIN_SCHEDULE_INTERVAL_SECONDS
from .pools import POOL_SPECIFICATION
from .tasks import JOB_MANAGER_TASK, JOB_PREPARATION_TASK, JOB_RELEASE_TASK
from .versions import V19, V20
from .vocabulary import DateTime, Duration, Enum, Int, Object, OneOf, Prop, String

PRIORITY = Int(MIN_JOB_PRIORITY, MAX_JOB_PRIORITY)
# "The value of maxParallelTasks must be -1 or greater than 0 if specified."
MAX_PARALLEL_TASKS = Int(-1, forbidden=(0,), rule="The value must be -1 (no limit) or 1 or more.")
ALL_TASKS_COMPLETE = Enum("noaction", "terminatejob")
TASK_FAILURE = Enum("noaction", "performexitoptionsjobaction")

JOB_CONSTRAINTS = Object("BatchJobConstraints", [
    Prop("maxWallClockTime", DURATION),
    Prop("maxTaskRetryCount", RETRIES),
])

AUTO_POOL_SPECIFICATION = Object("BatchAutoPoolSpecification", [
    Prop("autoPoolIdPrefix", String(MAX_AUTO_POOL_ID_PREFIX_LENGTH)),
    Prop("poolLifetimeOption", Enum("jobschedule", "job"), True),
    Prop("keepAlive", BOOL),
    Prop("pool", POOL_SPECIFICATION),
])

# "You must specify either the Pool ID or the auto Pool specification, but not both."
POOL_INFO = Object("BatchPoolInfo", [
    Prop("poolId", ID),
    Prop("autoPoolSpecification", AUTO_POOL_SPECIFICATION),
], [OneOf(("poolId", "autoPoolSpecification"))])

# The 2024-07-01.20.0 models mark skipWithdrawFromVNet required; no other version does.
JOB_NETWORK_CONFIGURATION = Object("BatchJobNetworkConfiguration", [
    Prop("subnetId", TEXT, True),
    Prop("skipWithdrawFromVNet", BOOL, since=V20),
])

# The properties of a job's specification; the add body has the id first.
_SPECIFICATION = (
    Prop("priority", PRIORITY),
    Prop("allowTaskPreemption", BOOL),
    Prop("maxParallelTasks", MAX_PARALLEL_TASKS),
    Prop("displayName", DISPLAY_NAME),
    Prop("usesTaskDependencies", BOOL),
    Prop("onAllTasksComplete", ALL_TASKS_COMPLETE),
    Prop("onTaskFailure", TASK_FAILURE),
    Prop("networkConfiguration", JOB_NETWORK_CONFIGURATION),
    Prop("constraints", JOB_CONSTRAINTS),
    Prop("jobManagerTask", JOB_MANAGER_TASK),
    Prop("jobPreparationTask", JOB_PREPARATION_TASK),
    Prop("jobReleaseTask", JOB_RELEASE_TASK),
    Prop("commonEnvironmentSettings", ENVIRONMENT_SETTINGS),
    Prop("poolInfo", POOL_INFO, True),
    Prop("metadata", METADATA),
)

JOB_SPECIFICATION = Object("BatchJobSpecification", _SPECIFICATION)

JOB_ADD = Object("BatchJobCreateOptions", (Prop("id", ID, True), *_SPECIFICATION))

# PATCH /jobs/{job}: "If an element is not specified, the existing value is left unchanged."
JOB_PATCH = Object("BatchJobUpdateOptions", [
    Prop("priority", PRIORITY),
    Prop("allowTaskPreemption", BOOL),
    Prop("maxParallelTasks", MAX_PARALLEL_TASKS),
    Prop("constraints", JOB_CONSTRAINTS),
    Prop("poolInfo", POOL_INFO),
    Prop("onAllTasksComplete", ALL_TASKS_COMPLETE),
    Prop("metadata", METADATA),
    Prop("networkConfiguration", JOB_NETWORK_CONFIGURATION, since=V20),
])

# PUT /jobs/{job}: replaces these properties ("If omitted, it is set to the default value").
JOB_PUT = Object("BatchJob", [
    Prop("priority", PRIORITY),
    Prop("allowTaskPreemption", BOOL),
    Prop("maxParallelTasks", MAX_PARALLEL_TASKS),
    Prop("constraints", JOB_CONSTRAINTS),
    Prop("poolInfo", POOL_INFO, True),
    Prop("metadata", METADATA),
    Prop("onAllTasksComplete", ALL_TASKS_COMPLETE),
])

JOB_DISABLE = Object("BatchJobDisableOptions", [Prop("disableTasks", Enum("requeue", "terminate", "wait"), True)])

JOB_TERMINATE = Object("BatchJobTerminateOptions", [Prop("terminateReason", TEXT)])

SCHEDULE_INTERVAL = Duration(MIN_SCHEDULE_INTERVAL_SECONDS, rule="The interval must be at least 1 minute.")

SCHEDULE = Object("BatchJobScheduleConfiguration", [
    Prop("doNotRunUntil", DateTime()),
    Prop("doNotRunAfter", DateTime()),
    Prop("startWindow", SCHEDULE_INTERVAL),
    Prop("recurrenceInterval", SCHEDULE_INTERVAL),
])

JOB_SCHEDULE_ADD = Object("BatchJobScheduleCreateOptions", [
    Prop("id", ID, True),
    Prop("displayName", DISPLAY_NAME),
    Prop("schedule", SCHEDULE, True),
    Prop("jobSpecification", JOB_SPECIFICATION, True),
    Prop("metadata", METADATA),
])

JOB_SCHEDULE_PATCH = Object("BatchJobScheduleUpdateOptions", [
    Prop("schedule", SCHEDULE),
    Prop("jobSpecification", JOB_SPECIFICATION),
    Prop("metadata", METADATA),
])

# PUT /jobschedules/{schedule}: schedule is required up to 2024-02-01.19.0 (optional after).
JOB_SCHEDULE_PUT = Object("BatchJobSchedule", [
    Prop("schedule", SCHEDULE, True, required_until=V19),
    Prop("jobSpecification", JOB_SPECIFICATION, True),
    Prop("metadata", METADATA),
])
