"""What `batchtui wait` watches (a job's task counts, a pool's allocation and node counts) and how it says
what it saw (`Reporter`). The command's arguments and entry point are in wait.py."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..service.errors import AUTH, NOT_FOUND, THROTTLED, UNREACHABLE, ServiceError
from ..service.models import NodeCounts, RestDict, TaskCounts, path_segment
from ..textsafe import inert
from .failure_summary import summary_lines
from .output import Progress, say

if TYPE_CHECKING:
    import argparse

    from ..service.client import BatchService

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNKNOWN = 3
EXIT_TIMEOUT = 124
GIVE_UP_AFTER = 120.0  # seconds of failing to reach the service
MAX_BACKOFF = 15.0
JOB_SELECT = "id,state,executionInfo"
POOL_SELECT = ("id,state,allocationState,resizeErrors,currentDedicatedNodes,targetDedicatedNodes,"
               "currentLowPriorityNodes,targetLowPriorityNodes")
# Node states (lower-cased) a steady pool has none of, and those that count as failures.
TRANSITIONAL = frozenset({"creating", "starting", "waitingforstarttask", "rebooting", "reimaging", "leavingpool",
                          "deallocating", "upgradingos"})
FAILED_NODES = frozenset({"starttaskfailed", "unusable", "unknown", "preempted"})
T = TypeVar("T")


class Finished(Exception):
    """The wait is over: an exit status and the one-line message that says why."""

    def __init__(self, status: int, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.data = status, message, data


class TimedOut(Exception):
    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


def json_line(data: dict[str, Any]) -> str:
    """One JSON line (every non-ASCII and control character escaped: inert on a terminal)."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":"))


class Reporter:
    """Progress (stderr, or JSON lines on stdout) and the outcome: statuses 0 and 1 on stdout, after the job's
    or pool's id (with the failure clusters), any other as one `say` line on stderr (its message names the job
    or pool when it needs to); with --json, always a result line on stdout too."""

    def __init__(self, kind: str, ident: str, as_json: bool) -> None:
        self.kind, self.ident, self.as_json = kind, ident, as_json
        self.progress = Progress("wait")
        self.last_text = ""
        self._last_data: dict[str, Any] | None = None

    @property
    def what(self) -> str:
        return f"{self.kind} {self.ident}"

    def update(self, text: str, data: dict[str, Any]) -> None:
        self.last_text = text
        if not self.as_json:
            self.progress.update(f"{self.what}: {text}")
        elif data != self._last_data:
            self._last_data = data
            self._emit({"type": "progress", self.kind: self.ident, **data})

    def note(self, text: str) -> None:
        """A passing word on the progress line (not in JSON)."""
        if not self.as_json:
            self.progress.update(f"{self.what}: {text}")

    def finish(self, status: int, message: str, *, result: str | None = None, data: dict[str, Any] | None = None,
               lines: list[str] | None = None) -> int:
        """Say the outcome; returns `status`."""
        self.progress.end()
        if status not in (EXIT_OK, EXIT_FAILED):
            say("wait", message)
        if self.as_json:
            result = result or {EXIT_OK: "succeeded", EXIT_FAILED: "failed"}.get(status, "error")
            self._emit({"type": "result", self.kind: self.ident, "result": result, "exitStatus": status,
                        "message": message, **(data or {})})
        elif status in (EXIT_OK, EXIT_FAILED):
            print(inert(f"{self.what}: {message}"), flush=True)
            for line in lines or []:
                print(line, flush=True)
        return status

    def _emit(self, data: dict[str, Any]) -> None:
        sys.stdout.write(json_line(data) + "\n")
        sys.stdout.flush()


class Asker:
    """Sends requests for a wait: retries what may pass (unreachable, throttled) for up to GIVE_UP_AFTER
    seconds, and turns the rest into the wait's outcome. NOT_FOUND is raised as it is (the caller knows
    what was not found)."""

    def __init__(self, timeout: float | None) -> None:
        self.deadline = time.monotonic() + timeout if timeout else None

    async def __call__(self, request: Callable[[], Awaitable[T]]) -> T:
        failing_since: float | None = None
        delay = 1.0
        while True:
            try:
                return await request()
            except ServiceError as err:
                if err.kind == NOT_FOUND:
                    raise
                if err.kind == AUTH:
                    raise Finished(EXIT_USAGE, f"the service refused the account: {err}") from None
                if err.kind not in (UNREACHABLE, THROTTLED):
                    raise Finished(EXIT_UNKNOWN, str(err)) from None
                now = time.monotonic()
                failing_since = failing_since or now
                if now - failing_since >= GIVE_UP_AFTER:
                    raise Finished(EXIT_UNKNOWN, f"{err} (gave up after {GIVE_UP_AFTER:g} s)") from None
                await self.pause(delay, f" ({err})")
                delay = min(MAX_BACKOFF, delay * 2)

    async def pause(self, seconds: float, detail: str = "") -> None:
        """Sleep `seconds`, or until the deadline; raises TimedOut when the deadline has passed."""
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimedOut(detail)
            seconds = min(seconds, left)
        await asyncio.sleep(seconds)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _counts_data(state: str, c: TaskCounts) -> dict[str, Any]:
    return {"state": state, "active": c.active, "running": c.running, "completed": c.completed,
            "succeeded": c.succeeded, "failed": c.failed}


def _job_text(state: str, c: TaskCounts) -> str:
    text = (f"{c.completed}/{_plural(c.total, 'task')} completed ({c.succeeded} succeeded, {c.failed} failed), "
            f"{c.running} running, {c.active} active")
    return text if state == "active" else f"{text}; the job is {state}"


async def watch_job(service: BatchService, job_id: str, args: argparse.Namespace, reporter: Reporter) -> int:
    """Wait for the job (see wait.py); returns the exit status or raises Finished / TimedOut."""
    ask = Asker(args.timeout)
    path = f"/jobs/{path_segment(job_id)}"
    seen = False
    while True:
        try:
            job = await ask(lambda: service.get_json(path, {"$select": JOB_SELECT}))
            counts = await ask(lambda: service.task_counts(job_id))
        except ServiceError:  # (NOT_FOUND)
            if seen:
                raise Finished(EXIT_FAILED, "the job was deleted while waiting") from None
            raise Finished(EXIT_USAGE, f"job {job_id!r} does not exist") from None
        seen = True
        state = str(job.get("state", ""))
        reporter.update(_job_text(state, counts), _counts_data(state, counts))
        if state == "deleting":
            raise Finished(EXIT_FAILED, "the job is being deleted: its tasks will not complete",
                           {"counts": _counts_data(state, counts)})
        ended = state == "completed"
        all_done = counts.total > 0 and not counts.active and not counts.running
        if ended or all_done or (args.fail_on_failure and counts.failed):
            return await _job_outcome(service, job_id, job, counts, ask, reporter)
        await ask.pause(args.interval, f": {reporter.last_text}")


async def _job_outcome(service: BatchService, job_id: str, job: RestDict, counts: TaskCounts, ask: Asker,
                       reporter: Reporter) -> int:
    from ..service.tails import cluster_failures, failed_tasks

    state = str(job.get("state", ""))
    data: dict[str, Any] = {"counts": _counts_data(state, counts)}
    try:
        failed = await ask(lambda: failed_tasks(service, job_id))
    except ServiceError:  # (NOT_FOUND)
        raise Finished(EXIT_FAILED, "the job was deleted while waiting", data) from None
    unfinished = counts.active + counts.running
    ended = state == "completed"
    reason = (job.get("executionInfo") or {}).get("terminateReason") or "terminated"
    failures = max(len(failed), counts.failed)
    if not failures and not unfinished:
        return reporter.finish(EXIT_OK, f"all {_plural(counts.total, 'task')} succeeded", data=data)
    if not failures:
        return reporter.finish(EXIT_FAILED, f"the job ended ({reason}) with {unfinished} of "
                                            f"{_plural(counts.total, 'task')} not completed", data=data)
    reporter.note(f"reading the output of {_plural(len(failed), 'failed task')}")
    clusters = await cluster_failures(service, job_id, tasks=failed)
    data["clusters"] = [c.as_json() for c in clusters]
    causes = f"{_plural(len(clusters), 'cause')}:" if clusters else "(they could not be listed)"
    if not ended and unfinished:
        message = (f"{_plural(failures, 'task')} failed so far ({counts.succeeded} succeeded, {counts.running} "
                   f"running, {counts.active} active); stopped waiting (--fail-on-failure); {causes}")
    else:
        still = f", {unfinished} not completed: the job ended ({reason})" if unfinished else ""
        message = (f"{failures} of {_plural(counts.total, 'task')} failed ({counts.succeeded} succeeded{still}); "
                   f"{causes}")
    return reporter.finish(EXIT_FAILED, message, data=data, lines=summary_lines(clusters))


async def _node_states(service: BatchService, pool_id: str) -> Counter[str]:
    """The pool's nodes by state (Batch's names, e.g. "startTaskFailed"), dedicated and low-priority together."""
    states: Counter[str] = Counter()
    async for page in service.pages("/nodecounts", {"$filter": f"poolId eq '{pool_id}'"}):
        for doc in page:
            counts = NodeCounts.from_rest(doc)
            if counts.pool_id != pool_id:
                continue
            for bucket in (counts.dedicated, counts.low_priority):
                states.update({state: n for state, n in bucket.items() if state != "total" and n > 0})
    return states


def _nodes_text(pool: RestDict, nodes: Counter[str]) -> str:
    """E.g. "2/3 nodes: 1 idle, 1 starting" (current/target, dedicated and low-priority together)."""
    current = int(pool.get("currentDedicatedNodes", 0)) + int(pool.get("currentLowPriorityNodes", 0))
    target = int(pool.get("targetDedicatedNodes", 0)) + int(pool.get("targetLowPriorityNodes", 0))
    text = f"{current}/{_plural(target, 'node')}"
    if nodes:
        text += ": " + ", ".join(f"{n} {state}" for state, n in sorted(nodes.items()))
    return text


async def watch_pool(service: BatchService, pool_id: str, args: argparse.Namespace, reporter: Reporter) -> int:
    """Wait for the pool to be steady (see wait.py); returns the exit status or raises Finished / TimedOut."""
    ask = Asker(args.timeout)
    path = f"/pools/{path_segment(pool_id)}"
    seen = False
    while True:
        try:
            pool = await ask(lambda: service.get_json(path, {"$select": POOL_SELECT}))
            nodes = await ask(lambda: _node_states(service, pool_id))
        except ServiceError:  # (NOT_FOUND)
            if seen:
                raise Finished(EXIT_FAILED, "the pool was deleted while waiting") from None
            raise Finished(EXIT_USAGE, f"pool {pool_id!r} does not exist") from None
        seen = True
        nodes_text = _nodes_text(pool, nodes)
        text = f"{pool.get('allocationState', '?')}, {nodes_text}"
        if pool.get("state") != "active":
            text += f"; the pool is {pool.get('state')}"
        data = {"state": pool.get("state"), "allocationState": pool.get("allocationState"), "nodes": dict(nodes)}
        reporter.update(text, data)
        if pool.get("state") == "deleting":
            raise Finished(EXIT_FAILED, "the pool is being deleted", data)
        failed = {s: n for s, n in nodes.items() if s.lower() in FAILED_NODES}
        errors = [f"{e.get('code')}: {e.get('message')}" for e in pool.get("resizeErrors") or []]
        problems = [f"{n} {s}" for s, n in sorted(failed.items())] + [f"resize error {e}" for e in errors]
        steady = pool.get("allocationState") == "steady" and not any(s.lower() in TRANSITIONAL for s in nodes)
        if problems and (steady or args.fail_on_failure):
            data["problems"] = problems
            return reporter.finish(EXIT_FAILED, f"{text}; " + "; ".join(problems), data=data)
        if steady:
            return reporter.finish(EXIT_OK, f"steady, {nodes_text}", data=data)
        await ask.pause(args.interval, f": {reporter.last_text}")
