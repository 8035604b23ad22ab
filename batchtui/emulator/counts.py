"""A job's task counts, kept up to date as tasks change state, so that
`GET /jobs/{id}/taskcounts` does not scan a 100,000-task job."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .store import Doc

BUCKETS = ("active", "running", "completed", "succeeded", "failed")


def buckets_of(task: Doc) -> tuple[str, ...]:
    state = task["state"]
    if state in ("running", "preparing"):
        return ("running",)
    if state == "completed":
        failed = (task.get("executionInfo") or {}).get("result") == "failure"
        return ("completed", "failed" if failed else "succeeded")
    return (state,)


class JobCounts:
    """Tasks and task slots per bucket. Each task remembers (in its private
    `_counted` key) what it contributes, so a recount is always exact."""

    def __init__(self) -> None:
        self.tasks: Counter[str] = Counter()
        self.slots: Counter[str] = Counter()

    def _apply(self, counted: list[Any] | None, sign: int) -> None:
        if not counted:
            return
        *buckets, weight = counted
        for bucket in buckets:
            self.tasks[bucket] += sign
            self.slots[bucket] += sign * weight

    def recount(self, task: Doc) -> None:
        self._apply(task.get("_counted"), -1)
        slots = task.get("requiredSlots", 1)
        weight = slots if type(slots) is int else 1  # a legacy document's junk must not break the counts
        task["_counted"] = [*buckets_of(task), weight]
        self._apply(task["_counted"], +1)

    def forget(self, task: Doc) -> None:
        self._apply(task.pop("_counted", None), -1)

    def as_rest(self) -> dict[str, dict[str, int]]:
        return {
            "taskCounts": {b: self.tasks[b] for b in BUCKETS},
            "taskSlotCounts": {b: self.slots[b] for b in BUCKETS},
        }
