"""Plain rows the UI renders, built from Batch REST documents (dicts).

Times stay as datetimes (UTC, aware); a missing value is None. Every row keeps
nothing from the SDK: the UI never holds an SDK object.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from .exit_options import satisfies_dependents
from .task_dependencies import TaskDeps

# A Batch REST document (a resource or a list page) as its parsed JSON.
RestDict = dict[str, Any]


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class PoolRow:
    id: str
    state: str
    allocation_state: str
    vm_size: str
    current_dedicated: int
    target_dedicated: int
    current_low_priority: int
    target_low_priority: int
    task_slots_per_node: int
    creation_time: datetime | None
    resize_errors: tuple[str, ...] = ()
    auto_scale: bool = False  # enableAutoScale: the formula sets the targets
    auto_scale_error: str = ""  # the code of the last autoScaleRun's error ("" when none)

    @classmethod
    def from_rest(cls, d: RestDict) -> PoolRow:
        return cls(
            id=d["id"],
            state=d.get("state", ""),
            allocation_state=d.get("allocationState", ""),
            vm_size=d.get("vmSize", ""),
            current_dedicated=d.get("currentDedicatedNodes", 0),
            target_dedicated=d.get("targetDedicatedNodes", 0),
            current_low_priority=d.get("currentLowPriorityNodes", 0),
            target_low_priority=d.get("targetLowPriorityNodes", 0),
            task_slots_per_node=d.get("taskSlotsPerNode", 1),
            creation_time=parse_time(d.get("creationTime")),
            resize_errors=tuple(f"{e.get('code')}: {e.get('message')}" for e in d.get("resizeErrors") or []),
            auto_scale=bool(d.get("enableAutoScale")),
            auto_scale_error=str(((d.get("autoScaleRun") or {}).get("error") or {}).get("code") or ""),
        )


@dataclass(frozen=True, slots=True)
class NodeRow:
    id: str
    pool_id: str
    state: str
    scheduling_state: str
    is_dedicated: bool
    running_tasks: int
    running_slots: int
    total_tasks_run: int
    total_tasks_succeeded: int
    ip_address: str
    state_transition_time: datetime | None
    start_task_state: str | None = None
    start_task_exit_code: int | None = None
    start_task_failure: str | None = None

    @classmethod
    def from_rest(cls, pool_id: str, d: RestDict) -> NodeRow:
        info = d.get("startTaskInfo") or {}
        failure = info.get("failureInfo")
        return cls(
            id=d["id"],
            pool_id=pool_id,
            state=d.get("state", ""),
            scheduling_state=d.get("schedulingState", ""),
            is_dedicated=bool(d.get("isDedicated", True)),
            running_tasks=d.get("runningTasksCount", 0),
            running_slots=d.get("runningTaskSlotsCount", 0),
            total_tasks_run=d.get("totalTasksRun", 0),
            total_tasks_succeeded=d.get("totalTasksSucceeded", 0),
            ip_address=d.get("ipAddress", ""),
            state_transition_time=parse_time(d.get("stateTransitionTime")),
            start_task_state=info.get("state"),
            start_task_exit_code=info.get("exitCode"),
            start_task_failure=f"{failure.get('code')}: {failure.get('message')}" if failure else None,
        )


@dataclass(frozen=True, slots=True)
class JobRow:
    id: str
    state: str
    pool_id: str
    priority: int
    creation_time: datetime | None
    state_transition_time: datetime | None
    end_time: datetime | None
    terminate_reason: str | None

    @classmethod
    def from_rest(cls, d: RestDict) -> JobRow:
        info = d.get("executionInfo") or {}
        return cls(
            id=d["id"],
            state=d.get("state", ""),
            pool_id=(d.get("poolInfo") or {}).get("poolId") or info.get("poolId") or "",
            priority=d.get("priority", 0),
            creation_time=parse_time(d.get("creationTime")),
            state_transition_time=parse_time(d.get("stateTransitionTime")),
            end_time=parse_time(info.get("endTime")),
            terminate_reason=info.get("terminateReason"),
        )


# The task properties a task row needs: the list is fetched with this $select.
TASK_SELECT = "id,state,stateTransitionTime,creationTime,executionInfo,nodeInfo,dependsOn,exitConditions"


def _interned(text: str | None) -> str | None:
    return sys.intern(text) if text is not None else None


@dataclass(frozen=True, slots=True)
class TaskRow:
    id: str
    job_id: str
    state: str
    exit_code: int | None
    result: str | None
    failure_code: str | None
    node_id: str | None
    creation_time: datetime | None
    state_transition_time: datetime | None
    start_time: datetime | None
    end_time: datetime | None
    retry_count: int
    requeue_count: int
    failure_category: str | None = None  # failureInfo.category: usererror or servererror
    failure_message: str | None = None  # failureInfo.message
    depends_on: TaskDeps | None = None  # dependsOn
    satisfies: bool = False  # completed with dependencyAction satisfy: its dependents may run

    @classmethod
    def from_rest(cls, job_id: str, d: RestDict) -> TaskRow:
        info = d.get("executionInfo") or {}
        failure = info.get("failureInfo")
        return cls(
            id=d["id"],
            job_id=job_id,
            state=d.get("state", ""),
            exit_code=info.get("exitCode"),
            result=info.get("result"),
            failure_code=failure.get("code") if failure else None,
            failure_category=failure.get("category") if failure else None,
            failure_message=failure.get("message") if failure else None,
            node_id=_interned((d.get("nodeInfo") or {}).get("nodeId")),  # (a pool's few ids, shared by all rows)
            creation_time=parse_time(d.get("creationTime")),
            state_transition_time=parse_time(d.get("stateTransitionTime")),
            start_time=parse_time(info.get("startTime")),
            end_time=parse_time(info.get("endTime")),
            retry_count=info.get("retryCount", 0),
            requeue_count=info.get("requeueCount", 0),
            depends_on=TaskDeps.from_rest(d.get("dependsOn")),
            satisfies=satisfies_dependents(d),
        )


@dataclass(frozen=True, slots=True)
class RecentTask:
    """One of a node's recentTasks (Batch's TaskInformation): a task that ran on
    the node since it joined its pool, as it was when its state last changed."""

    job_id: str
    task_id: str
    state: str
    exit_code: int | None
    result: str | None
    start_time: datetime | None
    end_time: datetime | None

    @classmethod
    def from_rest(cls, d: RestDict) -> RecentTask:
        info = d.get("executionInfo") or {}
        return cls(
            job_id=d.get("jobId", ""),
            task_id=d.get("taskId", ""),
            state=d.get("taskState", ""),
            exit_code=info.get("exitCode"),
            result=info.get("result"),
            start_time=parse_time(info.get("startTime")),
            end_time=parse_time(info.get("endTime")),
        )


@dataclass(frozen=True, slots=True)
class TaskCounts:
    active: int = 0
    running: int = 0
    completed: int = 0
    succeeded: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.active + self.running + self.completed

    @classmethod
    def from_rest(cls, d: RestDict) -> TaskCounts:
        c = d.get("taskCounts") or {}
        return cls(c.get("active", 0), c.get("running", 0), c.get("completed", 0), c.get("succeeded", 0),
                   c.get("failed", 0))


# The node properties a pool's usage needs: its nodes are listed with this $select.
USAGE_SELECT = "id,runningTasksCount,runningTaskSlotsCount"


@dataclass(frozen=True, slots=True)
class PoolUsage:
    """What a pool's nodes run right now: tasks, and the task slots they take (a task may take several)."""

    running_tasks: int = 0
    running_slots: int = 0

    @classmethod
    def from_nodes(cls, nodes: list[RestDict]) -> PoolUsage:
        """Summed over node documents (REST JSON, $select-ed with USAGE_SELECT)."""
        return cls(sum(n.get("runningTasksCount", 0) for n in nodes),
                   sum(n.get("runningTaskSlotsCount", 0) for n in nodes))


@dataclass(frozen=True, slots=True)
class NodeCounts:
    pool_id: str
    dedicated: dict[str, int] = field(default_factory=dict)
    low_priority: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_rest(cls, d: RestDict) -> NodeCounts:
        def clean(counts: RestDict | None) -> dict[str, int]:
            return {k: int(v) for k, v in (counts or {}).items() if isinstance(v, int)}

        return cls(d["poolId"], clean(d.get("dedicated")), clean(d.get("lowPriority")))


@dataclass(frozen=True, slots=True)
class FileRoot:
    """Where files are listed: a task's directory (job_id + task_id) or a compute node's (pool_id + node_id)."""

    job_id: str | None = None
    task_id: str | None = None
    pool_id: str | None = None
    node_id: str | None = None

    def __post_init__(self) -> None:
        if bool(self.job_id and self.task_id) == bool(self.pool_id and self.node_id):
            raise ValueError("a FileRoot needs job_id and task_id, or pool_id and node_id")

    @property
    def is_task(self) -> bool:
        return bool(self.job_id)


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One item of a file listing; `name` is its path under the listed root ("wd/out.txt")."""

    name: str
    is_directory: bool
    size: int | None = None
    modified: datetime | None = None
    created: datetime | None = None
    url: str | None = None

    @classmethod
    def from_rest(cls, d: RestDict) -> FileEntry:
        props = d.get("properties") or {}
        try:
            size = int(props["contentLength"]) if props.get("contentLength") not in (None, "") else None
        except (TypeError, ValueError):
            size = None
        return cls(
            name=str(d.get("name") or "").strip("/"),
            is_directory=bool(d.get("isDirectory", False)),
            size=size,
            modified=parse_time(props.get("lastModified")),
            created=parse_time(props.get("creationTime")),
            url=d.get("url"),
        )


# What a URL path segment may hold as it is (RFC 3986 pchar) and the async transport sends as it is: aiohttp
# (yarl) decodes a percent-encoded one of these after the shared key has signed the encoded path, so the
# service would see another path than the one signed and refuse the request (e.g. a file "out(1).txt").
# Not ";": the SDK's signer (urlparse) would cut the path at a ";" (so a name with one cannot be signed to
# match what aiohttp sends either way: it stays encoded, which a service that decodes paths accepts).
PATH_SAFE = "!$&'()*,:=@"


def path_segment(ident: str) -> str:
    """An id or file path as one segment of a REST path: "/" and the rest percent-encoded."""
    return quote(ident, safe=PATH_SAFE)


_q = path_segment


@dataclass(frozen=True)
class FileRef:
    """A file of a task (job_id + task_id) or of a compute node (pool_id + node_id)."""

    path: str
    job_id: str | None = None
    task_id: str | None = None
    pool_id: str | None = None
    node_id: str | None = None

    def __post_init__(self) -> None:
        on_task = bool(self.job_id and self.task_id)
        on_node = bool(self.pool_id and self.node_id)
        if on_task == on_node:
            raise ValueError("a FileRef needs job_id and task_id, or pool_id and node_id")
        if not self.path.strip("/"):
            raise ValueError("a FileRef needs a file path")

    @classmethod
    def task(cls, job_id: str, task_id: str, path: str = "stdout.txt") -> FileRef:
        return cls(path, job_id=job_id, task_id=task_id)

    @classmethod
    def node(cls, pool_id: str, node_id: str, path: str) -> FileRef:
        return cls(path, pool_id=pool_id, node_id=node_id)

    @property
    def url_path(self) -> str:
        """The REST path, e.g. /jobs/j/tasks/t/files/wd%2Fout.txt."""
        if self.job_id:
            return f"/jobs/{_q(self.job_id)}/tasks/{_q(self.task_id or '')}/files/{_q(self.path)}"
        return f"/pools/{_q(self.pool_id or '')}/nodes/{_q(self.node_id or '')}/files/{_q(self.path)}"

    def describe(self) -> str:
        if self.job_id:
            return f"{self.path} of task {self.task_id} (job {self.job_id})"
        return f"{self.path} on node {self.node_id} (pool {self.pool_id})"


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class FileProps:
    """What a HEAD on a file says."""

    size: int
    created: datetime | None = None
    modified: datetime | None = None
    is_directory: bool = False
    url: str | None = None
    mode: str | None = None

    @classmethod
    def from_headers(cls, headers: Any) -> FileProps:
        try:
            size = int(headers.get("Content-Length") or 0)
        except ValueError:
            size = 0
        return cls(
            size=size,
            created=_http_date(headers.get("ocp-creation-time")),
            modified=_http_date(headers.get("Last-Modified")),
            is_directory=(headers.get("ocp-batch-file-isdirectory") or "").lower() == "true",
            url=headers.get("ocp-batch-file-url"),
            mode=headers.get("ocp-batch-file-mode"),
        )
