"""The account's core quotas, enforced as Batch enforces them.

Batch counts cores, not nodes: every node of every pool in the account takes
its VM size's vCPUs from the dedicated or the low-priority quota ("Dedicated
cores per Batch account": default 0-900; "Low-priority cores per Batch
account": 0-100, Batch service quotas and limits). A pool asks for any target;
Batch allocates the nodes that fit, then the pool goes steady with a resize
error, AccountCoreQuotaReached (dedicated) or
AccountLowPriorityCoreQuotaReached (low-priority), and keeps its targets.
The emulator's quotas are set by `batchtui emulator --core-quota` and
`--low-priority-core-quota`.

A VM size's vCPUs are read from its name, as Azure names sizes
(Standard_<family><vCPUs>[-constrained][features][_version]: Standard_D4s_v3
has 4, Standard_NC6s_v3 6, Standard_E4-2s_v3 4); a name without a number
counts as 1 core.
"""

from __future__ import annotations

import re

from .store import Doc, Store

_VCPUS = re.compile(r"(?:standard|basic)_[a-z]+?(\d+)", re.IGNORECASE)

MESSAGES = {
    True: ("AccountCoreQuotaReached", "The specified account has reached core quota"),
    False: ("AccountLowPriorityCoreQuotaReached", "The specified account has reached low priority core quota"),
}


def vm_cores(vm_size: str) -> int:
    """The vCPUs of a VM size, from its name (at least 1)."""
    match = _VCPUS.match(vm_size.strip())
    return max(1, int(match.group(1))) if match and len(match.group(1)) <= 4 else 1


class CoreQuota:
    """How many more nodes of a pool fit in the account's quotas."""

    def __init__(self, store: Store, dedicated_cores: int, low_priority_cores: int) -> None:
        self.store = store
        self.limits = {True: dedicated_cores, False: low_priority_cores}

    def used(self, dedicated: bool) -> int:
        """Cores the account's nodes (of every pool, leaving ones too) take from one quota."""
        total = 0
        for pool in self.store.pools.values():
            count = sum(1 for n in self.store.pool_nodes(pool["id"]).values() if n["isDedicated"] == dedicated)
            total += count * vm_cores(pool["vmSize"])
        return total

    def nodes_that_fit(self, pool: Doc, dedicated: bool) -> int:
        """How many more of `pool`'s nodes the dedicated (or low-priority) quota has room for."""
        room = self.limits[dedicated] - self.used(dedicated)
        return max(0, room // vm_cores(pool["vmSize"]))

    def resize_error(self, pool: Doc, dedicated: bool) -> Doc:
        """The pool's resizeErrors entry when the quota stopped its allocation."""
        code, message = MESSAGES[dedicated]
        kind = "dedicated" if dedicated else "low-priority"
        return {
            "code": code,
            "message": message,
            "values": [
                {"name": "CoreQuota", "value": str(self.limits[dedicated])},
                {"name": "CoresInUse", "value": str(self.used(dedicated))},
                {"name": "CoresPerNode", "value": str(vm_cores(pool["vmSize"]))},
                {"name": "Reason", "value": f"The account's {kind} core quota does not hold the pool's target."},
            ],
        }
