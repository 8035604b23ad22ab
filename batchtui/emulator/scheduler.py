"""The task scheduler: places queued tasks of active jobs on nodes with free
task slots, then runs each placed task — inputs from storage, the process,
outputs to storage — and hands the outcome to TaskStates.finish().

Jobs go by priority, then age; within a job tasks go in queue order, up to the
job's maxParallelTasks. The pool's taskSchedulingPolicy picks the node: spread
(the emptiest node that fits) or pack (the fullest). Every await in a run is
followed by a check that the run is still current: a task terminated,
requeued or deleted meanwhile has already been settled elsewhere.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from . import executor, nodefs
from .formats import now_iso, parse_duration
from .resources import set_state
from .runtime import Runtime
from .storage import TaskStorage, task_storage
from .store import Doc
from .task_states import TaskStates


class Scheduler:
    def __init__(self, runtime: Runtime, tasks: TaskStates) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.tasks = tasks

    def dispatch(self) -> None:
        """Place queued tasks of active jobs on nodes with free task slots."""
        queues = self.tasks.queues
        jobs = [j for j in self.store.jobs.values() if j["state"] == "active" and queues.get(j["id"])]
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
            running = len(self.tasks.running_ids(job["id"]))
            tasks = self.store.job_tasks(job["id"])
            for task_id in list(queues[job["id"]]):
                if limit != -1 and running >= limit:
                    break
                task = tasks.get(task_id)
                if task is None:
                    queues[job["id"]].pop(task_id, None)
                    continue
                need = task.get("requiredSlots", 1)
                fits = [n for n in nodes if slots - n["runningTaskSlotsCount"] >= need]
                if not fits:
                    if all(slots - n["runningTaskSlotsCount"] == 0 for n in nodes):
                        break
                    continue
                key: Callable[[Doc], int] = (
                    (lambda n: -n["runningTaskSlotsCount"]) if pack else (lambda n: n["runningTaskSlotsCount"])
                )
                node = min(fits, key=key)
                self._start(job, pool, node, task)
                running += 1

    def _start(self, job: Doc, pool: Doc, node: Doc, task: Doc) -> None:
        """The task takes its slots on `node` and becomes running; its run starts in the background."""
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
        self.tasks.processes[(job_id, task_id)] = (None, run_id)
        self.tasks.set_state(job_id, task, "running", now)
        task_dir = self.tasks.run_dir(task)
        env = self.runtime.environment(pool["id"], node, job, task, task_dir, task.get("environmentSettings"))
        wall = parse_duration(task["constraints"]["maxWallClockTime"])
        work = task_storage(task, pool, self.runtime.node_root(node["id"]), task_dir)
        self.runtime.spawn(self._run(job_id, task_id, run_id, task["commandLine"], task_dir, env, wall, work))

    async def _run(
        self, job_id: str, task_id: str, run_id: str, command: str, task_dir: Path, env: dict[str, str], wall: float,
        work: TaskStorage,
    ) -> None:
        """One run of a task: inputs, the process (at most `wall` seconds), outputs."""
        storage = self.runtime.storage
        task_dir.mkdir(parents=True, exist_ok=True)
        if work.has_inputs:  # packages and resource files, while the task is running, before its process
            failure, extra_env = await storage.prepare(work)
            if not self.tasks.is_current(job_id, task_id, run_id):
                return  # ended (terminated, requeued) while downloading
            if failure:
                self.tasks.finish(job_id, task_id, run_id, executor.Outcome(None, failure))
                return
            env = {**env, **extra_env}
        launched = await executor.launch(command, task_dir, env)
        if isinstance(launched, executor.Process):
            if not self.tasks.is_current(job_id, task_id, run_id):
                launched.kill()  # ended (terminated, requeued) while starting
                return
            self.tasks.processes[(job_id, task_id)] = (launched, run_id)
            task = self.store.job_tasks(job_id).get(task_id)
            if task is not None:
                task["_pid"] = launched.pid
                self.store.touch("task", task, job_id)
            outcome = await launched.wait(wall)
            if work.output_files and self.tasks.is_current(job_id, task_id, run_id):
                upload_failure = await storage.upload_outputs(work, outcome.failure is None, env)
                if upload_failure and outcome.failure is None:  # a failed upload fails a successful run
                    outcome = executor.Outcome(outcome.exit_code, upload_failure)
        else:
            outcome = launched
        self.tasks.finish(job_id, task_id, run_id, outcome)
