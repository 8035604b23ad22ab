"""What a pool's compute nodes are: virtual machine configuration (image, disks,
containers, extensions, security), network configuration, mounts, user accounts,
upgrade policy, and the older cloud service configuration and certificates.

The emulator runs nodes as local processes, so all of this is descriptive: it is
checked, stored and returned, and (apart from the marks in emulated.py) accepted.
VM extension `settings`/`protectedSettings` are free-form JSON objects, checked
only to be plain JSON (Opaque)."""

from __future__ import annotations

from .common import BOOL, CONTAINER_REGISTRY, DURATION, ELEVATION_LEVEL, IDENTITY_REFERENCE, INT, TEXT, TEXTS
from .limits import MAX_DATA_DISK_LUN, MAX_NETWORK_SECURITY_GROUP_RULES, MAX_USER_NAME_LENGTH
from .versions import V17, V18, V20, V2025
from .vocabulary import Enum, Int, List, Object, OneOf, Opaque, Prop, String, StringMap

PERCENT_5 = Int(5, 100, rule="The value must be from 5 to 100.")
PERCENT_0 = Int(0, 100, rule="The value must be from 0 to 100.")
CACHING = Enum("none", "readonly", "readwrite")
STORAGE_ACCOUNT_TYPE = Enum("standard_lrs", "premium_lrs", "standardssd_lrs", since={"standardssd_lrs": V18})

IMAGE_REFERENCE = Object("BatchVmImageReference", [
    Prop("publisher", TEXT),
    Prop("offer", TEXT),
    Prop("sku", TEXT),
    Prop("version", TEXT),
    Prop("virtualMachineImageId", TEXT),
    Prop("sharedGalleryImageId", TEXT, since=V20),
    Prop("communityGalleryImageId", TEXT, since=V20),
])

MANAGED_DISK = Object("ManagedDisk", [
    Prop("storageAccountType", STORAGE_ACCOUNT_TYPE),
    Prop("securityProfile", Object("BatchVmDiskSecurityProfile", [
        Prop("securityEncryptionType", Enum("NonPersistedTPM", "VMGuestStateOnly", "DiskWithVMGuestState",
                                            since={"DiskWithVMGuestState": V2025})),
    ]), since=V20),
    Prop("diskEncryptionSet", Object("DiskEncryptionSetParameters", [Prop("id", TEXT)]), since=V2025),
])

DATA_DISK = Object("DataDisk", [
    Prop("lun", Int(0, MAX_DATA_DISK_LUN), True),
    Prop("caching", CACHING),
    Prop("diskSizeGB", Int(1), True),
    Prop("storageAccountType", STORAGE_ACCOUNT_TYPE, until=V20),
    Prop("managedDisk", MANAGED_DISK, since=V2025),
])

CONTAINER_CONFIGURATION = Object("BatchContainerConfiguration", [
    Prop("type", Enum("dockerCompatible", "criCompatible", since={"criCompatible": V17}), True),
    Prop("containerImageNames", TEXTS),
    Prop("containerRegistries", List(CONTAINER_REGISTRY)),
])

DISK_ENCRYPTION = Object("DiskEncryptionConfiguration", [
    Prop("targets", List(Enum("osdisk", "temporarydisk"))),
    Prop("customerManagedKey", Object("DiskCustomerManagedKey", [
        Prop("identityReference", Object("BatchPoolIdentityReference", [Prop("resourceId", TEXT)])),
        Prop("keyUrl", TEXT),
        Prop("rotationToLatestKeyVersionEnabled", BOOL),
    ]), since=V2025),
])

VM_EXTENSION = Object("VMExtension", [
    Prop("name", TEXT, True),
    Prop("publisher", TEXT, True),
    Prop("type", TEXT, True),
    Prop("typeHandlerVersion", TEXT),
    Prop("autoUpgradeMinorVersion", BOOL),
    Prop("enableAutomaticUpgrade", BOOL, since=V17),
    Prop("settings", Opaque()),
    Prop("protectedSettings", Opaque()),
    Prop("provisionAfterExtensions", TEXTS),
])

OS_DISK = Object("BatchOsDisk", [
    Prop("ephemeralOSDiskSettings", Object("BatchDiffDiskSettings", [Prop("placement", Enum("cachedisk"))])),
    Prop("caching", CACHING, since=V18),
    Prop("managedDisk", MANAGED_DISK, since=V18),
    Prop("diskSizeGB", Int(1), since=V18),
    Prop("writeAcceleratorEnabled", BOOL, since=V18),
])

HOST_ENDPOINT = Object("HostEndpointSettings", [
    Prop("mode", Enum("Audit", "Enforce")),
    Prop("inVMAccessControlProfileReferenceId", TEXT),
])

# The 2024-07-01.20.0 models mark encryptionAtHost, securityType and uefiSettings required; no other
# version does, and the emulator does not insist.
SECURITY_PROFILE = Object("SecurityProfile", [
    Prop("encryptionAtHost", BOOL),
    Prop("securityType", Enum("trustedLaunch", "confidentialVM", since={"confidentialVM": V20})),
    Prop("uefiSettings", Object("BatchUefiSettings", [Prop("secureBootEnabled", BOOL), Prop("vTpmEnabled", BOOL)])),
    Prop("proxyAgentSettings", Object("ProxyAgentSettings", [
        Prop("enabled", BOOL),
        Prop("imds", HOST_ENDPOINT),
        Prop("wireServer", HOST_ENDPOINT),
    ]), since=V2025),
])

VIRTUAL_MACHINE_CONFIGURATION = Object("VirtualMachineConfiguration", [
    Prop("imageReference", IMAGE_REFERENCE, True),
    Prop("nodeAgentSKUId", TEXT, True),
    Prop("windowsConfiguration", Object("WindowsConfiguration", [Prop("enableAutomaticUpdates", BOOL)])),
    Prop("dataDisks", List(DATA_DISK)),
    Prop("licenseType", TEXT),
    Prop("containerConfiguration", CONTAINER_CONFIGURATION),
    Prop("diskEncryptionConfiguration", DISK_ENCRYPTION),
    Prop("nodePlacementConfiguration", Object("BatchNodePlacementConfiguration", [
        Prop("policy", Enum("regional", "zonal")),
    ])),
    Prop("extensions", List(VM_EXTENSION)),
    Prop("osDisk", OS_DISK),
    Prop("securityProfile", SECURITY_PROFILE, since=V18),
    Prop("serviceArtifactReference", Object("ServiceArtifactReference", [Prop("id", TEXT, True)]), since=V18),
])

CLOUD_SERVICE_CONFIGURATION = Object("CloudServiceConfiguration", [
    Prop("osFamily", TEXT, True),
    Prop("osVersion", TEXT),
])

# inboundNATPools: ports as the reference states them ("Acceptable values are between 1 and 65535
# except for 29876 and 29877"; frontend "between 1 and 65534"). The pool-wide checks (unique names
# and ports, ranges of 40 ports that do not overlap, 50000-55000 reserved) are not made.
INBOUND_NAT_POOL = Object("BatchInboundNatPool", [
    Prop("name", String(77), True),
    Prop("protocol", Enum("tcp", "udp"), True),
    Prop("backendPort", Int(1, 65535, (29876, 29877), "The value must be from 1 to 65535, not 29876 or 29877."), True),
    Prop("frontendPortRangeStart", Int(1, 65534), True),
    Prop("frontendPortRangeEnd", Int(1, 65534), True),
    Prop("networkSecurityGroupRules", List(Object("NetworkSecurityGroupRule", [
        Prop("priority", INT, True),
        Prop("access", Enum("allow", "deny"), True),
        Prop("sourceAddressPrefix", TEXT, True),
        Prop("sourcePortRanges", TEXTS),
    ]), MAX_NETWORK_SECURITY_GROUP_RULES)),
])

NETWORK_CONFIGURATION = Object("NetworkConfiguration", [
    Prop("subnetId", TEXT),
    Prop("dynamicVNetAssignmentScope", Enum("none", "job")),
    Prop("endpointConfiguration", Object("BatchPoolEndpointConfiguration", [
        Prop("inboundNATPools", List(INBOUND_NAT_POOL), True),
    ])),
    Prop("publicIPAddressConfiguration", Object("BatchPublicIpAddressConfiguration", [
        Prop("provision", Enum("batchmanaged", "usermanaged", "nopublicipaddresses")),
        Prop("ipAddressIds", TEXTS),
        Prop("ipFamilies", List(Enum("IPv4", "IPv6")), since=V2025),
        Prop("ipTags", List(Object("IPTag", [Prop("ipTagType", TEXT), Prop("tag", TEXT)])), since=V2025),
    ])),
    Prop("enableAcceleratedNetworking", BOOL, since=V17),
])

# "Exactly one" of the key, the SAS key and the identity for a blob file system; one kind of mount per entry.
MOUNT_CONFIGURATION = List(Object("MountConfiguration", [
    Prop("azureBlobFileSystemConfiguration", Object("AzureBlobFileSystemConfiguration", [
        Prop("accountName", TEXT, True),
        Prop("containerName", TEXT, True),
        Prop("accountKey", TEXT),
        Prop("sasKey", TEXT),
        Prop("blobfuseOptions", TEXT),
        Prop("relativeMountPath", TEXT, True),
        Prop("identityReference", IDENTITY_REFERENCE),
    ], [OneOf(("accountKey", "sasKey", "identityReference"))])),
    Prop("nfsMountConfiguration", Object("NfsMountConfiguration", [
        Prop("source", TEXT, True),
        Prop("relativeMountPath", TEXT, True),
        Prop("mountOptions", TEXT),
    ])),
    Prop("cifsMountConfiguration", Object("CifsMountConfiguration", [
        Prop("username", TEXT, True),
        Prop("source", TEXT, True),
        Prop("relativeMountPath", TEXT, True),
        Prop("mountOptions", TEXT),
        Prop("password", TEXT, True),
    ])),
    Prop("azureFileShareConfiguration", Object("AzureFileShareConfiguration", [
        Prop("accountName", TEXT, True),
        Prop("azureFileUrl", TEXT, True),
        Prop("accountKey", TEXT, True),
        Prop("relativeMountPath", TEXT, True),
        Prop("mountOptions", TEXT),
    ])),
], [OneOf(("azureBlobFileSystemConfiguration", "nfsMountConfiguration", "cifsMountConfiguration",
           "azureFileShareConfiguration"))]))

USER_ACCOUNTS = List(Object("UserAccount", [
    Prop("name", String(MAX_USER_NAME_LENGTH), True),
    Prop("password", TEXT, True),
    Prop("elevationLevel", ELEVATION_LEVEL),
    Prop("linuxUserConfiguration", Object("LinuxUserConfiguration", [
        Prop("uid", INT),
        Prop("gid", INT),
        Prop("sshPrivateKey", TEXT),
    ])),
    Prop("windowsUserConfiguration", Object("WindowsUserConfiguration", [
        Prop("loginMode", Enum("batch", "interactive")),
    ])),
]))

UPGRADE_POLICY = Object("UpgradePolicy", [
    Prop("mode", Enum("automatic", "manual", "rolling"), True),
    Prop("automaticOSUpgradePolicy", Object("AutomaticOsUpgradePolicy", [
        Prop("disableAutomaticRollback", BOOL),
        Prop("enableAutomaticOSUpgrade", BOOL),
        Prop("useRollingUpgradePolicy", BOOL),
        Prop("osRollingUpgradeDeferral", BOOL),
    ])),
    Prop("rollingUpgradePolicy", Object("RollingUpgradePolicy", [
        Prop("enableCrossZoneUpgrade", BOOL),
        Prop("maxBatchInstancePercent", PERCENT_5),
        Prop("maxUnhealthyInstancePercent", PERCENT_5),
        Prop("maxUnhealthyUpgradedInstancePercent", PERCENT_0),
        Prop("pauseTimeBetweenBatches", DURATION),
        Prop("prioritizeUnhealthyInstances", BOOL),
        Prop("rollbackFailedInstancesOnPolicyBreach", BOOL),
    ])),
])

CERTIFICATE_REFERENCES = List(Object("CertificateReference", [
    Prop("thumbprint", TEXT, True),
    Prop("thumbprintAlgorithm", TEXT, True),
    Prop("storeLocation", Enum("currentuser", "localmachine")),
    Prop("storeName", TEXT),
    Prop("visibility", List(Enum("starttask", "task", "remoteuser"))),
]))

# resourceTags: "The user-defined tags to be associated with the pool" (name -> value); no limits stated.
RESOURCE_TAGS = StringMap(TEXT)
NODE_COMMUNICATION_MODE = Enum("default", "classic", "simplified")
APPLICATION_LICENSES = TEXTS
