"""`TaskStats`: what one job's tasks say about its progress, kept current as task rows arrive.

The explorer's refresh of a tasks view brings task rows: a full listing (every task, in pages) or only the
tasks that changed since the last refresh. `TaskStats` takes the same rows and keeps, per task, just what
the progress, straggler and node-health figures need, so each figure costs a lookup rather than a pass
over 100,000 rows:

- finished (completed) tasks: node, failed or not, duration in seconds, end time; their durations and end
  times also in sorted lists (quantiles, completions in a time window, by bisection), sorted when read
  after a change (appended values are merged by one sort: a listing of 100,000 tasks costs one sort, a
  refresh that changed a few rows a merge);
- running tasks: their rows (a straggler's row is drawn again as time passes);
- active tasks are not kept (the job's taskcounts say how many).

A full listing is framed by `begin_listing()` and `end_listing()`: tasks it did not mention are gone
(deleted). `complete` turns True after the first full listing. Rows of a filtered listing ($filter)
must not be fed here: the figures would describe the filter's tasks only.

Pure: no I/O, no Textual. Times are epoch seconds (floats) internally; rows carry aware datetimes.
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .models import TaskRow

__all__ = ["Finished", "NodeTally", "TaskStats"]


@dataclass(frozen=True, slots=True)
class Finished:
    """A completed task: the node it last ran on (None if unknown), whether it failed, its last run's
    duration in seconds and end time in epoch seconds (None when the service did not give both times)."""

    node_id: str | None
    failed: bool
    seconds: float | None
    end: float | None


@dataclass(slots=True)
class NodeTally:
    """One node's share of a job: finished tasks, failed ones, their durations (seconds, unsorted), and
    tasks running there now."""

    node_id: str
    finished: int = 0
    failed: int = 0
    running: int = 0
    durations: list[float] | None = None

    def add_duration(self, seconds: float) -> None:
        if self.durations is None:
            self.durations = []
        self.durations.append(seconds)


def _ts(dt: datetime | None) -> float | None:
    return dt.timestamp() if dt is not None else None


class _Sorted:
    """Floats, sorted when read: additions and removals wait until then."""

    __slots__ = ("_values", "_added", "_removed")

    def __init__(self) -> None:
        self._values: list[float] = []
        self._added: list[float] = []
        self._removed: Counter[float] = Counter()

    def add(self, value: float) -> None:
        self._added.append(value)

    def remove(self, value: float) -> None:
        self._removed[value] += 1

    def values(self) -> list[float]:
        """Every value, ascending (the same list until the next change)."""
        if self._removed:
            removed = self._removed
            kept = []
            for value in (*self._values, *self._added):
                if removed[value] > 0:
                    removed[value] -= 1
                else:
                    kept.append(value)
            self._values, self._added, self._removed = kept, [], Counter()
            kept.sort()
        elif self._added:
            self._values.extend(self._added)
            self._added = []
            self._values.sort()  # (a sorted run and a short tail: a merge)
        return self._values


class TaskStats:
    """One job's task figures, updated row by row (see the module's docstring)."""

    def __init__(self) -> None:
        self._finished: dict[str, Finished] = {}
        self._running: dict[str, TaskRow] = {}
        self._durations = _Sorted()  # seconds of the finished tasks that have both times
        self._ends = _Sorted()  # end times (epoch seconds) of the finished tasks
        self._failed = 0
        self._first_start: float | None = None  # the earliest start time seen (epoch seconds)
        self._seen: set[str] | None = None  # task ids of the full listing under way
        self._seen_here = True  # whether this keeps them (else the lister does)
        self.complete = False  # a full listing has ended: the figures cover the whole job

    # -- feeding ----------------------------------------------------------------------------
    def begin_listing(self, listed: set[str] | None = None) -> None:
        """A full listing starts: tasks it does not mention by `end_listing()` are dropped. `listed`: the
        ids the listing mentions, kept by whoever lists (whole when it ends); None: kept here."""
        self._seen = set() if listed is None else listed
        self._seen_here = listed is None

    def end_listing(self) -> None:
        """A full listing ended: drop the tasks it did not mention; the figures are now complete."""
        seen = self._seen
        self._seen = None
        if seen is None:
            return
        for task_id in [t for t in (*self._finished, *self._running) if t not in seen]:
            self._forget(task_id)
        self.complete = True

    def take(self, rows: Iterable[TaskRow], *, full: bool, start: bool, final: bool,
             listed: set[str] | None = None) -> None:
        """One step of a refresh (the fields of the explorer's `Batch`): rows of a full listing (its first
        step `start`, its last `final`; `listed`: see `begin_listing`) or of an incremental one (`full`
        False: only changed tasks)."""
        if full and start:
            self.begin_listing(listed)
        self.update(rows)
        if full and final:
            self.end_listing()

    def update(self, rows: Iterable[TaskRow]) -> None:
        """Take task rows (new or changed tasks; a row given again replaces what its task said)."""
        seen = self._seen if self._seen_here else None
        for row in rows:
            if seen is not None:
                seen.add(row.id)
            start = _ts(row.start_time)
            if start is not None and (self._first_start is None or start < self._first_start):
                self._first_start = start
            done = None
            if row.state == "completed":
                end = _ts(row.end_time)
                seconds = end - start if end is not None and start is not None else None
                node = sys.intern(row.node_id) if row.node_id is not None else None
                done = Finished(node, row.result == "failure", seconds, end)
                if self._finished.get(row.id) == done:
                    continue  # told again (the refreshes overlap): nothing changed
            self._forget(row.id)
            if done is not None:
                self._finished[row.id] = done
                if done.failed:
                    self._failed += 1
                if done.seconds is not None:
                    self._durations.add(done.seconds)
                if done.end is not None:
                    self._ends.add(done.end)
            elif row.state == "running":
                self._running[row.id] = row

    def _forget(self, task_id: str) -> None:
        done = self._finished.pop(task_id, None)
        if done is not None:
            if done.failed:
                self._failed -= 1
            if done.seconds is not None:
                self._durations.remove(done.seconds)
            if done.end is not None:
                self._ends.remove(done.end)
        else:
            self._running.pop(task_id, None)

    # -- figures ----------------------------------------------------------------------------
    @property
    def finished(self) -> int:
        """Completed tasks (succeeded or failed)."""
        return len(self._finished)

    @property
    def failed(self) -> int:
        return self._failed

    @property
    def durations(self) -> list[float]:
        """Durations (seconds) of the completed tasks with both times, ascending. Do not change it."""
        return self._durations.values()

    @property
    def first_start(self) -> float | None:
        """When the job's first task started (epoch seconds), as far as the rows told."""
        return self._first_start

    @property
    def last_end(self) -> float | None:
        """When the latest completion happened (epoch seconds), None before any."""
        ends = self._ends.values()
        return ends[-1] if ends else None

    def running(self) -> list[TaskRow]:
        """The rows of the running tasks."""
        return list(self._running.values())

    def running_row(self, task_id: str) -> TaskRow | None:
        return self._running.get(task_id)

    def completions_between(self, start: float, end: float) -> int:
        """Tasks that completed in [start, end) (epoch seconds)."""
        ends = self._ends.values()
        return bisect_left(ends, end) - bisect_left(ends, start)

    def completions_until(self, end: float) -> int:
        """Tasks that completed at or before `end` (epoch seconds)."""
        return bisect_right(self._ends.values(), end)

    def by_node(self) -> dict[str, NodeTally]:
        """Each node's finished, failed and running tasks and durations (tasks without a node are left
        out). One pass over the finished tasks."""
        tallies: dict[str, NodeTally] = {}
        for done in self._finished.values():
            if done.node_id is None:
                continue
            tally = tallies.get(done.node_id)
            if tally is None:
                tally = tallies[done.node_id] = NodeTally(done.node_id)
            tally.finished += 1
            tally.failed += done.failed
            if done.seconds is not None:
                tally.add_duration(done.seconds)
        for row in self._running.values():
            if row.node_id is not None:
                tallies.setdefault(row.node_id, NodeTally(row.node_id)).running += 1
        return tallies
