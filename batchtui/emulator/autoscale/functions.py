"""The predefined functions (the reference's Functions table), except stop(), which the evaluator runs.

A doubleVecList argument is "any combination of double and doubleVec", "converted to a single
doubleVec before evaluation": `avg(v, 7)` with v = [1,2,3] is avg(1,2,3,7).

Decided where the reference is silent:
- avg, max, min, percentile, range and std of no values are errors; len, norm and sum of none are 0.
- std is the sample standard deviation (n - 1), 0 for a single value.
- lg, ln, log (and ceil, floor, round) of one double give a double, of anything else a doubleVec;
  the log of 0 is -inf and of a negative number NaN (IEEE, as C and .NET).
- percentile(v, p) takes p from 0 to 100 and gives the nearest-rank element of v ("the percentile
  element"): the ceil(p/100 * n)-th smallest, the smallest for p = 0.
- val(v, i) needs a whole i from 0 to len(v) - 1.
- rand() is in [0, 1).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import datetime

from .errors import shown
from .timetext import parse_time
from .values import Timestamp, Value, ValueProblem, Vec, format_number, type_name, vec


def flatten(name: str, args: Sequence[Value]) -> list[float]:
    """A doubleVecList's values. Raises ValueProblem for an argument that is neither double nor doubleVec."""
    out: list[float] = []
    for arg in args:
        if isinstance(arg, float):
            out.append(arg)
        elif isinstance(arg, Vec):
            out.extend(arg.items)
        else:
            raise ValueProblem(f"Function {name} takes doubles and doubleVecs, not a {type_name(arg)}")
    return list(vec(out).items)


def _nonempty(name: str, values: list[float]) -> list[float]:
    if not values:
        raise ValueProblem(f"Function {name} needs at least one value")
    return values


def _log(base: float | None) -> Callable[[float], float]:
    def log(x: float) -> float:
        if math.isnan(x) or x < 0:
            return math.nan
        if x == 0:
            return -math.inf
        if math.isinf(x):
            return math.inf
        return math.log(x) if base is None else math.log(x, base)

    return log


def _whole(fn: Callable[[float], float]) -> Callable[[float], float]:
    def rounded(x: float) -> float:
        return x if not math.isfinite(x) else float(fn(x))

    return rounded


def _round_half_away(x: float) -> float:
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


_COMPONENTWISE: dict[str, Callable[[float], float]] = {
    "lg": _log(2.0), "ln": _log(None), "log": _log(10.0),
    "ceil": _whole(math.ceil), "floor": _whole(math.floor), "round": _whole(_round_half_away),
}


def _sum(values: list[float]) -> float:
    """An exact sum where one exists; IEEE's where fsum refuses (inf - inf, overflow)."""
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return sum(values, 0.0)


def _std(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = _sum(values) / len(values)
    return math.sqrt(_sum([(v - mean) * (v - mean) for v in values]) / (len(values) - 1))


_REDUCERS: dict[str, Callable[[list[float]], float]] = {
    "avg": lambda v: _sum(v) / len(v),
    "max": max,
    "min": min,
    "range": lambda v: max(v) - min(v),
    "std": _std,
}


def _percentile(args: Sequence[Value]) -> float:
    v, p = args
    if not isinstance(v, Vec):
        raise ValueProblem(f"Function percentile's first argument must be a doubleVec, not a {type_name(v)}")
    if not isinstance(p, float) or math.isnan(p) or not 0.0 <= p <= 100.0:
        raise ValueProblem("Function percentile's second argument must be a double from 0 to 100")
    items = sorted(_nonempty("percentile", list(v.items)))
    rank = max(1, math.ceil(p / 100.0 * len(items)))
    return items[rank - 1]


def _val(args: Sequence[Value]) -> float:
    v, i = args
    if not isinstance(v, Vec):
        raise ValueProblem(f"Function val's first argument must be a doubleVec, not a {type_name(v)}")
    if not isinstance(i, float) or not math.isfinite(i) or i != math.floor(i) or not 0 <= i < len(v.items):
        shown_i = format_number(i) if isinstance(i, float) else f"a {type_name(i)}"
        raise ValueProblem(f"Function val's index must be a whole number from 0 to {len(v.items) - 1}, not {shown_i}"
                           if v.items else "Function val was given an empty doubleVec")
    return v.items[int(i)]


def _time(args: Sequence[Value], now: datetime) -> Timestamp:
    if not args or args[0] == "":
        return Timestamp(now)
    text = args[0]
    if not isinstance(text, str):
        raise ValueProblem(f"Function time takes a string, not a {type_name(text)}")
    try:
        return Timestamp(parse_time(text))
    except ValueError as exc:
        raise ValueProblem(f'Function time: "{shown(text)}" is {exc}') from exc


def call(name: str, args: Sequence[Value], now: datetime, rng: random.Random) -> Value:
    """Run the predefined function `name` (not stop) on evaluated `args`. Raises ValueProblem."""
    if name in _COMPONENTWISE:
        fn = _COMPONENTWISE[name]
        if len(args) == 1 and isinstance(args[0], float):
            return fn(args[0])
        return vec([fn(x) for x in flatten(name, args)])
    if name in _REDUCERS:
        return _REDUCERS[name](_nonempty(name, flatten(name, args)))
    if name == "len":
        return float(len(flatten(name, args)))
    if name == "sum":
        return _sum(flatten(name, args))
    if name == "norm":
        return math.sqrt(_sum([x * x for x in flatten(name, args)]))
    if name == "percentile":
        return _percentile(args)
    if name == "val":
        return _val(args)
    if name == "rand":
        return rng.random()
    if name == "time":
        return _time(args, now)
    raise ValueProblem(f"Function {name} is not known")
