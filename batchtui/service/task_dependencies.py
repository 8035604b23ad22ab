"""A job's task dependencies as the explorer explains them: what each task
waits for (dependsOn.taskIds and dependsOn.taskIdRanges), which of those
tasks block it, and which tasks wait for it — from the job's task rows.

Batch's rules (its "task dependencies" documentation): a dependent task runs
once every task it names has completed and satisfies it (a success, or an
exit option with dependencyAction satisfy: `exit_options`); a task that
completed with dependencyAction block blocks it for good (until reactivated);
a range names the tasks whose id is an integer from start to end inclusive,
leading zeros not counting ("7", "07": both task 7, either satisfies it); a
named task may not exist yet (the dependent waits for it).

    book = DependencyBook()
    book.take(rows)                     # TaskRows (with depends_on and satisfies)
    book.waiting(task_id)               # Waiting: blockers, pending, missing
    book.label(task_id)                 # "✗ up" (blocked by up) / "a, b +3" / ""
    book.downstream(task_id)            # ids of the tasks that depend on it
    book.blocked()                      # ids of the active tasks that can never run (as things stand)
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

LABEL_IDS = 2  # upstream ids a label names before "+N"
BLOCKED_MARK = "✗ "  # a label that starts so names a task that blocks the dependent for good
LIST_LIMIT = 200  # upstream tasks a Waiting lists (the rest are counted)


@dataclass(frozen=True, slots=True)
class TaskDeps:
    """A task's dependsOn: the ids it names, and its (start, end) id ranges."""

    ids: tuple[str, ...] = ()
    ranges: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_rest(cls, depends: dict[str, Any] | None) -> TaskDeps | None:
        if not depends:
            return None
        ranges = tuple((r["start"], r["end"]) for r in depends.get("taskIdRanges") or []
                       if isinstance(r.get("start"), int) and isinstance(r.get("end"), int))
        deps = cls(tuple(str(i) for i in depends.get("taskIds") or []), ranges)
        return deps if deps.ids or deps.ranges else None

    def describe(self) -> str:
        """The dependsOn as a line: "a, b, 1-100"."""
        return ", ".join([*self.ids, *(f"{s}-{e}" if s != e else str(s) for s, e in self.ranges)])


def integer_id(task_id: str) -> int | None:
    """The integer a task id stands for in a range, or None."""
    return int(task_id) if task_id.isascii() and task_id.isdigit() else None


@dataclass(frozen=True, slots=True)
class Upstream:
    """A task a dependent waits for: its id, its state ("failed" for a failed completion, "missing" when it does
    not exist yet), and whether it `blocks` the dependent for good."""

    id: str
    state: str
    blocks: bool = False


@dataclass
class Waiting:
    """What an active dependent task waits for: the upstream tasks that block it, those not done yet (running,
    active, missing), and how many were left out of `pending` (over LIST_LIMIT)."""

    blockers: list[Upstream] = field(default_factory=list)
    pending: list[Upstream] = field(default_factory=list)
    more: int = 0

    @property
    def count(self) -> int:
        return len(self.blockers) + len(self.pending) + self.more


@dataclass(frozen=True, slots=True)
class _Task:
    state: str
    failed: bool
    satisfies: bool
    deps: TaskDeps | None


@lru_cache(maxsize=256)
def _plain_task(state: str, failed: bool, satisfies: bool) -> _Task:
    return _Task(state, failed, satisfies, None)


class DependencyBook:
    """The job's tasks as far as dependencies go; fed with task rows (any object with id, state, result,
    depends_on and satisfies, as service.models.TaskRow)."""

    def __init__(self) -> None:
        self.tasks: dict[str, _Task] = {}
        self._by_int: dict[int, list[str]] = {}
        self._ints: list[int] = []  # sorted keys of _by_int
        self._named_by: dict[str, set[str]] = {}  # upstream id -> dependents naming it
        self._ranged: dict[str, tuple[tuple[int, int], ...]] = {}  # dependents with ranges
        self._dependents: set[str] = set()  # tasks with a dependsOn
        self._blocked: frozenset[str] | None = None  # blocked()'s answer until the book changes

    @property
    def any(self) -> bool:
        """Whether any task of the job depends on another."""
        return bool(self._named_by or self._ranged)

    def take(self, rows: Iterable[Any]) -> set[str]:
        """Take new or changed rows; the ids of the tasks whose dependencies may read differently now."""
        touched: set[str] = set()
        for row in rows:
            deps = row.depends_on
            failed = row.state == "completed" and row.result == "failure"
            # (a task without dependsOn is one of a few values: shared, not one object a task)
            task = _Task(row.state, failed, row.satisfies, deps) if deps is not None else \
                _plain_task(row.state, failed, row.satisfies)
            before = self.tasks.get(row.id)
            if before == task:
                continue
            if before is None:
                number = integer_id(row.id)
                if number is not None:
                    if number not in self._by_int:
                        bisect.insort(self._ints, number)
                    self._by_int.setdefault(number, []).append(row.id)
            self.tasks[row.id] = task
            self._blocked = None
            if deps is not None:
                self._dependents.add(row.id)
            if deps is not None and (before is None or before.deps is None):
                for upstream in deps.ids:
                    self._named_by.setdefault(upstream, set()).add(row.id)
                if deps.ranges:
                    self._ranged[row.id] = deps.ranges
            touched.add(row.id)
            touched.update(self.downstream(row.id))
        return touched

    def forget(self, task_ids: Iterable[str]) -> None:
        """Tasks that are gone (deleted): they no longer satisfy, block, or wait."""
        for task_id in task_ids:
            if self.tasks.pop(task_id, None) is None:
                continue
            self._blocked = None
            self._dependents.discard(task_id)
            self._ranged.pop(task_id, None)
            number = integer_id(task_id)
            if number is not None and task_id in self._by_int.get(number, []):
                self._by_int[number].remove(task_id)
                if not self._by_int[number]:
                    del self._by_int[number]
                    self._ints.remove(number)

    def downstream(self, task_id: str) -> list[str]:
        """The tasks that depend on `task_id` (by name or through a range), in no set order."""
        out = list(self._named_by.get(task_id, ()))
        number = integer_id(task_id)
        if number is not None:
            out.extend(d for d, ranges in self._ranged.items() if any(s <= number <= e for s, e in ranges))
        return list(dict.fromkeys(out))

    def _upstream_of(self, upstream_id: str) -> Upstream:
        task = self.tasks.get(upstream_id)
        if task is None:
            return Upstream(upstream_id, "missing")
        return Upstream(upstream_id, "failed" if task.failed else task.state,
                        task.state == "completed" and not task.satisfies)

    def _number(self, number: int) -> Upstream | None:
        """Task `number` of a range: None when one of its ids satisfies it."""
        ids = self._by_int.get(number, [])
        views = [self._upstream_of(i) for i in ids]
        if any(self.tasks[i].satisfies for i in ids):
            return None
        return next((v for v in views if v.blocks), views[0] if views else Upstream(str(number), "missing"))

    def upstream(self, task_id: str) -> list[Upstream]:
        """Every task `task_id` depends on (ranges: the ids that exist, and at most LIST_LIMIT missing ones)."""
        task = self.tasks.get(task_id)
        if task is None or task.deps is None:
            return []
        out = [self._upstream_of(i) for i in dict.fromkeys(task.deps.ids)]
        missing = 0
        for start, end in task.deps.ranges:
            for number in range(start, end + 1) if end - start < LIST_LIMIT else self._ints_in(start, end):
                ids = self._by_int.get(number)
                if ids:
                    out.extend(self._upstream_of(i) for i in ids)
                elif missing < LIST_LIMIT:
                    missing += 1
                    out.append(Upstream(str(number), "missing"))
        return list({u.id: u for u in out}.values())

    def _ints_in(self, start: int, end: int) -> list[int]:
        return self._ints[bisect.bisect_left(self._ints, start):bisect.bisect_right(self._ints, end)]

    def waiting(self, task_id: str) -> Waiting:
        """What the task waits for now (empty unless it is active and depends on something unsatisfied)."""
        task = self.tasks.get(task_id)
        out = Waiting()
        if task is None or task.deps is None or task.state != "active":
            return out
        seen: set[str] = set()
        for upstream_id in task.deps.ids:
            if upstream_id not in seen:
                seen.add(upstream_id)
                known = self.tasks.get(upstream_id)
                if known is None or not known.satisfies:
                    self._note(out, self._upstream_of(upstream_id))
        for start, end in task.deps.ranges:
            satisfied = sum(1 for n in self._ints_in(start, end)
                            if any(self.tasks[i].satisfies for i in self._by_int[n]))
            unsatisfied = end - start + 1 - satisfied
            number = start
            while unsatisfied and number <= end and len(out.pending) + len(out.blockers) < LIST_LIMIT:
                member = self._number(number)
                number += 1
                if member is not None:
                    unsatisfied -= 1
                    if member.id not in seen:
                        seen.add(member.id)
                        self._note(out, member)
            out.more += unsatisfied
        return out

    def blocked(self) -> frozenset[str]:
        """The active tasks that can never run as things stand: a task they depend on completed without
        satisfying them (failed, or dependencyAction block), or is itself such a blocked task. Worked out
        once per change of the book."""
        if self._blocked is None:
            waits = {t: self.waiting(t) for t in self._dependents if self.tasks[t].state == "active"}
            blocked = {t for t, waiting in waits.items() if waiting.blockers}
            grew = True
            while grew:  # a task that waits on a blocked task is blocked too
                grown = {t for t, waiting in waits.items() if t not in blocked
                         and any(up.id in blocked for up in waiting.pending)}
                blocked |= grown
                grew = bool(grown)
            self._blocked = frozenset(blocked)
        return self._blocked

    @staticmethod
    def _note(out: Waiting, up: Upstream) -> None:
        (out.blockers if up.blocks else out.pending).append(up)

    def label(self, task_id: str) -> str:
        """The WAITING ON cell: "" when the task waits for nothing; blockers first, marked ("✗ up, b +2")."""
        waiting = self.waiting(task_id)
        if not waiting.count:
            return ""
        named = [u.id for u in waiting.blockers + waiting.pending][:LABEL_IDS]
        rest = waiting.count - len(named)
        text = ", ".join(named) + (f" +{rest}" if rest else "")
        return f"{BLOCKED_MARK}{text}" if waiting.blockers else text
