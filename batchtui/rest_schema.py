"""The REST bodies `batchtui create` accepts, property by property, at every level.

This is azure-batch 15.1's create models (api-version 2025-06-01) spelled out:
tests/test_create_schema.py derives the same tables from the SDK and fails,
printing the new tables, when they differ (after an SDK upgrade). Nothing here
is imported from the SDK at run time (its models are private in the parts used).

TYPES maps each object type to its properties, "name[!][:type]" separated by
spaces: "!" marks a required property; the type is "str" when left out, else
int, bool, number, duration (ISO 8601, e.g. PT1H), datetime, an ENUMS name (a
string, one of its values, any case), another TYPES name (an object),
"[type]" (a list of it) or "{type}" (an object whose values are of that type).
How a body is checked against them: `body_check`.
"""

from __future__ import annotations

POOL = "BatchPoolCreateOptions"
JOB = "BatchJobCreateOptions"
TASK = "BatchTaskCreateOptions"
JOB_SCHEDULE = "BatchJobScheduleCreateOptions"

# Properties that are ids (a pool's, a job's, a task's, or one they refer to): 1 to 64 letters, digits,
# hyphens and underscores. (type, property); a list property's items are ids.
ID_PROPERTIES = frozenset({
    (POOL, "id"), (JOB, "id"), (TASK, "id"), (JOB_SCHEDULE, "id"), ("BatchJobManagerTask", "id"),
    ("BatchJobPreparationTask", "id"),
    ("BatchJobReleaseTask", "id"), ("BatchPoolInfo", "poolId"), ("BatchTaskDependencies", "taskIds"),
})

# Properties of older api-versions that files written for them still hold: the one to use instead.
RENAMED = {
    "blobSource": "httpUrl",
    "maxTasksPerNode": "taskSlotsPerNode",
    "cloudServiceConfiguration": "virtualMachineConfiguration",
}

TYPES: dict[str, str] = {
    "BatchPoolCreateOptions": (
        "id! displayName vmSize! virtualMachineConfiguration:VirtualMachineConfiguration resizeTimeout:duration "
        "targetDedicatedNodes:int targetLowPriorityNodes:int enableAutoScale:bool autoScaleFormula "
        "autoScaleEvaluationInterval:duration enableInterNodeCommunication:bool "
        "networkConfiguration:NetworkConfiguration startTask:BatchStartTask "
        "applicationPackageReferences:[BatchApplicationPackageReference] taskSlotsPerNode:int "
        "taskSchedulingPolicy:BatchTaskSchedulingPolicy userAccounts:[UserAccount] metadata:[BatchMetadataItem] "
        "mountConfiguration:[MountConfiguration] upgradePolicy:UpgradePolicy"
    ),
    "BatchJobCreateOptions": (
        "id! displayName usesTaskDependencies:bool priority:int allowTaskPreemption:bool maxParallelTasks:int "
        "constraints:BatchJobConstraints jobManagerTask:BatchJobManagerTask "
        "jobPreparationTask:BatchJobPreparationTask jobReleaseTask:BatchJobReleaseTask "
        "commonEnvironmentSettings:[EnvironmentSetting] poolInfo!:BatchPoolInfo "
        "onAllTasksComplete:BatchAllTasksCompleteMode onTaskFailure:BatchTaskFailureMode "
        "networkConfiguration:BatchJobNetworkConfiguration metadata:[BatchMetadataItem]"
    ),
    "BatchTaskCreateOptions": (
        "id! displayName exitConditions:ExitConditions commandLine! containerSettings:BatchTaskContainerSettings "
        "resourceFiles:[ResourceFile] outputFiles:[OutputFile] environmentSettings:[EnvironmentSetting] "
        "affinityInfo:BatchAffinityInfo constraints:BatchTaskConstraints requiredSlots:int "
        "userIdentity:UserIdentity multiInstanceSettings:MultiInstanceSettings dependsOn:BatchTaskDependencies "
        "applicationPackageReferences:[BatchApplicationPackageReference]"
    ),
    "BatchJobScheduleCreateOptions": (
        "id! displayName schedule!:BatchJobScheduleConfiguration jobSpecification!:BatchJobSpecification "
        "metadata:[BatchMetadataItem]"
    ),
    "BatchJobScheduleConfiguration": (
        "doNotRunUntil:datetime doNotRunAfter:datetime startWindow:duration recurrenceInterval:duration"
    ),
    "BatchJobSpecification": (
        "priority:int allowTaskPreemption:bool maxParallelTasks:int displayName usesTaskDependencies:bool "
        "onAllTasksComplete:BatchAllTasksCompleteMode onTaskFailure:BatchTaskFailureMode "
        "networkConfiguration:BatchJobNetworkConfiguration constraints:BatchJobConstraints "
        "jobManagerTask:BatchJobManagerTask jobPreparationTask:BatchJobPreparationTask "
        "jobReleaseTask:BatchJobReleaseTask commonEnvironmentSettings:[EnvironmentSetting] "
        "poolInfo!:BatchPoolInfo metadata:[BatchMetadataItem]"
    ),
    "VirtualMachineConfiguration": (
        "imageReference!:BatchVmImageReference nodeAgentSKUId! windowsConfiguration:WindowsConfiguration "
        "dataDisks:[DataDisk] licenseType containerConfiguration:BatchContainerConfiguration "
        "diskEncryptionConfiguration:DiskEncryptionConfiguration "
        "nodePlacementConfiguration:BatchNodePlacementConfiguration extensions:[VMExtension] osDisk:BatchOsDisk "
        "securityProfile:SecurityProfile serviceArtifactReference:ServiceArtifactReference"
    ),
    "NetworkConfiguration": (
        "subnetId dynamicVNetAssignmentScope:DynamicVNetAssignmentScope "
        "endpointConfiguration:BatchPoolEndpointConfiguration "
        "publicIPAddressConfiguration:BatchPublicIpAddressConfiguration enableAcceleratedNetworking:bool"
    ),
    "BatchStartTask": (
        "commandLine! containerSettings:BatchTaskContainerSettings resourceFiles:[ResourceFile] "
        "environmentSettings:[EnvironmentSetting] userIdentity:UserIdentity maxTaskRetryCount:int "
        "waitForSuccess:bool"
    ),
    "BatchApplicationPackageReference": "applicationId! version",
    "BatchTaskSchedulingPolicy": "jobDefaultOrder:BatchJobDefaultOrder nodeFillType!:BatchNodeFillType",
    "UserAccount": (
        "name! password! elevationLevel:ElevationLevel linuxUserConfiguration:LinuxUserConfiguration "
        "windowsUserConfiguration:WindowsUserConfiguration"
    ),
    "BatchMetadataItem": "name! value!",
    "MountConfiguration": (
        "azureBlobFileSystemConfiguration:AzureBlobFileSystemConfiguration "
        "nfsMountConfiguration:NfsMountConfiguration cifsMountConfiguration:CifsMountConfiguration "
        "azureFileShareConfiguration:AzureFileShareConfiguration"
    ),
    "UpgradePolicy": (
        "mode!:UpgradeMode automaticOSUpgradePolicy:AutomaticOsUpgradePolicy "
        "rollingUpgradePolicy:RollingUpgradePolicy"
    ),
    "BatchJobConstraints": "maxWallClockTime:duration maxTaskRetryCount:int",
    "BatchJobManagerTask": (
        "id! displayName commandLine! containerSettings:BatchTaskContainerSettings resourceFiles:[ResourceFile] "
        "outputFiles:[OutputFile] environmentSettings:[EnvironmentSetting] constraints:BatchTaskConstraints "
        "requiredSlots:int killJobOnCompletion:bool userIdentity:UserIdentity runExclusive:bool "
        "applicationPackageReferences:[BatchApplicationPackageReference] allowLowPriorityNode:bool"
    ),
    "BatchJobPreparationTask": (
        "id commandLine! containerSettings:BatchTaskContainerSettings resourceFiles:[ResourceFile] "
        "environmentSettings:[EnvironmentSetting] constraints:BatchTaskConstraints waitForSuccess:bool "
        "userIdentity:UserIdentity rerunOnNodeRebootAfterSuccess:bool"
    ),
    "BatchJobReleaseTask": (
        "id commandLine! containerSettings:BatchTaskContainerSettings resourceFiles:[ResourceFile] "
        "environmentSettings:[EnvironmentSetting] maxWallClockTime:duration retentionTime:duration "
        "userIdentity:UserIdentity"
    ),
    "EnvironmentSetting": "name! value",
    "BatchPoolInfo": "poolId autoPoolSpecification:BatchAutoPoolSpecification",
    "BatchJobNetworkConfiguration": "subnetId! skipWithdrawFromVNet:bool",
    "ExitConditions": (
        "exitCodes:[ExitCodeMapping] exitCodeRanges:[ExitCodeRangeMapping] preProcessingError:ExitOptions "
        "fileUploadError:ExitOptions default:ExitOptions"
    ),
    "BatchTaskContainerSettings": (
        "containerRunOptions imageName! registry:ContainerRegistryReference "
        "workingDirectory:ContainerWorkingDirectory "
        "containerHostBatchBindMounts:[ContainerHostBatchBindMountEntry]"
    ),
    "ResourceFile": (
        "autoStorageContainerName storageContainerUrl httpUrl blobPrefix filePath fileMode "
        "identityReference:BatchNodeIdentityReference"
    ),
    "OutputFile": "filePattern! destination!:OutputFileDestination uploadOptions!:OutputFileUploadConfiguration",
    "BatchAffinityInfo": "affinityId!",
    "BatchTaskConstraints": "maxWallClockTime:duration retentionTime:duration maxTaskRetryCount:int",
    "UserIdentity": "username autoUser:AutoUserSpecification",
    "MultiInstanceSettings": "numberOfInstances:int coordinationCommandLine! commonResourceFiles:[ResourceFile]",
    "BatchTaskDependencies": "taskIds:[str] taskIdRanges:[BatchTaskIdRange]",
    "BatchVmImageReference": (
        "publisher offer sku version virtualMachineImageId sharedGalleryImageId communityGalleryImageId"
    ),
    "WindowsConfiguration": "enableAutomaticUpdates:bool",
    "DataDisk": "lun!:int caching:CachingType diskSizeGB!:int managedDisk:ManagedDisk",
    "BatchContainerConfiguration": (
        "type!:ContainerType containerImageNames:[str] containerRegistries:[ContainerRegistryReference]"
    ),
    "DiskEncryptionConfiguration": "customerManagedKey:DiskCustomerManagedKey targets:[DiskEncryptionTarget]",
    "BatchNodePlacementConfiguration": "policy:BatchNodePlacementPolicyType",
    "VMExtension": (
        "name! publisher! type! typeHandlerVersion autoUpgradeMinorVersion:bool enableAutomaticUpgrade:bool "
        "settings:{str} protectedSettings:{str} provisionAfterExtensions:[str]"
    ),
    "BatchOsDisk": (
        "ephemeralOSDiskSettings:BatchDiffDiskSettings caching:CachingType diskSizeGB:int managedDisk:ManagedDisk "
        "writeAcceleratorEnabled:bool"
    ),
    "SecurityProfile": (
        "encryptionAtHost:bool proxyAgentSettings:ProxyAgentSettings securityType:SecurityTypes "
        "uefiSettings:BatchUefiSettings"
    ),
    "ServiceArtifactReference": "id!",
    "BatchPoolEndpointConfiguration": "inboundNATPools!:[BatchInboundNatPool]",
    "BatchPublicIpAddressConfiguration": (
        "provision:IpAddressProvisioningType ipFamilies:[IPFamily] ipAddressIds:[str] ipTags:[IPTag]"
    ),
    "LinuxUserConfiguration": "uid:int gid:int sshPrivateKey",
    "WindowsUserConfiguration": "loginMode:LoginMode",
    "AzureBlobFileSystemConfiguration": (
        "accountName! containerName! accountKey sasKey blobfuseOptions relativeMountPath! "
        "identityReference:BatchNodeIdentityReference"
    ),
    "NfsMountConfiguration": "source! relativeMountPath! mountOptions",
    "CifsMountConfiguration": "username! source! relativeMountPath! mountOptions password!",
    "AzureFileShareConfiguration": "accountName! accountKey! azureFileUrl! relativeMountPath! mountOptions",
    "AutomaticOsUpgradePolicy": (
        "disableAutomaticRollback:bool enableAutomaticOSUpgrade:bool useRollingUpgradePolicy:bool "
        "osRollingUpgradeDeferral:bool"
    ),
    "RollingUpgradePolicy": (
        "enableCrossZoneUpgrade:bool maxBatchInstancePercent:int maxUnhealthyInstancePercent:int "
        "maxUnhealthyUpgradedInstancePercent:int pauseTimeBetweenBatches:duration "
        "prioritizeUnhealthyInstances:bool rollbackFailedInstancesOnPolicyBreach:bool"
    ),
    "BatchAutoPoolSpecification": (
        "autoPoolIdPrefix poolLifetimeOption!:BatchPoolLifetimeOption keepAlive:bool pool:BatchPoolSpecification"
    ),
    "ExitCodeMapping": "code!:int exitOptions!:ExitOptions",
    "ExitCodeRangeMapping": "start!:int end!:int exitOptions!:ExitOptions",
    "ExitOptions": "jobAction:BatchJobActionKind dependencyAction:DependencyAction",
    "ContainerRegistryReference": "username password registryServer identityReference:BatchNodeIdentityReference",
    "ContainerHostBatchBindMountEntry": "source:ContainerHostDataPath isReadOnly:bool",
    "BatchNodeIdentityReference": "resourceId",
    "OutputFileDestination": "container:OutputFileBlobContainerDestination",
    "OutputFileUploadConfiguration": "uploadCondition!:OutputFileUploadCondition",
    "AutoUserSpecification": "scope:AutoUserScope elevationLevel:ElevationLevel",
    "BatchTaskIdRange": "start!:int end!:int",
    "ManagedDisk": (
        "diskEncryptionSet:DiskEncryptionSetParameters storageAccountType:StorageAccountType "
        "securityProfile:BatchVmDiskSecurityProfile"
    ),
    "DiskCustomerManagedKey": (
        "identityReference:BatchPoolIdentityReference keyUrl rotationToLatestKeyVersionEnabled:bool"
    ),
    "BatchDiffDiskSettings": "placement:DiffDiskPlacement",
    "ProxyAgentSettings": "enabled:bool imds:HostEndpointSettings wireServer:HostEndpointSettings",
    "BatchUefiSettings": "secureBootEnabled:bool vTpmEnabled:bool",
    "BatchInboundNatPool": (
        "name! protocol!:InboundEndpointProtocol backendPort!:int frontendPortRangeStart!:int "
        "frontendPortRangeEnd!:int networkSecurityGroupRules:[NetworkSecurityGroupRule]"
    ),
    "IPTag": "ipTagType tag",
    "BatchPoolSpecification": (
        "displayName vmSize! virtualMachineConfiguration:VirtualMachineConfiguration taskSlotsPerNode:int "
        "taskSchedulingPolicy:BatchTaskSchedulingPolicy resizeTimeout:duration targetDedicatedNodes:int "
        "targetLowPriorityNodes:int enableAutoScale:bool autoScaleFormula autoScaleEvaluationInterval:duration "
        "enableInterNodeCommunication:bool networkConfiguration:NetworkConfiguration startTask:BatchStartTask "
        "applicationPackageReferences:[BatchApplicationPackageReference] userAccounts:[UserAccount] "
        "metadata:[BatchMetadataItem] mountConfiguration:[MountConfiguration] upgradePolicy:UpgradePolicy"
    ),
    "OutputFileBlobContainerDestination": (
        "path containerUrl! identityReference:BatchNodeIdentityReference uploadHeaders:[OutputFileUploadHeader]"
    ),
    "DiskEncryptionSetParameters": "id",
    "BatchVmDiskSecurityProfile": "securityEncryptionType:SecurityEncryptionTypes",
    "BatchPoolIdentityReference": "resourceId",
    "HostEndpointSettings": "inVMAccessControlProfileReferenceId mode:HostEndpointSettingsModeTypes",
    "NetworkSecurityGroupRule": (
        "priority!:int access!:NetworkSecurityGroupRuleAccess sourceAddressPrefix! sourcePortRanges:[str]"
    ),
    "OutputFileUploadHeader": "name! value",
}

ENUMS: dict[str, str] = {
    "AutoUserScope": "task pool",
    "BatchAllTasksCompleteMode": "noaction terminatejob",
    "BatchJobActionKind": "none disable terminate",
    "BatchJobDefaultOrder": "none creationtime",
    "BatchNodeFillType": "spread pack",
    "BatchNodePlacementPolicyType": "regional zonal",
    "BatchPoolLifetimeOption": "jobschedule job",
    "BatchTaskFailureMode": "noaction performexitoptionsjobaction",
    "CachingType": "none readonly readwrite",
    "ContainerHostDataPath": "Shared Startup VfsMounts Task JobPrep Applications",
    "ContainerType": "dockerCompatible criCompatible",
    "ContainerWorkingDirectory": "taskWorkingDirectory containerImageDefault",
    "DependencyAction": "satisfy block",
    "DiffDiskPlacement": "cachedisk",
    "DiskEncryptionTarget": "osdisk temporarydisk",
    "DynamicVNetAssignmentScope": "none job",
    "ElevationLevel": "nonadmin admin",
    "HostEndpointSettingsModeTypes": "Audit Enforce",
    "IPFamily": "IPv4 IPv6",
    "InboundEndpointProtocol": "tcp udp",
    "IpAddressProvisioningType": "batchmanaged usermanaged nopublicipaddresses",
    "LoginMode": "batch interactive",
    "NetworkSecurityGroupRuleAccess": "allow deny",
    "OutputFileUploadCondition": "tasksuccess taskfailure taskcompletion",
    "SecurityEncryptionTypes": "DiskWithVMGuestState NonPersistedTPM VMGuestStateOnly",
    "SecurityTypes": "trustedLaunch confidentialvm",
    "StorageAccountType": "standard_lrs premium_lrs standardssd_lrs",
    "UpgradeMode": "automatic manual rolling",
}
