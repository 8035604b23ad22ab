"""The emulated Batch service's behaviour, put together: pools allocate nodes,
nodes boot and run their start task, the scheduler places active tasks on free
task slots, processes finish into executionInfo, jobs terminate and get deleted.

The parts, each in its module: node_lifecycle (pools and nodes), scheduler
(placing and running tasks), task_states (how runs end), job_lifecycle (job
states), runtime (what they share). The Engine builds them, recovers a data dir
left by an earlier emulator, and ticks them in a loop.

A document the engine cannot handle (one an older emulator stored) is set
aside or failed on its own, logged once, and the rest are served (isolation).

All state changes happen on the event loop, in synchronous blocks with no
await inside, so the HTTP handlers and the scheduler never see half a change.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from functools import partial

from . import errors
from .formats import freeze_clock, now_iso, parse_iso
from .job_lifecycle import JobLifecycle
from .node_lifecycle import NodeLifecycle
from .runtime import Runtime
from .scheduler import Scheduler
from .settings import Settings
from .storage import Storage
from .store import Store
from .task_states import TaskStates

log = logging.getLogger("batchtui.emulator")


class Engine:
    """One emulated Batch account. The HTTP handlers reach its parts:
    `store` (documents), `tasks`, `jobs`, `nodes`, `storage`, `runtime`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        freeze_clock(parse_iso(settings.frozen_clock) if settings.frozen_clock else None)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.data_dir / "state.sqlite")
        self.storage = Storage(settings.storage_connection_string)
        self.runtime = Runtime(settings, self.store, self.storage)
        self.tasks = TaskStates(self.runtime)
        self.nodes = NodeLifecycle(self.runtime, self.tasks)
        self.jobs = JobLifecycle(self.store, self.tasks)
        self.scheduler = Scheduler(self.runtime, self.tasks)
        self.request_counts: Counter[str] = Counter()  # by HTTP method, for tests and benchmarks
        self.faults: list[errors.BatchError] = []  # answers queued by POST /_emulator/faults
        self._recover()

    def _recover(self) -> None:
        """Pick up a data dir left by an emulator that stopped (or was killed):
        running tasks are requeued, nodes resume their lifecycle."""
        now = now_iso()
        self.nodes.recover(now)
        self.tasks.recover(now)
        self.store.flush()

    async def run(self) -> None:
        """Tick every `tick_seconds` until cancelled."""
        while True:
            try:
                self.tick()
            except Exception:  # never let one bad document stop the service
                log.exception("scheduler tick failed")
            await asyncio.sleep(self.settings.tick_seconds)

    def tick(self) -> None:
        """One step of every pool and job, then scheduling. A pool or job whose step
        raises is set aside alone (isolation); the rest go on."""
        aside = self.runtime.set_aside
        for pool in list(self.store.pools.values()):
            aside.run("pool", pool, partial(self.nodes.advance_pool, pool), doing="advancing")
        for job in list(self.store.jobs.values()):
            aside.run("job", job, partial(self.jobs.advance, job), doing="advancing")
        self.scheduler.dispatch()
        self.store.flush()

    async def shutdown(self) -> None:
        """Kill every process, cancel the background runs, close the store."""
        for proc, _ in list(self.tasks.processes.values()):
            if proc:
                proc.kill()
        self.nodes.kill_start_tasks()
        await self.runtime.cancel_background()
        self.store.close()
