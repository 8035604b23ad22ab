"""Job states as the engine moves them on each tick: terminating and deleting
jobs end their running tasks first, then run their release tasks (prep_release);
disabling waits for (or evicts) them; an active job ends at its maxWallClockTime or, with onAllTasksComplete
terminatejob, when its last task completes. A job with an auto pool of its own
gives it back when it completes or is deleted (auto_pools). A new job's job
manager task is its first task (job_manager)."""

from __future__ import annotations

import time

from . import auto_pools
from .formats import now_iso, parse_duration, parse_iso
from .job_manager import JobManager, TaskTokens, fill_manager, manager_task
from .job_specs import fill_job_tasks
from .prep_release import PrepRelease
from .resources import new_job, set_state
from .store import Doc, Store
from .task_states import TASK_ENDED, TaskStates


class JobLifecycle:
    def __init__(self, store: Store, tasks: TaskStates, prep: PrepRelease, manager: JobManager,
                 tokens: TaskTokens) -> None:
        self.store = store
        self.tasks = tasks
        self.prep = prep  # the job's preparation and release tasks on its nodes
        self.manager = manager  # the job's job manager task
        self.tokens = tokens  # the bearer tokens of tasks (a job manager's among them)

    def create(self, body: Doc, schedule: Doc | None = None) -> Doc:
        """Store a new job from a validated job.add body (or a job specification
        with an id), on its pool or a new auto pool (for `schedule`'s jobs, the
        schedule's own auto pool when its lifetime is the schedule's)."""
        job = new_job(body)
        fill_job_tasks(job)  # (400s before an auto pool is made for it)
        fill_manager(job)
        job["executionInfo"]["poolId"] = auto_pools.pool_for_job(self.store, job, schedule)
        self.store.put("job", job)
        manager = manager_task(job, self.store.pools.get(job["executionInfo"]["poolId"]))
        if manager is not None:  # the job's first task, scheduled before any other
            self.tasks.add(job["id"], manager)
            self.tokens.issued(job["id"], manager)
        return job

    def advance(self, job: Doc) -> None:
        """One tick of the job's life."""
        state, job_id = job["state"], job["id"]
        self.prep.watch(job)
        if state in ("terminating", "deleting"):
            for task_id in self.tasks.running_ids(job_id):
                task = self.store.job_tasks(job_id).get(task_id)
                if task is not None:
                    self.tasks.kill(job_id, task, TASK_ENDED)
            if self.tasks.running_ids(job_id) or not self.prep.settled(job):
                return  # running tasks, or release tasks, have not ended yet
            if state == "deleting":
                for task in list(self.store.job_tasks(job_id).values()):
                    self.tasks.remove_files(task)
                self.tasks.forget_job(job_id)
                auto_pools.release(self.store, job)
                self.store.delete("job", job_id)
            else:
                self._complete(job, job.get("_terminateReason", "UserTerminate"))
            return
        if state == "disabling":
            if not self.tasks.running_ids(job_id):
                set_state(job, "disabled")
                self.store.touch("job", job)
            return
        if state == "enabling":
            set_state(job, "active")
            self.store.touch("job", job)
            return
        if state != "active":
            return
        if self.manager.completed(job):  # killJobOnCompletion
            self.terminate(job, "JMComplete")
            return
        limit = job["constraints"].get("maxWallClockTime")
        if limit and parse_duration(limit) != float("inf"):
            started = parse_iso(job["executionInfo"]["startTime"]).timestamp()
            if time.time() - started > parse_duration(limit):
                self.terminate(job, "MaxWallClockTimeExpiry")
                return
        if job.get("onAllTasksComplete") == "terminatejob" and len(self.store.job_tasks(job_id)):
            if not self.tasks.queues.get(job_id) and not self.tasks.running_ids(job_id):
                self.terminate(job, "AllTasksComplete")  # its release tasks run first

    def disable(self, job: Doc, option: str) -> None:
        """requeue / terminate the job's running tasks, or wait for them; then disabled."""
        set_state(job, "disabling")
        self.store.touch("job", job)
        self.tasks.evict_job(job["id"], option)

    def terminate(self, job: Doc, reason: str) -> None:
        """Terminating until its running tasks have ended; then completed with `reason`."""
        set_state(job, "terminating")
        job["_terminateReason"] = reason
        self.store.touch("job", job)

    def _complete(self, job: Doc, reason: str) -> None:
        set_state(job, "completed")
        job["executionInfo"]["endTime"] = now_iso()
        job["executionInfo"]["terminateReason"] = reason
        job.pop("_terminateReason", None)
        self.store.touch("job", job)
        auto_pools.release(self.store, job)
