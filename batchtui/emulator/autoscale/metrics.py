"""The sampled histories a formula reads, and the sample methods over them.

"A sample is 30 seconds worth of metrics data. In other words, samples are obtained every 30
seconds." (the reference's Obtain-sample-data section). The emulator records what it sees each
tick into a MetricHistory (or anything shaped like the Metrics protocol); a formula reads a
read-only service variable either as a double (its latest value) or through its methods:

- `GetSample(count)`: the `count` latest samples, oldest first (the order is not documented).
- `GetSample(start [, samplePercent])`, `GetSample(start, end [, samplePercent])`: the samples in
  a time range. `start`/`end` are timestamps or timeintervals; a timeinterval is a look-back from
  now. The reference uses both orders (`GetSample(1 * TimeInterval_Minute, 6 * TimeInterval_Minute)`
  and `GetSample(10 * TimeInterval_Second, 0 * TimeInterval_Second, 100)`), so the range runs
  from the earlier to the later of the two; with one bound it ends now. A sample at time t is in
  the range (earlier, later] (decided here). The range expects one sample per 30 seconds; when
  fewer than `samplePercent` percent of them are there, the evaluation fails with
  InsufficientSampleData. Without `samplePercent` the requirement is 70 percent: Batch's error for
  `samplevecavg = avg($PendingTasks.GetSample(sli))` reads "Line 9, Col 43: Insufficient data from
  data set: $PendingTasks wanted 70%, received 0%" (Azure/batch-shipyard issue 138), and the
  reference's pending-tasks formula checks `GetSamplePercent(...) < 70` before such a call.
- `GetSamplePercent(start [, end])`: that percentage (0 to 100), which never fails.
- `GetSamplePeriod()`: 30 seconds. `Count()`: how many samples the history holds.
  `HistoryBeginTime()`: the time of the oldest (an error when there is none, decided here).

Batch makes samples available about a minute late; the emulator's samples are available at once.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from .errors import INSUFFICIENT_SAMPLES, FormulaError, Position
from .names import READ_ONLY_SET, TARGET_DEDICATED, TARGET_LOW_PRIORITY
from .values import Interval, Timestamp, Value, ValueProblem, Vec, format_number, shift, type_name, vec

SAMPLE_PERIOD = timedelta(seconds=30)
DEFAULT_SAMPLE_PERCENT = 70.0
# What MetricHistory keeps (ours; Batch does not say). GetSample reaches no further back.
DEFAULT_RETENTION = timedelta(hours=24)
# What a MetricHistory records: the read-only variables, and the pool's current targets (which a
# formula reads as `$TargetDedicatedNodes` until it assigns them).
RECORDED = READ_ONLY_SET | {TARGET_DEDICATED, TARGET_LOW_PRIORITY}


@dataclass(frozen=True)
class Sample:
    at: datetime  # timezone-aware
    value: float


class Metrics(Protocol):
    """What a formula reads from its pool.

    `current(variable)`: the latest value of a read-only service variable such as
    "$CurrentDedicatedNodes", or the pool's current "$TargetDedicatedNodes" /
    "$TargetLowPriorityNodes" (0.0 for one never recorded).
    `samples(variable)`: its history, oldest first, at most one sample per 30 seconds.
    """

    def current(self, variable: str) -> float: ...

    def samples(self, variable: str) -> Sequence[Sample]: ...


class MetricHistory:
    """Metrics the emulator fills: call `record(now, {...})` every tick, as often as it likes.

    Each call sets the current values; a variable gets a new sample when 30 seconds have passed
    since its previous one. Samples older than `retention` are dropped, so the history stays
    bounded (2,880 samples a variable for a day). Not thread-safe; cheap enough for the event loop.
    """

    def __init__(self, retention: timedelta = DEFAULT_RETENTION) -> None:
        self.retention = retention
        self._current: dict[str, float] = {}
        self._samples: dict[str, deque[Sample]] = {}

    def record(self, at: datetime, values: Mapping[str, float]) -> None:
        """Record `values` (variable name, e.g. "$PendingTasks", to value) seen at `at` (aware).

        Raises ValueError for a name that is not a read-only service variable or a target.
        """
        for name, value in values.items():
            if name not in RECORDED:
                raise ValueError(f"{name} is not a sampled autoscale variable")
            self._current[name] = float(value)
            history = self._samples.setdefault(name, deque())
            if not history or at - history[-1].at >= SAMPLE_PERIOD:
                history.append(Sample(at, float(value)))
            while history and at - history[0].at > self.retention:
                history.popleft()

    def current(self, variable: str) -> float:
        return self._current.get(variable, 0.0)

    def samples(self, variable: str) -> Sequence[Sample]:
        return tuple(self._samples.get(variable, ()))

    def export(self) -> dict[str, Any]:
        """A JSON-able copy (ISO times) for storing with the pool; `MetricHistory.load` reads it back."""
        return {
            "current": dict(self._current),
            "samples": {k: [[s.at.isoformat(), s.value] for s in v] for k, v in self._samples.items()},
        }

    @classmethod
    def load(cls, data: Mapping[str, Any], retention: timedelta = DEFAULT_RETENTION) -> MetricHistory:
        history = cls(retention)
        history._current = {str(k): float(v) for k, v in data.get("current", {}).items() if k in RECORDED}
        for name, rows in data.get("samples", {}).items():
            if name in RECORDED:
                history._samples[name] = deque(Sample(datetime.fromisoformat(at), float(v)) for at, v in rows)
        return history


# --- the methods -------------------------------------------------------------------------------

def _point(now: datetime, bound: Value, what: str) -> datetime:
    if isinstance(bound, Interval):
        return shift(now, -bound.seconds).at
    if isinstance(bound, Timestamp):
        return bound.at
    raise ValueProblem(f"{what} must be a timestamp or a timeinterval, not a {type_name(bound)}")


def _range(now: datetime, start: Value, end: Value | None) -> tuple[datetime, datetime]:
    a = _point(now, start, "The start of the sample range")
    b = now if end is None else _point(now, end, "The end of the sample range")
    return (a, b) if a <= b else (b, a)


def _in_range(samples: Sequence[Sample], lo: datetime, hi: datetime) -> list[float]:
    """The values of the samples in (lo, hi]; `samples` are oldest first, so two binary searches."""
    first = bisect_right(samples, lo, key=_time)
    end = bisect_right(samples, hi, lo=first, key=_time)
    return [s.value for s in samples[first:end]]


def _time(sample: Sample) -> datetime:
    return sample.at


def _percent(found: int, lo: datetime, hi: datetime) -> float:
    expected = (hi - lo) / SAMPLE_PERIOD
    return 100.0 if expected <= 0 else min(100.0, 100.0 * found / expected)


def _required(value: Value) -> float:
    if not isinstance(value, float) or math.isnan(value) or not 0.0 <= value <= 100.0:
        shown = format_number(value) if isinstance(value, float) else f"a {type_name(value)}"
        raise ValueProblem(f"The sample percentage must be a double from 0 to 100, not {shown}")
    return value


def get_sample(variable: str, samples: Sequence[Sample], now: datetime, args: Sequence[Value], paren: Position) -> Vec:
    """`variable.GetSample(*args)`. Raises ValueProblem for wrong arguments and FormulaError
    (InsufficientSampleData, at `paren`) when too few samples are in the range."""
    first = args[0]
    if isinstance(first, float):
        if len(args) > 1:
            raise ValueProblem("GetSample(count) takes one argument; a range starts with a timestamp or timeinterval")
        if not first >= 1.0:
            raise ValueProblem(f"GetSample's sample count must be at least 1, not {format_number(first)}")
        count = len(samples) if first >= len(samples) else int(first)
        return vec([s.value for s in samples[len(samples) - count:]])
    end: Value | None = None
    rest = list(args[1:])
    if rest and isinstance(rest[0], (Interval, Timestamp)):
        end = rest.pop(0)
    if len(rest) > 1 or (rest and not isinstance(rest[0], float)):
        raise ValueProblem("GetSample takes (start [, samplePercent]) or (start, end [, samplePercent])")
    required = _required(rest[0]) if rest else DEFAULT_SAMPLE_PERCENT
    lo, hi = _range(now, first, end)
    found = _in_range(samples, lo, hi)
    percent = _percent(len(found), lo, hi)
    if percent < required:
        raise FormulaError(
            INSUFFICIENT_SAMPLES,
            f"Insufficient data from data set: {variable} wanted {format_number(required)}%, "
            f"received {format_number(percent)}%",
            paren,
        )
    return vec(found)


def get_sample_percent(samples: Sequence[Sample], now: datetime, args: Sequence[Value]) -> float:
    """`GetSamplePercent(start [, end])`: the percentage (0 to 100) of the range's samples that exist."""
    lo, hi = _range(now, args[0], args[1] if len(args) > 1 else None)
    return _percent(len(_in_range(samples, lo, hi)), lo, hi)


def history_begin_time(variable: str, samples: Sequence[Sample]) -> Timestamp:
    if not samples:
        raise ValueProblem(f"{variable} has no samples yet")
    return Timestamp(samples[0].at)


def sample_period() -> Interval:
    return Interval(SAMPLE_PERIOD.total_seconds())
