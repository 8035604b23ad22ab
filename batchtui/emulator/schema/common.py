"""Nested types several request bodies share: names, ids, metadata, environment
settings, resource and output files, user identities, container settings, task
constraints, application package references and the pool's start task.

Shapes and names follow the Batch REST reference (the azure-batch 15.1 models
for 2025-06-01, the 13.0-14.2 models for the older versions)."""

from __future__ import annotations

from .limits import (
    MAX_COMMAND_LINE_LENGTH,
    MAX_DISPLAY_NAME_LENGTH,
    MAX_ENVIRONMENT_SETTINGS,
    MAX_ID_LENGTH,
    MAX_RESOURCE_FILES,
)
from .versions import V20
from .vocabulary import Bool, Duration, Enum, Int, List, Object, OneOf, Prop, String

ID_RULE = f"An id may contain letters, digits, hyphens and underscores, 1 to {MAX_ID_LENGTH} characters."
ID = String(pattern=f"[A-Za-z0-9_-]{{1,{MAX_ID_LENGTH}}}", rule=ID_RULE)
TEXT = String()
DISPLAY_NAME = String(MAX_DISPLAY_NAME_LENGTH)
COMMAND_LINE = String(MAX_COMMAND_LINE_LENGTH)
BOOL = Bool()
INT = Int()
RETRIES = Int(-1, rule="The value must be -1 (retry without limit) or more.")
DURATION = Duration()
TEXTS = List(TEXT)
IDS = List(ID)

IDENTITY_REFERENCE = Object("BatchNodeIdentityReference", [Prop("resourceId", TEXT)])

METADATA = List(Object("BatchMetadataItem", [Prop("name", TEXT, True), Prop("value", String(allow_empty=True), True)]))

# The reference gives no rule for a variable's name; an operating system cannot hold a name
# that is empty or contains "=" (nor NUL, which no string may contain): that is the rule here.
ENVIRONMENT_SETTINGS = List(
    Object("EnvironmentSetting", [
        Prop("name", String(pattern="[^=]+", rule="A variable's name must be non-empty and without '='."), True),
        Prop("value", TEXT),
    ]),
    MAX_ENVIRONMENT_SETTINGS,
)

# "The autoStorageContainerName, storageContainerUrl and httpUrl properties are mutually
# exclusive and one of them must be specified." (the obsolete blobSource is in none of these versions)
RESOURCE_FILES = List(
    Object("ResourceFile", [
        Prop("autoStorageContainerName", TEXT),
        Prop("storageContainerUrl", TEXT),
        Prop("httpUrl", TEXT),
        Prop("blobPrefix", TEXT),
        Prop("filePath", TEXT),
        Prop("fileMode", TEXT),
        Prop("identityReference", IDENTITY_REFERENCE),
    ], [OneOf(("autoStorageContainerName", "storageContainerUrl", "httpUrl"))]),
    MAX_RESOURCE_FILES,
)

OUTPUT_FILES = List(Object("OutputFile", [
    Prop("filePattern", TEXT, True),
    Prop("destination", Object("OutputFileDestination", [
        Prop("container", Object("OutputFileBlobContainerDestination", [
            Prop("path", TEXT),
            Prop("containerUrl", TEXT, True),
            Prop("identityReference", IDENTITY_REFERENCE),
            Prop("uploadHeaders", List(Object("OutputFileUploadHeader", [
                Prop("name", TEXT, True),
                Prop("value", TEXT),
            ]))),
        ])),
    ]), True),
    Prop("uploadOptions", Object("OutputFileUploadConfiguration", [
        Prop("uploadCondition", Enum("tasksuccess", "taskfailure", "taskcompletion"), True),
    ]), True),
]))

ELEVATION_LEVEL = Enum("nonadmin", "admin")

# "The userName and autoUser properties are mutually exclusive; you must specify one but not both."
USER_IDENTITY = Object("UserIdentity", [
    Prop("username", TEXT),
    Prop("autoUser", Object("AutoUserSpecification", [
        Prop("scope", Enum("task", "pool")),
        Prop("elevationLevel", ELEVATION_LEVEL),
    ])),
], [OneOf(("username", "autoUser"))])

CONTAINER_REGISTRY = Object("ContainerRegistryReference", [
    Prop("username", TEXT),
    Prop("password", TEXT),
    Prop("registryServer", TEXT),
    Prop("identityReference", IDENTITY_REFERENCE),
])

CONTAINER_SETTINGS = Object("BatchTaskContainerSettings", [
    Prop("containerRunOptions", TEXT),
    Prop("imageName", TEXT, True),
    Prop("registry", CONTAINER_REGISTRY),
    Prop("workingDirectory", Enum("taskWorkingDirectory", "containerImageDefault")),
    Prop("containerHostBatchBindMounts", List(Object("ContainerHostBatchBindMountEntry", [
        Prop("source", Enum("Shared", "Startup", "VfsMounts", "Task", "JobPrep", "Applications")),
        Prop("isReadOnly", BOOL),
    ])), since=V20),
])

TASK_CONSTRAINTS = Object("BatchTaskConstraints", [
    Prop("maxWallClockTime", DURATION),
    Prop("retentionTime", DURATION),
    Prop("maxTaskRetryCount", RETRIES),
])

APPLICATION_PACKAGE = Object("BatchApplicationPackageReference", [
    Prop("applicationId", TEXT, True),
    Prop("version", TEXT),
])
APPLICATION_PACKAGES = List(APPLICATION_PACKAGE)

AUTHENTICATION_TOKEN_SETTINGS = Object("AuthenticationTokenSettings", [Prop("access", List(Enum("job")))])

START_TASK = Object("BatchStartTask", [
    Prop("commandLine", COMMAND_LINE, True),
    Prop("containerSettings", CONTAINER_SETTINGS),
    Prop("resourceFiles", RESOURCE_FILES),
    Prop("environmentSettings", ENVIRONMENT_SETTINGS),
    Prop("userIdentity", USER_IDENTITY),
    Prop("maxTaskRetryCount", RETRIES),
    Prop("waitForSuccess", BOOL),
])
