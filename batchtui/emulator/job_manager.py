"""A job's job manager task, as Batch runs it.

The job manager task is added to the job's tasks when the job is created, so it
is the first in the job's queue; while it waits to start, no other task of the
job starts (Batch schedules it before any other task of the job), and only on
dedicated nodes unless allowLowPriorityNode (default true). With runExclusive
(default true) it takes every task slot of its node, so that no other task runs
there beside it. With killJobOnCompletion (default true) its completion, whatever
its result, terminates the job with terminateReason `JMComplete`.

A task with authenticationTokenSettings (access `job`) gets a token of its own
in AZ_BATCH_AUTHENTICATION_TOKEN, which the service accepts as a bearer
credential (`Authorization: Bearer TOKEN`) for the operations on that task's job
only, while the task runs (see TaskTokens)."""

from __future__ import annotations

import secrets

from .resources import new_task
from .store import Doc, Store

MANAGER = "jobManagerTask"
TOKEN = "_authToken"  # a task's token, in its document (private)
JOB_FLAGS = ("killJobOnCompletion", "runExclusive", "allowLowPriorityNode")  # the manager's, not its task's


def fill_manager(job: Doc) -> None:
    """Fill in Batch's defaults of the job's job manager task (in place)."""
    spec = job.get(MANAGER)
    if spec is not None:
        for flag in JOB_FLAGS:
            spec.setdefault(flag, True)


def manager_task(job: Doc, pool: Doc | None) -> Doc | None:
    """The task document of the job's job manager (None without one): an exclusive one
    requires every task slot of a node of the job's pool."""
    spec = job.get(MANAGER)
    if spec is None:
        return None
    body = {k: v for k, v in spec.items() if k not in JOB_FLAGS}
    if spec["runExclusive"] and pool is not None:
        body["requiredSlots"] = pool.get("taskSlotsPerNode", 1)
    return with_token(new_task(body, job))


def with_token(task: Doc) -> Doc:
    """The task, with a token of its own when its authenticationTokenSettings ask for one."""
    access = (task.get("authenticationTokenSettings") or {}).get("access") or []
    if "job" in access:
        task[TOKEN] = "batchtui-" + secrets.token_urlsafe(32)
    return task


def token_environment(task: Doc) -> dict[str, str]:
    """AZ_BATCH_AUTHENTICATION_TOKEN for a task that has a token."""
    token = task.get(TOKEN)
    return {"AZ_BATCH_AUTHENTICATION_TOKEN": token} if isinstance(token, str) else {}


def is_manager(job: Doc, task_id: str) -> bool:
    return (job.get(MANAGER) or {}).get("id") == task_id


class JobManager:
    """The scheduler's and the job lifecycle's side of job manager tasks."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def waiting(self, job: Doc, queue: dict[str, None]) -> str | None:
        """The id of the job's job manager while it waits in the queue to start for the first
        time (the job's other tasks wait for it), else None."""
        spec = job.get(MANAGER)
        if spec is None or spec["id"] not in queue:
            return None
        task = self.store.job_tasks(job["id"]).get(spec["id"])
        if task is None or task["executionInfo"].get("startTime") or task["executionInfo"].get("retryCount"):
            return None
        return str(spec["id"])

    def nodes_for(self, job: Doc, queue: dict[str, None], nodes: list[Doc]) -> list[Doc]:
        """While the job manager waits to start, only dedicated nodes unless it allows low-priority ones."""
        if self.waiting(job, queue) and not job[MANAGER].get("allowLowPriorityNode", True):
            return [node for node in nodes if node["isDedicated"]]
        return nodes

    def completed(self, job: Doc) -> bool:
        """Whether the job's job manager has completed and its completion ends the job."""
        spec = job.get(MANAGER)
        if spec is None or not spec.get("killJobOnCompletion", True):
            return False
        task = self.store.job_tasks(job["id"]).get(spec["id"])
        return task is not None and task["state"] == "completed"


class TaskTokens:
    """Bearer tokens of tasks (authenticationTokenSettings): which job each one opens."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._jobs: dict[str, tuple[str, str]] = {}  # token → (job id, task id)
        self._scanned = False

    def problem(self, token: str, path: str) -> str | None:
        """None when `token` is a running task's and `path` (decoded) is its job's
        (/jobs/JOB or below), else why the request is refused."""
        found = self._find(token)
        if found is None:
            return "The bearer token is not one this service issued to a task."
        job_id, task_id = found
        task = self.store.job_tasks(job_id).get(task_id)
        if task is None or task.get(TOKEN) != token or task["state"] not in ("running", "preparing"):
            return "The bearer token's task is not running: its token has expired."
        own = f"/jobs/{job_id}"
        if path != own and not path.startswith(own + "/"):
            return f"The bearer token grants access to the operations on job {job_id} only."
        return None

    def _find(self, token: str) -> tuple[str, str] | None:
        if token not in self._jobs and not self._scanned:
            self._scanned = True  # tokens issued before a restart: found once, by one scan
            for job in self.store.jobs.values():
                for task in self.store.job_tasks(job["id"]).values():
                    if isinstance(task.get(TOKEN), str):
                        self._jobs[task[TOKEN]] = (job["id"], task["id"])
        return self._jobs.get(token)

    def issued(self, job_id: str, task: Doc) -> None:
        """Remember the token of a task just added."""
        if isinstance(task.get(TOKEN), str):
            self._jobs[task[TOKEN]] = (job_id, task["id"])
