"""Task dependencies (a job with usesTaskDependencies; a task's dependsOn):
which active tasks may be scheduled, kept as an index so that a tick costs
O(1) per queued task however many tasks a job has.

A dependent task waits for every task it names in dependsOn.taskIds and for
every task id in its dependsOn.taskIdRanges (start and end inclusive). A task
satisfies the tasks waiting on it when it completes with dependencyAction
satisfy (a success, or an exit condition mapped to satisfy: see exit_options);
one that completes with block satisfies nothing, so its dependents stay
active until it is reactivated and completes otherwise. Ids a dependent names
may not exist yet: it waits for them to be added and complete.

Ranges pick the tasks whose id is an integer (ASCII digits); leading zeros do
not count, so "4", "04" and "004" are all task 4 of a range, and the first of
them to satisfy satisfies it (Batch's "task dependencies" documentation).

The index, per job: the ids and integers already satisfied; for each named
id, the dependents waiting on it; each distinct range once, with how many of
its integers are still unsatisfied and the dependents waiting on it, found
from an integer through buckets of BUCKET integers; for each dependent, how
many of its ids and ranges are unsatisfied. It is built from the documents
the first time a job is asked about (so a restart or an undone write needs
only forget()), and then kept by task_added() and task_completed()."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Container
from dataclasses import dataclass, field

from .exit_options import exit_outcome
from .store import Doc, Store

BUCKET = 64  # integers per bucket of the range index


def integer_id(task_id: str) -> int | None:
    """The integer a task id stands for in a range, or None (not all ASCII digits)."""
    return int(task_id) if task_id.isascii() and task_id.isdigit() else None


@dataclass
class _Range:
    start: int
    end: int
    unsatisfied: int
    dependents: list[str] = field(default_factory=list)


@dataclass
class _JobIndex:
    created: str  # the job's creationTime: a job deleted and added again gets a new index
    satisfied_ids: set[str] = field(default_factory=set)
    satisfied_ints: list[int] = field(default_factory=list)  # sorted
    by_id: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    ranges: dict[tuple[int, int], _Range] = field(default_factory=dict)
    buckets: dict[int, list[_Range]] = field(default_factory=lambda: defaultdict(list))
    waiting: dict[str, int] = field(default_factory=dict)  # dependent id -> unsatisfied ids and ranges
    registered: set[str] = field(default_factory=set)

    def satisfied_in(self, start: int, end: int) -> int:
        ints = self.satisfied_ints
        return bisect.bisect_right(ints, end) - bisect.bisect_left(ints, start)

    def register(self, task: Doc) -> None:
        task_id = task["id"]
        depends = task.get("dependsOn") or {}
        if task_id in self.registered or not depends:
            return
        self.registered.add(task_id)
        pending = 0
        for upstream in dict.fromkeys(depends.get("taskIds") or []):
            if upstream not in self.satisfied_ids:
                self.by_id[upstream].append(task_id)
                pending += 1
        for bounds in dict.fromkeys((r["start"], r["end"]) for r in depends.get("taskIdRanges") or []):
            watch = self.ranges.get(bounds)
            if watch is None:
                start, end = bounds
                watch = self.ranges[bounds] = _Range(start, end, end - start + 1 - self.satisfied_in(start, end))
                for bucket in range(start // BUCKET, end // BUCKET + 1):
                    self.buckets[bucket].append(watch)
            if watch.unsatisfied > 0:
                watch.dependents.append(task_id)
                pending += 1
        if pending:
            self.waiting[task_id] = pending

    def _release(self, dependents: list[str]) -> None:
        for dependent in dependents:
            left = self.waiting.get(dependent)
            if left is None:
                continue
            if left <= 1:
                del self.waiting[dependent]
            else:
                self.waiting[dependent] = left - 1

    def satisfy(self, task_id: str) -> None:
        if task_id not in self.satisfied_ids:
            self.satisfied_ids.add(task_id)
            self._release(self.by_id.pop(task_id, []))
        number = integer_id(task_id)
        if number is None:
            return
        at = bisect.bisect_left(self.satisfied_ints, number)
        if at < len(self.satisfied_ints) and self.satisfied_ints[at] == number:
            return  # "4" after "04": the integer is satisfied already
        self.satisfied_ints.insert(at, number)
        for watch in self.buckets.get(number // BUCKET, []):
            if watch.start <= number <= watch.end:
                watch.unsatisfied -= 1
                if watch.unsatisfied == 0:
                    self._release(watch.dependents)
                    watch.dependents = []


def satisfies(task: Doc) -> bool:
    """Whether a task satisfies the tasks depending on it: completed with dependencyAction satisfy."""
    return task.get("state") == "completed" and exit_outcome(task).dependency_action == "satisfy"


class Dependencies:
    """The jobs' dependency indexes. Asked through ready(); told through
    task_added(), task_completed() and forget()."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._jobs: dict[str, _JobIndex] = {}

    def _index(self, job: Doc) -> _JobIndex:
        index = self._jobs.get(job["id"])
        if index is not None and index.created == job["creationTime"]:
            return index
        index = self._jobs[job["id"]] = _JobIndex(job["creationTime"])
        tasks = self.store.job_tasks(job["id"])
        for task in tasks.values():
            if satisfies(task):
                index.satisfy(task["id"])
        for task in tasks.values():
            index.register(task)
        return index

    def ready(self, job: Doc, task: Doc) -> bool:
        """Whether the active task may be scheduled: it depends on nothing unsatisfied."""
        if not job.get("usesTaskDependencies"):
            return True
        return task["id"] not in self._index(job).waiting

    def held(self, job: Doc) -> Container[str]:
        """The ids of the job's tasks that wait for an unsatisfied dependency (a live view: do not keep it)."""
        if not job.get("usesTaskDependencies"):
            return ()
        return self._index(job).waiting.keys()

    def waiting_count(self, job: Doc, task: Doc) -> int:
        """How many of the task's dependsOn ids and ranges are unsatisfied (0: none)."""
        if not job.get("usesTaskDependencies"):
            return 0
        return self._index(job).waiting.get(task["id"], 0)

    def task_added(self, job: Doc, task: Doc) -> None:
        """A task was added to the job (and stored)."""
        if not job.get("usesTaskDependencies"):
            return
        index = self._jobs.get(job["id"])
        if index is None or index.created != job["creationTime"]:
            self._index(job)  # built from the documents, the new task among them
        elif task["id"] in index.registered:
            self.forget(job["id"])  # an id used again (deleted, added anew): rebuilt when next asked
        else:
            index.register(task)

    def task_completed(self, job: Doc, task: Doc) -> None:
        """The task completed: its dependents are told when it satisfies them."""
        index = self._jobs.get(job["id"])
        if index is not None and index.created == job["creationTime"] and satisfies(task):
            index.satisfy(task["id"])

    def forget(self, job_id: str) -> None:
        """The job's documents changed under the index (undone write): rebuilt when next asked."""
        self._jobs.pop(job_id, None)
