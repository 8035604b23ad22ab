"""Batch's limits as people read them: its "unlimited" duration and retry count are
not shown as P10675199DT2H48M5.4775807S or -1 (issue 12, item 15)."""

from __future__ import annotations

import pytest

from batchtui.ui.format import limit, retries
from batchtui.ui.widgets.details import render_details

UNLIMITED = "P10675199DT2H48M5.4775807S"


@pytest.mark.parametrize("value, shown", [
    (UNLIMITED, "unlimited"), ("PT2H", "2h00m"), ("P7D", "7d00h"), ("PT90S", "1m30s"), ("PT0S", "0s"),
    ("P1DT2H3M4.5S", "1d02h"), ("not a duration", "not a duration"), (None, None),
])
def test_a_limit_reads_as_a_duration_or_unlimited(value, shown):
    assert limit(value) == shown


def test_retries_without_limit_read_unlimited():
    assert (retries(-1), retries(0), retries(3), retries(None)) == ("unlimited", "0", "3", None)


def _lines(text) -> list[str]:
    return [" ".join(line.split()) for line in text.plain.splitlines()]


def test_the_details_pane_shows_unlimited_for_a_job_and_a_task():
    job = render_details("jobs", {"id": "j", "state": "active",
                                  "constraints": {"maxWallClockTime": UNLIMITED, "maxTaskRetryCount": -1}})
    assert "wall clock unlimited" in _lines(job) and "max retries unlimited" in _lines(job)
    task = render_details("tasks", {"id": "t", "state": "active", "constraints": {
        "maxWallClockTime": "PT1H", "maxTaskRetryCount": -1}, "executionInfo": {"retryCount": 2}})
    assert "wall clock 1h00m" in _lines(task) and "retries 2 of unlimited" in _lines(task)
    assert UNLIMITED not in job.plain + task.plain
