"""The pure figures behind the nodes health view, the progress line, stragglers and notifications:
`service.task_stats`, `service.progress`, `service.node_health`, `ui.model.watch_book`,
`ui.model.terminal_notify`."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from math import comb

import pytest

from batchtui.service.models import NodeRow, TaskCounts, TaskRow
from batchtui.service.node_health import MIN_SPREAD, assess, binomial_tail
from batchtui.service.progress import HOUR_BUCKETS, pace, quantile, straggler_threshold, stragglers
from batchtui.service.task_stats import NodeTally, TaskStats
from batchtui.ui.model.terminal_notify import Method, choose, sequence
from batchtui.ui.model.watch_book import WatchBook

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def row(task_id: str, state: str = "completed", *, node: str | None = "n1", start: float | None = 0.0,
        seconds: float | None = 10.0, failed: bool = False) -> TaskRow:
    start_time = T0 + timedelta(seconds=start) if start is not None else None
    end_time = None
    if state == "completed" and start_time is not None and seconds is not None:
        end_time = start_time + timedelta(seconds=seconds)
    done = state == "completed"
    return TaskRow(id=task_id, job_id="j", state=state, exit_code=(1 if failed else 0) if done else None,
                   result=("failure" if failed else "success") if done else None,
                   failure_code=None, node_id=node, creation_time=T0, state_transition_time=end_time or start_time,
                   start_time=start_time, end_time=end_time, retry_count=0, requeue_count=0)


def node(node_id: str, start_state: str = "completed", exit_code: int | None = 0) -> NodeRow:
    return NodeRow(id=node_id, pool_id="p", state="idle", scheduling_state="enabled", is_dedicated=True,
                   running_tasks=0, running_slots=0, total_tasks_run=0, total_tasks_succeeded=0, ip_address="",
                   state_transition_time=T0, start_task_state=start_state, start_task_exit_code=exit_code)


def at(seconds: float) -> float:
    return (T0 + timedelta(seconds=seconds)).timestamp()


# -- TaskStats --------------------------------------------------------------------------------

def test_stats_follow_a_task_from_running_to_completed_and_a_rerun():
    stats = TaskStats()
    stats.update([row("a", "running", start=0), row("b", seconds=5), row("c", "active", start=None)])
    assert [r.id for r in stats.running()] == ["a"] and stats.finished == 1 and stats.durations == [5.0]
    stats.update([row("a", seconds=20, failed=True)])
    assert stats.running() == [] and stats.finished == 2 and stats.failed == 1 and stats.durations == [5.0, 20.0]
    stats.update([row("a", "active", start=None)])  # reactivated: no longer finished
    assert stats.finished == 1 and stats.failed == 0 and stats.durations == [5.0]


def test_a_full_listing_drops_tasks_it_did_not_mention():
    stats = TaskStats()
    stats.begin_listing()
    stats.update([row("a"), row("b", "running")])
    stats.end_listing()
    assert stats.complete and stats.finished == 1
    stats.begin_listing()
    stats.update([row("b", seconds=3)])
    stats.end_listing()
    assert stats.finished == 1 and stats.durations == [3.0] and stats.running() == []


def test_a_full_listing_whose_lister_keeps_the_ids_drops_the_same_tasks():
    """The explorer's task tracker keeps the ids a listing mentions (`Batch.listed`): the figures read that
    set, growing page by page, rather than keeping one of their own."""
    stats = TaskStats()
    stats.take([row("a"), row("b", "running"), row("c")], full=True, start=True, final=True)
    listed: set[str] = {"b"}
    stats.take([row("b", seconds=3)], full=True, start=True, final=False, listed=listed)
    listed.add("c")
    stats.take([row("c", seconds=4)], full=True, start=False, final=False, listed=listed)
    assert listed == {"b", "c"}  # (read, not written)
    stats.take([], full=True, start=False, final=True, listed=listed)
    assert stats.complete and stats.finished == 2 and stats.durations == [3.0, 4.0] and stats.running() == []


def test_completions_by_end_time_and_per_node_tallies():
    stats = TaskStats()
    stats.update([row("a", start=0, seconds=10), row("b", start=0, seconds=70, node="n2", failed=True),
                  row("c", "running", start=5, node="n2"), row("d", start=0, seconds=10, node=None)])
    assert stats.completions_between(at(0), at(11)) == 2 and stats.completions_until(at(70)) == 3
    tallies = stats.by_node()
    assert tallies["n1"] == NodeTally("n1", finished=1, failed=0, running=0, durations=[10.0])
    assert tallies["n2"] == NodeTally("n2", finished=1, failed=1, running=1, durations=[70.0])


# -- pace and stragglers ----------------------------------------------------------------------

def test_quantile_is_the_nearest_rank():
    values = [float(v) for v in range(1, 21)]
    assert quantile(values, 0.95) == 19.0 and quantile(values, 0.5) == 10.0 and quantile([], 0.5) is None


def test_throughput_eta_and_the_last_hour():
    stats = TaskStats()
    # 30 tasks finished one every 20 s over the last 10 minutes; the job started 20 minutes ago.
    stats.update([row("first", start=-600, seconds=1)])
    stats.update([row(f"t{i}", start=600 + 20 * i - 5, seconds=5) for i in range(30)])
    now = at(1200)
    result = pace(stats, TaskCounts(active=50, running=10, completed=31, succeeded=31), now)
    assert result.per_minute == pytest.approx(3.0)
    assert result.eta_seconds == pytest.approx(60 / 3.0 * 60)
    assert len(result.last_hour) == HOUR_BUCKETS and sum(result.last_hour) == 31
    assert result.last_hour[-1] == stats.completions_between(now // 60 * 60, now + 60)


def test_no_throughput_over_a_short_window_and_no_eta_without_completions():
    stats = TaskStats()
    stats.update([row("a", "running", start=0)])
    assert pace(stats, TaskCounts(active=3, running=1), at(5)).per_minute is None
    later = pace(stats, TaskCounts(active=3, running=1), at(120))
    assert later.per_minute == 0.0 and later.eta_seconds is None
    done = pace(stats, TaskCounts(completed=4, succeeded=4), at(120))
    assert done.eta_seconds == 0.0


def test_stragglers_are_running_tasks_past_the_p95_plus_tolerance():
    stats = TaskStats()
    stats.update([row(f"t{i:02d}", start=0, seconds=10.0 + i) for i in range(20)])  # p95 = 28 s
    stats.update([row("late", "running", start=100), row("fine", "running", start=110)])
    assert straggler_threshold(stats) == pytest.approx(29.0)
    assert stragglers(stats, at(128.5)) == set()  # late has run 28.5 s: not past 29 s yet
    assert stragglers(stats, at(129.5)) == {"late"}  # 29.5 s; fine has run 19.5 s
    assert stragglers(stats, at(139.5)) == {"late", "fine"}
    few = TaskStats()
    few.update([row(f"t{i}", seconds=1) for i in range(9)] + [row("r", "running", start=0)])
    assert straggler_threshold(few) is None and stragglers(few, at(1000)) == set()


# -- node health ------------------------------------------------------------------------------

def test_binomial_tail_matches_the_sum_of_terms():
    rng = random.Random(7)
    for _ in range(500):
        n = rng.randint(1, 120)
        k = rng.randint(0, n + 1)
        p = rng.random()
        exact = sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1)) if k <= n else 0.0
        assert binomial_tail(k, n, p) == pytest.approx(exact, rel=1e-9, abs=1e-12)
    assert binomial_tail(500, 100_000, 0.004) == pytest.approx(7.7e-7, rel=0.01)  # large n, few terms


def _tallies(spec: dict[str, tuple[int, int, float]]) -> tuple[list[NodeTally], list[float]]:
    tallies, durations = [], []
    for node_id, (finished, failed, seconds) in spec.items():
        spread = [seconds * (1 + 0.02 * (i % 5)) for i in range(finished)]
        tallies.append(NodeTally(node_id, finished, failed, 0, spread))
        durations.extend(spread)
    return tallies, sorted(durations)


def test_a_node_failing_everything_is_flagged_and_the_others_are_not():
    tallies, durations = _tallies({"bad": (20, 20, 0.1), "good-1": (10, 0, 30.0), "good-2": (10, 1, 30.0)})
    health = assess(tallies, durations, [node("bad"), node("good-1"), node("good-2")])
    assert [h.node_id for h in health.flagged] == ["bad"]
    bad = health.nodes[0]
    assert bad.failing and not bad.slow and bad.failure_rate == 1.0 and bad.p_value is not None
    assert "20 of 20 tasks failed" in bad.why[0] and "binomial" in bad.why[0]
    assert health.tested == 3 and health.nodes[0].node is not None


def test_failures_spread_evenly_flag_nobody():
    rng = random.Random(3)
    spec = {f"n{i}": (40, sum(rng.random() < 0.15 for _ in range(40)), 20.0) for i in range(12)}
    tallies, durations = _tallies(spec)
    assert assess(tallies, durations).flagged == ()


def test_few_tasks_or_a_lone_node_are_not_judged():
    tallies, durations = _tallies({"bad": (2, 2, 1.0), "good": (30, 0, 1.0)})
    assert assess(tallies, durations).flagged == ()
    alone, durations = _tallies({"only": (30, 30, 1.0)})
    assert assess(alone, durations).flagged == () and assess(alone, durations).tested == 0


def test_a_slow_node_is_flagged_by_its_median_against_the_spread():
    tallies, durations = _tallies({"slow": (8, 0, 300.0), **{f"n{i}": (20, 0, 60.0) for i in range(4)}})
    health = assess(tallies, durations)
    assert [h.node_id for h in health.flagged] == ["slow"]
    assert health.nodes[0].slow and health.nodes[0].why[0].startswith("slow: median 5.2m over 8 tasks")
    # Sub-second jobs: differences under the MIN_SPREAD floor are jitter, not slowness.
    quick, durations = _tallies({"a": (20, 0, 0.3), "b": (20, 0, 0.9), "c": (20, 0, 0.3)})
    health = assess(quick, durations)
    assert health.flagged == () and health.spread_seconds == MIN_SPREAD


def test_pool_nodes_that_ran_nothing_are_listed_unflagged_with_their_start_task():
    tallies, durations = _tallies({"a": (5, 0, 1.0)})
    health = assess(tallies, durations, [node("a"), node("idle", "completed", 1)])
    idle = next(h for h in health.nodes if h.node_id == "idle")
    assert idle.finished == 0 and not idle.flagged and idle.node is not None and idle.node.start_task_exit_code == 1


# -- watching and notifications ---------------------------------------------------------------

def test_a_rise_in_failures_is_told_once_and_the_first_look_is_the_baseline():
    book = WatchBook()
    job = ("acct", "j")
    assert book.observe(job, TaskCounts(active=5, failed=2, completed=2), 1.0) is None
    notice = book.observe(job, TaskCounts(active=4, completed=3, failed=3), 2.0)
    assert notice is not None and notice.failed_more == 1 and not notice.completed
    assert notice.message == "job j: 1 more task failed (3 failed of 7)"
    assert book.observe(job, TaskCounts(active=4, completed=3, failed=3), 3.0) is None
    assert book.observe(job, TaskCounts(active=5, completed=2, failed=2), 1.5) is None  # an older look


def test_completion_is_told_once_with_the_failures_of_the_same_look():
    book = WatchBook()
    job = ("acct", "j")
    book.observe(job, TaskCounts(running=1, completed=3, succeeded=3), 1.0)
    notice = book.observe(job, TaskCounts(completed=4, succeeded=3, failed=1), 2.0)
    assert notice is not None and notice.completed and notice.failed_more == 1
    assert notice.message == "job j completed: 3 succeeded, 1 failed of 4 tasks; 1 task failed"
    assert book.observe(job, TaskCounts(completed=4, succeeded=3, failed=1), 3.0) is None
    book.forget(job)
    assert not book.seen(job) and book.observe(job, TaskCounts(completed=5, failed=2), 4.0) is None


def test_the_method_follows_the_setting_then_the_terminal():
    assert choose({"TERM_PROGRAM": "iTerm.app"}) == Method(bell=True, osc="osc9")
    assert choose({"TERM_PROGRAM": "WezTerm"}).osc == "osc777"
    assert choose({"VTE_VERSION": "7600", "TERM": "xterm-256color"}).osc == "osc777"
    assert choose({"TERM": "xterm-kitty"}).osc == "osc99"
    assert choose({"TERM_PROGRAM": "iTerm.app", "TMUX": "/tmp/tmux-1/default,1,0"}) == Method(bell=True)
    assert choose({"TERM": "xterm-256color"}) == Method(bell=True)
    assert choose({"BATCHTUI_NOTIFY": "off", "TERM_PROGRAM": "iTerm.app"}) == Method(bell=False)
    assert choose({"BATCHTUI_NOTIFY": "osc777", "TMUX": "x"}) == Method(bell=True, osc="osc777", tmux=True)
    odd = choose({"BATCHTUI_NOTIFY": "loud"})
    assert odd.bell and odd.problem is not None and "loud" in odd.problem


def test_sequences_are_inert_inside():
    evil = "job \x1b]52;c;aGk=\x07 [/x];7\x9b"
    osc9 = sequence(Method(bell=True, osc="osc9"), "batchtui", evil)
    assert osc9.startswith("\x07\x1b]9;batchtui: job ") and osc9.endswith("\x07")
    assert "\x1b" not in osc9[3:-1] and "\x07" not in osc9[1:-1] and "\x9b" not in osc9
    osc777 = sequence(Method(bell=False, osc="osc777"), "a;b", "c;d")
    assert osc777 == "\x1b]777;notify;a,b;c,d\x07"
    assert sequence(Method(bell=False, osc="osc9"), "", "9;4;1").startswith("\x1b]9;batchtui: ")
    wrapped = sequence(Method(bell=True, osc="osc9", tmux=True), "t", "b")
    assert wrapped == "\x07\x1bPtmux;\x1b\x1b]9;t: b\x07\x1b\\"
    assert sequence(Method(bell=False), "t", "b") == ""
    assert len(sequence(Method(bell=False, osc="osc9"), "t", "x" * 1000)) < 220


def test_a_job_with_no_completion_for_long_has_stalled_and_no_eta():
    stats = TaskStats()
    stats.update([row(f"t{i}", start=i, seconds=1) for i in range(30)])  # 30 done by t = 30 s: 30/min
    stats.update([row("slow", "running", start=30)])
    going = pace(stats, TaskCounts(running=1, completed=30, succeeded=30), at(35))
    assert going.stalled_seconds is None and going.eta_seconds is not None
    # After 3 mean gaps (3 × 2 s here) but under STALL_MIN (10 s): still an ETA; past both: stalled.
    assert pace(stats, TaskCounts(running=1, completed=30, succeeded=30), at(39)).stalled_seconds is None
    stalled = pace(stats, TaskCounts(running=1, completed=30, succeeded=30), at(45))
    assert stalled.eta_seconds is None and stalled.stalled_seconds == pytest.approx(15.0)


# -- the progress line ------------------------------------------------------------------------

def test_sparkline_sums_buckets_into_cells_and_scales_to_the_top():
    from batchtui.ui.widgets.progress_line import sparkline

    assert sparkline((0,) * 60, 12) == "▁" * 12
    line = sparkline(tuple([0] * 55 + [1, 1, 1, 1, 10]), 12)
    assert len(line) == 12 and line[:11] == "▁" * 11 and line[-1] == "█"
    assert sparkline((1, 2, 3, 4), 4) == "▄▅▆█"


def test_the_progress_line_fits_its_width():
    from batchtui.service.progress import Pace
    from batchtui.ui.widgets.progress_line import PaceView, progress_text

    view = PaceView(Pace(12.4, 300.0, 62, tuple([1] * 60)), stragglers=2, threshold=38.0)
    wide = progress_text(view, 110).plain
    assert wide.startswith("12/min  ETA 5m00s  ") and "  " + "█" * 30 + " last hour  " in wide
    assert wide.endswith("▶ 2 stragglers > 38s")
    assert "  " + "█" * 6 + " last hour  " in progress_text(view, 60).plain
    assert progress_text(view, 50).plain == "12/min  ETA 5m00s  ▶ 2 stragglers > 38s"  # no room for it
    assert "▶ 2 stragglers" in progress_text(view, 40).plain
    assert progress_text(PaceView(Pace(None, None, 3, (0,) * 60)), 80).plain.startswith("rate measuring…")
    assert progress_text(PaceView(Pace(None, 0.0, 0, (0,) * 60)), 80).plain.startswith("all done")
    stalled = PaceView(Pace(3.0, None, 4, (0,) * 60, stalled_seconds=75))
    assert "ETA — none done for 1m15s" in progress_text(stalled, 80).plain
    assert progress_text(PaceView(None, note="why not"), 80).plain == "why not"


def test_failures_that_keep_coming_are_told_once_per_quiet_time_and_a_rerun_resets_the_count():
    from batchtui.ui.model.watch_book import FAILURE_QUIET

    book = WatchBook()
    job = ("acct", "j")
    book.observe(job, TaskCounts(active=10), 0.0)
    assert book.observe(job, TaskCounts(active=9, completed=1, failed=1), 1.0).failed_more == 1
    assert book.observe(job, TaskCounts(active=7, completed=3, failed=3), 5.0) is None  # held
    assert book.observe(job, TaskCounts(active=6, completed=4, failed=3), 10.0) is None
    held = book.observe(job, TaskCounts(active=6, completed=4, failed=3), 1.0 + FAILURE_QUIET)
    assert held is not None and held.message == "job j: 2 more tasks failed (3 failed of 10)"
    assert book.observe(job, TaskCounts(active=9, completed=1, failed=0), 40.0) is None  # rerun: 3 → 0
    again = book.observe(job, TaskCounts(active=8, completed=2, failed=1), 80.0)
    assert again is not None and again.failed_more == 1
    book.observe(job, TaskCounts(active=1, completed=9, failed=2), 81.0)  # held
    last = book.observe(job, TaskCounts(completed=10, succeeded=8, failed=2), 82.0)
    assert last is not None and last.completed and last.failed_more == 1  # told with the completion


def test_ids_and_messages_in_the_nodes_health_view_are_plain_text():
    from batchtui.service.node_health import NodeHealth
    from batchtui.ui.node_health_view import health_row, job_line, why_line

    evil = "tvm-[/x]\x1b]0;t\x07"
    health = NodeHealth(evil, 4, 4, 0, 1.0, 2.0, 1e-9, True, False, ("failing: 4 of 4 tasks failed",),
                        node("n", "completed", 0))
    row = health_row(health, 1.0)
    assert row.cells[0] == "tvm-[/x]^[]0;t^G" and str(row.cells[1]) == "✗ failing"
    assert "^[" in why_line(health).plain and "\x1b" not in why_line(health).plain
    line = job_line("[bold]j\x1b", "p", assess([NodeTally("a", 3, 0, 0, [1.0, 1.0, 1.0])], [1.0, 1.0, 1.0]))
    assert line.plain.startswith("job [bold]j^[ on pool p") and "\x1b" not in line.plain


def test_equal_durations_are_counted_apart_and_a_row_told_again_changes_nothing():
    stats = TaskStats()
    stats.update([row("a", seconds=5), row("b", seconds=5), row("c", seconds=2)])
    assert stats.durations == [2.0, 5.0, 5.0]
    stats.update([row("a", seconds=5)])  # the same row again (refreshes overlap)
    assert stats.durations == [2.0, 5.0, 5.0] and stats.finished == 3
    stats.update([row("a", "active", start=None), row("d", seconds=1), row("b", seconds=7)])
    assert stats.durations == [1.0, 2.0, 7.0] and stats.completions_until(at(10)) == 3
