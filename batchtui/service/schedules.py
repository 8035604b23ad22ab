"""Job schedules: the rows the explorer lists, the jobs a schedule created, and
the operations on a schedule (enable, disable, terminate, delete; creating one
from a file is `batchtui.create`'s).

Batch names the jobs a schedule creates `SCHEDULE:job-N`; a job id of one's
own cannot hold a `:`, so the id alone says which schedule made a job
(`schedule_of`). Every failure is a ServiceError.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .client import BatchService
from .errors import from_exception
from .models import JobRow, RestDict, parse_time, path_segment

SCHEDULE_JOB_MARK = ":job-"


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
    """The account's job schedules, in id order."""
    out: list[ScheduleRow] = []
    async for page in service.pages("/jobschedules"):
        out.extend(ScheduleRow.from_rest(d) for d in page)
    return out


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

