"""A job's preparation and release tasks on its nodes, as Batch runs them.

The preparation task runs on a node when the first task of the job is placed
there: with waitForSuccess (the default) that task, and any other of the job
placed there meanwhile, is `preparing` (holding its slots) until it ends; on
success they run, on failure they go back to the queue and the node takes no
more tasks of the job (until it is reimaged). A failed run is retried up to the
preparation task's maxTaskRetryCount. After the node boots again it reruns
before the next task of the job when rerunOnNodeRebootAfterSuccess (the
default) is set, when it had not completed, or when the node was reimaged.

When the job ends (terminated, completed, deleted) the release task runs on
each node where the preparation task completed (in the background, holding no
slot, at most its maxWallClockTime); the job completes (or goes) once they
have all ended. Both run in workitems/{job}/job-1/{id} on the node (id:
`jobpreparation` and `jobrelease` unless given); the job's other tasks see the
preparation task's directories as AZ_BATCH_JOB_PREP_DIR and _WORKING_DIR.

Per node, the job keeps a record (job["_nodeTasks"][node id]): its pool, the
node's boot time when the preparation task ran, and both tasks'
executionInfo as GET .../jobpreparationandreleasetaskstatus reports them.
"""

from __future__ import annotations

import asyncio
import logging

from . import executor
from .formats import now_iso, parse_duration
from .job_specs import run_dir
from .runtime import Runtime
from .storage import task_storage
from .storage_failures import is_storage_failure
from .store import Doc
from .task_states import TASK_ENDED, TaskStates

log = logging.getLogger("batchtui.emulator")

RECORDS = "_nodeTasks"
PREP = "jobPreparationTaskExecutionInfo"
RELEASE = "jobReleaseTaskExecutionInfo"
SPEC = {PREP: "jobPreparationTask", RELEASE: "jobReleaseTask"}
WORKING = ("idle", "running")  # node states in which a preparation or release task goes on
RunKey = tuple[str, str, str]  # (job id, node id, PREP or RELEASE)


def records(job: Doc) -> dict[str, Doc]:
    """The job's records by node id (empty when nothing ran)."""
    found = job.get(RECORDS)
    return found if isinstance(found, dict) else {}


class PrepRelease:
    def __init__(self, runtime: Runtime, tasks: TaskStates) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.tasks = tasks
        # Runs under way: the process, None while it downloads or between retries.
        self._procs: dict[RunKey, executor.Process | None] = {}
        self._ended: dict[tuple[str, str], asyncio.Event] = {}  # preparation runs under way, set when they end

    # -- the scheduler's side ----------------------------------------------------------
    def nodes_for(self, job: Doc, nodes: list[Doc]) -> list[Doc]:
        """The nodes that may take the job's tasks: not those where its preparation
        task (waiting for success) failed."""
        spec = job.get("jobPreparationTask")
        if not spec or not spec.get("waitForSuccess", True):
            return nodes
        return [node for node in nodes if not _failed(self._current(job, node))]

    def must_wait(self, job: Doc, pool: Doc, node: Doc) -> bool:
        """A task of the job is placed on `node`: the preparation task starts there
        when it has not run (since the node booted); whether the task waits for it."""
        spec = job.get("jobPreparationTask")
        if not spec:
            return False
        record = self._current(job, node) or self._start(job, pool["id"], node, PREP, {})
        return bool(spec.get("waitForSuccess", True)) and record[PREP]["state"] == "running"

    async def hold(self, job_id: str, task_id: str, run_id: str) -> bool:
        """A run of a `preparing` task waits here for the preparation task on its node:
        True when it goes on (now running); False when the run stopped being current,
        or the preparation task failed (the task is back in the queue, for another node)."""
        task = self.store.job_tasks(job_id).get(task_id)
        if task is None or task["state"] != "preparing":
            return True
        node_id = task["nodeInfo"]["nodeId"]
        ended = self._ended.get((job_id, node_id))
        if ended is not None:
            await ended.wait()
        task = self.store.job_tasks(job_id).get(task_id)
        if task is None or not self.tasks.is_current(job_id, task_id, run_id):
            return False
        job = self.store.jobs.get(job_id)
        record = records(job).get(node_id) if job else None
        info = record.get(PREP) if record else None
        if info and info["state"] == "completed" and (info.get("result") == "success" or not _waits(job)):
            task["executionInfo"]["startTime"] = now_iso()
            self.tasks.set_state(job_id, task, "running")
            return True
        self.tasks.release_slots(task)
        self.tasks.processes.pop((job_id, task_id), None)
        task["executionInfo"].pop("startTime", None)
        task.pop("nodeInfo", None)
        self.tasks.set_state(job_id, task, "active")
        return False

    # -- the job's side ----------------------------------------------------------------
    def watch(self, job: Doc) -> None:
        """Each tick: a run whose node left, stopped or restarts ends; a run an earlier
        emulator left (no coroutine) is forgotten, so that it runs again."""
        for node_id, record in list(records(job).items()):
            for kind in (PREP, RELEASE):
                info = record.get(kind)
                if not info or info["state"] != "running":
                    continue
                node = self.runtime.find_node(record["poolId"], node_id)
                orphan = (job["id"], node_id, kind) not in self._procs
                if orphan or node is None or node["state"] not in WORKING:
                    self._stop(job, node_id, kind)
                    if kind == PREP:
                        records(job).pop(node_id, None)  # it did not complete: it runs again
                    elif orphan:
                        record.pop(RELEASE)  # started again by settled()
                    self.store.touch("job", job)

    def settled(self, job: Doc) -> bool:
        """The job is ending (its tasks have ended): preparation tasks still running
        end, release tasks start on the nodes where the preparation task completed;
        True once none runs (a deleted job's directories on the nodes then go)."""
        release = job.get("jobReleaseTask")
        for node_id, record in list(records(job).items()):
            prep = record.get(PREP) or {}
            if prep.get("state") == "running":
                self._stop(job, node_id, PREP)
            elif release and RELEASE not in record and (prep.get("result") == "success" or not _waits(job)):
                node = self.runtime.find_node(record["poolId"], node_id)
                if node is not None and node["state"] in WORKING:
                    self._start(job, record["poolId"], node, RELEASE, record)
        if any((r.get(RELEASE) or {}).get("state") == "running" for r in records(job).values()):
            return False
        if job["state"] == "deleting":
            for node_id in records(job):
                self.runtime.discard_tree(self.runtime.node_root(node_id) / "workitems" / job["id"])
        return True

    # -- runs ----------------------------------------------------------------------------
    def _current(self, job: Doc, node: Doc) -> Doc | None:
        """The node's record, or None when the preparation task must run (again) before
        the job's next task there: it never ran, or the node booted since and it had not
        completed, was reimaged away, or succeeded with rerunOnNodeRebootAfterSuccess."""
        record = records(job).get(node["id"])
        if record is None or record.get("bootTime") == node.get("lastBootTime"):
            return record
        info, spec = record.get(PREP) or {}, job["jobPreparationTask"]
        if info.get("state") != "completed":
            return None
        if not (self.runtime.node_root(node["id"]) / run_dir(job["id"], spec)).exists():
            return None  # the node was reimaged: a new disk
        if info.get("result") == "success" and spec.get("rerunOnNodeRebootAfterSuccess", True):
            return None
        return record

    def _start(self, job: Doc, pool_id: str, node: Doc, kind: str, record: Doc) -> Doc:
        """Start the preparation (into a new record) or release task on `node`; the record."""
        job_id, node_id = job["id"], node["id"]
        if kind == PREP:
            record = {"poolId": pool_id, "bootTime": node.get("lastBootTime")}
            job.setdefault(RECORDS, {})[node_id] = record
            self._ended[(job_id, node_id)] = asyncio.Event()
        record[kind] = _running(job_id, job[SPEC[kind]], kind, 0)
        self.store.touch("job", job)
        self._procs[(job_id, node_id, kind)] = None
        self.runtime.spawn(self._runs(job_id, node_id, kind, record))
        return record

    def _stop(self, job: Doc, node_id: str, kind: str) -> None:
        """The run ends at once (killed): completed with TaskEnded."""
        record = records(job).get(node_id)
        proc = self._procs.pop((job["id"], node_id, kind), None)
        if record is not None and (record.get(kind) or {}).get("state") == "running":
            _complete(record[kind], executor.Outcome(137 if proc else None, TASK_ENDED))
            self.store.touch("job", job)
        if proc is not None:
            proc.kill(TASK_ENDED)

    def _is_current(self, key: RunKey, record: Doc, info: Doc) -> bool:
        job = self.store.jobs.get(key[0])
        return (job is not None and records(job).get(key[1]) is record and record.get(key[2]) is info
                and info["state"] == "running" and key in self._procs)

    async def _runs(self, job_id: str, node_id: str, kind: str, record: Doc) -> None:
        """Every attempt of one preparation (retried up to its maxTaskRetryCount) or
        release run; an exception in the emulator ends it as a servererror failure."""
        key = (job_id, node_id, kind)
        try:
            await self._attempts(key, record)
        except Exception as exc:  # noqa: BLE001 - this run fails, the service goes on
            log.exception("the %s of job %r on node %r failed in the emulator", SPEC[kind], job_id, node_id)
            info = record.get(kind)
            if info is not None and self._is_current(key, record, info):
                self._end(key, info, executor.Outcome(None, executor.internal_failure(exc)))
        finally:
            self._procs.pop(key, None)
            if kind == PREP:
                ended = self._ended.pop((job_id, node_id), None)
                if ended is not None:
                    ended.set()

    async def _attempts(self, key: RunKey, record: Doc) -> None:
        job_id, node_id, kind = key
        attempt = 0
        while True:
            info = record[kind]
            outcome = await self._attempt(key, record, info)
            if outcome is None:
                return  # ended meanwhile (job ending, node gone): settled there
            job = self.store.jobs.get(job_id)
            if job is None:
                return
            spec = job[SPEC[kind]]
            retries = (spec.get("constraints") or {}).get("maxTaskRetryCount", 0)
            failure = outcome.failure
            retryable = failure is not None and failure.get("code") != "MaxWallClockTimeExceeded" \
                and not is_storage_failure(failure)
            if kind == PREP and retryable and (retries == -1 or attempt < retries):
                attempt += 1
                record[kind] = _running(job_id, spec, kind, attempt)
                self.store.touch("job", job)
                continue
            self._end(key, info, outcome)
            return

    async def _attempt(self, key: RunKey, record: Doc, info: Doc) -> executor.Outcome | None:
        """One run: inputs, the process (at most its wall clock); None when it stopped being current."""
        job_id, node_id, kind = key
        job = self.store.jobs.get(job_id)
        pool = self.store.pools.get(record["poolId"])
        node = self.runtime.find_node(record["poolId"], node_id)
        if job is None or pool is None or node is None:
            return None
        spec = job[SPEC[kind]]
        root = self.runtime.node_root(node_id)
        task_dir = root / run_dir(job_id, spec)
        env = self.runtime.environment(pool["id"], node, job, spec, task_dir, spec.get("environmentSettings"))
        wall = parse_duration(spec.get("maxWallClockTime") or spec["constraints"]["maxWallClockTime"])
        work = task_storage(spec, pool, root, task_dir)
        task_dir.mkdir(parents=True, exist_ok=True)
        if work.has_inputs:
            failure, extra_env = await self.runtime.storage.prepare(work)
            if not self._is_current(key, record, info):
                return None
            if failure:
                return executor.Outcome(None, failure)
            env.update(extra_env)
        launched = await executor.launch(spec["commandLine"], task_dir, env)
        if not isinstance(launched, executor.Process):
            return launched if self._is_current(key, record, info) else None
        if not self._is_current(key, record, info):
            launched.kill()
            return None
        self._procs[key] = launched
        outcome = await launched.wait(wall)
        if not self._is_current(key, record, info):
            return None
        self._procs[key] = None
        return outcome

    def _end(self, key: RunKey, info: Doc, outcome: executor.Outcome) -> None:
        _complete(info, outcome)
        job = self.store.jobs.get(key[0])
        if job is not None:
            self.store.touch("job", job)


def _running(job_id: str, spec: Doc, kind: str, attempt: int) -> Doc:
    """The executionInfo of a run that starts now (attempt 0 is the first)."""
    now = now_iso()
    info: Doc = {"state": "running", "startTime": now, "taskRootDirectory": run_dir(job_id, spec)}
    if kind == PREP:  # retries are counted for the preparation task only
        info["retryCount"] = attempt
        if attempt:
            info["lastRetryTime"] = now
    return info


def _complete(info: Doc, outcome: executor.Outcome) -> None:
    info.update(state="completed", endTime=now_iso(), result="failure" if outcome.failure else "success")
    if outcome.exit_code is not None:
        info["exitCode"] = outcome.exit_code
    if outcome.failure:
        info["failureInfo"] = outcome.failure


def _failed(record: Doc | None) -> bool:
    info = (record or {}).get(PREP) or {}
    return info.get("state") == "completed" and info.get("result") == "failure"


def _waits(job: Doc | None) -> bool:
    return bool(((job or {}).get("jobPreparationTask") or {}).get("waitForSuccess", True))
