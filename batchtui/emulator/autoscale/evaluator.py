"""Running a parsed formula: statements in order, each expression evaluated lazily where C would.

`?:` evaluates only the branch it picks and `&&`/`||` stop as soon as the result is known
(decided, as C does: the reference does not say). `stop()` ends the evaluation where it stands;
what was assigned before it counts (the reference: "Stops evaluation of the autoscaling
expression"; whether Batch then applies those assignments is not said).

Variables (the reference's Variables section):
- `$TargetDedicatedNodes`, `$TargetLowPriorityNodes` read as the pool's current targets until
  assigned (Batch's results show `$targetVMs=0.5` for `$TargetDedicatedNodes / 2` on a pool with
  target 1); `$NodeDeallocationOption` reads "requeue" until assigned.
- their aliases `$TargetDedicated`, `$TargetLowPriority` are the same targets; when a formula
  assigns both a name and its alias, the full name's value wins.
- read-only service variables read as their latest value; their methods read their histories.
- any other name is a user variable, with or without `$` (`x` and `$x` are two variables: Batch
  lists each as written); reading one never assigned is an AutoScalingFormulaEvaluationError.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

from .errors import Position, evaluation_error, shown
from .functions import call
from .metrics import Metrics, get_sample, get_sample_percent, history_begin_time, sample_period
from .names import (
    ALIASES,
    DEALLOCATION_OPTIONS,
    DEFAULT_DEALLOCATION,
    NODE_DEALLOCATION_OPTION,
    READ_ONLY_SET,
    TARGET_DEDICATED,
    TARGET_LOW_PRIORITY,
    TIME_INTERVALS,
)
from .syntax import Call, Chain, Expr, Method, Name, Number, Program, String, Ternary, Unary
from .values import Interval, Value, ValueProblem, binary, member, truth, type_name, unary


class Stopped(Exception):
    """stop() was called."""


@dataclass
class Assigned:
    value: Value
    position: Position


class Evaluator:
    """One evaluation of one Program against one pool's Metrics at time `now` (aware, UTC)."""

    def __init__(self, metrics: Metrics, now: datetime, rng: random.Random) -> None:
        self.metrics = metrics
        self.now = now
        self.rng = rng
        self.variables: dict[str, Assigned] = {}

    def run(self, program: Program) -> None:
        """Run every statement. Raises FormulaError at the first one that fails."""
        try:
            for stmt in program.statements:
                value = self.eval(stmt.expr)
                if stmt.target is not None:
                    self.assign(stmt.target, value, stmt.position)
        except Stopped:
            pass

    def assign(self, name: str, value: Value, position: Position) -> None:
        if name == NODE_DEALLOCATION_OPTION and value not in DEALLOCATION_OPTIONS:
            got = f'"{shown(value)}"' if isinstance(value, str) else f"a {type_name(value)}"
            raise evaluation_error(f"{NODE_DEALLOCATION_OPTION} must be one of {', '.join(DEALLOCATION_OPTIONS)}, "
                                   f"not {got}", position)
        target = ALIASES.get(name, name)
        if target in (TARGET_DEDICATED, TARGET_LOW_PRIORITY) and not isinstance(value, float):
            raise evaluation_error(f"{name} must be a double, not a {type_name(value)}", position)
        self.variables[name] = Assigned(value, position)

    # --- reading names -----------------------------------------------------------------------

    def target(self, name: str) -> Assigned | None:
        """The assignment that decides target `name` (a full name): its own, else its alias's."""
        alias = next(a for a, full in ALIASES.items() if full == name)
        return self.variables.get(name) or self.variables.get(alias)

    def read(self, node: Name) -> Value:
        name = node.name
        if name in self.variables and name not in ALIASES.values():
            return self.variables[name].value
        if name in TIME_INTERVALS:
            return Interval(TIME_INTERVALS[name])
        if name in DEALLOCATION_OPTIONS:
            return name
        if name == NODE_DEALLOCATION_OPTION:
            return DEFAULT_DEALLOCATION
        full = ALIASES.get(name, name)
        if full in (TARGET_DEDICATED, TARGET_LOW_PRIORITY):
            decided = self.target(full)
            return decided.value if decided is not None else float(self.metrics.current(full))
        if name in READ_ONLY_SET:
            return float(self.metrics.current(name))
        raise evaluation_error(f"Undefined variable '{shown(name)}'", node.position)

    # --- expressions -------------------------------------------------------------------------

    def eval(self, node: Expr) -> Value:
        try:
            return self._eval(node)
        except ValueProblem as exc:
            raise evaluation_error(str(exc), node.position) from exc

    def _eval(self, node: Expr) -> Value:
        if isinstance(node, Number):
            return node.value
        if isinstance(node, String):
            return node.value
        if isinstance(node, Name):
            return self.read(node)
        if isinstance(node, Unary):
            return unary(node.op, self.eval(node.operand))
        if isinstance(node, Chain):
            return self.chain(node)
        if isinstance(node, Ternary):
            picked = truth(self.eval(node.condition), "The condition of ?:")
            return self.eval(node.then if picked else node.otherwise)
        if isinstance(node, Call):
            if node.function == "stop":
                raise Stopped()
            return call(node.function, [self.eval(a) for a in node.args], self.now, self.rng)
        if isinstance(node, Method):
            return self.method(node)
        return member(self.eval(node.target), node.member)

    def chain(self, node: Chain) -> Value:
        left = self.eval(node.first)
        for op, position, right_node in node.ops:
            if op in ("&&", "||"):
                flag = truth(left, f"The left side of {op}")
                if flag == (op == "||"):
                    left = 1.0 if flag else 0.0
                    continue
                left = 1.0 if truth(self.eval(right_node), f"The right side of {op}") else 0.0
                continue
            right = self.eval(right_node)
            try:
                left = binary(op, left, right)
            except ValueProblem as exc:
                raise evaluation_error(str(exc), position) from exc
        return left

    def method(self, node: Method) -> Value:
        args = [self.eval(a) for a in node.args]
        samples = self.metrics.samples(node.variable)
        if node.method == "GetSample":
            return get_sample(node.variable, samples, self.now, args, node.paren)
        if node.method == "GetSamplePercent":
            return get_sample_percent(samples, self.now, args)
        if node.method == "Count":
            return float(len(samples))
        if node.method == "HistoryBeginTime":
            return history_begin_time(node.variable, samples)
        return sample_period()

    # --- the outcome -------------------------------------------------------------------------

    def final_target(self, name: str) -> int:
        """A target as applied: the value truncated to a whole number of nodes.

        Decided: Batch does not say how a fractional target is applied; truncation is what the
        reference's `(($tasks - $cores) + 3) / 4` rounding-up idiom assumes. A negative or
        non-finite target is an error (the reference guards its targets with max(0, ...)).
        """
        decided = self.target(name)
        if decided is None:
            current = self.metrics.current(name)
            return int(current) if math.isfinite(current) and current > 0 else 0
        value = decided.value
        assert isinstance(value, float)
        if not math.isfinite(value) or value < 0:
            raise evaluation_error(f"{name} must be a non-negative number of nodes, not {value:g}", decided.position)
        return int(value)

    def deallocation(self) -> str:
        decided = self.variables.get(NODE_DEALLOCATION_OPTION)
        return str(decided.value) if decided is not None else DEFAULT_DEALLOCATION

    def user_variables(self) -> list[tuple[str, Value]]:
        """The formula's own variables in ordinal order of their names, as Batch lists them."""
        service = {TARGET_DEDICATED, TARGET_LOW_PRIORITY, NODE_DEALLOCATION_OPTION, *ALIASES}
        return sorted(((name, a.value) for name, a in self.variables.items() if name not in service),
                      key=lambda item: item[0])
