"""The emulated Batch service's behaviour, put together: pools allocate nodes,
nodes boot and run their start task, the scheduler places active tasks on free
task slots, processes finish into executionInfo, jobs terminate and get deleted.

The parts, each in its module: node_lifecycle (pools and nodes), scheduler
(placing and running tasks), pool_autoscale (formulas evaluated and applied),
task_states (how runs end), job_lifecycle (job states), runtime (what they
share). The Engine builds them, recovers a data dir left by an earlier
emulator, and ticks them in a loop.

A document the engine cannot handle (one an older emulator stored) is set
aside or failed on its own, logged once, and the rest are served (isolation).

All state changes happen on the event loop, in synchronous blocks with no
await inside, so the HTTP handlers and the scheduler never see half a change.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from functools import partial
from pathlib import Path

from . import errors
from .formats import freeze_clock, now_iso, parse_iso, set_clock_rate
from .job_lifecycle import JobLifecycle
from .job_manager import JobManager, TaskTokens
from .multi_instance import MultiInstance
from .node_lifecycle import NodeLifecycle
from .node_ssh import NodeEndpoints
from .pool_autoscale import PoolAutoScale
from .prep_release import PrepRelease
from .runtime import Runtime
from .schedule_lifecycle import ScheduleLifecycle
from .scheduler import Scheduler
from .settings import Settings, StartError
from .storage import Storage
from .store import Key, Store, StoreUnwritable
from .task_states import TaskStates
from .task_workflow import TaskWorkflow

log = logging.getLogger("batchtui.emulator")


class Engine:
    """One emulated Batch account. The HTTP handlers reach its parts:
    `store` (documents), `tasks`, `jobs`, `schedules`, `nodes`, `autoscale`, `storage`, `runtime`, `node_ssh`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        freeze_clock(parse_iso(settings.frozen_clock) if settings.frozen_clock else None)
        set_clock_rate(settings.clock_rate)
        make_private_dir(settings.data_dir)
        self.store = Store(settings.data_dir / "state.sqlite")
        self.storage = Storage(settings.storage_connection_string)
        self.runtime = Runtime(settings, self.store, self.storage)
        self.tasks = TaskStates(self.runtime)
        self.nodes = NodeLifecycle(self.runtime, self.tasks)
        self.prep = PrepRelease(self.runtime, self.tasks)
        self.manager = JobManager(self.store)
        self.tokens = TaskTokens(self.store)  # tasks' bearer tokens (authenticationTokenSettings)
        self.jobs = JobLifecycle(self.store, self.tasks, self.prep, self.manager, self.tokens)
        self.autoscale = PoolAutoScale(self.runtime, self.tasks, self.nodes.set_allocation)
        self.schedules = ScheduleLifecycle(self.store, self.jobs)
        self.multi = MultiInstance(self.runtime, self.tasks)
        self.scheduler = Scheduler(self.runtime, self.tasks, self.prep, self.manager, self.multi)
        self.node_ssh = NodeEndpoints(self.runtime)  # the nodes' SSH endpoints
        self.workflow = TaskWorkflow(self.store, self.jobs)
        self.scheduler.held = self.workflow.held
        self.tasks.on_complete.append(self.multi.task_completed)
        self.tasks.on_complete.append(self.workflow.task_completed)
        self.request_counts: Counter[str] = Counter()  # by HTTP method, for tests and benchmarks
        self.faults: list[errors.BatchError] = []  # answers queued by POST /_emulator/faults
        self._recover()

    def _recover(self) -> None:
        """Pick up a data dir left by an emulator that stopped (or was killed):
        running tasks are requeued, nodes resume their lifecycle."""
        now = now_iso()
        self.nodes.recover(now)
        self.tasks.recover(now)
        try:
            self.store.flush()
        except StoreUnwritable:
            pass  # logged by the store; written by a later tick

    async def run(self) -> None:
        """Tick every `tick_seconds` until cancelled."""
        self.runtime.empty_old_trash()
        while True:
            try:
                self.tick()
            except StoreUnwritable:
                pass  # logged once by the store, retried on the next tick
            except Exception:  # never let one bad document stop the service
                log.exception("scheduler tick failed")
            await asyncio.sleep(self.settings.tick_seconds)

    def tick(self) -> None:
        """One step of every job schedule, pool and job, then scheduling. One whose
        step raises is set aside alone (isolation); the rest go on."""
        aside = self.runtime.set_aside
        for schedule in list(self.store.schedules.values()):
            aside.run("jobschedule", schedule, partial(self.schedules.advance, schedule), doing="advancing")
        for pool in list(self.store.pools.values()):
            aside.run("pool", pool, partial(self.nodes.advance_pool, pool), doing="advancing")
        self.autoscale.tick()
        for job in list(self.store.jobs.values()):
            aside.run("job", job, partial(self.jobs.advance, job), doing="advancing")
        self.scheduler.dispatch()
        self.node_ssh.close_gone()
        self.store.flush()

    def undo(self, changes: set[Key]) -> list[Key]:
        """Put the documents a request changed back as they are on disk (its
        write failed), with the task queues and counts that follow them; the
        keys that something else changed too since the last write, which stay."""
        mine, shared = self.store.undoable(changes)
        for key in mine:
            kind, parent, ident = key
            current = self.store.job_tasks(parent).get(ident) if kind == "task" else None
            if current is not None:
                self.tasks.unregister(parent, current)
            restored = self.store.restore(key)
            if kind == "task" and restored is not None:
                self.tasks.register(parent, restored)
            if kind == "task":
                self.workflow.dependencies.forget(parent)
        return shared

    async def shutdown(self) -> None:
        """Kill every process, cancel the background runs, close the store."""
        for proc, _ in list(self.tasks.processes.values()):
            if proc:
                proc.kill()
        self.nodes.kill_start_tasks()
        await self.node_ssh.close_all()
        await self.runtime.cancel_background()
        self.store.close()


def make_private_dir(path: Path) -> None:
    """Create `path` (and its missing parents) readable by its owner only (0700);
    a directory that is already there keeps its mode. Raises StartError."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    try:
        for folder in reversed(missing):
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:
                continue  # made meanwhile by someone else
            os.chmod(folder, 0o700)  # whatever the umask
    except OSError as exc:
        raise StartError(f"{exc.filename or path}: cannot create the data dir: {exc.strerror}") from None
    if not path.is_dir():
        raise StartError(f"{path}: the data dir is not a directory")
