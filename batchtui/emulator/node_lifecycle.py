"""Pools and their compute nodes as the engine moves them on each tick.

A resizing pool creates nodes up to its targets (at most NODES_PER_TICK a
tick, and no more than the account's core quotas hold: quota.py) and removes
the least busy ones above them. A node goes creating → starting → (waitingforstarttask →)
idle, one `node_step_seconds` per step; with a start task it runs that first
(retried up to its maxTaskRetryCount), and idle or starttaskfailed follows.
Reboot and reimage wait for the node's running tasks when asked to, then boot
the node again (reimage empties its disk); deallocate waits likewise, then the
node is deallocating for a step and deallocated (its disk kept) until started,
when it boots again. A removed node is leavingpool until
its tasks have ended, then gone with its files.
"""

from __future__ import annotations

import logging
import secrets
import time
from functools import partial

from . import executor, node_users, nodefs
from .formats import clock_frozen, now_iso, parse_duration, utcnow
from .quota import CoreQuota
from .resources import new_node, set_state
from .runtime import Runtime
from .storage import task_storage
from .storage_failures import is_storage_failure
from .store import Doc
from .task_states import TaskStates

log = logging.getLogger("batchtui.emulator")

START_TASK_WALL_CLOCK = "P10675199DT2H48M5.4775807S"  # Batch's default: unlimited
NODES_PER_TICK = 100  # nodes a pool creates in one tick at most, so a tick stays short


class NodeLifecycle:
    def __init__(self, runtime: Runtime, tasks: TaskStates) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.tasks = tasks
        # Start tasks by node id: the process, None while its inputs download.
        self.start_processes: dict[str, executor.Process | None] = {}
        self._node_serial = 0  # numbers node ids and addresses
        settings = runtime.settings
        self.quota = CoreQuota(self.store, settings.dedicated_core_quota, settings.low_priority_core_quota)

    def recover(self, now: str) -> None:
        """After a restart: no task runs on any node; a node that was running
        (or waiting for its start task) is idle (or boots again)."""
        for pool in self.store.pools.values():
            for node in list(self.store.pool_nodes(pool["id"]).values()):
                self._node_serial += 1
                try:
                    self._recover_node(pool["id"], node, now)
                except Exception as exc:  # noqa: BLE001 - one damaged document must not stop the start
                    self.store.set_aside("node", node["id"], pool["id"], f"cannot be recovered ({exc!r})")

    def _recover_node(self, pool_id: str, node: Doc, now: str) -> None:
        node["runningTasksCount"] = 0
        node["runningTaskSlotsCount"] = 0
        if node["state"] == "running":
            set_state(node, "idle", now, keep_previous=False)
        elif node["state"] == "waitingforstarttask" or (node.get("startTaskInfo") or {}).get("state") == "running":
            set_state(node, "starting", now, keep_previous=False)
            node["_due"] = time.time()
        self.store.touch("node", node, pool_id)

    def kill_start_tasks(self) -> None:
        for proc in list(self.start_processes.values()):
            if proc:
                proc.kill()

    # -- pools ---------------------------------------------------------------------
    def advance_pool(self, pool: Doc) -> None:
        """One tick of the pool's life: its nodes step on, a resize proceeds, a
        deleted pool empties and goes."""
        pool_id = pool["id"]
        nodes = self.store.pool_nodes(pool_id)
        for node in list(nodes.values()):
            self.runtime.set_aside.run("node", node, partial(self._advance_node, pool, node), pool_id, "advancing")
        if pool["state"] == "deleting":
            for node in list(nodes.values()):
                if node["state"] != "leavingpool":
                    self.begin_removal(pool, node, "requeue")
            if not len(nodes):
                self.store.delete("pool", pool_id)
            return
        staying = [n for n in nodes.values() if n["state"] != "leavingpool"]
        if pool["allocationState"] == "resizing":
            short: list[Doc] = []  # resize errors: quotas that hold fewer nodes than the targets
            for is_dedicated, target_key in ((True, "targetDedicatedNodes"), (False, "targetLowPriorityNodes")):
                mine = [n for n in staying if n["isDedicated"] == is_dedicated]
                target = pool[target_key]
                if target > len(mine):
                    fit = self.quota.nodes_that_fit(pool, is_dedicated)
                    for _ in range(min(target - len(mine), fit, NODES_PER_TICK)):
                        self._create_node(pool, is_dedicated)
                    if fit < target - len(mine):
                        short.append(self.quota.resize_error(pool, is_dedicated))
                if len(mine) > target:
                    # Leave the least busy nodes first.
                    order = sorted(mine, key=lambda n: (n["runningTasksCount"], n["state"] == "idle"))
                    for node in order[: len(mine) - target]:
                        self.begin_removal(pool, node, pool.get("_deallocation", "requeue"))
            staying = [n for n in nodes.values() if n["state"] != "leavingpool"]
            leaving = len(staying) != len(nodes)
            allocating = any(n["state"] == "creating" for n in staying)
            if not leaving and not allocating and (short or _counts_match(pool, staying)):
                if short:
                    pool["resizeErrors"] = short
                self.set_allocation(pool, "steady")
        elif pool["allocationState"] == "stopping":
            self.set_allocation(pool, "steady")
        dedicated = sum(1 for n in staying if n["isDedicated"])
        if (pool["currentDedicatedNodes"], pool["currentLowPriorityNodes"]) != (dedicated, len(staying) - dedicated):
            pool["currentDedicatedNodes"] = dedicated
            pool["currentLowPriorityNodes"] = len(staying) - dedicated
            self.store.touch("pool", pool)

    def set_allocation(self, pool: Doc, state: str) -> None:
        """The one place a pool's allocationState changes (steady, resizing, stopping)."""
        pool["allocationState"] = state
        pool["allocationStateTransitionTime"] = now_iso()
        self.store.touch("pool", pool)

    # -- nodes ---------------------------------------------------------------------
    def _create_node(self, pool: Doc, dedicated: bool) -> None:
        self._node_serial += 1
        stamp = utcnow().strftime("%Y%m%dt%H%M%Sz")
        number = 1_695_681_911 if clock_frozen() else secrets.randbelow(9_000_000_000) + 1_000_000_000
        node_id = f"tvm-{number}_{self._node_serial}-{stamp}"
        node = new_node(node_id, pool, dedicated, self._node_serial)
        node["_due"] = time.time() + self.runtime.settings.node_step_seconds
        nodefs.make_node_tree(self.runtime.node_root(node_id))
        self.store.put("node", node, pool["id"])

    def _advance_node(self, pool: Doc, node: Doc) -> None:
        state, now = node["state"], time.time()
        if node.get("_pending"):
            self._begin_pending(pool, node)
            return
        if state == "leavingpool":
            if node["runningTasksCount"] == 0 and now >= node.get("_due", 0):
                self._drop_node(pool, node)
            return
        if now < node.get("_due", 0):
            return
        if state == "creating":
            self._set_node_state(pool, node, "starting")
            node["_due"] = now + self.runtime.settings.node_step_seconds
        elif state == "deallocating":
            node.pop("_due", None)
            self._set_node_state(pool, node, "deallocated")
        elif state in ("starting", "rebooting", "reimaging"):
            node["lastBootTime"] = now_iso()
            node.pop("_due", None)
            start_task = pool.get("startTask")
            if start_task:
                waits = start_task.get("waitForSuccess", True)
                self._set_node_state(pool, node, "waitingforstarttask" if waits else "idle")
                self.runtime.spawn(self._run_start_task(pool["id"], node["id"], start_task))
            else:
                self._set_node_state(pool, node, "idle")

    def _set_node_state(self, pool: Doc, node: Doc, state: str) -> None:
        set_state(node, state, keep_previous=False)
        self.store.touch("node", node, pool["id"])

    def begin_removal(self, pool: Doc, node: Doc, option: str) -> None:
        """The node leaves the pool; its running tasks meet `option`'s fate
        (a nodeDeallocationOption: requeue, terminate, taskcompletion, retaineddata)."""
        self._set_node_state(pool, node, "leavingpool")
        node["_due"] = time.time() + self.runtime.settings.node_step_seconds / 2
        self._stop_start_task(node)
        self.tasks.evict_from_node(node, option)

    def _stop_start_task(self, node: Doc) -> None:
        start = self.start_processes.pop(node["id"], None)
        if start:
            start.kill()

    def restart(self, pool: Doc, node: Doc, operation: str, option: str) -> None:
        """Reboot or reimage: once the running tasks are dealt with (or have
        finished, for taskcompletion/retaineddata), the node goes through
        `operation` ("rebooting"/"reimaging") and boots again ("deallocating": see deallocate)."""
        self.tasks.evict_from_node(node, option)
        self._stop_start_task(node)
        node["_pending"] = operation
        self.store.touch("node", node, pool["id"])
        self._begin_pending(pool, node)

    def deallocate(self, pool: Doc, node: Doc, option: str) -> None:
        """Deallocate: the running tasks meet `option` (a nodeDeallocateOption), then
        the node is deallocating and, a step later, deallocated (see start)."""
        self.restart(pool, node, "deallocating", option)

    def start(self, pool: Doc, node: Doc) -> None:
        """A deallocated node boots again: starting, then as any boot."""
        node["_due"] = time.time() + self.runtime.settings.node_step_seconds
        self._set_node_state(pool, node, "starting")

    def _begin_pending(self, pool: Doc, node: Doc) -> None:
        operation = node.get("_pending")
        if not operation or node["runningTasksCount"]:
            return
        del node["_pending"]
        if operation == "reimaging":
            root = self.runtime.node_root(node["id"])
            self.runtime.discard_tree(root)
            nodefs.make_node_tree(root)
            node.pop(node_users.USERS, None)  # a new operating system has none of the node users
        node.pop("startTaskInfo", None)
        node["_due"] = time.time() + self.runtime.settings.node_step_seconds
        self._set_node_state(pool, node, operation)

    def set_scheduling(self, pool: Doc, node: Doc, enabled: bool, option: str = "requeue") -> None:
        """Enable or disable task scheduling on the node; disabling evicts its
        running tasks by `option` (requeue, terminate, taskcompletion)."""
        node["schedulingState"] = "enabled" if enabled else "disabled"
        if not enabled:
            self.tasks.evict_from_node(node, option)
        self.store.touch("node", node, pool["id"])

    def _drop_node(self, pool: Doc, node: Doc) -> None:
        self.store.delete("node", node["id"], pool["id"])
        self.runtime.discard_tree(self.runtime.node_root(node["id"]))

    # -- start task ------------------------------------------------------------------
    async def _run_start_task(self, pool_id: str, node_id: str, start_task: Doc) -> None:
        """Run the pool's start task on the node (inputs, then the process),
        retrying a failed process; its end sets startTaskInfo and, when the
        node waited for it, idle or starttaskfailed. An exception in the run
        ends it as a servererror failure, so no node waits for it forever."""
        try:
            await self._start_task_runs(pool_id, node_id, start_task)
        except Exception as exc:  # noqa: BLE001 - this node's start task fails, the service goes on
            log.exception("the start task of node %r of pool %r failed in the emulator", node_id, pool_id)
            self.start_processes.pop(node_id, None)
            node = self.runtime.find_node(pool_id, node_id)
            info = node.get("startTaskInfo") if node is not None else None
            if node is not None and isinstance(info, dict) and info.get("state") == "running":
                self._start_task_ended(pool_id, node, info, executor.Outcome(None, executor.internal_failure(exc)))

    async def _start_task_runs(self, pool_id: str, node_id: str, start_task: Doc) -> None:
        retries = start_task.get("maxTaskRetryCount", 0)
        attempt = 0
        while True:
            node = self.runtime.find_node(pool_id, node_id)
            if node is None or node["state"] == "leavingpool":
                return
            info: Doc = {"state": "running", "startTime": now_iso(), "retryCount": attempt}
            if attempt:
                info["lastRetryTime"] = info["startTime"]
            node["startTaskInfo"] = info
            self.store.touch("node", node, pool_id)
            node_root = self.runtime.node_root(node_id)
            startup = node_root / "startup"
            env = self.runtime.environment(pool_id, node, None, None, startup, start_task.get("environmentSettings"))
            self.start_processes[node_id] = None
            work = task_storage(start_task, self.store.pools.get(pool_id), node_root, startup)
            failure: executor.FailureInfo | None = None
            if work.has_inputs:
                failure, extra_env = await self.runtime.storage.prepare(work)
                env.update(extra_env)
                node = self.runtime.find_node(pool_id, node_id)
                if node_id not in self.start_processes or node is None or node.get("startTaskInfo") is not info:
                    return  # the node left or restarted while the inputs downloaded
            launched: executor.Process | executor.Outcome
            if failure:
                launched = executor.Outcome(None, failure)
            else:
                launched = await executor.launch(start_task["commandLine"], startup, env)
            if isinstance(launched, executor.Process):
                self.start_processes[node_id] = launched
                wall = parse_duration(start_task.get("maxWallClockTime") or START_TASK_WALL_CLOCK)
                outcome = await launched.wait(wall)
            else:
                outcome = launched
            if self.start_processes.pop(node_id, "gone") == "gone":
                return  # the node left while the start task ran
            node = self.runtime.find_node(pool_id, node_id)
            if node is None:
                return
            failed = outcome.failure is not None
            if failed and not is_storage_failure(outcome.failure) and (retries == -1 or attempt < retries):
                attempt += 1
                continue
            self._start_task_ended(pool_id, node, info, outcome)
            return

    def _start_task_ended(self, pool_id: str, node: Doc, info: Doc, outcome: executor.Outcome) -> None:
        """The start task's last run ended with `outcome`: startTaskInfo completed and, when
        the node waited for it, the node idle or starttaskfailed."""
        failed = outcome.failure is not None
        info.update(state="completed", endTime=now_iso(), result="failure" if failed else "success")
        if outcome.exit_code is not None:
            info["exitCode"] = outcome.exit_code
        if outcome.failure:
            info["failureInfo"] = outcome.failure
        pool = self.store.pools.get(pool_id)
        if pool is not None and node["state"] == "waitingforstarttask":
            self._set_node_state(pool, node, "starttaskfailed" if failed else "idle")
        self.store.touch("node", node, pool_id)


def _counts_match(pool: Doc, nodes: list[Doc]) -> bool:
    """Whether `nodes` meet the pool's dedicated and low-priority targets."""
    dedicated = sum(1 for n in nodes if n["isDedicated"])
    return (dedicated, len(nodes) - dedicated) == (pool["targetDedicatedNodes"], pool["targetLowPriorityNodes"])
