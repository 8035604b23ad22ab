"""The errors an autoscale formula gets, worded as Batch reports them.

Batch reports a failed evaluation in `autoScaleRun.error` as `{code, message, values}` where
`values` is a list of `{name, value}` pairs. The one shape its documentation shows in full (the
PoolAutoScaleEvent reference) is::

    {"code": "InsufficientSampleData",
     "message": "Autoscale evaluation failed due to insufficient sample data",
     "values": [{"name": "Message",
                 "value": "Line 15, Col 44: Insufficient data from data set: $RunningTasks wanted 70%, received 50%"}]}

Every error here follows that shape: a fixed message per code and one `Message` value that starts
with the 1-based line and column of the offending place in the formula.

Codes, and where each comes from:
- `AutoScalingFormulaSyntaxError`, `AutoScalingFormulaTooLong`: the Batch status and error code
  reference ("The specified auto-scaling formula has a syntax error." / "... exceeds lengths
  limit."). The .NET SDK's BatchErrorCodeStrings spells the second one `AutoScaleFormulaTooLong`;
  the REST reference's spelling is used.
- `AutoScalingFormulaEvaluationError`: what Batch answers (HTTP 200, error in the body) when
  `evaluateautoscale` is given `$something_useless` (the Azure SDK for JS's recorded tests). Its
  message text is not published anywhere we could read: the one here is ours.
- `InsufficientSampleData`: the PoolAutoScaleEvent reference, quoted above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SYNTAX_ERROR = "AutoScalingFormulaSyntaxError"
TOO_LONG = "AutoScalingFormulaTooLong"
EVALUATION_ERROR = "AutoScalingFormulaEvaluationError"
INSUFFICIENT_SAMPLES = "InsufficientSampleData"

MESSAGES = {
    SYNTAX_ERROR: "The specified auto-scaling formula has a syntax error.",
    TOO_LONG: "The specified auto-scaling formula exceeds lengths limit.",
    # Not published: decided here, in the same register as the one below.
    EVALUATION_ERROR: "Autoscale evaluation failed due to an error in the formula",
    INSUFFICIENT_SAMPLES: "Autoscale evaluation failed due to insufficient sample data",
}


@dataclass(frozen=True)
class Position:
    """A place in the formula: 1-based line and 1-based column (in characters)."""

    line: int
    col: int

    def __str__(self) -> str:
        return f"Line {self.line}, Col {self.col}"


@dataclass(frozen=True)
class AutoScaleError:
    """An error as `autoScaleRun.error` carries it: `code`, `message` and `(name, value)` pairs.

    `position` is where in the formula it happened (None for a whole-formula error such as its
    length); the same place also starts the `Message` value's text.
    """

    code: str
    message: str
    values: tuple[tuple[str, str], ...] = ()
    position: Position | None = None

    @property
    def detail(self) -> str:
        """The `Message` value (what went wrong and where), or the message when there is none."""
        for name, value in self.values:
            if name == "Message":
                return value
        return self.message

    def to_json(self) -> dict[str, Any]:
        """The REST shape of an AutoScaleRunError: values as `[{"name", "value"}]`."""
        return {
            "code": self.code,
            "message": self.message,
            "values": [{"name": n, "value": v} for n, v in self.values],
        }


class FormulaError(Exception):
    """Raised inside the lexer, parser and evaluator; turned into an AutoScaleError at the edge."""

    def __init__(self, code: str, text: str, position: Position | None = None) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.position = position

    def to_error(self) -> AutoScaleError:
        value = f"{self.position}: {self.text}" if self.position is not None else self.text
        return AutoScaleError(self.code, MESSAGES[self.code], (("Message", value),), self.position)


def syntax_error(text: str, position: Position | None) -> FormulaError:
    return FormulaError(SYNTAX_ERROR, text, position)


def evaluation_error(text: str, position: Position | None) -> FormulaError:
    return FormulaError(EVALUATION_ERROR, text, position)


def shown(text: str, limit: int = 40) -> str:
    """A piece of the formula quoted in an error: control characters as U+XXXX, long text cut."""
    out = "".join(ch if ch.isprintable() else f"U+{ord(ch):04X}" for ch in text[:limit])
    return out + ("..." if len(text) > limit else "")
