"""Batch's autoscale formula language: check a formula, evaluate it against a pool's metrics.

Written from "Create a formula to automatically scale compute nodes in a Batch pool" (the Azure
Batch documentation) and the REST reference's AutoScaleRun. Each module says what it takes from
the reference and what it decides where the reference is silent.

Use from the emulator:
- pool create / enableautoscale: `check(formula)` -> AutoScaleError | None (a 400 with its code,
  message and values when not None).
- every tick: `history.record(now, {"$PendingTasks": ..., "$TargetDedicatedNodes": ..., ...})`
  on the pool's MetricHistory (one sample per variable per 30 seconds is kept).
- each evaluation interval, and evaluateautoscale: `evaluate(formula, history, now)` ->
  AutoScaleResult; `result.to_json()` is the pool's `autoScaleRun`; apply `result.targets` when
  `result.error` is None.

Modules: lexer (tokens), parser (grammar and static checks, into syntax's nodes), names (Batch's
variables, constants, functions, limits), values (types, operators, results formatting),
timetext (time("...") strings), functions (the predefined functions), metrics (histories and the
sample methods), evaluator (running statements), formula (check, evaluate, the result), errors.
"""

from .errors import (
    EVALUATION_ERROR,
    INSUFFICIENT_SAMPLES,
    SYNTAX_ERROR,
    TOO_LONG,
    AutoScaleError,
    Position,
)
from .formula import AutoScaleResult, AutoScaleTargets, check, evaluate
from .metrics import SAMPLE_PERIOD, MetricHistory, Metrics, Sample
from .names import DEALLOCATION_OPTIONS, MAX_FORMULA_LENGTH, MAX_STATEMENTS, READ_ONLY

__all__ = [
    "DEALLOCATION_OPTIONS",
    "EVALUATION_ERROR",
    "INSUFFICIENT_SAMPLES",
    "MAX_FORMULA_LENGTH",
    "MAX_STATEMENTS",
    "READ_ONLY",
    "SAMPLE_PERIOD",
    "SYNTAX_ERROR",
    "TOO_LONG",
    "AutoScaleError",
    "AutoScaleResult",
    "AutoScaleTargets",
    "MetricHistory",
    "Metrics",
    "Position",
    "Sample",
    "check",
    "evaluate",
]
