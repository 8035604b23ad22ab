"""A job schedule's NEXT RUN as the schedules table shows it: a due run whose recent job is still
unfinished waits for it ("after job-3": Batch creates no job while the previous one runs), and a
disabled or ended schedule has no next run ("—"). On the row model, no emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from batchtui.service.schedules import ScheduleRow
from batchtui.ui.views import schedule_row
from batchtui.ui.widgets.details import render_details

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def row(state: str = "active", next_run: datetime | None = NOW - timedelta(minutes=5),
        job_state: str = "") -> ScheduleRow:
    base = ScheduleRow.from_rest({
        "id": "nightly", "state": state,
        "executionInfo": {"nextRunTime": next_run.isoformat() if next_run else None,
                          "recentJob": {"id": "nightly:job-3"}},
        "schedule": {"recurrenceInterval": "PT1H"}})
    return ScheduleRow(**{**{f: getattr(base, f) for f in base.__slots__}, "recent_job_state": job_state})


def next_cell(schedule: ScheduleRow) -> str:
    return str(schedule_row(schedule, NOW).cells[2])


def test_a_due_run_waits_for_the_unfinished_recent_job():
    waiting = row(job_state="active")
    assert waiting.waits_for(NOW) == "nightly:job-3"
    assert next_cell(waiting) == "after job-3"
    assert row(job_state="terminating").waits_for(NOW) == "nightly:job-3"


def test_a_due_run_whose_job_ended_or_a_future_run_shows_its_time():
    assert row(job_state="completed").waits_for(NOW) == ""
    assert next_cell(row(job_state="completed")) == "11:55:00"
    future = row(next_run=NOW + timedelta(minutes=5), job_state="active")
    assert future.waits_for(NOW) == "" and next_cell(future) == "12:05:00"


def test_a_disabled_or_ended_schedule_has_no_next_run():
    for state in ("disabled", "completed", "terminating"):
        schedule = row(state=state, job_state="active")
        assert schedule.next_run is None and schedule.waits_for(NOW) == ""
        assert next_cell(schedule) == "—"
    assert next_cell(row(next_run=None)) == "—"


def test_the_details_pane_says_the_same():
    doc = {"id": "nightly", "state": "disabled", "executionInfo": {
        "nextRunTime": "2026-11-30T12:05:00Z", "recentJob": {"id": "nightly:job-3"}}}
    assert "next run      —" in render_details("schedules", doc, UTC).plain
    past = {**doc, "state": "active", "executionInfo": {**doc["executionInfo"], "nextRunTime": "2020-01-01T00:00:00Z"}}
    assert "due: created once nightly:job-3 ends" in render_details("schedules", past, UTC).plain


class FakeService:
    """`pages` and `get_json` of a BatchService: two schedules, one due with an active recent job."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, str] | None]] = []

    async def pages(self, path, params=None):
        due = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        yield [{"id": "a", "state": "active", "executionInfo": {"nextRunTime": due, "recentJob": {"id": "a:job-1"}}},
               {"id": "b", "state": "active", "executionInfo": {"nextRunTime": later, "recentJob": {"id": "b:job-1"}}}]

    async def get_json(self, path, params=None):
        self.asked.append((path, params))
        return {"id": "a:job-1", "state": "active"}


async def test_list_schedules_asks_the_state_of_a_due_runs_job_only():
    from batchtui.service.schedules import list_schedules

    service = FakeService()
    rows = await list_schedules(service)  # type: ignore[arg-type]
    assert [r.recent_job_state for r in rows] == ["active", ""]
    assert service.asked == [("/jobs/a:job-1", {"$select": "id,state"})]
    assert rows[0].waits_for(datetime.now(UTC)) == "a:job-1"
