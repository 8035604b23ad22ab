"""The two entry points: `check` a formula, `evaluate` it against a pool's metrics.

What an evaluation gives (autoScaleRun, in the REST reference's terms):
- `results`: "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue"
  followed by the formula's own variables, `;`-separated, in ordinal order of their names, as
  Batch answers (its SDK tests expect exactly that string for `$TargetDedicatedNodes=3`; a pool's
  autoScaleRun reads "...;$NodeDeallocationOption=taskcompletion;$samples=96.6667;$targetVMs=0.5;
  $tasks=0;cappedPoolSize=3"). Targets are whole numbers; a target the formula did not assign is
  the pool's current one.
- on an error, the same three leading pairs with the pool's current targets and "requeue", and
  nothing else (Batch's answer to `$something_useless` on a pool with target 2 is
  "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue"), plus the
  error. The pool is then left as it is ("no change is made to the pool size").
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from ..formats import iso
from .errors import AutoScaleError, FormulaError
from .evaluator import Evaluator
from .metrics import Metrics
from .names import DEFAULT_DEALLOCATION, TARGET_DEDICATED, TARGET_LOW_PRIORITY
from .parser import parse
from .syntax import Program
from .values import format_value


@dataclass(frozen=True)
class AutoScaleTargets:
    """What an evaluation asks of the pool: whole numbers of nodes and the deallocation option
    ("requeue", "terminate", "taskcompletion" or "retaineddata") for nodes it removes."""

    target_dedicated_nodes: int
    target_low_priority_nodes: int
    node_deallocation_option: str = DEFAULT_DEALLOCATION


@dataclass(frozen=True)
class AutoScaleResult:
    """One evaluation: when it ran, the targets to apply, the results string and any error.

    `variables` is the results string as (name, value text) pairs, for showing as a table.
    With an `error`, `targets` are the pool's current ones: applying them changes nothing.
    """

    timestamp: datetime
    targets: AutoScaleTargets
    results: str
    error: AutoScaleError | None
    variables: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        """The REST AutoScaleRun: timestamp (as the emulator writes times), results, and error when there is one."""
        doc: dict[str, Any] = {"timestamp": iso(self.timestamp), "results": self.results}
        if self.error is not None:
            doc["error"] = self.error.to_json()
        return doc


@lru_cache(maxsize=256)
def parsed(formula: str) -> Program:
    """parse(formula), remembered: a pool's formula is evaluated every interval and the emulator may hold
    hundreds of pools (a Program is immutable, so one can be shared). Raises FormulaError as parse does
    (a formula that fails is parsed again each time: errors are not cached)."""
    return parse(formula)


def check(formula: str) -> AutoScaleError | None:
    """The syntax error Batch would refuse `formula` with at pool create or enableautoscale, or None.

    Codes: AutoScalingFormulaSyntaxError (grammar, names, argument counts, read-only assignment,
    more than 100 statements, nesting) or AutoScalingFormulaTooLong (over 8192 characters).
    Fast (one pass over at most 8192 characters), never raises.
    """
    try:
        parsed(formula)
    except FormulaError as exc:
        return exc.to_error()
    return None


def evaluate(formula: str, metrics: Metrics, now: datetime, *, rng: random.Random | None = None) -> AutoScaleResult:
    """Evaluate `formula` for a pool at `now` (aware; UTC is used), reading `metrics`.

    `metrics.current("$TargetDedicatedNodes")` / `("$TargetLowPriorityNodes")` must give the pool's
    current targets. `rng` feeds rand() (a fresh Random when None). Never raises: every problem is
    in the result's `error` (a syntax error as `check` reports it, AutoScalingFormulaEvaluationError,
    or InsufficientSampleData). Loop-free and bounded: at most 100 statements over vectors of at
    most 100,000 values.
    """
    now = now.astimezone(timezone.utc)
    evaluator = Evaluator(metrics, now, rng if rng is not None else random.Random())
    try:
        evaluator.run(parsed(formula))
        targets = AutoScaleTargets(evaluator.final_target(TARGET_DEDICATED),
                                   evaluator.final_target(TARGET_LOW_PRIORITY), evaluator.deallocation())
    except FormulaError as exc:
        return _failed(metrics, now, exc.to_error())
    pairs = _leading(targets) + [(name, format_value(value)) for name, value in evaluator.user_variables()]
    return AutoScaleResult(now, targets, _join(pairs), None, tuple(pairs))


def _failed(metrics: Metrics, now: datetime, error: AutoScaleError) -> AutoScaleResult:
    def current(name: str) -> int:
        value = metrics.current(name)
        return int(value) if value == value and 0 < value < float("inf") else 0

    targets = AutoScaleTargets(current(TARGET_DEDICATED), current(TARGET_LOW_PRIORITY))
    pairs = _leading(targets)
    return AutoScaleResult(now, targets, _join(pairs), error, tuple(pairs))


def _leading(targets: AutoScaleTargets) -> list[tuple[str, str]]:
    return [
        ("$TargetDedicatedNodes", str(targets.target_dedicated_nodes)),
        ("$TargetLowPriorityNodes", str(targets.target_low_priority_nodes)),
        ("$NodeDeallocationOption", targets.node_deallocation_option),
    ]


def _join(pairs: list[tuple[str, str]]) -> str:
    return ";".join(f"{name}={value}" for name, value in pairs)

