"""The values of the formula language, their operators and how Batch writes them in results.

Types (the reference's Types section): double (a Python float), doubleVec (Vec), string (str),
timestamp (Timestamp, always UTC) and timeinterval (Interval, in seconds). doubleVecList is not a
value: it is a function's argument list, flattened into one doubleVec.

The operators are exactly the reference's Operations table; any other pairing of types is an
evaluation error. So there is no `timestamp - timeinterval` (the reference itself writes
`time() + (-6 * TimeInterval_Hour)`), no `double op doubleVec` and no `-doubleVec`.
Comparisons and `&&`, `||`, `!` give 1 or 0. Decided where the reference is silent: arithmetic on
doubles is IEEE (1/0 is inf, as in C and .NET), a doubleVec op doubleVec needs equal lengths, and
strings compare by code point.

Formatting (`format_value`), from the results strings Batch returns: a double as `%g` (six
significant digits: `96.6667`, `0.5`, `3`), a doubleVec as `[1,1,1]`, a timestamp as
`2016-10-13T19:18:47.805Z`. A timeinterval's form is not shown anywhere: written here as .NET's
TimeSpan does (`00:03:00`, `1.00:00:00`, `-00:00:00.5000000`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

# The longest doubleVec a formula may build (ours: Batch publishes none). GetSample over a day of
# 30-second samples gives 2,880.
MAX_VECTOR_LENGTH = 100_000


class ValueProblem(Exception):
    """A value does not fit an operation; the evaluator adds the position."""


@dataclass(frozen=True)
class Vec:
    items: tuple[float, ...]


@dataclass(frozen=True)
class Interval:
    seconds: float


@dataclass(frozen=True)
class Timestamp:
    at: datetime  # timezone-aware, UTC


Value = float | str | Vec | Interval | Timestamp


def type_name(value: Value) -> str:
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Vec):
        return "doubleVec"
    if isinstance(value, Interval):
        return "timeinterval"
    return "timestamp"


def vec(items: list[float] | tuple[float, ...]) -> Vec:
    if len(items) > MAX_VECTOR_LENGTH:
        raise ValueProblem(f"A doubleVec of {len(items)} values is longer than the {MAX_VECTOR_LENGTH} allowed")
    return Vec(tuple(items))


def truth(value: Value, what: str) -> bool:
    if not isinstance(value, float):
        raise ValueProblem(f"{what} must be a double, not a {type_name(value)}")
    return value != 0.0


def _bool(flag: bool) -> float:
    return 1.0 if flag else 0.0


# --- formatting --------------------------------------------------------------------------------

def format_number(x: float) -> str:
    return f"{x:g}"


def format_interval(seconds: float) -> str:
    ticks = round(abs(seconds) * 10_000_000)
    days, rest = divmod(ticks, 86_400 * 10_000_000)
    hours, rest = divmod(rest, 3_600 * 10_000_000)
    minutes, rest = divmod(rest, 60 * 10_000_000)
    secs, frac = divmod(rest, 10_000_000)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}" + (f".{frac:07d}" if frac else "")
    return ("-" if seconds < 0 and ticks else "") + (f"{days}." if days else "") + text


def format_timestamp(at: datetime) -> str:
    at = at.astimezone(timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def format_value(value: Value) -> str:
    """How Batch writes `value` after `$name=` in autoScaleRun.results."""
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Vec):
        return "[" + ",".join(format_number(x) for x in value.items) + "]"
    if isinstance(value, Interval):
        return format_interval(value.seconds)
    return format_timestamp(value.at)


# --- operators ---------------------------------------------------------------------------------

_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": lambda a, b: ieee_divide(a, b),
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, "==": operator.eq, ">=": operator.ge, ">": operator.gt, "!=": operator.ne,
}


def ieee_divide(a: float, b: float) -> float:
    if b != 0.0:
        return a / b
    if a == 0.0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def binary(op: str, a: Value, b: Value) -> Value:
    """`a op b` for the arithmetic and comparison operators (not `&&`/`||`, which short-circuit)."""
    if op in _COMPARE:
        return _compare(op, a, b)
    fn = _ARITH[op]
    if isinstance(a, float) and isinstance(b, float):
        return fn(a, b)
    if isinstance(a, Vec) and isinstance(b, float):
        return vec([fn(x, b) for x in a.items])
    if isinstance(a, Vec) and isinstance(b, Vec):
        if len(a.items) != len(b.items):
            raise ValueProblem(f"The doubleVecs have different lengths ({len(a.items)} and {len(b.items)})")
        return vec([fn(x, y) for x, y in zip(a.items, b.items, strict=True)])
    result = _time_arith(op, a, b)
    if result is None:
        raise ValueProblem(f"Operator {op} is not defined for {type_name(a)} {op} {type_name(b)}")
    return result


def _time_arith(op: str, a: Value, b: Value) -> Value | None:
    if op == "*" and isinstance(a, float) and isinstance(b, Interval):
        return _interval(a * b.seconds)
    if op in ("*", "/") and isinstance(a, Interval) and isinstance(b, float):
        if op == "/" and b == 0.0:
            raise ValueProblem("A timeinterval cannot be divided by zero")
        return _interval(a.seconds * b if op == "*" else a.seconds / b)
    if op in ("+", "-") and isinstance(a, Interval) and isinstance(b, Interval):
        return _interval(a.seconds + b.seconds if op == "+" else a.seconds - b.seconds)
    if op == "+" and isinstance(a, Interval) and isinstance(b, Timestamp):
        return shift(b.at, a.seconds)
    if op == "+" and isinstance(a, Timestamp) and isinstance(b, Interval):
        return shift(a.at, b.seconds)
    if op == "-" and isinstance(a, Timestamp) and isinstance(b, Timestamp):
        return Interval((a.at - b.at).total_seconds())
    return None


def _interval(seconds: float) -> Interval:
    if not math.isfinite(seconds):
        raise ValueProblem("The timeinterval is not finite")
    return Interval(seconds)


def shift(at: datetime, seconds: float) -> Timestamp:
    try:
        return Timestamp(at + timedelta(seconds=seconds))
    except (OverflowError, ValueError) as exc:
        raise ValueProblem("The timestamp is out of range (years 1 to 9999)") from exc


def _compare(op: str, a: Value, b: Value) -> float:
    for kind in (float, str, Timestamp, Interval):
        if isinstance(a, kind) and isinstance(b, kind):
            left: object = a.at if isinstance(a, Timestamp) else a.seconds if isinstance(a, Interval) else a
            right: object = b.at if isinstance(b, Timestamp) else b.seconds if isinstance(b, Interval) else b
            return _bool(_COMPARE[op](left, right))
    raise ValueProblem(f"Operator {op} is not defined for {type_name(a)} {op} {type_name(b)}")


def unary(op: str, value: Value) -> Value:
    if op == "-" and isinstance(value, float):
        return -value
    if op == "!" and isinstance(value, float):
        return _bool(value == 0.0)
    if op == "-" and isinstance(value, Interval):
        return Interval(-value.seconds)
    raise ValueProblem(f"Operator {op} is not defined for a {type_name(value)}")


def member(value: Value, name: str) -> float:
    """A member of a timestamp: year, month (1-12), day (1-31), weekday, hour (0-23), minute, second.

    weekday: the reference says "1 for Monday" and no more; Sunday is 0 here (as .NET's DayOfWeek,
    which Batch is written in), Saturday 6.
    """
    if not isinstance(value, Timestamp):
        raise ValueProblem(f"Member {name} is defined for a timestamp, not a {type_name(value)}")
    at = value.at
    parts = {"year": at.year, "month": at.month, "day": at.day, "weekday": at.isoweekday() % 7,
             "hour": at.hour, "minute": at.minute, "second": at.second}
    return float(parts[name])
