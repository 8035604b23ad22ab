"""Job schedules as the engine moves them on each tick, by the service's clock
(formats.utcnow, which `--clock-rate` speeds up).

What Batch documents (BatchJobScheduleConfiguration, BatchJobScheduleState):
- a run is due at doNotRunUntil (or at once), then every recurrenceInterval
  after the previous due time; each run creates a job `SCHEDULE:job-N` (N from
  1) from the jobSpecification;
- at most one active job at a time: a run that comes while the previous job is
  not completed waits for it, up to startWindow after the due time (default:
  no limit); a run not started in its window, or overtaken by the next
  recurrence, is lost (not carried forward);
- with no recurrenceInterval one job is created and the schedule completes as
  soon as that job finishes;
- past doNotRunAfter no job is created, and the schedule completes as soon as
  it has no active job;
- terminate: terminating (its active job is terminated too) until no job of it
  is active, then completed; delete: deleting until all its jobs are deleted,
  then gone. A completed or deleted schedule gives back its auto pool.

executionInfo: nextRunTime (absent once no run is coming), recentJob {id} (the
URL is added when rendered), endTime (once completed). Bookkeeping: `_runs`
(jobs created so far)."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import auto_pools
from .formats import iso, now_iso, parse_duration, parse_iso, utcnow
from .job_lifecycle import JobLifecycle
from .resources import set_state
from .store import Doc, Store

JOB_SEPARATOR = ":job-"
ENDED_JOB_STATES = ("completed",)


def schedule_job_prefix(schedule_id: str) -> str:
    """The id prefix of the jobs a schedule creates (`SCHEDULE:job-`)."""
    return schedule_id + JOB_SEPARATOR


def _seconds(schedule: Doc, name: str) -> float | None:
    value = schedule["schedule"].get(name)
    return parse_duration(value) if value else None


class ScheduleLifecycle:
    def __init__(self, store: Store, jobs: JobLifecycle) -> None:
        self.store = store
        self.jobs = jobs

    def schedule_jobs(self, schedule_id: str) -> list[Doc]:
        """The jobs the schedule created that are still there, in id order."""
        prefix = schedule_job_prefix(schedule_id)
        return [job for job in self.store.jobs.values() if job["id"].startswith(prefix)]

    def _active_job(self, schedule: Doc) -> Doc | None:
        recent = schedule["executionInfo"].get("recentJob")
        job = self.store.jobs.get(recent["id"]) if recent else None
        return job if job is not None and job["state"] not in ENDED_JOB_STATES else None

    def advance(self, schedule: Doc) -> None:
        """One tick of the schedule's life."""
        state = schedule["state"]
        if state == "deleting":
            self._advance_deleting(schedule)
        elif state == "terminating":
            if self._active_job(schedule) is None:
                self._complete(schedule)
        elif state == "active":
            self._advance_active(schedule, utcnow())

    def _advance_deleting(self, schedule: Doc) -> None:
        remaining = self.schedule_jobs(schedule["id"])
        for job in remaining:
            if job["state"] != "deleting":
                set_state(job, "deleting")
                self.store.touch("job", job)
        if not remaining:
            auto_pools.release(self.store, schedule)
            self.store.delete("jobschedule", schedule["id"])

    def _advance_active(self, schedule: Doc, now: datetime) -> None:
        info = schedule["executionInfo"]
        active = self._active_job(schedule)
        after = schedule["schedule"].get("doNotRunAfter")
        due_text = info.get("nextRunTime")
        if due_text is None or (after and now > parse_iso(after)):
            if due_text is not None:
                info.pop("nextRunTime")
                self.store.touch("jobschedule", schedule)
            if active is None:
                self._complete(schedule)
            return
        due = parse_iso(due_text)
        if now < due:
            return
        interval = _seconds(schedule, "recurrenceInterval")
        if interval:  # an opportunity overtaken by a later recurrence is lost
            missed = int((now - due).total_seconds() // interval)
            due += timedelta(seconds=missed * interval)
        window = _seconds(schedule, "startWindow")
        in_window = window is None or now <= due + timedelta(seconds=window)
        if active is not None and in_window:
            if info["nextRunTime"] != iso(due):
                info["nextRunTime"] = iso(due)
                self.store.touch("jobschedule", schedule)
            return  # waits for the active job to finish
        if in_window:
            self._run(schedule)
        self._next(schedule, due, interval)

    def _next(self, schedule: Doc, due: datetime, interval: float | None) -> None:
        info = schedule["executionInfo"]
        after = schedule["schedule"].get("doNotRunAfter")
        following = due + timedelta(seconds=interval) if interval else None
        if following is None or (after and following > parse_iso(after)):
            info.pop("nextRunTime", None)
        else:
            info["nextRunTime"] = iso(following)
        self.store.touch("jobschedule", schedule)

    def _run(self, schedule: Doc) -> None:
        """Create the schedule's next job from its jobSpecification."""
        schedule["_runs"] = schedule.get("_runs", 0) + 1
        job_id = f"{schedule_job_prefix(schedule['id'])}{schedule['_runs']}"
        if job_id in self.store.jobs:  # left from an earlier run (cannot happen unless restored): skip it
            return
        self.jobs.create({"id": job_id, **schedule["jobSpecification"]}, schedule)
        schedule["executionInfo"]["recentJob"] = {"id": job_id}

    def terminate(self, schedule: Doc) -> None:
        """Terminating: no more runs; its active job is terminated; completed once that has ended."""
        set_state(schedule, "terminating")
        schedule["executionInfo"].pop("nextRunTime", None)
        active = self._active_job(schedule)
        if active is not None and active["state"] not in ("terminating", "deleting"):
            self.jobs.terminate(active, "UserTerminate")
        self.store.touch("jobschedule", schedule)

    def delete(self, schedule: Doc) -> None:
        """Deleting: its jobs are deleted, then the schedule goes."""
        set_state(schedule, "deleting")
        schedule["executionInfo"].pop("nextRunTime", None)
        self.store.touch("jobschedule", schedule)
        self._advance_deleting(schedule)

    def _complete(self, schedule: Doc) -> None:
        set_state(schedule, "completed")
        info = schedule["executionInfo"]
        info.pop("nextRunTime", None)
        info["endTime"] = now_iso()
        self.store.touch("jobschedule", schedule)
        auto_pools.release(self.store, schedule)
