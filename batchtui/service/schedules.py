"""Job schedules: the rows the explorer lists, the jobs a schedule created, and
the operations on a schedule (enable, disable, terminate, delete; creating one
from a file is `batchtui.create`'s).

Batch names the jobs a schedule creates `SCHEDULE:job-N`; a job id of one's
own cannot hold a `:`, so the id alone says which schedule made a job
(`schedule_of`). Every failure is a ServiceError.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from .client import BatchService
from .errors import ServiceError, from_exception
from .models import JobRow, RestDict, parse_time, path_segment

SCHEDULE_JOB_MARK = ":job-"
# A job in one of these states keeps its schedule's next job from being created (Batch waits for it to end).
UNFINISHED_JOB_STATES = frozenset({"active", "enabling", "disabling", "disabled", "terminating"})


def schedule_of(job_id: str) -> str | None:
    """The id of the job schedule that created job `job_id`, or None for a job of its own."""
    schedule, mark, number = job_id.rpartition(SCHEDULE_JOB_MARK)
    return schedule if mark and schedule and number.isdigit() else None


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One job schedule as the schedules table shows it. Times are UTC; `recurrence`
    and `start_window` are Batch's ISO 8601 durations ("" when not set)."""

    id: str
    state: str
    display_name: str
    next_run_time: datetime | None
    recent_job: str
    recurrence: str
    start_window: str
    do_not_run_until: datetime | None
    do_not_run_after: datetime | None
    pool_id: str
    creation_time: datetime | None
    end_time: datetime | None
    recent_job_state: str = ""  # the recent job's state, when asked for (`list_schedules`: a due run only)

    @property
    def next_run(self) -> datetime | None:
        """When the next job is created: None unless the schedule is active (a disabled schedule creates
        none until enabled, a completed or terminating one none at all)."""
        return self.next_run_time if self.state == "active" else None

    def waits_for(self, now: datetime) -> str:
        """The id of the recent job a due run (next run at or before `now`, aware) waits for, else "":
        Batch creates no job while the schedule's previous one is still unfinished."""
        due = self.next_run is not None and self.next_run <= now
        return self.recent_job if due and self.recent_job_state in UNFINISHED_JOB_STATES else ""

    @classmethod
    def from_rest(cls, d: RestDict) -> ScheduleRow:
        schedule = d.get("schedule") or {}
        info = d.get("executionInfo") or {}
        pool_info = (d.get("jobSpecification") or {}).get("poolInfo") or {}
        auto = pool_info.get("autoPoolSpecification")
        return cls(
            id=d["id"],
            state=d.get("state", ""),
            display_name=d.get("displayName") or "",
            next_run_time=parse_time(info.get("nextRunTime")),
            recent_job=(info.get("recentJob") or {}).get("id") or "",
            recurrence=schedule.get("recurrenceInterval") or "",
            start_window=schedule.get("startWindow") or "",
            do_not_run_until=parse_time(schedule.get("doNotRunUntil")),
            do_not_run_after=parse_time(schedule.get("doNotRunAfter")),
            pool_id=pool_info.get("poolId") or (f"auto ({auto.get('poolLifetimeOption', '')})" if auto else ""),
            creation_time=parse_time(d.get("creationTime")),
            end_time=parse_time(info.get("endTime")),
        )


async def list_schedules(service: BatchService) -> list[ScheduleRow]:
    """The account's job schedules, in id order; a schedule whose next run is due (past) also has its
    recent job's state (one request each: `ScheduleRow.waits_for`)."""
    out: list[ScheduleRow] = []
    async for page in service.pages("/jobschedules"):
        out.extend(ScheduleRow.from_rest(d) for d in page)
    now = datetime.now(UTC)
    due = [i for i, row in enumerate(out) if row.recent_job and row.next_run is not None and row.next_run <= now]
    states = await asyncio.gather(*(_job_state(service, out[i].recent_job) for i in due))
    for i, state in zip(due, states, strict=True):
        out[i] = replace(out[i], recent_job_state=state)
    return out


async def _job_state(service: BatchService, job_id: str) -> str:
    """The job's state ("" when it is gone or cannot be read: the row then shows the time alone)."""
    try:
        body = await service.get_json(f"/jobs/{path_segment(job_id)}", {"$select": "id,state"})
    except ServiceError:  # a row without the state is still a row
        return ""
    return str(body.get("state") or "")


async def has_schedules(service: BatchService) -> bool:
    """Whether the account has any job schedule (one request for at most one id)."""
    body = await service.get_json("/jobschedules", {"maxresults": "1", "$select": "id"})
    return bool(body.get("value"))


async def get_schedule(service: BatchService, schedule_id: str) -> RestDict:
    return await service.get_json(f"/jobschedules/{path_segment(schedule_id)}")


async def list_schedule_jobs(service: BatchService, schedule_id: str) -> list[JobRow]:
    """The jobs the schedule created that are still there (NOT_FOUND when the schedule is gone)."""
    out: list[JobRow] = []
    async for page in service.pages(f"/jobschedules/{path_segment(schedule_id)}/jobs"):
        out.extend(JobRow.from_rest(d) for d in page)
    return out


async def _call(coro: Any) -> None:
    try:
        await coro
    except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
        raise from_exception(exc) from None


async def enable_schedule(s: BatchService, schedule_id: str) -> None:
    await _call(s.sdk.enable_job_schedule(schedule_id))


async def disable_schedule(s: BatchService, schedule_id: str) -> None:
    await _call(s.sdk.disable_job_schedule(schedule_id))


async def terminate_schedule(s: BatchService, schedule_id: str) -> None:
    """Ends the schedule (terminating, then completed) and its active job; returns once accepted."""
    await _call(s.sdk.begin_terminate_job_schedule(schedule_id))


async def delete_schedule(s: BatchService, schedule_id: str) -> None:
    """Deletes the schedule and every job it created; returns once accepted."""
    await _call(s.sdk.begin_delete_job_schedule(schedule_id))

