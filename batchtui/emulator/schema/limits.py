"""Batch's documented limits on request bodies, and the emulator's own choices
where the Batch reference is silent (each marked "choice").

Quotations are from the REST reference's property descriptions
(https://learn.microsoft.com/rest/api/batchservice/, the same text as the
azure-batch 15.1 models' docstrings, the 2025-06-01 shapes) and from "Batch
status and error codes"
(https://learn.microsoft.com/rest/api/batchservice/batch-status-and-error-codes)."""

from __future__ import annotations

# Pool, job, job schedule and task ids: "The ID can contain any combination of alphanumeric
# characters including hyphens and underscores, and cannot contain more than 64 characters."
MAX_ID_LENGTH = 64

# displayName: "can contain any Unicode characters up to a maximum length of 1024."
MAX_DISPLAY_NAME_LENGTH = 1024

# addtaskcollection value: "The maximum count of Tasks is 100."
MAX_TASKS_PER_COLLECTION = 100

# addtaskcollection value: "The total serialized size of this collection must be less than 1MB. If it
# is greater than 1MB ... the request will fail with code 'RequestBodyTooLarge'." The reference does not
# say whether 1MB is 10^6 or 2^20 bytes: choice, 2^20.
MAX_TASK_COLLECTION_BYTES = 1024 * 1024

# Any other request body: the reference documents RequestBodyTooLarge (413, "The size of the request body
# exceeds the maximum size permitted.") but no size: choice, the task collection's.
MAX_REQUEST_BODY_BYTES = MAX_TASK_COLLECTION_BYTES

# How deeply a request body's JSON may nest. The reference is silent: choice. The deepest property of the
# schema (jobschedule add -> jobSpecification.poolInfo.autoPoolSpecification.pool.virtualMachineConfiguration
# .containerConfiguration.containerRegistries[].identityReference.resourceId) is 11 levels down; VM extension
# `settings` are free-form JSON objects, so leave them room.
MAX_JSON_DEPTH = 64

# commandLine: the reference gives no maximum. Choice: 32,767 characters, the Windows CreateProcess limit on a
# command line (Batch runs the command line without a shell, so that is the real bound on Windows nodes; on Linux
# one argument may be up to 128 KiB).
MAX_COMMAND_LINE_LENGTH = 32_767

# environmentSettings and resourceFiles: the reference bounds them only through the body size ("for example if
# each Task has 100's of resource files or environment variables ... 'RequestBodyTooLarge'"; resourceFiles:
# "There is a maximum size for the list of resource files ... RequestEntityTooLarge"). Choice: 10,000 each.
MAX_ENVIRONMENT_SETTINGS = 10_000
MAX_RESOURCE_FILES = 10_000

# Pool applicationPackageReferences: "There is a maximum of 10 Package references on any given Pool."
MAX_POOL_APPLICATION_PACKAGES = 10

# removenodes nodeList: "A maximum of 100 nodes may be removed per request."
MAX_NODES_PER_REMOVE = 100

# inboundNATPools[].networkSecurityGroupRules: "The maximum number of rules that can be specified across all
# the endpoints on a Batch Pool is 25." (checked per endpoint here; the pool-wide total is not summed).
MAX_NETWORK_SECURITY_GROUP_RULES = 25

# Job priority: "Priority values can range from -1000 to 1000".
MIN_JOB_PRIORITY, MAX_JOB_PRIORITY = -1000, 1000

# taskSlotsPerNode: "The maximum value is the smaller of 4 times the number of cores of the vmSize of the pool
# or 256." (the emulator has no core counts: 256).
MAX_TASK_SLOTS_PER_NODE = 256

# resizeTimeout: "The minimum value is 5 minutes. If you specify a value less than 5 minutes, the Batch service
# returns an error; if you are calling the REST API directly, the HTTP status code is 400 (Bad Request)."
MIN_RESIZE_TIMEOUT_SECONDS = 5 * 60

# autoScaleEvaluationInterval: "The minimum and maximum value are 5 minutes and 168 hours respectively."
MIN_AUTOSCALE_INTERVAL_SECONDS, MAX_AUTOSCALE_INTERVAL_SECONDS = 5 * 60, 168 * 3600

# schedule startWindow and recurrenceInterval: "The minimum value is 1 minute."
MIN_SCHEDULE_INTERVAL_SECONDS = 60

# autoPoolIdPrefix: "The prefix can be up to 20 characters long."
MAX_AUTO_POOL_ID_PREFIX_LENGTH = 20

# userAccounts[].name: "Names can contain any Unicode characters up to a maximum length of 20."
MAX_USER_NAME_LENGTH = 20

# dataDisks[].lun: "The value must be between 0 and 63, inclusive."
MAX_DATA_DISK_LUN = 63

# The OData reader's Edm.Int32: every integer property of these bodies is an int32.
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
