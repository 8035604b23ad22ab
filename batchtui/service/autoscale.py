"""A pool's autoscale: its settings and last run as the explorer shows them, and the three
operations (evaluate a formula, enable or change autoscale, disable it).

Batch's shapes (REST reference): a pool has `enableAutoScale`, `autoScaleFormula`,
`autoScaleEvaluationInterval` (ISO 8601 duration) and `autoScaleRun`, an AutoScaleRun:
`timestamp`, `results` ("$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;
$NodeDeallocationOption=requeue;$x=1.5": name=value pairs separated by ';') and, when the
evaluation failed, `error` {code, message, values: [{name, value}]}. evaluateautoscale answers
an AutoScaleRun too; it needs autoscale enabled on the pool.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from azure.batch import models as m

from .client import BatchService
from .errors import from_exception
from .models import RestDict, parse_time

T = TypeVar("T")

# What the editor holds for a pool with no formula yet: Batch's documented pending-tasks pattern,
# commented, capped so that trying it costs little.
SAMPLE_FORMULA = """\
// Nodes for the queue: the last sample of pending tasks (active + running),
// or the busiest of it and the 3-minute average when enough samples exist.
$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 3);
$tasks = $samples < 70 ? max(0, $PendingTasks.GetSample(1)) :
    max($PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 3)));
$TargetDedicatedNodes = min(4, $tasks);
$TargetLowPriorityNodes = 0;
// Nodes leave once their tasks are done.
$NodeDeallocationOption = taskcompletion;
"""
DEFAULT_INTERVAL_MINUTES = 15  # Batch's default evaluation interval
MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES = 5, 168 * 60  # Batch's range (5 minutes to 168 hours)


@dataclass(frozen=True)
class AutoScaleProblem:
    """An AutoScaleRun's error: its code, message and (name, value) details."""

    code: str
    message: str
    values: tuple[tuple[str, str], ...] = ()

    @property
    def detail(self) -> str:
        """The `Message` value (what went wrong, and where in the formula), else the message."""
        return next((v for n, v in self.values if n == "Message"), self.message)


@dataclass(frozen=True)
class AutoScaleRun:
    """One evaluation: when, the variables it reports as (name, value text) in Batch's order, any error."""

    timestamp: datetime | None
    variables: tuple[tuple[str, str], ...]
    error: AutoScaleProblem | None = None

    @classmethod
    def from_rest(cls, d: RestDict) -> AutoScaleRun:
        error = d.get("error")
        problem = None
        if isinstance(error, dict):
            values = tuple((str(v.get("name", "")), str(v.get("value", ""))) for v in error.get("values") or [])
            problem = AutoScaleProblem(str(error.get("code", "")), str(error.get("message", "")), values)
        return cls(parse_time(d.get("timestamp")), parse_results(str(d.get("results") or "")), problem)

    def value(self, name: str) -> str | None:
        return next((v for n, v in self.variables if n == name), None)


@dataclass(frozen=True)
class AutoScaleSettings:
    """A pool's autoscale as its document has it; `enabled` False: a fixed-size pool."""

    enabled: bool
    formula: str = ""
    interval: timedelta | None = None
    last_run: AutoScaleRun | None = None

    @classmethod
    def from_pool(cls, pool: RestDict) -> AutoScaleSettings:
        run = pool.get("autoScaleRun")
        return cls(
            enabled=bool(pool.get("enableAutoScale")),
            formula=str(pool.get("autoScaleFormula") or ""),
            interval=parse_interval(pool.get("autoScaleEvaluationInterval")),
            last_run=AutoScaleRun.from_rest(run) if isinstance(run, dict) else None,
        )


def parse_results(results: str) -> tuple[tuple[str, str], ...]:
    """`$A=1;$B=x` -> (("$A", "1"), ("$B", "x")); a piece without '=' is kept with an empty value."""
    pairs = []
    for piece in results.split(";"):
        if piece.strip():
            name, _, value = piece.partition("=")
            pairs.append((name.strip(), value.strip()))
    return tuple(pairs)


def parse_interval(value: Any) -> timedelta | None:
    """An ISO 8601 duration (PT15M, PT1H30M, P1DT2H) as a timedelta; None when absent or unreadable."""
    if not isinstance(value, str) or not value.startswith("P"):
        return None
    days, _, clock = value[1:].partition("T")
    seconds = 0.0
    try:
        if days:
            seconds += float(days.rstrip("D")) * 86400
        number = ""
        for ch in clock:
            if ch.isdigit() or ch == ".":
                number += ch
                continue
            seconds += float(number) * {"H": 3600, "M": 60, "S": 1}[ch]
            number = ""
    except (ValueError, KeyError):
        return None
    return timedelta(seconds=seconds)


def interval_text(interval: timedelta | None) -> str:
    """An evaluation interval for people: "15 min", "2 h", "1 h 30 min" ("" when unknown)."""
    if interval is None:
        return ""
    minutes = int(interval.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


async def _call(coro: Awaitable[T]) -> T:
    try:
        return await coro
    except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
        raise from_exception(exc) from None


async def evaluate(s: BatchService, pool_id: str, formula: str) -> AutoScaleRun:
    """`formula` evaluated by the service against the pool now (nothing is applied). ServiceError
    when the service refuses (e.g. 409: autoscale is not enabled on the pool); a formula that does
    not evaluate is a run with an `error`, not an exception."""
    run = await _call(s.sdk.evaluate_pool_auto_scale(
        pool_id, m.BatchPoolEvaluateAutoScaleOptions(auto_scale_formula=formula)))
    return AutoScaleRun.from_rest(run.as_dict())


async def enable(s: BatchService, pool_id: str, formula: str, interval_minutes: int) -> None:
    """Autoscale on (or a new formula and interval on a pool that has it). ServiceError: 400 with the
    formula's syntax error, 409 while a resize is in progress, ..."""
    options = m.BatchPoolEnableAutoScaleOptions(auto_scale_formula=formula,
                                                auto_scale_evaluation_interval=timedelta(minutes=interval_minutes))
    await _call(s.sdk.enable_pool_auto_scale(pool_id, options))


async def disable(s: BatchService, pool_id: str) -> None:
    """Autoscale off: the pool keeps its current size. ServiceError when the service refuses."""
    await _call(s.sdk.disable_pool_auto_scale(pool_id))
