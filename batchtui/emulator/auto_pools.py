"""Auto pools: a pool the service creates for a job (poolLifetimeOption `job`)
or for a job schedule (`jobschedule`) from poolInfo.autoPoolSpecification, and
deletes when that job or schedule ends, unless keepAlive.

Batch assigns each auto pool a unique id; autoPoolIdPrefix (up to 20
characters) is put before it "to distinguish between pools created for
different purposes". The emulator's ids are `PREFIX_GUID` (a bare GUID without
a prefix). The job's poolInfo keeps the autoPoolSpecification as sent; its
executionInfo.poolId names the auto pool (as Batch reports it).

Bookkeeping (private keys): a job or schedule that owns an auto pool holds
`_autoPool` = {"id": pool id, "keepAlive": bool}; the pool holds
`_autoPoolOwner` = "job:ID" or "jobschedule:ID"."""

from __future__ import annotations

import uuid

from . import errors
from .resources import new_pool
from .store import Doc, Store

LIFETIME_JOB = "job"
LIFETIME_SCHEDULE = "jobschedule"


def auto_pool_id(spec: Doc) -> str:
    """A new auto pool id: `PREFIX_GUID`, or a GUID when the spec has no prefix."""
    guid = str(uuid.uuid4())
    prefix = spec.get("autoPoolIdPrefix")
    return f"{prefix}_{guid}" if prefix else guid


def _spec(pool_info: Doc, path: str) -> Doc:
    spec: Doc = pool_info["autoPoolSpecification"]
    if not spec.get("pool"):
        raise errors.missing_property(f"{path}.autoPoolSpecification.pool")
    return spec


def check_for_job(pool_info: Doc, path: str = "poolInfo") -> None:
    """400 when a job's own poolInfo asks for a pool that lives as long as a job
    schedule ("You may apply this option only to job schedules, not to jobs"),
    or has no pool specification."""
    if "autoPoolSpecification" not in pool_info:
        return
    spec = _spec(pool_info, path)
    if spec["poolLifetimeOption"] == LIFETIME_SCHEDULE:
        raise errors.invalid_property(
            f"{path}.autoPoolSpecification.poolLifetimeOption", spec["poolLifetimeOption"],
            "The jobschedule pool lifetime applies to job schedules only, not to jobs.")


def _create(store: Store, spec: Doc, owner: str) -> str:
    pool = new_pool({"id": auto_pool_id(spec), **spec["pool"]})
    pool["_autoPoolOwner"] = owner
    store.put("pool", pool)
    return str(pool["id"])


def pool_for_job(store: Store, job: Doc, schedule: Doc | None = None) -> str:
    """The id of the pool a new job runs on: its poolInfo.poolId, else an auto
    pool: a new one per job (lifetime `job`, recorded on the job), or the
    schedule's (lifetime `jobschedule`: created with the schedule's first job,
    recorded on the schedule, reused while it is there)."""
    pool_info = job["poolInfo"]
    if "autoPoolSpecification" not in pool_info:
        return str(pool_info["poolId"])
    spec = _spec(pool_info, "poolInfo")
    keep = bool(spec.get("keepAlive", False))
    if spec["poolLifetimeOption"] == LIFETIME_SCHEDULE and schedule is not None:
        current = schedule.get("_autoPool")
        kept = store.pools.get(current["id"]) if current else None
        if kept is not None and kept["state"] == "active":
            return str(kept["id"])
        pool_id = _create(store, spec, f"jobschedule:{schedule['id']}")
        schedule["_autoPool"] = {"id": pool_id, "keepAlive": keep}
        store.touch("jobschedule", schedule)
        return pool_id
    pool_id = _create(store, spec, f"job:{job['id']}")
    job["_autoPool"] = {"id": pool_id, "keepAlive": keep}
    return pool_id


def release(store: Store, owner: Doc) -> None:
    """The job or schedule `owner` ended: its auto pool (if any, and not kept
    alive) is deleted, as a DELETE of the pool would."""
    auto = owner.get("_autoPool")
    if not auto or auto.get("keepAlive"):
        return
    pool = store.pools.get(auto["id"])
    if pool is not None and pool["state"] != "deleting":
        pool["state"] = "deleting"
        store.touch("pool", pool)
