"""Pool request bodies: add (POST /pools), patch (PATCH /pools/{pool}),
updateproperties (POST /pools/{pool}/updateproperties), resize, enableautoscale,
evaluateautoscale, removenodes, the
node reboot/reimage/disablescheduling/deallocate options, a node's log upload,
a node's user accounts, and the auto pool's specification."""

from __future__ import annotations

from .common import APPLICATION_PACKAGE, BOOL, DISPLAY_NAME, ID, IDENTITY_REFERENCE, METADATA, START_TASK, TEXT
from .limits import (
    MAX_AUTOSCALE_INTERVAL_SECONDS,
    MAX_NODES_PER_REMOVE,
    MAX_POOL_APPLICATION_PACKAGES,
    MAX_TASK_SLOTS_PER_NODE,
    MIN_AUTOSCALE_INTERVAL_SECONDS,
    MIN_RESIZE_TIMEOUT_SECONDS,
)
from .machines import (
    APPLICATION_LICENSES,
    CERTIFICATE_REFERENCES,
    CLOUD_SERVICE_CONFIGURATION,
    MOUNT_CONFIGURATION,
    NETWORK_CONFIGURATION,
    NODE_COMMUNICATION_MODE,
    RESOURCE_TAGS,
    UPGRADE_POLICY,
    USER_ACCOUNTS,
    VIRTUAL_MACHINE_CONFIGURATION,
)
from .versions import V18, V19, V20, V2025
from .vocabulary import DateTime, Duration, Enum, Int, List, Object, OneOf, Prop, String

NODE_COUNT = Int(0)
RESIZE_TIMEOUT = Duration(MIN_RESIZE_TIMEOUT_SECONDS, rule="The resize timeout must be at least 5 minutes.")
AUTOSCALE_INTERVAL = Duration(MIN_AUTOSCALE_INTERVAL_SECONDS, MAX_AUTOSCALE_INTERVAL_SECONDS,
                              "The evaluation interval must be from 5 minutes to 168 hours.")
TASK_SLOTS = Int(1, MAX_TASK_SLOTS_PER_NODE)
POOL_APPLICATION_PACKAGES = List(APPLICATION_PACKAGE, MAX_POOL_APPLICATION_PACKAGES)
TASK_SCHEDULING_POLICY = Object("BatchTaskSchedulingPolicy", [
    Prop("nodeFillType", Enum("spread", "pack"), True),
    Prop("jobDefaultOrder", Enum("none", "creationtime"), since=V2025),
])
DEALLOCATION_OPTION = Enum("requeue", "terminate", "taskcompletion", "retaineddata")

# The properties of a pool's specification, in the reference's order; the add body has the id first.
# "virtualMachineConfiguration ... This property must be specified" (and, up to 2024-02-01.19.0, it and
# cloudServiceConfiguration are mutually exclusive): the emulator lets both be left out, as its own
# tests and the demo's plain pools do.
_SPECIFICATION = (
    Prop("displayName", DISPLAY_NAME),
    Prop("vmSize", TEXT, True),
    Prop("cloudServiceConfiguration", CLOUD_SERVICE_CONFIGURATION, until=V19),
    Prop("virtualMachineConfiguration", VIRTUAL_MACHINE_CONFIGURATION),
    Prop("taskSlotsPerNode", TASK_SLOTS),
    Prop("taskSchedulingPolicy", TASK_SCHEDULING_POLICY),
    Prop("resizeTimeout", RESIZE_TIMEOUT),
    Prop("resourceTags", RESOURCE_TAGS, since=V18, until=V20),
    Prop("targetDedicatedNodes", NODE_COUNT),
    Prop("targetLowPriorityNodes", NODE_COUNT),
    Prop("enableAutoScale", BOOL),
    Prop("autoScaleFormula", TEXT),
    Prop("autoScaleEvaluationInterval", AUTOSCALE_INTERVAL),
    Prop("enableInterNodeCommunication", BOOL),
    Prop("networkConfiguration", NETWORK_CONFIGURATION),
    Prop("startTask", START_TASK),
    Prop("certificateReferences", CERTIFICATE_REFERENCES, until=V20),
    Prop("applicationPackageReferences", POOL_APPLICATION_PACKAGES),
    Prop("applicationLicenses", APPLICATION_LICENSES, until=V19),
    Prop("userAccounts", USER_ACCOUNTS),
    Prop("metadata", METADATA),
    Prop("mountConfiguration", MOUNT_CONFIGURATION),
    Prop("targetNodeCommunicationMode", NODE_COMMUNICATION_MODE, until=V20),
    Prop("upgradePolicy", UPGRADE_POLICY, since=V19),
)
_EXCLUSIVE_CONFIGURATIONS = OneOf(("cloudServiceConfiguration", "virtualMachineConfiguration"), required=False)

POOL_SPECIFICATION = Object("BatchPoolSpecification", _SPECIFICATION, [_EXCLUSIVE_CONFIGURATIONS])

POOL_ADD = Object("BatchPoolCreateOptions", (Prop("id", ID, True), *_SPECIFICATION), [_EXCLUSIVE_CONFIGURATIONS])

# PATCH /pools/{pool}: "If an element is not specified, the existing value is left unchanged."
# From 2024-07-01.20.0 most of the pool's properties can be patched (on a pool with no nodes).
POOL_PATCH = Object("BatchPoolUpdateOptions", [
    Prop("displayName", DISPLAY_NAME, since=V20),
    Prop("vmSize", TEXT, since=V20),
    Prop("enableInterNodeCommunication", BOOL, since=V20),
    Prop("startTask", START_TASK),
    Prop("certificateReferences", CERTIFICATE_REFERENCES, until=V20),
    Prop("applicationPackageReferences", POOL_APPLICATION_PACKAGES),
    Prop("metadata", METADATA),
    Prop("virtualMachineConfiguration", VIRTUAL_MACHINE_CONFIGURATION, since=V20),
    Prop("targetNodeCommunicationMode", NODE_COMMUNICATION_MODE, until=V20),
    Prop("taskSlotsPerNode", TASK_SLOTS, since=V20),
    Prop("taskSchedulingPolicy", TASK_SCHEDULING_POLICY, since=V20),
    Prop("networkConfiguration", NETWORK_CONFIGURATION, since=V20),
    Prop("resourceTags", RESOURCE_TAGS, since=V20, until=V20),
    Prop("userAccounts", USER_ACCOUNTS, since=V20),
    Prop("mountConfiguration", MOUNT_CONFIGURATION, since=V20),
    Prop("upgradePolicy", UPGRADE_POLICY, since=V20),
])

# POST /pools/{pool}/updateproperties replaces these properties wholesale ("If this element is empty,
# any existing ... are removed"): the lists are required, an empty list is a value.
POOL_UPDATE_PROPERTIES = Object("BatchPoolReplaceOptions", [
    Prop("startTask", START_TASK),
    Prop("certificateReferences", CERTIFICATE_REFERENCES, True, until=V20),
    Prop("applicationPackageReferences", POOL_APPLICATION_PACKAGES, True),
    Prop("metadata", METADATA, True),
    Prop("targetNodeCommunicationMode", NODE_COMMUNICATION_MODE, until=V20),
])

POOL_RESIZE = Object("BatchPoolResizeOptions", [
    Prop("targetDedicatedNodes", NODE_COUNT),
    Prop("targetLowPriorityNodes", NODE_COUNT),
    Prop("resizeTimeout", RESIZE_TIMEOUT),
    Prop("nodeDeallocationOption", DEALLOCATION_OPTION),
])

# POST /pools/{pool}/enableautoscale: "If automatic scaling of the Pool is currently disabled, you must
# specify a valid autoscale formula"; the handler checks that (it depends on the pool).
POOL_ENABLE_AUTOSCALE = Object("BatchPoolEnableAutoScaleOptions", [
    Prop("autoScaleFormula", TEXT),
    Prop("autoScaleEvaluationInterval", AUTOSCALE_INTERVAL),
])

# POST /pools/{pool}/evaluateautoscale
POOL_EVALUATE_AUTOSCALE = Object("BatchPoolEvaluateAutoScaleOptions", [Prop("autoScaleFormula", TEXT, True)])

POOL_REMOVE_NODES = Object("BatchNodeRemoveOptions", [
    Prop("nodeList", List(TEXT, MAX_NODES_PER_REMOVE), True),
    Prop("resizeTimeout", RESIZE_TIMEOUT),
    Prop("nodeDeallocationOption", DEALLOCATION_OPTION),
])

NODE_REBOOT = Object("BatchNodeRebootOptions", [Prop("nodeRebootOption", DEALLOCATION_OPTION)])
NODE_REIMAGE = Object("BatchNodeReimageOptions", [Prop("nodeReimageOption", DEALLOCATION_OPTION)])
NODE_DISABLE_SCHEDULING = Object("BatchNodeDisableSchedulingOptions", [
    Prop("nodeDisableSchedulingOption", Enum("requeue", "terminate", "taskcompletion")),
])

# POST /pools/{pool}/nodes/{node}/deallocate (from 2024-07-01.20.0, as the route).
NODE_DEALLOCATE = Object("BatchNodeDeallocateOptions", [Prop("nodeDeallocateOption", DEALLOCATION_OPTION)])

# POST /pools/{pool}/nodes/{node}/uploadbatchservicelogs
UPLOAD_LOGS = Object("UploadBatchServiceLogsOptions", [
    Prop("containerUrl", TEXT, True),
    Prop("startTime", DateTime(), True),
    Prop("endTime", DateTime()),
    Prop("identityReference", IDENTITY_REFERENCE),
])

# POST /pools/{pool}/nodes/{node}/users and PUT .../users/{user}. The reference gives no rule for
# the name; the emulator's is a Linux user name's (it is also a URL path segment).
NODE_USER_NAME = String(pattern="[A-Za-z_][A-Za-z0-9_.-]{0,63}",
                        rule="A user name starts with a letter or '_', then letters, digits, '_', '.', '-'; "
                             "at most 64 characters.")
_NODE_USER_SECRETS = [Prop("password", String()), Prop("expiryTime", DateTime()), Prop("sshPublicKey", String())]
NODE_USER_ADD = Object("BatchNodeUserCreateOptions", [
    Prop("name", NODE_USER_NAME, True),
    Prop("isAdmin", BOOL),
    *_NODE_USER_SECRETS,
])
NODE_USER_REPLACE = Object("BatchNodeUserReplaceOptions", _NODE_USER_SECRETS)
