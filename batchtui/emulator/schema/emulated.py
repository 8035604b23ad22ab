"""The Batch features the emulator accepts no requests for, because it would
not act on them: one place, to be edited when a feature is built.

Keys are `Model.property`, the model names of schema objects (azure-batch 15.1's
names), so a mark holds wherever the model is used (a task's and a start task's
userIdentity alike). The value lists the property values that mean "feature
off" and are accepted (an empty list is always accepted too); any other value
is refused with 400 UnsupportedProperty naming the property's path.

What counts as acted on: nodes are local processes, so a pool's VM image, size,
disks, network, upgrade policy, tags and the like are descriptive — stored and
returned as sent, and accepted. A property is marked here when leaving it
undone would change what the client's tasks see or do: the autoscale of an auto
pool's specification, mounts, named user accounts, certificates, licensed
applications, containers, task preemption, and a managed identity for a node's
log upload. Accepted though only partly acted on: constraints.retentionTime
(task files stay until the task is deleted), affinityInfo (a hint Batch may
ignore too), autoUser scope/elevation (every task runs as the emulator's user)"""

from __future__ import annotations

from collections.abc import Mapping

_REFUSED: tuple[object, ...] = ()
_AUTOSCALE = {"enableAutoScale": (False,), "autoScaleFormula": _REFUSED, "autoScaleEvaluationInterval": _REFUSED}
_NODE_SETUP = {"mountConfiguration": _REFUSED, "userAccounts": _REFUSED, "certificateReferences": _REFUSED}
_POOL = {**_NODE_SETUP, "applicationLicenses": _REFUSED}
_JOB = {"allowTaskPreemption": (False,)}
_TASK = {
    "containerSettings": _REFUSED,
}


def _marks(models: tuple[str, ...], properties: Mapping[str, tuple[object, ...]]) -> dict[str, tuple[object, ...]]:
    return {f"{model}.{name}": off for model in models for name, off in properties.items()}


NOT_EMULATED: Mapping[str, tuple[object, ...]] = {
    **_marks(("BatchPoolCreateOptions", "BatchPoolSpecification"), _POOL),
    **_marks(("BatchPoolSpecification",), _AUTOSCALE),
    **_marks(("BatchPoolUpdateOptions",), _NODE_SETUP),
    "BatchPoolReplaceOptions.certificateReferences": _REFUSED,
    **_marks(("BatchJobCreateOptions", "BatchJobSpecification"), _JOB),
    "BatchJobUpdateOptions.allowTaskPreemption": (False,),
    "BatchJob.allowTaskPreemption": (False,),
    **_marks(("BatchTaskCreateOptions",), _TASK),
    "BatchStartTask.containerSettings": _REFUSED,
    "BatchJobPreparationTask.containerSettings": _REFUSED,
    "BatchJobReleaseTask.containerSettings": _REFUSED,
    "BatchJobManagerTask.containerSettings": _REFUSED,
    "UserIdentity.username": _REFUSED,
    "UploadBatchServiceLogsOptions.identityReference": _REFUSED,
}
