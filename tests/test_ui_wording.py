"""Counts in words (singular for one), and confirmations that say what else happens."""

from __future__ import annotations

from dataclasses import dataclass

from batchtui.service.models import NodeCounts, TaskCounts
from batchtui.ui.actions import ACTIONS, describe
from batchtui.ui.summaries import jobs_overview, pools_overview
from batchtui.ui.views import JOBS, SCHEDULES, ViewKey


@dataclass
class _Job:
    state: str
    counts: TaskCounts | None = None


def test_the_jobs_summary_says_one_job():
    assert jobs_overview([_Job("active")]).choices[0].plain == "1 job  active 1"
    assert jobs_overview([_Job("active"), _Job("completed")]).choices[0].plain.startswith("2 jobs  ")
    failing = jobs_overview([_Job("active", TaskCounts(completed=1, failed=1))])
    assert [v.plain for v in failing.choices] == ["✗ 1 with failed tasks  1 job  active 1",
                                                   "✗ 1 with failed tasks  1 job"]


def test_the_pools_summary_says_one_pool_and_one_node():
    assert pools_overview({}).choices[-1].plain == "0 pools, 0 nodes"
    one = pools_overview({"p": NodeCounts("p", {"idle": 1, "total": 1})})
    assert one.choices[-1].plain == "1 pool, 1 node  idle 1"


def test_the_terminate_schedule_confirmation_says_its_active_job_ends_too():
    view = ViewKey("emu", SCHEDULES)
    text = describe(ACTIONS["terminate_schedule"], view, ["nightly"])
    assert text.splitlines()[0] == "Terminate 1 job schedule?"
    assert "its active job, if any, is terminated too" in text
    assert describe(ACTIONS["enable_job"], ViewKey("emu", JOBS), ["j"]) == "Enable 1 job?\nj"
