"""A job's pace: throughput, an estimated time to completion, completions over the last hour, stragglers.

Everything is computed from a `TaskStats` (the task rows the explorer's refreshes bring) and the job's
taskcounts, at a given `now` (epoch seconds):

- **throughput**: tasks completed (by their end time) in the last `RATE_WINDOW` seconds, or since the
  job's first task started if that is later, per minute. Unknown while that window is shorter than
  `MIN_RATE_WINDOW` (a rate over a few seconds says little).
- **ETA**: the tasks not yet completed (active + running, from taskcounts) that can still run (less the
  `blocked` ones: active tasks a failed dependency keeps from ever running) divided by the throughput.
  None when the throughput is unknown or zero, or when every remaining task is blocked (the job never
  ends as things stand); 0 when nothing remains. None too when the job has
  **stalled**: no task completed for `STALL_GAPS` times the mean gap between completions at that
  throughput, and at least `STALL_MIN` seconds (the recent rate no longer says when it ends).
- **last hour**: completions per bucket over the 60 minutes up to `now`, in `HOUR_BUCKETS` buckets
  aligned to whole minutes (so the picture moves once a minute, not on every refresh).
- **stragglers** (the stated rule): a running task is a straggler when its job has at least
  `STRAGGLER_MIN_FINISHED` completed tasks and the task has been running longer than the 95th percentile
  (nearest rank) of their durations plus `STRAGGLER_TOLERANCE` seconds (against clock skew between this
  machine and the service, and sub-second jitter).

Pure: no I/O, no Textual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .models import TaskCounts
from .task_stats import TaskStats

__all__ = ["HOUR_BUCKETS", "Pace", "pace", "quantile", "straggler_threshold", "stragglers"]

RATE_WINDOW = 600.0  # seconds of completions the throughput is measured over
MIN_RATE_WINDOW = 10.0  # seconds: a shorter window gives no throughput
HOUR_BUCKETS = 60  # one a minute
STALL_GAPS = 3.0
STALL_MIN = 10.0  # seconds
STRAGGLER_MIN_FINISHED = 10
STRAGGLER_QUANTILE = 0.95
STRAGGLER_TOLERANCE = 1.0  # seconds


@dataclass(frozen=True, slots=True)
class Pace:
    """per_minute: the throughput (None: not measurable yet); eta_seconds: the estimated time until every
    task completed (None: unknown); remaining: tasks not completed (active + running); last_hour:
    completions per minute over the last hour, oldest first (`HOUR_BUCKETS` numbers); stalled_seconds:
    how long no task has completed, when that means the job stalled (else None); blocked: how many of the
    remaining tasks can never run (a failed dependency), not counted in the ETA."""

    per_minute: float | None
    eta_seconds: float | None
    remaining: int
    last_hour: tuple[int, ...]
    stalled_seconds: float | None = None
    blocked: int = 0

    @property
    def all_blocked(self) -> bool:
        """Whether tasks remain and every one of them is blocked: no ETA, the job never ends as things are."""
        return self.remaining > 0 and self.blocked >= self.remaining


def quantile(sorted_values: list[float], q: float) -> float | None:
    """The nearest-rank `q` quantile (0 < q <= 1) of ascending values; None for no values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def pace(stats: TaskStats, counts: TaskCounts, now: float, blocked: int = 0) -> Pace:
    """The job's pace at `now` (epoch seconds), `blocked` of its active tasks never to run (a failed
    dependency): see the module's docstring for each figure."""
    remaining = counts.active + counts.running
    blocked = min(blocked, counts.active)
    runnable = remaining - blocked
    per_minute: float | None = None
    start = now - RATE_WINDOW
    if stats.first_start is not None:
        start = max(start, stats.first_start)
    window = now - start
    if window >= MIN_RATE_WINDOW:
        per_minute = stats.completions_between(start, now + 1e-6) * 60.0 / window
    eta: float | None = None
    stalled: float | None = None
    last = stats.last_end
    if remaining == 0:
        eta = 0.0
    elif per_minute and runnable:
        quiet = now - last if last is not None else 0.0
        if quiet > max(STALL_GAPS * 60.0 / per_minute, STALL_MIN):
            stalled = quiet
        else:
            eta = runnable / per_minute * 60.0
    minute = math.floor(now / 60.0) * 60.0  # the start of the current minute: the last bucket's
    starts = (minute - 60.0 * (HOUR_BUCKETS - 1 - i) for i in range(HOUR_BUCKETS))
    buckets = tuple(stats.completions_between(start, start + 60.0) for start in starts)
    return Pace(per_minute, eta, remaining, buckets, stalled, blocked)


def straggler_threshold(stats: TaskStats) -> float | None:
    """Seconds a running task may run before it is a straggler: the p95 of the completed tasks' durations
    plus `STRAGGLER_TOLERANCE`; None while fewer than `STRAGGLER_MIN_FINISHED` tasks have both times."""
    durations = stats.durations
    if len(durations) < STRAGGLER_MIN_FINISHED:
        return None
    p95 = quantile(durations, STRAGGLER_QUANTILE)
    return None if p95 is None else p95 + STRAGGLER_TOLERANCE


def stragglers(stats: TaskStats, now: float) -> set[str]:
    """Ids of the running tasks that have run longer than `straggler_threshold` at `now` (epoch seconds)."""
    threshold = straggler_threshold(stats)
    if threshold is None:
        return set()
    return {row.id for row in stats.running()
            if row.start_time is not None and now - row.start_time.timestamp() > threshold}
