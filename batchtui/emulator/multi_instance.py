"""Multi-instance tasks (multiInstanceSettings), as Batch runs them.

A task with numberOfInstances N waits in the queue until N nodes of its pool each
have its requiredSlots free; then it starts on the first (the primary) and takes
those slots on the N-1 others (its subtasks, ids 1..N-1). On every node the
commonResourceFiles download into the task's shared directory and the
coordinationCommandLine runs; once every one has exited, the application command
(commandLine) runs on the primary. A coordination command that fails fails the
task, and its application command does not run. When the primary's run ends
(completed, terminated, requeued, deleted) the subtasks end with it: their
processes are killed and their slots freed. A subtask's node that leaves the pool
or is to reboot, reimage or deallocate (whatever that operation's option) sends
the task back to the queue (requeueCount + 1), as the primary's node would.

Every instance sees AZ_BATCH_HOST_LIST (the nodes' addresses, the primary's
first), AZ_BATCH_MASTER_NODE (the primary's address:6000),
AZ_BATCH_IS_CURRENT_NODE_MASTER and AZ_BATCH_TASK_SHARED_DIR (the task's
directory, workitems/{job}/job-1/{task}, the same path on every node). The
coordination command writes the instance's stdout.txt and stderr.txt there; on
the primary the application command's output then replaces it.

The subtasks, as GET .../subtasksinfo lists them, are kept in the task's
document (task["_subtasks"]); the processes and claimed nodes in memory.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from . import executor
from .formats import now_iso
from .resource_files import download_resource_file
from .resources import set_state
from .runtime import Runtime
from .storage_failures import StorageFailure
from .store import Doc
from .task_states import TASK_ENDED, TaskStates

log = logging.getLogger("batchtui.emulator")

SUBTASKS = "_subtasks"
MASTER_PORT = 6000  # the port Batch names in AZ_BATCH_MASTER_NODE


def instances(task: Doc) -> int:
    """How many nodes the task runs on (1 for a task that is not multi-instance)."""
    settings = task.get("multiInstanceSettings")
    return int(settings.get("numberOfInstances", 1)) if isinstance(settings, dict) else 1


@dataclass
class Group:
    """The nodes of one run of a multi-instance task: the primary's first."""

    job_id: str
    task_id: str
    run_id: str
    pool_id: str
    nodes: list[str]
    slots: int
    procs: dict[int, executor.Process] = field(default_factory=dict)  # instance → its coordination process


class MultiInstance:
    def __init__(self, runtime: Runtime, tasks: TaskStates) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.tasks = tasks
        self._groups: dict[tuple[str, str], Group] = {}

    # -- the scheduler's side ----------------------------------------------------------
    def others(self, nodes: list[Doc], slots: int, task: Doc, primary: Doc | None) -> list[Doc] | None:
        """The nodes the task takes beside `primary` (none for a task that is not multi-instance);
        None when fewer than its numberOfInstances have its slots free."""
        count = instances(task)
        if count == 1 or primary is None:
            return []
        need = task.get("requiredSlots", 1)
        free = [n for n in nodes if n is not primary and slots - n["runningTaskSlotsCount"] >= need]
        return free[: count - 1] if len(free) >= count - 1 else None

    def claim(self, job_id: str, pool_id: str, task: Doc, others: list[Doc]) -> None:
        """The task just started on its primary node: its subtasks take their slots on `others`."""
        if instances(task) == 1 or task["state"] not in ("running", "preparing"):
            return  # (not multi-instance, or it failed to start)
        need = task.get("requiredSlots", 1)
        now = now_iso()
        primary = task["nodeInfo"]["nodeId"]
        task[SUBTASKS] = []
        for number, node in enumerate(others, start=1):
            node["runningTasksCount"] += 1
            node["runningTaskSlotsCount"] += need
            if node["state"] == "idle":
                set_state(node, "running", now, keep_previous=False)
            self.store.touch("node", node, pool_id)
            task[SUBTASKS].append({
                "id": number, "state": "running", "stateTransitionTime": now, "startTime": now,
                "nodeInfo": {"affinityId": node["affinityId"], "poolId": pool_id, "nodeId": node["id"],
                             "taskRootDirectory": task["nodeInfo"]["taskRootDirectory"]},
            })
        self._groups[(job_id, task["id"])] = Group(job_id, task["id"], task["_run"], pool_id,
                                                   [primary, *(n["id"] for n in others)], need)
        self.store.touch("task", task, job_id)

    async def coordinate(self, job_id: str, task_id: str, env: dict[str, str]) -> executor.Outcome | None:
        """Before the application command: the common resource files and the coordination command
        on every node of the group (the primary's environment `env` gets the group's variables).
        The failure that fails the task, or None to go on."""
        group = self._groups.get((job_id, task_id))
        task = self.store.job_tasks(job_id).get(task_id)
        if group is None or task is None:
            return None
        addresses = [self._address(group.pool_id, node_id) for node_id in group.nodes]
        outcomes = await asyncio.gather(*(self._coordinate_on(group, task, index, addresses, dict(env))
                                          for index in range(len(group.nodes))))
        env.update(self._variables(task, group, addresses, 0))
        for index, outcome in enumerate(outcomes):
            if index:
                self._note(task, index, outcome)
        self.store.touch("task", task, job_id)
        return next((o for o in outcomes if o.failure is not None), None)

    # -- a run's end -----------------------------------------------------------------------
    def task_completed(self, job_id: str, task: Doc) -> None:
        """A task completed (TaskStates.on_complete): a multi-instance one's subtasks end with it at once,
        so that no client sees it completed with subtasks still running."""
        if (job_id, task["id"]) in self._groups:
            self.sweep()

    def sweep(self) -> None:
        """Each tick: a run that lost a subtask's node (removed, rebooting, ...) goes back to the queue, as
        a run whose node goes; the groups whose primary run has ended end too (processes killed, slots freed)."""
        for key, group in list(self._groups.items()):
            if self.tasks.is_current(group.job_id, group.task_id, group.run_id):
                if all(self._working(group.pool_id, node_id) for node_id in group.nodes[1:]):
                    continue
                self._requeue(group)
            del self._groups[key]
            for proc in group.procs.values():
                proc.kill(TASK_ENDED)
            task = self.store.job_tasks(group.job_id).get(group.task_id)
            for node_id in group.nodes[1:]:
                self._free(group, node_id)
            if task is not None and task.get("_run") == group.run_id:
                for sub in task.get(SUBTASKS) or []:
                    if sub["state"] != "completed":
                        self._finish(sub, None)
                self.store.touch("task", task, group.job_id)

    # -- helpers ----------------------------------------------------------------------------
    def _working(self, pool_id: str, node_id: str) -> bool:
        """Whether the node stays: not gone, leaving, or waiting to reboot, reimage or deallocate (whatever
        the option of that operation, the run is requeued)."""
        node = self.runtime.find_node(pool_id, node_id)
        return node is not None and node["state"] in ("idle", "running") and not node.get("_pending")

    def _requeue(self, group: Group) -> None:
        """The task's run ends and the task is queued again (requeueCount + 1), its process killed."""
        task = self.store.job_tasks(group.job_id).get(group.task_id)
        entry = self.tasks.processes.get((group.job_id, group.task_id))
        if task is None:
            return
        self.tasks.release_slots(task)
        self.tasks.requeue(group.job_id, task, now_iso())
        if entry is not None and entry[0] is not None:
            entry[0].kill()

    def _address(self, pool_id: str, node_id: str) -> str:
        node = self.runtime.find_node(pool_id, node_id)
        return str(node["ipAddress"]) if node is not None else ""

    def _variables(self, task: Doc, group: Group, addresses: list[str], index: int) -> dict[str, str]:
        shared = self.runtime.node_root(group.nodes[index]) / task["nodeInfo"]["taskRootDirectory"]
        return {"AZ_BATCH_HOST_LIST": ",".join(addresses), "AZ_BATCH_MASTER_NODE": f"{addresses[0]}:{MASTER_PORT}",
                "AZ_BATCH_IS_CURRENT_NODE_MASTER": "true" if index == 0 else "false",
                "AZ_BATCH_TASK_SHARED_DIR": str(shared)}

    async def _coordinate_on(self, group: Group, task: Doc, index: int, addresses: list[str],
                             env: dict[str, str]) -> executor.Outcome:
        """The common resource files and the coordination command on the group's node `index`."""
        node_id = group.nodes[index]
        root = self.runtime.node_root(node_id)
        task_dir = root / task["nodeInfo"]["taskRootDirectory"]
        if index:  # a subtask's node: its own AZ_BATCH_* variables
            node = self.runtime.find_node(group.pool_id, node_id)
            job = self.store.jobs.get(group.job_id)
            if node is None or job is None:
                return executor.Outcome(None, TASK_ENDED)
            env = self.runtime.environment(group.pool_id, node, job, task, task_dir, task.get("environmentSettings"))
        env.update(self._variables(task, group, addresses, index))
        settings = task["multiInstanceSettings"]
        try:
            await _download(settings.get("commonResourceFiles") or [], task_dir, self.runtime)
        except StorageFailure as exc:
            return executor.Outcome(None, exc.failure)
        launched = await executor.launch(settings["coordinationCommandLine"], task_dir, env)
        if not isinstance(launched, executor.Process):
            return launched
        group.procs[index] = launched
        if (group.job_id, group.task_id) not in self._groups:  # ended while it started
            launched.kill(TASK_ENDED)
        outcome = await launched.wait(float("inf"))
        group.procs.pop(index, None)
        return outcome

    def _note(self, task: Doc, index: int, outcome: executor.Outcome) -> None:
        """A subtask's coordination command exited: its exit code; a failure completes it."""
        subs = task.get(SUBTASKS) or []
        if index - 1 < len(subs):
            sub = subs[index - 1]
            if outcome.exit_code is not None:
                sub["exitCode"] = outcome.exit_code
            if outcome.failure is not None:
                self._finish(sub, outcome)

    def _finish(self, sub: Doc, outcome: executor.Outcome | None) -> None:
        now = now_iso()
        set_state(sub, "completed", now)
        sub["endTime"] = now
        failure = outcome.failure if outcome is not None else None
        sub["result"] = "failure" if failure else "success"
        if failure:
            sub["failureInfo"] = failure

    def _free(self, group: Group, node_id: str) -> None:
        node = self.runtime.find_node(group.pool_id, node_id)
        if node is None:
            return
        node["runningTasksCount"] = max(0, node["runningTasksCount"] - 1)
        node["runningTaskSlotsCount"] = max(0, node["runningTaskSlotsCount"] - group.slots)
        if node["runningTasksCount"] == 0 and node["state"] == "running":
            set_state(node, "idle", keep_previous=False)
        self.store.touch("node", node, group.pool_id)


async def _download(specs: list[Doc], shared: Path, runtime: Runtime) -> None:
    """commonResourceFiles into the task's shared directory (StorageFailure)."""
    shared.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        try:
            await download_resource_file(spec, shared, runtime.storage.auto_storage)
        except OSError as exc:
            raise StorageFailure("ResourceFileCreateFailed", exc.strerror or str(exc)) from None


def subtask_views(task: Doc, base_url: str) -> list[Doc]:
    """The task's subtasks as GET .../subtasksinfo lists them (node URLs added)."""
    out = []
    for sub in task.get(SUBTASKS) or []:
        view = dict(sub)
        info = dict(view["nodeInfo"])
        node_url = f"{base_url}/pools/{info['poolId']}/nodes/{info['nodeId']}"
        info.update(nodeUrl=node_url, taskRootDirectoryUrl=f"{node_url}/files/{info['taskRootDirectory']}")
        view["nodeInfo"] = info
        out.append(view)
    return out


__all__ = ["SUBTASKS", "MultiInstance", "instances", "subtask_views"]
