"""The parsed form of a formula: statements of expression nodes.

Every node keeps the Position of the token that starts it, for error messages. A run of operators
of one precedence (`a + b - c + ...`) is one Chain node, evaluated left to right in a loop, so a
long formula never makes a deep tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Position


@dataclass(frozen=True)
class Number:
    value: float
    position: Position


@dataclass(frozen=True)
class String:
    value: str
    position: Position


@dataclass(frozen=True)
class Name:
    """A variable or constant: `$PendingTasks`, `maxNodes`, `TimeInterval_Second`, `requeue`."""

    name: str
    position: Position


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "!"
    operand: Expr
    position: Position


@dataclass(frozen=True)
class Chain:
    """`first op1 rest1 op2 rest2 ...`, all operators of one precedence, left-associative.

    `ops` pairs each operator (with its own position) with its right operand.
    """

    first: Expr
    ops: tuple[tuple[str, Position, Expr], ...]
    position: Position


@dataclass(frozen=True)
class Ternary:
    condition: Expr
    then: Expr
    otherwise: Expr
    position: Position


@dataclass(frozen=True)
class Call:
    """A function call: `avg(...)`. `position` is the function name's."""

    function: str
    args: tuple[Expr, ...]
    position: Position


@dataclass(frozen=True)
class Method:
    """`$PendingTasks.GetSample(...)`. `paren` is where its `(` is: Batch's sample errors point there
    (e.g. "Line 1, Col 24" for `$RunningTasks.GetSample(10 * TimeInterval_Second, ...)`)."""

    variable: str
    method: str
    args: tuple[Expr, ...]
    position: Position
    paren: Position


@dataclass(frozen=True)
class Member:
    """`$curTime.hour`: a member of a timestamp."""

    target: Expr
    member: str
    position: Position


Expr = Number | String | Name | Unary | Chain | Ternary | Call | Method | Member


@dataclass(frozen=True)
class Statement:
    """`target = expr` (target None for a bare expression, which Batch also accepts)."""

    target: str | None
    expr: Expr
    position: Position


@dataclass(frozen=True)
class Program:
    statements: tuple[Statement, ...]
