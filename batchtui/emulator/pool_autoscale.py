"""Pools that scale themselves: the metric histories an autoscale formula reads, its evaluation
every `autoScaleEvaluationInterval` on the service's clock, and the resize that applies it.

What the reference says and the emulator does:
- "If automatic scaling is enabled, the formula is evaluated when the pool is created (or autoscale
  is enabled) and then at every interval" (Pool - Add: autoScaleEvaluationInterval): `enable`
  evaluates at once and the tick evaluates again each time the interval has passed on the
  service's clock (formats.utcnow, so `--clock-rate 60` makes a 5-minute interval pass in 5 s).
  A new interval restarts the schedule from the request's time, as the reference says.
- Each evaluation's AutoScaleRun is the pool's `autoScaleRun`; its targets are applied as a
  resize (allocationState resizing) with `$NodeDeallocationOption` for the nodes removed. An
  evaluation that fails leaves the pool as it is ("no change is made to the pool size").
- The histories: each tick records, per autoscale pool, the task counts of the jobs that run on
  it (not completed or being deleted), its node counts and targets; variables the emulator does
  not measure ($CPUPercent, $MemoryBytes, disk and network) are recorded as 0 so that formulas
  that sample them evaluate. Histories live in memory: after a restart they start anew, as a
  formula's GetSamplePercent guard expects of a young pool (the settings, the last run and the
  next evaluation's time are in the pool document and survive).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial

from . import autoscale
from .autoscale import SAMPLE_PERIOD, AutoScaleResult, MetricHistory
from .formats import iso, parse_duration, parse_iso, utcnow
from .runtime import Runtime
from .store import Doc
from .task_states import TaskStates

DEFAULT_INTERVAL = "PT15M"  # the reference's default evaluation interval
NEXT = "_autoScaleNext"  # private key: when the next evaluation is due (ISO, service clock)
# Nodes that can run tasks, for $UsableNodeCount.
USABLE_STATES = frozenset({"idle", "running"})
UNMEASURED = ("$CPUPercent", "$WallClockSeconds", "$MemoryBytes", "$DiskBytes", "$DiskReadBytes",
              "$DiskWriteBytes", "$DiskReadOps", "$DiskWriteOps", "$NetworkInBytes", "$NetworkOutBytes")
JOB_DONE = frozenset({"completed", "deleting"})


class PoolAutoScale:
    """The autoscale part of the engine: `enable`, `disable`, `evaluate`, and `tick` (every tick).
    `set_allocation(pool, state)` is NodeLifecycle's, the one place allocationState changes."""

    def __init__(self, runtime: Runtime, tasks: TaskStates, set_allocation: Callable[[Doc, str], None]) -> None:
        self.store = runtime.store
        self.set_aside = runtime.set_aside
        self.tasks = tasks
        self.set_allocation = set_allocation
        self.histories: dict[str, MetricHistory] = {}
        self._sampled: dict[str, datetime] = {}  # pool id -> when its metrics were last recorded
        self._next: dict[str, tuple[str, datetime]] = {}  # pool id -> (its NEXT, parsed)

    # -- settings --------------------------------------------------------------------------
    def enable(self, pool: Doc, formula: str | None, interval: str | None) -> None:
        """Turn autoscale on (or change its formula and/or interval) and evaluate at once.
        The caller has checked the formula (autoscale.check) and the pool's state."""
        pool["enableAutoScale"] = True
        if formula is not None:
            pool["autoScaleFormula"] = formula
        pool["autoScaleEvaluationInterval"] = interval or pool.get("autoScaleEvaluationInterval") or DEFAULT_INTERVAL
        self._run(pool, utcnow())

    def disable(self, pool: Doc) -> None:
        """Autoscale off: the pool keeps its current targets; formula, interval and last run go."""
        pool["enableAutoScale"] = False
        for key in ("autoScaleFormula", "autoScaleEvaluationInterval", "autoScaleRun", NEXT):
            pool.pop(key, None)
        self.histories.pop(pool["id"], None)
        self._sampled.pop(pool["id"], None)
        self._next.pop(pool["id"], None)
        self.store.touch("pool", pool)

    def evaluate(self, pool: Doc, formula: str) -> AutoScaleResult:
        """`formula` evaluated against the pool's histories now; nothing is applied."""
        history = self._record(pool, utcnow(), self._jobs_by_pool().get(pool["id"], []))
        return autoscale.evaluate(formula, history, utcnow())

    # -- the clock -------------------------------------------------------------------------
    def tick(self) -> None:
        """Record the metrics of the autoscale pools whose sample is due; evaluate and apply the formulas
        that are due. Cheap when nothing is due (no job is looked at)."""
        now = utcnow()
        due = [p for p in self.store.pools.values()
               if p.get("enableAutoScale") and p["state"] != "deleting" and self._due(p, now)]
        if not due:
            return
        jobs = self._jobs_by_pool()
        for pool in due:
            self.set_aside.run("pool", pool, partial(self._step, pool, now, jobs.get(pool["id"], [])),
                               doing="autoscaling")

    def _due(self, pool: Doc, now: datetime) -> bool:
        """Whether an evaluation or a sample of `pool` is due at `now`."""
        return self._evaluation_due(pool, now) or \
            now - self._sampled.get(pool["id"], now - SAMPLE_PERIOD) >= SAMPLE_PERIOD

    def _evaluation_due(self, pool: Doc, now: datetime) -> bool:
        due = pool.get(NEXT)
        if due is None:
            return True
        if self._next.get(pool["id"], (None, now))[0] != due:  # parsed once per evaluation, not per tick
            self._next[pool["id"]] = (due, parse_iso(due))
        return self._next[pool["id"]][1] <= now

    def _step(self, pool: Doc, now: datetime, jobs: list[Doc]) -> None:
        if self._evaluation_due(pool, now):
            self._run(pool, now, jobs)
        else:
            self._record(pool, now, jobs)

    def _run(self, pool: Doc, now: datetime, jobs: list[Doc] | None = None) -> None:
        if jobs is None:
            jobs = self._jobs_by_pool().get(pool["id"], [])
        history = self._record(pool, now, jobs)
        result = autoscale.evaluate(pool.get("autoScaleFormula", ""), history, now)
        pool["autoScaleRun"] = result.to_json()
        interval = parse_duration(pool.get("autoScaleEvaluationInterval") or DEFAULT_INTERVAL)
        pool[NEXT] = iso(now + timedelta(seconds=interval))
        if result.error is None:
            self._apply(pool, result)
        self.store.touch("pool", pool)

    def _apply(self, pool: Doc, result: AutoScaleResult) -> None:
        targets = result.targets
        wanted = (targets.target_dedicated_nodes, targets.target_low_priority_nodes)
        if wanted == (pool["targetDedicatedNodes"], pool["targetLowPriorityNodes"]):
            return
        pool["targetDedicatedNodes"], pool["targetLowPriorityNodes"] = wanted
        pool["_deallocation"] = targets.node_deallocation_option
        pool.pop("resizeErrors", None)
        if pool["allocationState"] != "resizing":
            self.set_allocation(pool, "resizing")

    # -- metrics ---------------------------------------------------------------------------
    def _jobs_by_pool(self) -> dict[str, list[Doc]]:
        out: dict[str, list[Doc]] = {}
        for job in self.store.jobs.values():
            if job.get("state") in JOB_DONE:
                continue
            pool_id = (job.get("executionInfo") or {}).get("poolId") or (job.get("poolInfo") or {}).get("poolId")
            if pool_id:
                out.setdefault(pool_id, []).append(job)
        return out

    def _record(self, pool: Doc, now: datetime, jobs: Iterable[Doc]) -> MetricHistory:
        history = self.histories.setdefault(pool["id"], MetricHistory())
        history.record(now, self.metrics(pool, jobs))
        self._sampled[pool["id"]] = now
        return history

    def metrics(self, pool: Doc, jobs: Iterable[Doc]) -> dict[str, float]:
        """The values of the sampled variables for `pool` now, by name ("$PendingTasks": 3.0, ...)."""
        tasks: Counter[str] = Counter()
        for job in jobs:
            tasks.update(self.tasks.job_counts(job["id"]).tasks)
        nodes = list(self.store.pool_nodes(pool["id"]).values())
        active, running = tasks["active"], tasks["running"]
        values = dict.fromkeys(UNMEASURED, 0.0)
        values.update({
            "$ActiveTasks": active,
            "$RunningTasks": running,
            "$PendingTasks": active + running,
            "$SucceededTasks": tasks["succeeded"],
            "$FailedTasks": tasks["failed"],
            "$TaskSlotsPerNode": pool.get("taskSlotsPerNode", 1),
            "$CurrentDedicatedNodes": pool["currentDedicatedNodes"],
            "$CurrentLowPriorityNodes": pool["currentLowPriorityNodes"],
            "$PreemptedNodeCount": sum(1 for n in nodes if n["state"] == "preempted"),
            "$UsableNodeCount": sum(1 for n in nodes if n["state"] in USABLE_STATES),
            "$SampleNodeCount": len(nodes),
            "$TargetDedicatedNodes": pool["targetDedicatedNodes"],
            "$TargetLowPriorityNodes": pool["targetLowPriorityNodes"],
        })
        return {k: float(v) for k, v in values.items()}

