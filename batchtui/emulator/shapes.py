"""Responses as the client's api-version knows them: no property and no enum
value that version lacks.

A stored pool, job or task holds the properties its creator sent (checked
against the creator's api-version) plus the service's own; a client of another
version may read it. The request schema (`schema/`) marks each property with
the versions it exists in, and each enum value added later: a response drops
what the reading version lacks. Node states added later are mapped to one the
version has (versions.node_state), since a node always has a state.

    shape(kind, doc, api_version) -> doc   # kind: pool, job, task, node, extension

The walk is planned once per (kind, version): only the paths where some version
differs are visited, so a list of 1000 tasks costs a few dict lookups per task.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Union

from . import versions
from .schema import KINDS
from .schema.common import START_TASK, TEXT
from .schema.machines import IMAGE_REFERENCE, VM_EXTENSION
from .schema.versions import V18, V20, V2025, index_of
from .schema.vocabulary import Enum, List, Object, Prop, Type
from .store import Doc

# What to do with one property: drop it (DROP), keep only these enum values
# (a frozenset, lower-case), or walk into it (a Plan, for an object or each
# object of a list).
DROP = None
Action = Union[None, frozenset[str], "Plan"]
Plan = dict[str, Action]

# The response-only properties of a node that differ between versions (the
# emulator sets none of them today; listed so that a future one is shaped too).
_NODE = Object("BatchNode", [
    Prop("ipv6Address", TEXT, since=V2025),
    Prop("virtualMachineInfo", Object("VirtualMachineInfo", [
        Prop("imageReference", IMAGE_REFERENCE),
        Prop("scaleSetVmResourceId", TEXT, since=V18),
    ])),
    Prop("startTask", START_TASK),
    Prop("certificateReferences", List(TEXT), until=V20),
])

_SCHEMAS: dict[str, Object] = {
    "extension": Object("BatchNodeVMExtension", [Prop("vmExtension", VM_EXTENSION)]),
    "pool": KINDS["pool.add"],
    "job": KINDS["job.add"],
    "jobschedule": KINDS["jobschedule.add"],
    "task": KINDS["task.add"],
    "node": _NODE,
}


def _plan_type(kind: Type, version: int) -> Action | bool:
    """The action for a value of `kind`, or False when nothing in it can differ."""
    if isinstance(kind, List):
        return _plan_type(kind.item, version)
    if isinstance(kind, Enum):
        allowed = frozenset(value for value in kind.values if kind.since.get(value, 0) <= version)
        return allowed if len(allowed) != len(kind.values) else False
    if isinstance(kind, Object):
        plan = _plan_object(kind, version)
        return plan if plan else False
    return False


def _plan_object(kind: Object, version: int) -> Plan:
    plan: Plan = {}
    for prop in kind.props.values():
        if not prop.exists_in(version):
            plan[prop.name] = DROP
            continue
        action = _plan_type(prop.type, version)
        if action is not False:
            plan[prop.name] = action  # type: ignore[assignment]  # False is filtered out above
    return plan


@lru_cache(maxsize=64)
def plan_for(kind: str, api_version: str) -> Plan:
    """The paths of a `kind` document that `api_version` may need changed."""
    return _plan_object(_SCHEMAS[kind], index_of(api_version))


def _apply(value: Any, plan: Plan) -> Any:
    """`value` (an object, or a list of them) with `plan` applied; copies only what changes."""
    if isinstance(value, list):
        return [_apply(item, plan) for item in value]
    if not isinstance(value, dict):
        return value
    out: Doc | None = None
    for name, action in plan.items():
        if name not in value:
            continue
        item = value[name]
        if action is DROP:
            changed: Any = _GONE
        elif isinstance(action, frozenset):
            changed = _enum(item, action)
        else:
            changed = _apply(item, action)
        if changed is not item:
            out = dict(value) if out is None else out
            if changed is _GONE:
                del out[name]
            else:
                out[name] = changed
    return value if out is None else out


_GONE = object()


def _enum(value: Any, allowed: frozenset[str]) -> Any:
    """An enum property (or a list of enum values) without the values the version lacks."""
    if isinstance(value, list):
        kept = [item for item in value if not isinstance(item, str) or item.lower() in allowed]
        return value if len(kept) == len(value) else kept
    if isinstance(value, str) and value.lower() not in allowed:
        return _GONE
    return value


def shape(kind: str, doc: Doc, api_version: str) -> Doc:
    """`doc` (a rendered pool, job, task, node or node extension) as `api_version` can read it.
    The input is not changed; an unchanged document is returned as it is."""
    out: Doc = _apply(doc, plan_for(kind, api_version))
    if kind == "node" and "state" in out:
        state = versions.node_state(out["state"], api_version)
        if state != out["state"]:
            out = {**out, "state": state}
    return out


def shape_node_counts(counts: Doc, api_version: str) -> Doc:
    """One pool's nodecounts entry without the state fields `api_version` lacks;
    their nodes are counted as `unknown`, as node_state names them."""
    missing = versions.node_count_fields(api_version)
    if not missing:
        return counts
    out = dict(counts)
    for bucket in ("dedicated", "lowPriority"):
        numbers = dict(out[bucket])
        for name in missing:
            numbers["unknown"] += numbers.pop(name, 0)
        out[bucket] = numbers
    return out
