"""The emulated Batch service's behaviour: pools allocate nodes, nodes boot and
run their start task, the scheduler places active tasks on free task slots,
processes finish into executionInfo, jobs terminate and get deleted.

All state changes happen on the event loop, in synchronous blocks with no
await inside, so the HTTP handlers and the scheduler never see half a change.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import Counter
from pathlib import Path

from . import errors, executor, nodefs, storage
from .counts import JobCounts
from .formats import clock_frozen, freeze_clock, now_iso, parse_duration, parse_iso, utcnow
from .resources import new_node, set_state
from .settings import Settings
from .store import Store

log = logging.getLogger("batchtui.emulator")

TASK_ENDED = executor.failure("TaskEnded", "Task Was Ended by User Request")
TERMINAL_JOB_STATES = ("completed", "deleting")


class Engine:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        freeze_clock(parse_iso(settings.frozen_clock) if settings.frozen_clock else None)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.data_dir / "state.sqlite")
        self.base_url = f"http://{settings.host}:{settings.port}"
        # Running processes: task key (job, task) → (process, run id); start tasks by node id.
        self.task_processes: dict[tuple[str, str], tuple[executor.Process | None, str]] = {}
        self.start_processes: dict[str, executor.Process | None] = {}
        # Active task ids per job, in the order they became active (the queue).
        self.queues: dict[str, dict[str, None]] = {}
        self.counts: dict[str, JobCounts] = {}  # task counts per job, kept as states change
        self._background: set[asyncio.Task] = set()
        self.request_counts: Counter[str] = Counter()  # by HTTP method, for tests and benchmarks
        self.faults: list[errors.BatchError] = []  # answers queued by POST /_emulator/faults
        self.storage = storage.Storage(settings.storage_connection_string)
        self._node_serial = 0
        self._recover()

    # -- start-up ------------------------------------------------------------
    def _recover(self) -> None:
        """Pick up a data dir left by an emulator that stopped (or was killed):
        running tasks are requeued, nodes resume their lifecycle."""
        now = now_iso()
        for pool in self.store.pools.values():
            for node in self.store.pool_nodes(pool["id"]).values():
                self._node_serial += 1
                node["runningTasksCount"] = 0
                node["runningTaskSlotsCount"] = 0
                if node["state"] == "running":
                    set_state(node, "idle", now, keep_previous=False)
                elif node["state"] == "waitingforstarttask" or (
                    node.get("startTaskInfo", {}).get("state") == "running"
                ):
                    set_state(node, "starting", now, keep_previous=False)
                    node["_due"] = time.time()
                self.store.touch("node", node, pool["id"])
        for job in self.store.jobs.values():
            tasks = self.store.job_tasks(job["id"])
            counts = self.counts[job["id"]] = JobCounts()
            for task in tasks.values():
                task.pop("_counted", None)  # recounted from the documents themselves
                counts.recount(task)
                if task["state"] in ("running", "preparing"):
                    if task.get("_pid") and task.get("nodeInfo"):
                        executor.kill_leftover(task["_pid"], self._task_dir(job["id"], task) / "wd")
                    self._requeue(job["id"], task, now)
                elif task["state"] == "active":
                    self.queues.setdefault(job["id"], {})[task["id"]] = None
        self.store.flush()

    # -- background loop -------------------------------------------------------
    async def run(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:  # never let one bad document stop the service
                log.exception("scheduler tick failed")
            await asyncio.sleep(self.settings.tick_seconds)

    def tick(self) -> None:
        for pool in list(self.store.pools.values()):
            self._advance_pool(pool)
        for job in list(self.store.jobs.values()):
            self._advance_job(job)
        self._dispatch()
        self.store.flush()

    def spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def shutdown(self) -> None:
        for proc, _ in list(self.task_processes.values()):
            if proc:
                proc.kill()
        for proc in list(self.start_processes.values()):
            if proc:
                proc.kill()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self.store.close()

    # -- paths -----------------------------------------------------------------
    def node_root(self, node_id: str) -> Path:
        return nodefs.node_root(self.settings.data_dir, node_id)

    def _task_dir(self, job_id: str, task: dict) -> Path:
        info = task["nodeInfo"]
        return self.node_root(info["nodeId"]) / info["taskRootDirectory"]

    def task_dir(self, job_id: str, task: dict) -> Path:
        """The task's directory on its node; 409 when it has not run anywhere."""
        if not task.get("nodeInfo"):
            raise errors.invalid_state(
                f"The files of the specified task cannot be accessed as the task state is still {task['state']}"
            )
        return self._task_dir(job_id, task)

    # -- pools and nodes ---------------------------------------------------------
    def _advance_pool(self, pool: dict) -> None:
        pool_id = pool["id"]
        nodes = self.store.pool_nodes(pool_id)
        for node in list(nodes.values()):
            self._advance_node(pool, node)
        if pool["state"] == "deleting":
            for node in list(nodes.values()):
                if node["state"] != "leavingpool":
                    self.begin_node_removal(pool, node, "requeue")
            if not len(nodes):
                self.store.delete("pool", pool_id)
            return
        staying = [n for n in nodes.values() if n["state"] != "leavingpool"]
        if pool["allocationState"] == "resizing":
            for dedicated, target_key in ((True, "targetDedicatedNodes"), (False, "targetLowPriorityNodes")):
                mine = [n for n in staying if n["isDedicated"] == dedicated]
                target = pool[target_key]
                for _ in range(target - len(mine)):
                    self._create_node(pool, dedicated)
                if len(mine) > target:
                    # Leave the least busy nodes first.
                    order = sorted(mine, key=lambda n: (n["runningTasksCount"], n["state"] == "idle"))
                    for node in order[: len(mine) - target]:
                        self.begin_node_removal(pool, node, pool.get("_deallocation", "requeue"))
            staying = [n for n in nodes.values() if n["state"] != "leavingpool"]
            leaving = len(staying) != len(nodes)
            allocating = any(n["state"] == "creating" for n in staying)
            if not leaving and not allocating and self._counts_match(pool, staying):
                self._set_allocation(pool, "steady")
        elif pool["allocationState"] == "stopping":
            self._set_allocation(pool, "steady")
        dedicated = sum(1 for n in staying if n["isDedicated"])
        if (pool["currentDedicatedNodes"], pool["currentLowPriorityNodes"]) != (dedicated, len(staying) - dedicated):
            pool["currentDedicatedNodes"] = dedicated
            pool["currentLowPriorityNodes"] = len(staying) - dedicated
            self.store.touch("pool", pool)

    @staticmethod
    def _counts_match(pool: dict, nodes: list[dict]) -> bool:
        dedicated = sum(1 for n in nodes if n["isDedicated"])
        return (dedicated, len(nodes) - dedicated) == (pool["targetDedicatedNodes"], pool["targetLowPriorityNodes"])

    def _set_allocation(self, pool: dict, state: str) -> None:
        pool["allocationState"] = state
        pool["allocationStateTransitionTime"] = now_iso()
        self.store.touch("pool", pool)

    def _create_node(self, pool: dict, dedicated: bool) -> None:
        self._node_serial += 1
        stamp = utcnow().strftime("%Y%m%dt%H%M%Sz")
        number = 1_695_681_911 if clock_frozen() else secrets.randbelow(9_000_000_000) + 1_000_000_000
        node_id = f"tvm-{number}_{self._node_serial}-{stamp}"
        node = new_node(node_id, pool, dedicated, self._node_serial)
        node["_due"] = time.time() + self.settings.node_step_seconds
        nodefs.make_node_tree(self.node_root(node_id))
        self.store.put("node", node, pool["id"])

    def _advance_node(self, pool: dict, node: dict) -> None:
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
            self._node_state(pool, node, "starting")
            node["_due"] = now + self.settings.node_step_seconds
        elif state in ("starting", "rebooting", "reimaging"):
            node["lastBootTime"] = now_iso()
            node.pop("_due", None)
            start_task = pool.get("startTask")
            if start_task:
                waits = start_task.get("waitForSuccess", True)
                self._node_state(pool, node, "waitingforstarttask" if waits else "idle")
                self.spawn(self._run_start_task(pool["id"], node["id"], start_task))
            else:
                self._node_state(pool, node, "idle")

    def _node_state(self, pool: dict, node: dict, state: str) -> None:
        set_state(node, state, keep_previous=False)
        self.store.touch("node", node, pool["id"])

    def begin_node_removal(self, pool: dict, node: dict, option: str) -> None:
        """The node leaves the pool; its running tasks meet `option`'s fate."""
        self._node_state(pool, node, "leavingpool")
        node["_due"] = time.time() + self.settings.node_step_seconds / 2
        self._stop_start_task(node)
        self.evict_tasks(node, option)

    def _stop_start_task(self, node: dict) -> None:
        start = self.start_processes.pop(node["id"], None)
        if start:
            start.kill()

    def evict_tasks(self, node: dict, option: str) -> None:
        """The node's running tasks: requeued, terminated, or (taskcompletion,
        retaineddata, wait) left to finish."""
        if option not in ("requeue", "terminate"):
            return
        for (job_id, task_id), (proc, _run) in list(self.task_processes.items()):
            task = self.store.job_tasks(job_id).get(task_id)
            if task is None or task.get("nodeInfo", {}).get("nodeId") != node["id"]:
                continue
            self._evict(job_id, task, proc, option)

    def _evict(self, job_id: str, task: dict, proc: executor.Process | None, option: str) -> None:
        self._release_slots(task)
        if option == "terminate":
            self._complete(job_id, task, None, TASK_ENDED)
        else:
            self._requeue(job_id, task, now_iso())
        if proc:
            proc.kill()

    def restart_node(self, pool: dict, node: dict, operation: str, option: str) -> None:
        """Reboot or reimage: once the running tasks are dealt with (or have
        finished, for taskcompletion/retaineddata), the node goes through
        `operation` ("rebooting"/"reimaging") and boots again."""
        self.evict_tasks(node, option)
        self._stop_start_task(node)
        node["_pending"] = operation
        self.store.touch("node", node, pool["id"])
        self._begin_pending(pool, node)

    def _begin_pending(self, pool: dict, node: dict) -> None:
        operation = node.get("_pending")
        if not operation or node["runningTasksCount"]:
            return
        del node["_pending"]
        if operation == "reimaging":
            root = self.node_root(node["id"])
            nodefs.remove_tree(root)
            nodefs.make_node_tree(root)
        node.pop("startTaskInfo", None)
        node["_due"] = time.time() + self.settings.node_step_seconds
        self._node_state(pool, node, operation)

    def set_scheduling(self, pool: dict, node: dict, enabled: bool, option: str = "requeue") -> None:
        node["schedulingState"] = "enabled" if enabled else "disabled"
        if not enabled:
            self.evict_tasks(node, option)
        self.store.touch("node", node, pool["id"])

    def _drop_node(self, pool: dict, node: dict) -> None:
        self.store.delete("node", node["id"], pool["id"])
        nodefs.remove_tree(self.node_root(node["id"]))

    def _find_node(self, pool_id: str, node_id: str) -> dict | None:
        return self.store.pool_nodes(pool_id).get(node_id)

    async def _run_start_task(self, pool_id: str, node_id: str, start_task: dict) -> None:
        retries = start_task.get("maxTaskRetryCount", 0)
        attempt = 0
        while True:
            node = self._find_node(pool_id, node_id)
            if node is None or node["state"] == "leavingpool":
                return
            info = {"state": "running", "startTime": now_iso(), "retryCount": attempt}
            if attempt:
                info["lastRetryTime"] = info["startTime"]
            node["startTaskInfo"] = info
            self.store.touch("node", node, pool_id)
            startup = self.node_root(node_id) / "startup"
            env = self._environment(pool_id, node, None, None, startup, start_task.get("environmentSettings"))
            self.start_processes[node_id] = None
            work = storage.task_storage(start_task, self.store.pools.get(pool_id), self.node_root(node_id), startup)
            failure = None
            if work.has_inputs:
                failure, extra_env = await self.storage.prepare(work)
                env.update(extra_env)
                node = self._find_node(pool_id, node_id)
                if node_id not in self.start_processes or node is None or node.get("startTaskInfo") is not info:
                    return  # the node left or restarted while the inputs downloaded
            if failure:
                launched = executor.Outcome(None, failure)
            else:
                launched = await executor.launch(start_task["commandLine"], startup, env)
            if isinstance(launched, executor.Process):
                self.start_processes[node_id] = launched
                outcome = await launched.wait(parse_duration(start_task.get("maxWallClockTime") or "P10675199DT2H48M5.4775807S"))
            else:
                outcome = launched
            if self.start_processes.pop(node_id, "gone") == "gone":
                return  # the node left while the start task ran
            node = self._find_node(pool_id, node_id)
            if node is None:
                return
            failed = outcome.failure is not None
            if failed and not storage.is_storage_failure(outcome.failure) and (retries == -1 or attempt < retries):
                attempt += 1
                continue
            info.update(state="completed", endTime=now_iso(), result="failure" if failed else "success")
            if outcome.exit_code is not None:
                info["exitCode"] = outcome.exit_code
            if outcome.failure:
                info["failureInfo"] = outcome.failure
            pool = self.store.pools.get(pool_id)
            if pool is not None and node["state"] == "waitingforstarttask":
                self._node_state(pool, node, "starttaskfailed" if failed else "idle")
            self.store.touch("node", node, pool_id)
            return

    # -- jobs ------------------------------------------------------------------
    def _advance_job(self, job: dict) -> None:
        state, job_id = job["state"], job["id"]
        if state in ("terminating", "deleting"):
            for (j, task_id), (proc, _run) in list(self.task_processes.items()):
                if j == job_id:
                    task = self.store.job_tasks(job_id).get(task_id)
                    if task is not None:
                        self.kill_task(job_id, task, TASK_ENDED)
            if any(j == job_id for j, _ in self.task_processes):
                return
            if state == "deleting":
                for task in list(self.store.job_tasks(job_id).values()):
                    self._remove_task_files(job_id, task)
                self.queues.pop(job_id, None)
                self.counts.pop(job_id, None)
                self.store.delete("job", job_id)
            else:
                self._complete_job(job, job.get("_terminateReason", "UserTerminate"))
            return
        if state == "disabling":
            if not any(j == job_id for j, _ in self.task_processes):
                set_state(job, "disabled")
                self.store.touch("job", job)
            return
        if state == "enabling":
            set_state(job, "active")
            self.store.touch("job", job)
            return
        if state != "active":
            return
        limit = job["constraints"].get("maxWallClockTime")
        if limit and parse_duration(limit) != float("inf"):
            started = parse_iso(job["executionInfo"]["startTime"]).timestamp()
            if time.time() - started > parse_duration(limit):
                self.terminate_job(job, "MaxWallClockTimeExpiry")
                return
        if job.get("onAllTasksComplete") == "terminatejob" and len(self.store.job_tasks(job_id)):
            if not self.queues.get(job_id) and not any(j == job_id for j, _ in self.task_processes):
                self._complete_job(job, "AllTasksComplete")

    def disable_job(self, job: dict, option: str) -> None:
        """requeue / terminate the job's running tasks, or wait for them; then disabled."""
        set_state(job, "disabling")
        self.store.touch("job", job)
        if option in ("requeue", "terminate"):
            for (job_id, task_id), (proc, _run) in list(self.task_processes.items()):
                task = self.store.job_tasks(job_id).get(task_id)
                if job_id == job["id"] and task is not None:
                    self._evict(job_id, task, proc, option)

    def terminate_job(self, job: dict, reason: str) -> None:
        set_state(job, "terminating")
        job["_terminateReason"] = reason
        self.store.touch("job", job)

    def _complete_job(self, job: dict, reason: str) -> None:
        set_state(job, "completed")
        job["executionInfo"]["endTime"] = now_iso()
        job["executionInfo"]["terminateReason"] = reason
        job.pop("_terminateReason", None)
        self.store.touch("job", job)

    # -- tasks -----------------------------------------------------------------
    def add_task(self, job_id: str, task: dict) -> None:
        """A new (active) task: stored, queued, counted."""
        self.store.put("task", task, job_id)
        self.enqueue(job_id, task)
        self.job_counts(job_id).recount(task)

    def job_counts(self, job_id: str) -> JobCounts:
        counts = self.counts.get(job_id)
        if counts is None:
            counts = self.counts[job_id] = JobCounts()
        return counts

    def enqueue(self, job_id: str, task: dict) -> None:
        self.queues.setdefault(job_id, {})[task["id"]] = None

    def _set_task_state(self, job_id: str, task: dict, state: str, when: str | None = None) -> None:
        if task["state"] == "active" and state != "active":
            self.queues.get(job_id, {}).pop(task["id"], None)
        set_state(task, state, when)
        if state == "active":
            self.enqueue(job_id, task)
        self.job_counts(job_id).recount(task)
        self.store.touch("task", task, job_id)

    def _requeue(self, job_id: str, task: dict, when: str) -> None:
        info = task["executionInfo"]
        info["requeueCount"] = info.get("requeueCount", 0) + 1
        info["lastRequeueTime"] = when
        for key in ("startTime", "endTime", "exitCode", "result", "failureInfo"):
            info.pop(key, None)
        task.pop("_pid", None)
        self.task_processes.pop((job_id, task["id"]), None)
        self._set_task_state(job_id, task, "active", when)

    def _complete(self, job_id: str, task: dict, exit_code: int | None, failure: dict | None) -> None:
        info = task["executionInfo"]
        now = now_iso()
        info.setdefault("startTime", now)
        info["endTime"] = now
        info["result"] = "failure" if failure else "success"
        if exit_code is not None:
            info["exitCode"] = exit_code
        else:
            info.pop("exitCode", None)
        if failure:
            info["failureInfo"] = failure
        else:
            info.pop("failureInfo", None)
        task.pop("_pid", None)
        self.task_processes.pop((job_id, task["id"]), None)
        self._set_task_state(job_id, task, "completed", now)

    def _release_slots(self, task: dict) -> dict | None:
        info = task.get("nodeInfo")
        if not info:
            return None
        pool = self.store.pools.get(info["poolId"])
        node = self._find_node(info["poolId"], info["nodeId"])
        if node is None or pool is None:
            return None
        node["runningTasksCount"] = max(0, node["runningTasksCount"] - 1)
        node["runningTaskSlotsCount"] = max(0, node["runningTaskSlotsCount"] - task.get("requiredSlots", 1))
        if node["runningTasksCount"] == 0 and node["state"] == "running":
            set_state(node, "idle", keep_previous=False)
        self.store.touch("node", node, pool["id"])
        return node

    def kill_task(self, job_id: str, task: dict, reason: dict) -> None:
        """End a task: a running one is killed; either way it completes with `reason`."""
        entry = self.task_processes.get((job_id, task["id"]))
        if task["state"] in ("running", "preparing"):
            self._release_slots(task)
        self._complete(job_id, task, 137 if entry else None, reason)
        if entry and entry[0]:
            entry[0].kill(reason)

    def delete_task(self, job_id: str, task: dict) -> None:
        if task["state"] in ("running", "preparing"):
            self.kill_task(job_id, task, TASK_ENDED)
        self.queues.get(job_id, {}).pop(task["id"], None)
        self.job_counts(job_id).forget(task)
        self._remove_task_files(job_id, task)
        self.store.delete("task", task["id"], job_id)

    def _remove_task_files(self, job_id: str, task: dict) -> None:
        if task.get("nodeInfo"):
            nodefs.remove_tree(self._task_dir(job_id, task))

    def _dispatch(self) -> None:
        """Place queued tasks of active jobs on nodes with free task slots."""
        jobs = [j for j in self.store.jobs.values() if j["state"] == "active" and self.queues.get(j["id"])]
        jobs.sort(key=lambda j: (-j.get("priority", 0), j["creationTime"]))
        for job in jobs:
            pool = self.store.pools.get(job["poolInfo"].get("poolId", ""))
            if pool is None or pool["state"] != "active":
                continue
            nodes = [
                n
                for n in self.store.pool_nodes(pool["id"]).values()
                if n["state"] in ("idle", "running") and n["schedulingState"] == "enabled" and not n.get("_pending")
            ]
            if not nodes:
                continue
            slots = pool["taskSlotsPerNode"]
            pack = pool["taskSchedulingPolicy"].get("nodeFillType") == "pack"
            limit = job.get("maxParallelTasks", -1)
            running = sum(1 for j, _ in self.task_processes if j == job["id"])
            tasks = self.store.job_tasks(job["id"])
            for task_id in list(self.queues[job["id"]]):
                if limit != -1 and running >= limit:
                    break
                task = tasks.get(task_id)
                if task is None:
                    self.queues[job["id"]].pop(task_id, None)
                    continue
                need = task.get("requiredSlots", 1)
                fits = [n for n in nodes if slots - n["runningTaskSlotsCount"] >= need]
                if not fits:
                    if all(slots - n["runningTaskSlotsCount"] == 0 for n in nodes):
                        break
                    continue
                key = (lambda n: -n["runningTaskSlotsCount"]) if pack else (lambda n: n["runningTaskSlotsCount"])
                node = min(fits, key=key)
                self._start_task(job, pool, node, task)
                running += 1

    def _start_task(self, job: dict, pool: dict, node: dict, task: dict) -> None:
        job_id, task_id = job["id"], task["id"]
        run_id = secrets.token_hex(4)
        info = task["executionInfo"]
        now = now_iso()
        for key in ("endTime", "exitCode", "result", "failureInfo"):
            info.pop(key, None)
        info["startTime"] = now
        task["nodeInfo"] = {
            "affinityId": node["affinityId"],
            "poolId": pool["id"],
            "nodeId": node["id"],
            "taskRootDirectory": nodefs.task_rel_dir(job_id, task_id),
        }
        task["_run"] = run_id
        node["runningTasksCount"] += 1
        node["runningTaskSlotsCount"] += task.get("requiredSlots", 1)
        node["totalTasksRun"] += 1
        if node["state"] == "idle":
            set_state(node, "running", now, keep_previous=False)
        self.store.touch("node", node, pool["id"])
        self.task_processes[(job_id, task_id)] = (None, run_id)
        self._set_task_state(job_id, task, "running", now)
        task_dir = self._task_dir(job_id, task)
        env = self._environment(pool["id"], node, job, task, task_dir, task.get("environmentSettings"))
        wall = parse_duration(task["constraints"]["maxWallClockTime"])
        work = storage.task_storage(task, pool, self.node_root(node["id"]), task_dir)
        self.spawn(self._run_task(job_id, task_id, run_id, task["commandLine"], task_dir, env, wall, work))

    def _is_current(self, job_id: str, task_id: str, run_id: str) -> bool:
        return self.task_processes.get((job_id, task_id), (None, ""))[1] == run_id

    async def _run_task(
        self, job_id: str, task_id: str, run_id: str, command: str, task_dir: Path, env: dict, wall: float,
        work: storage.TaskStorage,
    ) -> None:
        task_dir.mkdir(parents=True, exist_ok=True)
        if work.has_inputs:  # packages and resource files, while the task is running, before its process
            failure, extra_env = await self.storage.prepare(work)
            if not self._is_current(job_id, task_id, run_id):
                return  # ended (terminated, requeued) while downloading
            if failure:
                self._finish_task(job_id, task_id, run_id, executor.Outcome(None, failure))
                return
            env = {**env, **extra_env}
        launched = await executor.launch(command, task_dir, env)
        if isinstance(launched, executor.Process):
            if self.task_processes.get((job_id, task_id), (None, ""))[1] != run_id:
                launched.kill()  # ended (terminated, requeued) while starting
                return
            self.task_processes[(job_id, task_id)] = (launched, run_id)
            task = self.store.job_tasks(job_id).get(task_id)
            if task is not None:
                task["_pid"] = launched.pid
                self.store.touch("task", task, job_id)
            outcome = await launched.wait(wall)
            if work.output_files and self._is_current(job_id, task_id, run_id):
                failure = await self.storage.upload_outputs(work, outcome.failure is None, env)
                if failure and outcome.failure is None:  # a failed upload fails a successful run
                    outcome = executor.Outcome(outcome.exit_code, failure)
        else:
            outcome = launched
        self._finish_task(job_id, task_id, run_id, outcome)

    def _finish_task(self, job_id: str, task_id: str, run_id: str, outcome: executor.Outcome) -> None:
        task = self.store.job_tasks(job_id).get(task_id)
        if task is None or task.get("_run") != run_id or task["state"] != "running":
            return  # deleted, requeued or terminated meanwhile: that path already settled it
        node = self._release_slots(task)
        succeeded = outcome.failure is None
        if node is not None and succeeded:
            node["totalTasksSucceeded"] += 1
        info = task["executionInfo"]
        retries = task["constraints"].get("maxTaskRetryCount", 0)
        retryable = (
            not succeeded
            and outcome.failure.get("code") != "MaxWallClockTimeExceeded"
            and not storage.is_storage_failure(outcome.failure)
        )
        if retryable and (retries == -1 or info.get("retryCount", 0) < retries):
            info["retryCount"] = info.get("retryCount", 0) + 1
            info["lastRetryTime"] = now_iso()
            for key in ("startTime", "endTime", "exitCode", "result", "failureInfo"):
                info.pop(key, None)
            task.pop("_pid", None)
            self.task_processes.pop((job_id, task_id), None)
            self._set_task_state(job_id, task, "active")
            return
        self._complete(job_id, task, outcome.exit_code, outcome.failure)

    def _environment(
        self,
        pool_id: str,
        node: dict,
        job: dict | None,
        task: dict | None,
        task_dir: Path,
        settings: list | None,
    ) -> dict[str, str]:
        root = self.node_root(node["id"])
        env = executor.base_environment()
        env.update(
            AZ_BATCH_ACCOUNT_NAME=self.settings.account,
            AZ_BATCH_ACCOUNT_URL=self.base_url + "/",
            AZ_BATCH_POOL_ID=pool_id,
            AZ_BATCH_NODE_ID=node["id"],
            AZ_BATCH_NODE_IS_DEDICATED=str(node["isDedicated"]).lower(),
            AZ_BATCH_NODE_ROOT_DIR=str(root),
            AZ_BATCH_NODE_SHARED_DIR=str(root / "shared"),
            AZ_BATCH_NODE_STARTUP_DIR=str(root / "startup"),
            AZ_BATCH_TASK_DIR=str(task_dir),
            AZ_BATCH_TASK_WORKING_DIR=str(task_dir / "wd"),
            AZ_BATCH_TASK_USER="_azbatch",
            AZ_BATCH_TASK_USER_IDENTITY="PoolNonAdmin",
        )
        if job is not None and task is not None:
            env["AZ_BATCH_JOB_ID"] = job["id"]
            env["AZ_BATCH_TASK_ID"] = task["id"]
            for item in job.get("commonEnvironmentSettings") or []:
                env[item["name"]] = item.get("value") or ""
        for item in settings or []:
            env[item["name"]] = item.get("value") or ""
        return env
