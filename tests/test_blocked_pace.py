"""A job whose remaining tasks wait on failed ones never ends: the pace line says so instead of an ETA
(the reviewer's `5.9/min ETA 20s`, then `ETA 13m00s`, growing), and with some tasks blocked the ETA counts
only the tasks that can still run. `DependencyBook.blocked`, `service.progress.pace`, `progress_text`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from batchtui.service.models import TaskCounts, TaskRow
from batchtui.service.progress import pace
from batchtui.service.task_dependencies import DependencyBook
from batchtui.service.task_stats import TaskStats
from batchtui.ui.widgets.progress_line import PaceView, progress_text

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def task(task_id: str, state: str = "active", result: str | None = None, **extra) -> TaskRow:
    doc = {"id": task_id, "state": state, "executionInfo": {}, **extra}
    if result:
        doc["executionInfo"] = {"result": result, "exitCode": int(result != "success"),
                                "startTime": T0.isoformat(), "endTime": (T0 + timedelta(seconds=10)).isoformat()}
    return TaskRow.from_rest("j", doc)


def test_the_book_counts_tasks_blocked_for_good_through_chains():
    book = DependencyBook()
    book.take([task("a", "completed", "failure"), task("ok", "completed", "success"),
               task("b", dependsOn={"taskIds": ["a"]}), task("c", dependsOn={"taskIds": ["b"]}),
               task("d", dependsOn={"taskIds": ["ok"]}), task("e", dependsOn={"taskIds": ["x"]})])
    assert book.blocked() == {"b", "c"}  # c waits on b, which never runs; d may run, e waits on a missing task
    book.take([task("a", "active")])  # a reactivated: nothing blocked any more
    assert book.blocked() == frozenset()


def figures(active: int, running: int, blocked: int):
    stats = TaskStats()
    stats.update([task(f"t{i}", "completed", "success") for i in range(6)])
    counts = TaskCounts(active=active, running=running, completed=6, succeeded=6, failed=0)
    return pace(stats, counts, (T0 + timedelta(seconds=20)).timestamp(), blocked)


def test_every_remaining_task_blocked_shows_no_eta():
    line = figures(active=2, running=0, blocked=2)
    assert line.eta_seconds is None and line.all_blocked
    text = progress_text(PaceView(line), 100).plain
    assert text.startswith("blocked: 2 tasks wait on failed tasks") and "ETA" not in text


def test_some_blocked_the_eta_counts_the_tasks_that_can_run():
    whole, part = figures(active=4, running=2, blocked=0), figures(active=4, running=2, blocked=3)
    assert whole.eta_seconds is not None and part.eta_seconds is not None
    assert part.eta_seconds == whole.eta_seconds * 3 / 6
    text = progress_text(PaceView(part), 100).plain
    assert "ETA " in text and ", 3 tasks blocked" in text
