"""`WatchBook`: which jobs are watched, what was last seen of each, and what deserves a notification.

A job is watched while it is open (its tasks view) or after `W` marked it. Each look at a watched job's
taskcounts goes through `observe`, which says what changed since the look before:

- its failed count rose: "N more tasks failed";
- it completed: every task completed (none active or running, at least one task), where the look before
  saw some not completed.

The first look at a job only sets the baseline (opening a job with 12 failures is not news). A look older
than the last one taken (two readers of the same job, answers crossing) is ignored, so one change is never
told twice; both changes of one look make one notification. Failures that keep coming are told at most
once every `FAILURE_QUIET` seconds per job: a rise within that time is held and told (summed) by the first
look after it, or with the job's completion. A fall (failed tasks rerun) lowers the count new failures
are measured from. `forget` drops a job's baseline when it is no longer watched, so changes made while
nobody watched are not told later as news.

Pure: no I/O, no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...service.models import TaskCounts

__all__ = ["JobKey", "Notice", "WatchBook"]

JobKey = tuple[str, str]  # (account, job id)


@dataclass(frozen=True)
class Notice:
    """A change worth telling: the job, what happened ("failed", "completed" or both), one plain line."""

    job: JobKey
    failed_more: int
    completed: bool
    message: str


FAILURE_QUIET = 30.0  # seconds between two failure notices of one job, at least


@dataclass(frozen=True)
class _Look:
    done: bool
    at: float
    told_failed: int  # the failed count new failures are counted from
    told_at: float | None  # when failures were last told


def _done(counts: TaskCounts) -> bool:
    return counts.total > 0 and counts.active == 0 and counts.running == 0


def _tasks(n: int) -> str:
    return f"{n} task" + ("" if n == 1 else "s")


class WatchBook:
    """The jobs marked for watching, and the last look at every watched job."""

    def __init__(self) -> None:
        self.marked: set[JobKey] = set()
        self._looks: dict[JobKey, _Look] = {}

    def toggle(self, job: JobKey) -> bool:
        """Mark or unmark `job`; True when it is now marked."""
        if job in self.marked:
            self.marked.discard(job)
            return False
        self.marked.add(job)
        return True

    def forget(self, job: JobKey) -> None:
        """Drop the job's baseline (it is no longer watched)."""
        self._looks.pop(job, None)

    def seen(self, job: JobKey) -> bool:
        """Whether the job has a baseline."""
        return job in self._looks

    def observe(self, job: JobKey, counts: TaskCounts, at: float) -> Notice | None:
        """A look at `job`'s taskcounts taken at `at` (seconds, any monotonic clock): the notice it
        deserves, or None."""
        before = self._looks.get(job)
        if before is not None and at < before.at:
            return None
        done = _done(counts)
        if before is None:
            self._looks[job] = _Look(done, at, counts.failed, None)
            return None
        since = min(before.told_failed, counts.failed)
        more = counts.failed - since
        completed = done and not before.done
        due = before.told_at is None or at - before.told_at >= FAILURE_QUIET
        if not (more and (due or completed)):
            more = 0
        told_at = at if more else before.told_at
        self._looks[job] = _Look(done, at, since + more, told_at)
        if not more and not completed:
            return None
        name = job[1]
        parts = []
        if completed:
            parts.append(f"job {name} completed: {counts.succeeded} succeeded, {counts.failed} failed "
                         f"of {_tasks(counts.total)}")
        if more:
            plural = "" if more == 1 else "s"
            failed = f"{_tasks(more)} failed" if completed else f"job {name}: {more} more task{plural} failed"
            parts.append(failed + ("" if completed else f" ({counts.failed} failed of {counts.total})"))
        return Notice(job, more, completed, "; ".join(parts))
