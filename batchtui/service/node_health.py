"""Bad nodes: for each node a job's tasks ran on, how many ran, how many failed, how long they took, and
whether the node stands out, by two stated rules rather than fixed thresholds.

**Failing** (too many failures for chance). A node with `n >= MIN_TASKS` completed tasks, `f` of them
failed, is compared with the job's *other* nodes: their failure rate, smoothed so that a clean record is
not read as "never fails" (Jeffreys: ``p0 = (F_other + 0.5) / (N_other + 1)``). If the node failed no
more often than the others might by chance, its failures follow Binomial(n, p0); the node is flagged when
``f / n > p0`` and the one-sided exact tail ``P(X >= f) < ALPHA / m``, where `m` is the number of nodes
tested (Bonferroni: over a whole pool, a false flag stays below `ALPHA` = 1 %). A node alone in its job has
nothing to be compared with and is never flagged.

**Slow** (durations out of line). With the job's completed-task durations' median `M` and median
absolute deviation `MAD`, the spread is ``S = max(1.4826 * MAD, SPREAD_FRACTION * M, MIN_SPREAD)``
(1.4826 × MAD estimates a standard deviation robustly, so slow tasks or nodes barely move it; the floors
keep identical durations from making every jitter "slow"). A node with `n >= MIN_TASKS` completed tasks
is flagged when its median duration exceeds ``M + SLOW_K * S``.

A node's start task (from the pool's node list) is shown alongside: a start task that failed often
explains a failing node. Pure: no I/O, no Textual.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median

from .models import NodeRow
from .task_stats import NodeTally

__all__ = ["JobHealth", "NodeHealth", "assess", "binomial_tail", "describe_rules"]

MIN_TASKS = 3  # completed tasks a node needs before it is judged
ALPHA = 0.01  # the chance of flagging any good node of the job (family-wise, Bonferroni)
SLOW_K = 3.0
MAD_SCALE = 1.4826  # MAD → standard deviation, for normally distributed durations
SPREAD_FRACTION = 0.05  # of the median
MIN_SPREAD = 1.0  # seconds


@dataclass(frozen=True, slots=True)
class NodeHealth:
    """One node's figures. failure_rate: failed / finished (None without finished tasks); median_seconds:
    of its completed tasks' durations (None without any); p_value: of the failure test (None when not
    tested); failing / slow: the rules' verdicts; why: one line per flag; node: the node as the pool lists
    it (None: no longer in the pool)."""

    node_id: str
    finished: int
    failed: int
    running: int
    failure_rate: float | None
    median_seconds: float | None
    p_value: float | None
    failing: bool
    slow: bool
    why: tuple[str, ...]
    node: NodeRow | None

    @property
    def flagged(self) -> bool:
        return self.failing or self.slow


@dataclass(frozen=True, slots=True)
class JobHealth:
    """The job's figures and its nodes, flagged ones first (then by failure rate, then id).
    median_seconds / spread_seconds: the job's median duration and spread S (None without durations);
    slow_above: durations a node's median must exceed to be slow (None without durations); tested: nodes
    with enough tasks to be judged (the Bonferroni `m`)."""

    finished: int
    failed: int
    median_seconds: float | None
    spread_seconds: float | None
    slow_above: float | None
    tested: int
    nodes: tuple[NodeHealth, ...]

    @property
    def flagged(self) -> tuple[NodeHealth, ...]:
        return tuple(n for n in self.nodes if n.flagged)


def _log_term(i: int, n: int, log_p: float, log_q: float) -> float:
    return math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q


def _sum_away_from_mode(first: int, step: int, n: int, log_p: float, log_q: float) -> float:
    """Σ P(X = i) for i = first, first + step, ... to the end of the range, `first` being on the far side
    of the mode (so the terms only shrink): stops once they no longer count."""
    log_first = _log_term(first, n, log_p, log_q)
    total, log_t, i = 1.0, 0.0, first
    while 0 <= i + step <= n:
        if step > 0:
            log_t += math.log(n - i) - math.log(i + 1) + log_p - log_q
        else:
            log_t += math.log(i) - math.log(n - i + 1) - log_p + log_q
        i += step
        term = math.exp(log_t)
        total += term
        if term < 1e-17 * total:
            break
    return math.exp(log_first) * total


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), exactly: the terms are summed from the one nearest the mode
    outwards, in log space, until they stop counting (no overflow, O(sqrt n) terms for large n)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    if k > n * p:
        return min(1.0, _sum_away_from_mode(k, 1, n, log_p, log_q))
    return max(0.0, 1.0 - _sum_away_from_mode(k - 1, -1, n, log_p, log_q))


def _spread(durations: list[float]) -> tuple[float | None, float | None]:
    if not durations:
        return None, None
    middle = median(durations)
    mad = median(abs(d - middle) for d in durations)
    return middle, max(MAD_SCALE * mad, SPREAD_FRACTION * middle, MIN_SPREAD)


def _p_text(p: float) -> str:
    return "p < 1e-12" if p < 1e-12 else f"p = {p:.1e}" if p < 0.001 else f"p = {p:.3f}"


def _seconds(value: float) -> str:
    return f"{value:.1f}s" if value < 60 else f"{value / 60:.1f}m" if value < 3600 else f"{value / 3600:.1f}h"


def assess(tallies: Iterable[NodeTally], durations: list[float], nodes: Iterable[NodeRow] = ()) -> JobHealth:
    """Judge every node of `tallies` (see `TaskStats.by_node`) by the rules above; `durations`: every
    completed task's duration (seconds) in the job; `nodes`: the pool's nodes (their start tasks; nodes
    that ran nothing of the job are listed too, unflagged)."""
    tallies = list(tallies)
    listed = {node.id: node for node in nodes}
    for node_id in listed.keys() - {t.node_id for t in tallies}:
        tallies.append(NodeTally(node_id))
    finished = sum(t.finished for t in tallies)
    failed = sum(t.failed for t in tallies)
    job_median, spread = _spread(durations)
    slow_above = None if job_median is None or spread is None else job_median + SLOW_K * spread
    judged = [t for t in tallies if t.finished >= MIN_TASKS]
    tests = len(judged) if len(tallies) > 1 else 0
    out = []
    for tally in tallies:
        why: list[str] = []
        p_value: float | None = None
        failing = slow = False
        rate = tally.failed / tally.finished if tally.finished else None
        node_median = median(tally.durations) if tally.durations else None
        if tests and tally.finished >= MIN_TASKS:
            others, others_failed = finished - tally.finished, failed - tally.failed
            baseline = (others_failed + 0.5) / (others + 1)
            p_value = binomial_tail(tally.failed, tally.finished, baseline)
            if rate is not None and rate > baseline and p_value < ALPHA / tests:
                failing = True
                why.append(f"failing: {tally.failed} of {tally.finished} tasks failed ({rate:.0%}); the other "
                           f"nodes {others_failed} of {others} ({others_failed / others if others else 0:.0%}); "
                           f"binomial {_p_text(p_value)} < {ALPHA}/{tests}")
        if (slow_above is not None and node_median is not None and tally.durations is not None
                and len(tally.durations) >= MIN_TASKS and node_median > slow_above):
            slow = True
            why.append(f"slow: median {_seconds(node_median)} over {len(tally.durations)} tasks; the job's "
                       f"{_seconds(job_median or 0)} + {SLOW_K:g} × spread {_seconds(spread or 0)} = "
                       f"{_seconds(slow_above)}")
        out.append(NodeHealth(tally.node_id, tally.finished, tally.failed, tally.running, rate, node_median,
                              p_value, failing, slow, tuple(why), listed.get(tally.node_id)))
    out.sort(key=lambda h: (not h.flagged, -(h.failure_rate or 0.0), h.node_id))
    return JobHealth(finished, failed, job_median, spread, slow_above, tests, tuple(out))


def describe_rules() -> list[tuple[str, str]]:
    """The two rules, one (name, text) line each, for the help."""
    return [
        ("failing", f"≥{MIN_TASKS} tasks done and more failures than chance allows: a one-sided exact binomial "
                    f"test of its failures against the other nodes' failure rate, p < {ALPHA:g} / nodes tested "
                    "(Bonferroni)"),
        ("slow", f"≥{MIN_TASKS} tasks done and its median duration above the job's median + {SLOW_K:g} × "
                 f"max({MAD_SCALE} × MAD, {SPREAD_FRACTION:.0%} of the median, {MIN_SPREAD:g} s)"),
    ]
