"""Failed tasks grouped by cause: each task's failure signature, and clusters of tasks that share one.

A task's `Signature` is its failureInfo category and code, its exit code, and
the meaningful line of the tail of its output, normalised (`signature.py`):
tasks that failed the same way on different shards, nodes, paths or days have
one signature. A `Clusterer` takes failed tasks one at a time (their tails
arrive as they are read, `tails.fetch_tails`) and keeps the clusters current;
`clusters()` lists them, biggest first.

Pure: no I/O, no Textual. A TaskRow and a TailLine in, plain objects out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .models import TaskRow
from .signature import normalise


@dataclass(frozen=True, slots=True)
class TailLine:
    """What the tail of a task's output says.

    line: the meaningful line (`signature.pick_line`) as the task printed it, escape sequences removed
    (other control characters are kept: make it inert before showing it); None when neither file had one.
    file: where the line is ("stderr.txt" or "stdout.txt"). strength: the line's (signature.PLAIN,
    ERRORISH or STRONG; 0 without a line). bytes_read: bytes fetched to find it. error: why the output
    could not be read (a service error's message), None when it was read (or is missing: no error then).
    """

    line: str | None = None
    file: str | None = None
    strength: int = 0
    bytes_read: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True, order=True)
class Signature:
    """What tasks failing the same way share. line: the normalised meaningful line of their output, or of
    their failureInfo message when the output had none ("" when there is neither)."""

    category: str  # failureInfo.category (usererror, servererror), "" without a failureInfo
    code: str  # failureInfo.code (FailureExitCode, CommandProgramNotFound ...), "" without one
    exit_code: int | None
    line: str

    def describe(self) -> str:
        """One line for people, e.g. "exit 3, FailureExitCode (usererror): shard <n>: checksum mismatch"."""
        head = "no exit code" if self.exit_code is None else f"exit {self.exit_code}"
        if self.code:
            head += f", {self.code}" + (f" ({self.category})" if self.category else "")
        return f"{head}: {self.line}" if self.line else head

    def as_json(self) -> dict[str, Any]:
        return {"category": self.category, "code": self.code, "exitCode": self.exit_code, "line": self.line}


def signature_of(task: TaskRow, tail: TailLine | None) -> Signature:
    """The task's signature; `tail`: what its output says (None: not read, the failureInfo message is used)."""
    source = tail.line if tail is not None and tail.line else task.failure_message or ""
    return Signature(task.failure_category or "", task.failure_code or "", task.exit_code, normalise(source))


def _earlier(a: TaskRow, b: TaskRow) -> bool:
    """Whether `a` failed before `b` (a task without an end time comes last; ties by id)."""
    key_a = (a.end_time is None, a.end_time or datetime.min, a.id)
    key_b = (b.end_time is None, b.end_time or datetime.min, b.id)
    return key_a < key_b


@dataclass
class Cluster:
    """Failed tasks with one signature.

    tasks: task id → row, in the order they were added (`task_ids`: sorted). example: the task that failed
    first (earliest end time, then lowest id), with the line its output printed and the file it is in.
    nodes: node id → how many of the tasks ran there (a task that never reached a node is not counted).
    """

    signature: Signature
    tasks: dict[str, TaskRow] = field(default_factory=dict)
    nodes: Counter[str] = field(default_factory=Counter)
    example: TaskRow | None = None
    example_line: str | None = None
    example_file: str | None = None
    _lines: dict[str, TailLine | None] = field(default_factory=dict, repr=False)

    @property
    def count(self) -> int:
        return len(self.tasks)

    @property
    def task_ids(self) -> list[str]:
        """Its task ids, sorted."""
        return sorted(self.tasks)

    @property
    def first_failure(self) -> datetime | None:
        """When the first of its tasks ended (None when none has an end time)."""
        return self.example.end_time if self.example is not None else None

    @property
    def last_failure(self) -> datetime | None:
        times = [t.end_time for t in self.tasks.values() if t.end_time is not None]
        return max(times) if times else None

    def _add(self, task: TaskRow, tail: TailLine | None) -> None:
        self.tasks[task.id] = task
        self._lines[task.id] = tail
        if task.node_id:
            self.nodes[task.node_id] += 1
        if self.example is None or _earlier(task, self.example):
            self._set_example(task)

    def _remove(self, task_id: str) -> None:
        task = self.tasks.pop(task_id)
        self._lines.pop(task_id, None)
        if task.node_id:
            self.nodes[task.node_id] -= 1
            if self.nodes[task.node_id] <= 0:
                del self.nodes[task.node_id]
        if self.example is not None and self.example.id == task_id:
            self.example = self.example_line = self.example_file = None
            for other in self.tasks.values():
                if self.example is None or _earlier(other, self.example):
                    self._set_example(other)

    def _set_example(self, task: TaskRow) -> None:
        tail = self._lines.get(task.id)
        self.example = task
        self.example_line = tail.line if tail is not None else None
        self.example_file = tail.file if tail is not None else None

    def as_json(self) -> dict[str, Any]:
        """The cluster as JSON-ready data (times ISO 8601, node counts busiest first)."""
        first = self.first_failure
        return {
            "count": self.count,
            "signature": self.signature.as_json(),
            "text": self.signature.describe(),
            "exampleTask": self.example.id if self.example is not None else None,
            "exampleLine": self.example_line,
            "exampleFile": self.example_file,
            "nodes": dict(self.nodes.most_common()),
            "firstFailure": first.isoformat() if first is not None else None,
            "taskIds": self.task_ids,
        }


def _rank(cluster: Cluster) -> tuple[int, bool, datetime, str]:
    first = cluster.first_failure
    return -cluster.count, first is None, first or datetime.min, cluster.signature.describe()


class Clusterer:
    """Failed tasks grouped by signature as they arrive. Adding a task again (its tail was read again, or
    it failed again after a rerun) moves it to its new signature's cluster."""

    def __init__(self) -> None:
        self._clusters: dict[Signature, Cluster] = {}
        self._signature_of: dict[str, Signature] = {}

    def add(self, task: TaskRow, tail: TailLine | None = None) -> Cluster:
        """Put the task in its signature's cluster (`tail`: what its output says; None: not read). Returns it."""
        self.discard(task.id)
        signature = signature_of(task, tail)
        cluster = self._clusters.get(signature)
        if cluster is None:
            cluster = self._clusters[signature] = Cluster(signature)
        cluster._add(task, tail)
        self._signature_of[task.id] = signature
        return cluster

    def discard(self, task_id: str) -> None:
        """Forget the task (e.g. it was reactivated); a cluster left empty goes."""
        signature = self._signature_of.pop(task_id, None)
        if signature is None:
            return
        cluster = self._clusters[signature]
        cluster._remove(task_id)
        if not cluster.tasks:
            del self._clusters[signature]

    def cluster_of(self, task_id: str) -> Cluster | None:
        signature = self._signature_of.get(task_id)
        return self._clusters.get(signature) if signature is not None else None

    def clusters(self) -> list[Cluster]:
        """The clusters, biggest first (then the one whose first failure came first)."""
        return sorted(self._clusters.values(), key=_rank)

    def __len__(self) -> int:
        """How many tasks it holds."""
        return len(self._signature_of)


def cluster(tasks: Iterable[tuple[TaskRow, TailLine | None]]) -> list[Cluster]:
    """The clusters of these (task, tail) pairs, biggest first."""
    clusterer = Clusterer()
    for task, tail in tasks:
        clusterer.add(task, tail)
    return clusterer.clusters()
