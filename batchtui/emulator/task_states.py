"""Task states as the engine changes them: the queue of active tasks, per-job
task counts, the running processes, and every way a run ends — completion,
retry (maxTaskRetryCount), requeue, kill, eviction from a node, deletion.

A task's state changes only through set_state(), which keeps the queue and the
counts in step with the document. All of it runs on the event loop in
synchronous blocks (no await), so no request ever sees half a change.
"""

from __future__ import annotations

import copy
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from . import errors, executor
from .counts import JobCounts
from .formats import now_iso
from .isolation import describe
from .resources import set_state
from .runtime import Runtime
from .storage_failures import is_storage_failure
from .store import Doc

TASK_ENDED = executor.failure("TaskEnded", "Task Was Ended by User Request")
RUN_KEYS = ("startTime", "endTime", "exitCode", "result", "failureInfo")  # executionInfo of one run

TaskKey = tuple[str, str]  # (job id, task id)
# How many tasks a node's recentTasks lists (Batch documents no number; it lists "recent" ones).
RECENT_TASKS = 20

log = logging.getLogger("batchtui.emulator")


class TaskStates:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.store = runtime.store
        # Running tasks: (job, task) → (process, run id); the process is None while
        # the run prepares (inputs downloading, process starting).
        self.processes: dict[TaskKey, tuple[executor.Process | None, str]] = {}
        # Active task ids per job, in the order they became active (the queue).
        self.queues: dict[str, dict[str, None]] = {}
        self.counts: dict[str, JobCounts] = {}  # task counts per job, kept as states change
        # Told (job id, task) after a task completes (dependencies, exit conditions' job actions).
        self.on_complete: list[Callable[[str, Doc], None]] = []

    def recover(self, now: str) -> None:
        """After a restart: recount every job's tasks, requeue the ones that were
        running (killing any process a killed emulator left), queue the active ones."""
        for job in self.store.jobs.values():
            job_id = job["id"]
            self.counts[job_id] = JobCounts()
            for task in list(self.store.job_tasks(job_id).values()):
                try:
                    self._recover_task(job_id, task, now)
                except Exception as exc:  # noqa: BLE001 - one damaged document must not stop the start
                    self.unregister(job_id, task)
                    self.store.set_aside("task", task["id"], job_id, f"cannot be recovered ({exc!r})")

    def _recover_task(self, job_id: str, task: Doc, now: str) -> None:
        task.pop("_counted", None)  # recounted from the documents themselves
        self.counts[job_id].recount(task)
        if task["state"] in ("running", "preparing"):
            if task.get("_pid") and task.get("nodeInfo"):
                executor.kill_leftover(task["_pid"], self.run_dir(task) / "wd")
            self.requeue(job_id, task, now)
        elif task["state"] == "active":
            self.enqueue(job_id, task)

    # -- paths -----------------------------------------------------------------
    def run_dir(self, task: Doc) -> Path:
        """The task's directory on the node it ran on (it must have nodeInfo)."""
        info = task["nodeInfo"]
        rel: str = info["taskRootDirectory"]
        return self.runtime.node_root(info["nodeId"]) / rel

    def files_dir(self, task: Doc) -> Path:
        """The task's directory on its node; 409 when it has not run anywhere."""
        if not task.get("nodeInfo"):
            raise errors.invalid_state(
                f"The files of the specified task cannot be accessed as the task state is still {task['state']}"
            )
        return self.run_dir(task)

    # -- queue, counts, states -------------------------------------------------
    def add(self, job_id: str, task: Doc) -> None:
        """A new (active) task: stored, queued, counted."""
        self.store.put("task", task, job_id)
        self.enqueue(job_id, task)
        self.job_counts(job_id).recount(task)

    def unregister(self, job_id: str, task: Doc) -> None:
        """Take the task out of its job's queue and counts (before its document is replaced)."""
        self.queues.get(job_id, {}).pop(task["id"], None)
        self.job_counts(job_id).forget(task)

    def register(self, job_id: str, task: Doc) -> None:
        """Count the task (a document put back from disk) and queue it when active."""
        task.pop("_counted", None)
        self.job_counts(job_id).recount(task)
        if task["state"] == "active":
            self.enqueue(job_id, task)

    def job_counts(self, job_id: str) -> JobCounts:
        counts = self.counts.get(job_id)
        if counts is None:
            counts = self.counts[job_id] = JobCounts()
        return counts

    def enqueue(self, job_id: str, task: Doc) -> None:
        self.queues.setdefault(job_id, {})[task["id"]] = None

    def forget_job(self, job_id: str) -> None:
        """The job is gone: drop its queue and counts."""
        self.queues.pop(job_id, None)
        self.counts.pop(job_id, None)

    def running_ids(self, job_id: str) -> list[str]:
        """Ids of the job's tasks that hold a run (preparing or with a process)."""
        return [task_id for j, task_id in self.processes if j == job_id]

    def is_current(self, job_id: str, task_id: str, run_id: str) -> bool:
        """Whether run `run_id` is still the task's run (not ended, requeued or replaced)."""
        return self.processes.get((job_id, task_id), (None, ""))[1] == run_id

    def set_state(self, job_id: str, task: Doc, state: str, when: str | None = None) -> None:
        """The one place a task's state changes: queue and counts follow."""
        if task["state"] == "active" and state != "active":
            self.queues.get(job_id, {}).pop(task["id"], None)
        set_state(task, state, when)
        if state == "active":
            self.enqueue(job_id, task)
        self.job_counts(job_id).recount(task)
        self.store.touch("task", task, job_id)
        self._note_on_node(job_id, task)

    def _note_on_node(self, job_id: str, task: Doc) -> None:
        """The node the task runs (or last ran) on lists it among its recentTasks,
        with its current state and execution info, most recent change last."""
        info = task.get("nodeInfo")
        if not info:
            return
        node = self.runtime.find_node(info["poolId"], info["nodeId"])
        if node is None:
            return
        recent = [r for r in node.get("_recentTasks", []) if (r["jobId"], r["taskId"]) != (job_id, task["id"])]
        recent.append({"jobId": job_id, "taskId": task["id"], "taskState": task["state"],
                       "executionInfo": copy.deepcopy(task["executionInfo"])})
        node["_recentTasks"] = recent[-RECENT_TASKS:]
        self.store.touch("node", node, info["poolId"])

    # -- how a run ends ----------------------------------------------------------
    def _clear_run(self, job_id: str, task: Doc) -> None:
        info = task["executionInfo"]
        for key in RUN_KEYS:
            info.pop(key, None)
        task.pop("_pid", None)
        self.processes.pop((job_id, task["id"]), None)

    def requeue(self, job_id: str, task: Doc, when: str) -> None:
        """Back to active, its run forgotten (requeueCount + 1)."""
        info = task["executionInfo"]
        info["requeueCount"] = info.get("requeueCount", 0) + 1
        info["lastRequeueTime"] = when
        self._clear_run(job_id, task)
        self.set_state(job_id, task, "active", when)

    def complete(self, job_id: str, task: Doc, exit_code: int | None, failure: executor.FailureInfo | None) -> None:
        """Completed: success without `failure`, else failure (exit code kept when there is one)."""
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
        self.processes.pop((job_id, task["id"]), None)
        self.set_state(job_id, task, "completed", now)
        for listener in self.on_complete:
            listener(job_id, task)

    def fail_broken(self, job_id: str, task: Doc, doing: str) -> None:
        """From the `except` block of a failure while `doing` (scheduling, starting) the
        task: its document cannot be run, so it completes with a servererror failureInfo
        (it holds no slots yet); when even that fails it is set aside. Logged once."""
        error = sys.exc_info()[1] or RuntimeError("unknown")
        try:
            self.complete(job_id, task, None, executor.internal_failure(error))
            outcome = "it completes with a failure"
        except Exception:  # noqa: BLE001 - the document is beyond use: leave it where it is
            self.queues.get(job_id, {}).pop(str(task.get("id")), None)
            self.runtime.set_aside.put("task", task, job_id, doing, logged=True)
            outcome = "it is set aside"
        log.error("%s failed while the emulator was %s it; %s (the service goes on)",
                  describe("task", task, job_id), doing, outcome, exc_info=error)

    def finish(self, job_id: str, task_id: str, run_id: str, outcome: executor.Outcome) -> None:
        """Run `run_id` ended with `outcome`: the task completes, or goes back to
        the queue when a failed process has retries left (wall-clock and storage
        failures are never retried)."""
        task = self.store.job_tasks(job_id).get(task_id)
        if task is None or task.get("_run") != run_id or task["state"] != "running":
            return  # deleted, requeued or terminated meanwhile: that path already settled it
        node = self.release_slots(task)
        failure = outcome.failure
        if node is not None and failure is None:
            node["totalTasksSucceeded"] += 1
        info = task["executionInfo"]
        retries = task["constraints"].get("maxTaskRetryCount", 0)
        retryable = (
            failure is not None
            and failure.get("code") != "MaxWallClockTimeExceeded"
            and not is_storage_failure(failure)
        )
        if retryable and (retries == -1 or info.get("retryCount", 0) < retries):
            info["retryCount"] = info.get("retryCount", 0) + 1
            info["lastRetryTime"] = now_iso()
            self._clear_run(job_id, task)
            self.set_state(job_id, task, "active")
            return
        self.complete(job_id, task, outcome.exit_code, failure)

    def release_slots(self, task: Doc) -> Doc | None:
        """Give the task's slots back to its node; the node, if it still exists."""
        info = task.get("nodeInfo")
        if not info:
            return None
        pool = self.store.pools.get(info["poolId"])
        node = self.runtime.find_node(info["poolId"], info["nodeId"])
        if node is None or pool is None:
            return None
        node["runningTasksCount"] = max(0, node["runningTasksCount"] - 1)
        node["runningTaskSlotsCount"] = max(0, node["runningTaskSlotsCount"] - task.get("requiredSlots", 1))
        if node["runningTasksCount"] == 0 and node["state"] == "running":
            set_state(node, "idle", keep_previous=False)
        self.store.touch("node", node, pool["id"])
        return node

    def kill(self, job_id: str, task: Doc, reason: executor.FailureInfo) -> None:
        """End a task: a running one is killed; either way it completes with `reason`."""
        entry = self.processes.get((job_id, task["id"]))
        if task["state"] in ("running", "preparing"):
            self.release_slots(task)
        self.complete(job_id, task, 137 if entry else None, reason)
        if entry and entry[0]:
            entry[0].kill(reason)

    def delete(self, job_id: str, task: Doc) -> None:
        """Delete a task: killed if running, unqueued, uncounted, its files removed."""
        if task["state"] in ("running", "preparing"):
            self.kill(job_id, task, TASK_ENDED)
        self.queues.get(job_id, {}).pop(task["id"], None)
        self.job_counts(job_id).forget(task)
        self.remove_files(task)
        self.store.delete("task", task["id"], job_id)

    def remove_files(self, task: Doc) -> None:
        if task.get("nodeInfo"):
            self.runtime.discard_tree(self.run_dir(task))

    # -- eviction ------------------------------------------------------------------
    def evict_from_node(self, node: Doc, option: str) -> None:
        """The node's running tasks: requeued, terminated, or (taskcompletion,
        retaineddata, wait) left to finish."""
        self._evict_where(option, lambda _job_id, task: task.get("nodeInfo", {}).get("nodeId") == node["id"])

    def evict_job(self, job_id: str, option: str) -> None:
        """The job's running tasks: requeued, terminated, or (wait) left to finish."""
        self._evict_where(option, lambda task_job_id, _task: task_job_id == job_id)

    def _evict_where(self, option: str, chosen: Callable[[str, Doc], bool]) -> None:
        if option not in ("requeue", "terminate"):
            return
        for (job_id, task_id), (proc, _run) in list(self.processes.items()):
            task = self.store.job_tasks(job_id).get(task_id)
            if task is None or not chosen(job_id, task):
                continue
            self.release_slots(task)
            if option == "terminate":
                self.complete(job_id, task, None, TASK_ENDED)
            else:
                self.requeue(job_id, task, now_iso())
            if proc:
                proc.kill()
