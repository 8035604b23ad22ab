"""One async facade over azure.batch.aio.BatchClient per account.

Reads go through the SDK's pipeline (shared-key or Entra ID auth, retries,
Batch's error mapping) with `send_request`, and come back as REST dicts that
become plain rows: the SDK's model deserialization costs ~100 µs a task,
which a 100,000-task job cannot afford. Every failure surfaces as a
ServiceError.

Time: every request (the SDK's operations too) gets an answer within `timeout`
seconds, retries included, or fails with "no answer from ENDPOINT within N s":
an endpoint that accepts connections and never answers costs `timeout`, not
minutes. `waiting_for()` says how long the oldest read still unanswered has
waited, for a UI to show while it waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from itertools import count
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import orjson
from azure.batch.aio import BatchClient
from azure.core.exceptions import ServiceRequestTimeoutError, ServiceResponseTimeoutError
from azure.core.rest import HttpRequest

from .errors import UNREACHABLE, ServiceError, from_exception
from .models import (
    TASK_SELECT,
    USAGE_SELECT,
    FileEntry,
    FileProps,
    FileRef,
    FileRoot,
    JobRow,
    NodeCounts,
    NodeRow,
    PoolRow,
    PoolUsage,
    RecentTask,
    RestDict,
    TaskCounts,
    TaskRow,
    path_segment,
)

# The api-version azure-batch 15.x speaks (and the emulator serves).
API_VERSION = "2025-06-01"
PAGE_SIZE = 1000
DEFAULT_TIMEOUT = 30.0  # seconds for an answer to one request, retries included
CONNECT_TIMEOUT = 10.0  # seconds to connect, at most (and at most the timeout)
T = TypeVar("T")


_q = path_segment


class BatchService:
    """The Batch account at `endpoint`. `timeout`: seconds to wait for the answer to one request, its
    retries (at most `retries`) included; then ServiceError (UNREACHABLE, "no answer from …")."""

    def __init__(self, endpoint: str, credential: Any, *, timeout: float = DEFAULT_TIMEOUT, retries: int = 2) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        self._client = BatchClient(
            self.endpoint,
            credential,
            connection_timeout=min(timeout, CONNECT_TIMEOUT),
            read_timeout=timeout,  # (seconds between two reads of the answer)
            timeout=timeout,  # (the retry policy's bound on a request and its retries)
            retry_total=retries,
            retry_backoff_factor=0.5,
        )
        self.requests = 0  # how many HTTP requests this service sent (for benchmarks and tests)
        self._waiting: dict[int, float] = {}  # reads under way: a number → when it was sent (monotonic)
        self._numbers = count()

    @property
    def sdk(self) -> BatchClient:
        """The SDK client, for operations that take typed bodies."""
        return self._client

    async def close(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> BatchService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- waiting -------------------------------------------------------------------
    def waiting_for(self) -> float | None:
        """Seconds the oldest read still unanswered has waited (its retries included); None when none is."""
        if not self._waiting:
            return None
        return time.monotonic() - next(iter(self._waiting.values()))  # (the oldest: inserted first)

    @contextmanager
    def _answer(self) -> Iterator[None]:
        """Around one read: counted as waiting until it returns or fails."""
        number = next(self._numbers)
        self._waiting[number] = time.monotonic()
        try:
            yield
        finally:
            del self._waiting[number]

    def _error(self, exc: Exception) -> ServiceError:
        """from_exception, a timeout worded with this endpoint and bound."""
        if isinstance(exc, ServiceResponseTimeoutError):
            return ServiceError(UNREACHABLE, f"no answer from {self.endpoint} within {self.timeout:g} s")
        if isinstance(exc, ServiceRequestTimeoutError):
            return ServiceError(UNREACHABLE, f"cannot connect to {self.endpoint} within {self.timeout:g} s")
        return from_exception(exc)

    # -- raw access --------------------------------------------------------------
    async def get_json(self, path: str, params: dict[str, str] | None = None) -> RestDict:
        """GET a path (or an absolute next link) and return its JSON body."""
        query = dict(params or {})
        if path.startswith("http"):
            parts = urlsplit(path)
            query = {**dict(parse_qsl(parts.query)), **query}
            path = parts.path
        query["api-version"] = API_VERSION
        request = HttpRequest("GET", path, params=query, headers={"Accept": "application/json"})
        try:
            self.requests += 1
            with self._answer():
                # stream: the body is parsed once, here (the SDK's content policy parsed every page too)
                response = await self._client.send_request(request, stream=True)
                try:
                    data = await response.read()
                finally:
                    await response.close()  # (its connection back to the pool, for the next page's request)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
            raise await self._streamed_error(exc) from None
        try:
            body: RestDict = orjson.loads(data)  # every Batch GET answers a JSON object
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
            raise self._error(exc) from None
        return body

    async def pages(self, path: str, params: dict[str, str] | None = None) -> AsyncIterator[list[RestDict]]:
        """Each page of a list, following odata.nextLink. The next page is
        requested while the caller works on the current one."""
        query = {"maxresults": str(PAGE_SIZE), **(params or {})}
        body = await self.get_json(path, query)
        while True:
            link = body.get("odata.nextLink")
            pending = asyncio.ensure_future(self.get_json(link)) if link else None
            try:
                if pending is not None:
                    await _until_sent(pending)
                yield body.get("value", [])
            except BaseException:  # the caller stopped early (GeneratorExit) or failed
                if pending is not None:
                    pending.cancel()
                raise
            if pending is None:
                return
            body = await pending

    async def _all(self, path: str, build: Callable[[RestDict], T], params: dict[str, str] | None = None) -> list[T]:
        out: list[T] = []
        async for page in self.pages(path, params):
            out.extend(build(d) for d in page)
        return out

    # -- lists ---------------------------------------------------------------------
    async def list_pools(self) -> list[PoolRow]:
        return await self._all("/pools", PoolRow.from_rest)

    async def list_nodes(self, pool_id: str) -> list[NodeRow]:
        return await self._all(f"/pools/{_q(pool_id)}/nodes", lambda d: NodeRow.from_rest(pool_id, d))

    async def list_jobs(self) -> list[JobRow]:
        return await self._all("/jobs", JobRow.from_rest)

    async def task_pages(self, job_id: str, odata_filter: str | None = None) -> AsyncIterator[list[TaskRow]]:
        params = {"$select": TASK_SELECT}
        if odata_filter:
            params["$filter"] = odata_filter
        async for page in self.pages(f"/jobs/{_q(job_id)}/tasks", params):
            yield [TaskRow.from_rest(job_id, d) for d in page]

    async def list_tasks(self, job_id: str, odata_filter: str | None = None) -> list[TaskRow]:
        out: list[TaskRow] = []
        async for page in self.task_pages(job_id, odata_filter):
            out.extend(page)
        return out

    async def check_task_filter(self, job_id: str, odata_filter: str) -> None:
        """Ask the service whether it accepts `odata_filter` as a $filter of the job's tasks (one request,
        at most one task's id in the answer). Raises ServiceError: kind INVALID, with the service's reason,
        when it refuses the filter; NOT_FOUND when the job does not exist."""
        params = {"$filter": odata_filter, "$select": "id", "maxresults": "1"}
        await self.get_json(f"/jobs/{_q(job_id)}/tasks", params)

    # -- one resource ------------------------------------------------------------
    async def get_pool(self, pool_id: str) -> RestDict:
        return await self.get_json(f"/pools/{_q(pool_id)}")

    async def get_node(self, pool_id: str, node_id: str) -> RestDict:
        return await self.get_json(f"/pools/{_q(pool_id)}/nodes/{_q(node_id)}")

    async def recent_tasks(self, pool_id: str, node_id: str) -> list[RecentTask]:
        """The tasks that ran on a node since it joined its pool (its recentTasks), in the service's order."""
        doc = await self.get_json(f"/pools/{_q(pool_id)}/nodes/{_q(node_id)}", {"$select": "id,recentTasks"})
        return [RecentTask.from_rest(d) for d in doc.get("recentTasks") or []]

    async def get_job(self, job_id: str) -> RestDict:
        return await self.get_json(f"/jobs/{_q(job_id)}")

    async def get_task(self, job_id: str, task_id: str) -> RestDict:
        return await self.get_json(f"/jobs/{_q(job_id)}/tasks/{_q(task_id)}")

    # -- counts --------------------------------------------------------------------
    async def task_counts(self, job_id: str) -> TaskCounts:
        return TaskCounts.from_rest(await self.get_json(f"/jobs/{_q(job_id)}/taskcounts"))

    async def node_counts(self) -> dict[str, NodeCounts]:
        counts = await self._all("/nodecounts", NodeCounts.from_rest)
        return {c.pool_id: c for c in counts}

    async def pool_usage(self, pool_id: str) -> PoolUsage:
        """The tasks and task slots running on a pool's nodes now (one $select-ed listing of its nodes)."""
        nodes: list[RestDict] = []
        async for page in self.pages(f"/pools/{_q(pool_id)}/nodes", {"$select": USAGE_SELECT}):
            nodes.extend(page)
        return PoolUsage.from_nodes(nodes)

    # -- files ---------------------------------------------------------------------
    async def list_files(self, root: FileRoot, recursive: bool = True) -> list[FileEntry]:
        """The files (and directories) of a task or node: the root's children, or everything under it."""
        if root.is_task:
            path = f"/jobs/{_q(root.job_id or '')}/tasks/{_q(root.task_id or '')}/files"
        else:
            path = f"/pools/{_q(root.pool_id or '')}/nodes/{_q(root.node_id or '')}/files"
        return await self._all(path, FileEntry.from_rest, {"recursive": "true" if recursive else "false"})

    async def file_properties(self, ref: FileRef) -> FileProps:
        """HEAD a task or node file: its size, times and whether it is a directory."""
        request = HttpRequest("HEAD", ref.url_path, params={"api-version": API_VERSION})
        try:
            self.requests += 1
            with self._answer():
                response = await self._client.send_request(request)  # a HEAD has no body to read
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
            raise self._error(exc) from None
        return FileProps.from_headers(response.headers)

    async def read_range(self, ref: FileRef, start: int, end: int | None) -> bytes:
        """Bytes start..end (inclusive; None: to the end) of a task or node file."""
        headers = {"ocp-range": f"bytes={start}-{'' if end is None else end}"}
        request = HttpRequest("GET", ref.url_path, params={"api-version": API_VERSION}, headers=headers)
        try:
            self.requests += 1
            with self._answer():
                # stream: else the SDK's content policy tries to decode the octet-stream body
                response = await self._client.send_request(request, stream=True)
                return await response.read()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
            raise await self._streamed_error(exc) from None

    async def _streamed_error(self, exc: Exception) -> ServiceError:
        """_error, plus the Batch error code and message from a streamed response's unread body."""
        error = self._error(exc)
        response = getattr(exc, "response", None)
        if error.code or error.status is None or response is None:
            return error
        try:
            await response.read()
            body = response.json()
            code = body["code"]
            message = (body.get("message") or {}).get("value") or ""
            reasons = [v.get("value") for v in body.get("values") or []
                       if isinstance(v, dict) and v.get("key") == "Reason"]
        except Exception:  # noqa: BLE001 - keep what from_exception made of it
            return error
        error.code = code
        reason = f" ({reasons[-1]})" if reasons and reasons[-1] else ""  # (as from_exception words it)
        error.message = f"{code}: {message.strip().splitlines()[0] if message.strip() else error.message}{reason}"
        return error


__all__ = ["API_VERSION", "DEFAULT_TIMEOUT", "BatchService", "ServiceError"]


# Turns of the event loop a request of the next page is given before its caller gets the current page: the
# pipeline's awaits (retry, timeout, aiohttp's connector) took 20 to 27 turns before the request was on the
# wire, 58 when it opened a new connection; some 10-30 us a turn. A caller that then works on the page
# without awaiting (a table taking in 1,000 tasks) leaves the service its own time to answer: a 200,000-task
# fill went from 2.5-3.2 to 1.6-1.8 times the raw paging, with each answer's connection given back (see
# get_json; tests/test_task_tracker.py checks the request is out). A bound, not a signal (azure-core opens
# aiohttp's session itself, so no trace hook tells when the request is written): a request that needs more
# turns (a loaded machine) only overlaps less.
SEND_TURNS = 96


async def _until_sent(pending: asyncio.Future[Any]) -> None:
    """Let `pending` (a request just started) run until it is likely on the wire, or done."""
    for _ in range(SEND_TURNS):
        if pending.done():
            return
        await asyncio.sleep(0)
