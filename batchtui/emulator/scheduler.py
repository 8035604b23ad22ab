"""The task scheduler: places queued tasks of active jobs on nodes with free
task slots, then runs each placed task — inputs from storage, the process,
outputs to storage — and hands the outcome to TaskStates.finish().

Jobs go by priority, then age; within a job tasks go in queue order, up to the
job's maxParallelTasks. The pool's taskSchedulingPolicy picks the node: spread
(the emptiest node that fits) or pack (the fullest). Every await in a run is
followed by a check that the run is still current: a task terminated,
requeued or deleted meanwhile has already been settled elsewhere.

A document that cannot be handled harms only itself: a job or pool is set
aside (isolation), a task fails with failureInfo; every run ends in finish(),
so no task stays running without a process.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Container
from functools import partial
from pathlib import Path

from . import executor, nodefs
from .formats import now_iso, parse_duration
from .job_manager import JobManager
from .multi_instance import MultiInstance
from .prep_release import PrepRelease
from .resources import set_state
from .runtime import Runtime
from .storage import TaskStorage, task_storage
from .store import Doc
from .task_states import TaskStates

log = logging.getLogger("batchtui.emulator")


class Scheduler:
    def __init__(self, runtime: Runtime, tasks: TaskStates, prep: PrepRelease, manager: JobManager,
                 multi: MultiInstance) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.tasks = tasks
        self.prep = prep  # the job's preparation task, run on a node before its first task there
        self.manager = manager  # the job's job manager task, started before its other tasks
        self.multi = multi  # multi-instance tasks: their subtasks on other nodes
        # The ids of the job's active tasks that may not be scheduled yet (task dependencies hold them back).
        self.held: Callable[[Doc], Container[str]] = lambda _job: ()

    def dispatch(self) -> None:
        """Place queued tasks of active jobs on nodes with free task slots. A job,
        pool or task that cannot be handled is set aside or failed on its own
        (see isolation); the others are served."""
        aside = self.runtime.set_aside
        self.multi.sweep()  # the subtasks of multi-instance runs that ended end too
        ready: list[tuple[tuple[int, str], Doc]] = []
        for job in list(self.store.jobs.values()):
            order = aside.attempt("job", job, partial(self._queue_order, job), doing="queueing")
            if order is not None:
                ready.append((order, job))
        ready.sort(key=lambda pair: pair[0])
        for _, job in ready:
            aside.run("job", job, partial(self._dispatch_job, job), doing="scheduling")

    def _queue_order(self, job: Doc) -> tuple[int, str] | None:
        """The job's place in the scheduling order (priority, then age); None when it has nothing to run."""
        if job["state"] != "active" or not self.tasks.queues.get(job["id"]):
            return None
        priority, created = job.get("priority", 0), job["creationTime"]
        if not isinstance(priority, int) or not isinstance(created, str):
            raise TypeError(f"priority {priority!r} and creationTime {created!r} do not order the job")
        return -priority, created

    def _placement(self, pool: Doc) -> tuple[int, bool, list[Doc]]:
        """The pool's task slots per node, whether it packs (else spreads), and its nodes that take tasks."""
        slots, policy = pool["taskSlotsPerNode"], pool["taskSchedulingPolicy"]
        if not isinstance(slots, int) or not isinstance(policy, dict):
            raise TypeError(f"taskSlotsPerNode {slots!r} and taskSchedulingPolicy {policy!r} do not place tasks")
        nodes = [
            n
            for n in self.store.pool_nodes(pool["id"]).values()
            if n["state"] in ("idle", "running") and n["schedulingState"] == "enabled" and not n.get("_pending")
        ]
        return slots, policy.get("nodeFillType") == "pack", nodes

    def _dispatch_job(self, job: Doc) -> None:
        """Start the job's queued tasks, in queue order, on free slots of its pool (up to maxParallelTasks)."""
        queue = self.tasks.queues[job["id"]]
        # its own pool, else the auto pool the service made for it
        pool = self.store.pools.get(job["poolInfo"].get("poolId") or job.get("executionInfo", {}).get("poolId") or "")
        if pool is None or pool["state"] != "active":
            return
        placement = self.runtime.set_aside.attempt("pool", pool, partial(self._placement, pool), doing="scheduling on")
        if placement is None or not placement[2]:
            return
        slots, pack, nodes = placement
        nodes = self.manager.nodes_for(job, queue, self.prep.nodes_for(job, nodes))
        first = self.manager.waiting(job, queue)
        limit = job.get("maxParallelTasks", -1)
        if not isinstance(limit, int):
            raise TypeError(f"maxParallelTasks {limit!r} is not a number")
        running = len(self.tasks.running_ids(job["id"]))
        tasks = self.store.job_tasks(job["id"])
        held = self.held(job)
        for task_id in list(queue):
            if (limit != -1 and running >= limit) or (first is not None and task_id != first):
                break
            if task_id in held:
                continue
            task = tasks.get(task_id)
            if task is None:
                queue.pop(task_id, None)
                continue
            if self.runtime.set_aside.skips("task", task, job["id"]):
                continue
            try:
                node = _choose_node(nodes, slots, pack, task)
                others = self.multi.others(nodes, slots, task, node)  # a multi-instance task's other nodes
            except Exception:  # noqa: BLE001 - this task's document, not the job's
                self.tasks.fail_broken(job["id"], task, "scheduling")
                continue
            if node is None or others is None:
                if all(slots - n["runningTaskSlotsCount"] == 0 for n in nodes):
                    break
                continue
            self._start(job, pool, node, task)
            self.multi.claim(job["id"], pool["id"], task, others)
            running += 1

    def _start(self, job: Doc, pool: Doc, node: Doc, task: Doc) -> None:
        """The task takes its slots on `node` and becomes running; its run starts in the background.
        What the run needs is worked out first: a task whose document cannot give it fails, holding nothing."""
        job_id, task_id = job["id"], task["id"]
        try:
            task_dir = self.runtime.node_root(node["id"]) / nodefs.task_rel_dir(job_id, task_id)
            env = self.runtime.environment(pool["id"], node, job, task, task_dir, task.get("environmentSettings"))
            wall = parse_duration(task["constraints"]["maxWallClockTime"])
            work = task_storage(task, pool, self.runtime.node_root(node["id"]), task_dir)
            command = task["commandLine"]
            if not isinstance(command, str):
                raise TypeError(f"commandLine {command!r} is not a string")
        except Exception:  # noqa: BLE001 - this task's document, not the job's
            self.tasks.fail_broken(job_id, task, "starting")
            return
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
        self.tasks.set_state(job_id, task, "preparing" if self.prep.must_wait(job, pool, node) else "running", now)
        self.runtime.spawn(self._run(job_id, task_id, run_id, command, task_dir, env, wall, work))

    async def _run(
        self, job_id: str, task_id: str, run_id: str, command: str, task_dir: Path, env: dict[str, str], wall: float,
        work: TaskStorage,
    ) -> None:
        """One run of a task, which always ends in TaskStates.finish(): an exception
        in it completes the task with a servererror failureInfo and frees its slots."""
        try:
            outcome = await self._attempt(job_id, task_id, run_id, command, task_dir, env, wall, work)
        except Exception as exc:  # noqa: BLE001 - the task fails, the service goes on
            log.exception("task %r of job %r failed in the emulator while it ran", task_id, job_id)
            outcome = executor.Outcome(None, executor.internal_failure(exc))
        if outcome is not None:
            self.tasks.finish(job_id, task_id, run_id, outcome)

    async def _attempt(
        self, job_id: str, task_id: str, run_id: str, command: str, task_dir: Path, env: dict[str, str], wall: float,
        work: TaskStorage,
    ) -> executor.Outcome | None:
        """Inputs, the process (at most `wall` seconds), outputs: the outcome, or
        None when the run stopped being current (terminated, requeued) meanwhile."""
        storage = self.runtime.storage
        if not await self.prep.hold(job_id, task_id, run_id):
            return None  # the job's preparation task failed on the node (the task is queued again), or ended
        task_dir.mkdir(parents=True, exist_ok=True)
        if work.has_inputs:  # packages and resource files, while the task is running, before its process
            failure, extra_env = await storage.prepare(work)
            if not self.tasks.is_current(job_id, task_id, run_id):
                return None  # ended (terminated, requeued) while downloading
            if failure:
                return executor.Outcome(None, failure)
            env = {**env, **extra_env}
        coordination = await self.multi.coordinate(job_id, task_id, env)  # a multi-instance task's, on every node
        if not self.tasks.is_current(job_id, task_id, run_id):
            return None
        if coordination is not None:
            return coordination  # it failed somewhere: the application command does not run
        launched = await executor.launch(command, task_dir, env)
        if not isinstance(launched, executor.Process):
            return launched
        if not self.tasks.is_current(job_id, task_id, run_id):
            launched.kill()  # ended (terminated, requeued) while starting
            return None
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
        return outcome


def _choose_node(nodes: list[Doc], slots: int, pack: bool, task: Doc) -> Doc | None:
    """The node the task goes to (pack: the fullest that fits; spread: the emptiest), or None."""
    need = task.get("requiredSlots", 1)
    if not isinstance(need, int):
        raise TypeError(f"requiredSlots {need!r} is not a number")
    fits = [n for n in nodes if slots - n["runningTaskSlotsCount"] >= need]
    if not fits:
        return None
    key: Callable[[Doc], int] = (
        (lambda n: -n["runningTaskSlotsCount"]) if pack else (lambda n: n["runningTaskSlotsCount"])
    )
    return min(fits, key=key)
