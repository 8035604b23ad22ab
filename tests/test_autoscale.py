"""Tests for batchtui.emulator.autoscale: Batch's autoscale formula language (pure unit tests).

Expected values are computed by hand in the comments. Formulas marked "reference" are the
samples of "Create a formula to automatically scale compute nodes in a Batch pool" (and of the
.NET, Python and PowerShell snippets around it); "observed" ones are results strings and errors
Batch returned, as recorded in public SDK tests and projects (see the module docstrings).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.emulator.autoscale import (
    EVALUATION_ERROR,
    INSUFFICIENT_SAMPLES,
    MAX_FORMULA_LENGTH,
    READ_ONLY,
    SYNTAX_ERROR,
    TOO_LONG,
    AutoScaleError,
    AutoScaleResult,
    MetricHistory,
    check,
    evaluate,
)

# A Thursday (2016-10-13 is the day of the reference's evaluation example).
NOW = datetime(2016, 10, 13, 19, 18, 47, 805000, tzinfo=timezone.utc)
STEP = timedelta(seconds=30)


def history(series: dict[str, list[float]] | None = None, *, dedicated: float = 0, low: float = 0,
            current: dict[str, float] | None = None, now: datetime = NOW) -> MetricHistory:
    """A MetricHistory whose series end at `now`, one sample each 30 s (oldest first)."""
    h = MetricHistory()
    for name, values in (series or {}).items():
        for i, value in enumerate(values):
            h.record(now - STEP * (len(values) - 1 - i), {name: value})
    h.record(now, {"$TargetDedicatedNodes": dedicated, "$TargetLowPriorityNodes": low, **(current or {})})
    return h


def run(formula: str, h: MetricHistory | None = None, now: datetime = NOW, seed: int = 1) -> AutoScaleResult:
    return evaluate(formula, h if h is not None else history(), now, rng=random.Random(seed))


def ok(formula: str, h: MetricHistory | None = None, now: datetime = NOW) -> AutoScaleResult:
    result = run(formula, h, now)
    assert result.error is None, result.error
    return result


def var(formula: str, h: MetricHistory | None = None, now: datetime = NOW) -> str:
    """The results-string text of user variable `x` after `formula`."""
    return dict(ok(formula, h, now).variables)["x"]


def failed(formula: str, h: MetricHistory | None = None, now: datetime = NOW) -> AutoScaleError:
    result = run(formula, h, now)
    assert result.error is not None, result.results
    return result.error


V = history({"$ActiveTasks": [1, 2, 3, 4]})  # v = $ActiveTasks.GetSample(4) = [1,2,3,4]
VEC = "$ActiveTasks.GetSample(4)"


# --- grammar and operators ---------------------------------------------------------------------

@pytest.mark.parametrize("expr, expected", [
    ("1 + 2 * 3", "7"),
    ("(1 + 2) * 3", "9"),
    ("10 - 4 - 3", "3"),              # left-associative
    ("8 / 4 / 2", "1"),
    ("-2 * 3", "-6"),
    ("- -1", "1"),
    ("--1", "1"),
    ("!0", "1"),
    ("!5", "0"),
    ("!!5", "1"),
    ("1 < 2", "1"),
    ("2 <= 1", "0"),
    ("2 >= 2", "1"),
    ("3 > 2", "1"),
    ("1 == 1", "1"),
    ("1 != 1", "0"),
    ("1 < 2 == 1", "1"),              # relational binds tighter than equality, as in C
    ("1 && 0", "0"),
    ("0 || 2", "1"),
    ("1 || 0 && 0", "1"),             # && binds tighter than ||
    ("1 ? 2 : 3", "2"),
    ("0 ? 2 : 1 ? 4 : 5", "4"),       # ?: is right-associative
    ("1 + 1 > 1 ? 7 : 8", "7"),
    ("(0 ? 1 : 0) ? 5 : 6", "6"),
    ("1e3", "1000"),
    ("2.5e-1", "0.25"),
    ("1/3", "0.333333"),              # %g: six significant digits
    ("29/30*100", "96.6667"),         # as Batch writes $samples=96.6667
    ("1234567", "1.23457e+06"),
    ("0.5", "0.5"),
    ("1/0", "inf"),                   # IEEE, as C and .NET
    ("-1/0", "-inf"),
    ('"abc"', "abc"),
    ('"a" < "b"', "1"),
    ('"b" == "b"', "1"),
    ('"B" < "a"', "1"),               # ordinal
    ("requeue", "requeue"),
    ("TimeInterval_Minute * 3", "00:03:00"),
    ("3 * TimeInterval_Minute", "00:03:00"),
    ("TimeInterval_Hour / 2", "00:30:00"),
    ("TimeInterval_Day + TimeInterval_Hour", "1.01:00:00"),
    ("TimeInterval_Day - TimeInterval_Hour", "23:00:00"),
    ("-TimeInterval_Second", "-00:00:01"),
    ("TimeInterval_Millisecond * 1.5", "00:00:00.0015000"),
    ("TimeInterval_100ns", "00:00:00.0000001"),
    ("TimeInterval_Microsecond", "00:00:00.0000010"),
    ("TimeInterval_Week", "7.00:00:00"),
    ("TimeInterval_Year", "365.00:00:00"),
    ("TimeInterval_Zero", "00:00:00"),
    ("TimeInterval_Minute > TimeInterval_Second", "1"),
    ("TimeInterval_Minute == 60 * TimeInterval_Second", "1"),
    ('time("2016-10-13T19:18:47.805Z")', "2016-10-13T19:18:47.805Z"),
    ('time("Thu, 13 Oct 2016 19:18:47 GMT")', "2016-10-13T19:18:47.000Z"),
    ('time("2016-10-13T21:18+02:00")', "2016-10-13T19:18:00.000Z"),
    ('time("2016-10")', "2016-10-01T00:00:00.000Z"),
    ('time("2016-10-13") + TimeInterval_Hour', "2016-10-13T01:00:00.000Z"),
    ('TimeInterval_Hour + time("2016-10-13")', "2016-10-13T01:00:00.000Z"),
    ('time("2016-10-13") + (-6 * TimeInterval_Hour)', "2016-10-12T18:00:00.000Z"),
    ('time("2016-10-14") - time("2016-10-13")', "1.00:00:00"),
    ('time("2016-10-13") - time("2016-10-14")', "-1.00:00:00"),
    ('time("2016-10-13") < time("2016-10-14")', "1"),
    ("time()", "2016-10-13T19:18:47.805Z"),
    ('time("")', "2016-10-13T19:18:47.805Z"),
    ('time("2016-10-13T19:18:47Z").year', "2016"),
    ('time("2016-10-13T19:18:47Z").month', "10"),
    ('time("2016-10-13T19:18:47Z").day', "13"),
    ('time("2016-10-13T19:18:47Z").weekday', "4"),   # Thursday; 1 is Monday
    ('time("2016-10-16T19:18:47Z").weekday', "0"),   # Sunday (decided: .NET's DayOfWeek)
    ('time("2016-10-13T19:18:47Z").hour', "19"),
    ('time("2016-10-13T19:18:47Z").minute', "18"),
    ('time("2016-10-13T19:18:47Z").second', "47"),
    ("time().hour >= 8 && time().hour < 18", "0"),
])
def test_expressions(expr: str, expected: str) -> None:
    assert var(f"x = {expr}") == expected


def test_statements_comments_and_line_breaks() -> None:
    formula = "// a comment\n$a = 1 ;; \r\n b = $a + 1 // another\n;\nx = b * 2"
    assert ok(formula).results.endswith(";$a=1;b=2;x=4")  # the last statement needs no `;`


def test_a_bare_expression_is_a_statement() -> None:
    assert ok("1 + 1; $TargetDedicatedNodes = 2;").targets.target_dedicated_nodes == 2


def test_user_variables_with_and_without_dollar_are_two_and_listed_in_ordinal_order() -> None:
    result = ok('b = 1; B = 2; $a = 3; _x = 4; a1 = 5; $b = "s"')
    assert result.results == ("$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;"
                              "$a=3;$b=s;B=2;_x=4;a1=5;b=1")


def test_reassignment_keeps_the_last_value() -> None:
    assert var("x = 1; x = x + 41") == "42"


# --- functions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("expr, expected", [
    (VEC, "[1,2,3,4]"),
    (f"avg({VEC})", "2.5"),
    (f"avg({VEC}, 7)", "3.4"),                # avg(1,2,3,4,7) = 17/5
    ("avg(1, 2, 3)", "2"),
    ("avg(5)", "5"),
    (f"max({VEC}, 10)", "10"),
    (f"max({VEC})", "4"),
    (f"min({VEC}, -1)", "-1"),
    (f"min(2, {VEC})", "1"),
    (f"sum({VEC})", "10"),
    (f"sum({VEC}, {VEC})", "20"),
    ("sum()", "0"),
    (f"len({VEC}, 1)", "5"),
    ("len()", "0"),
    ("len(7)", "1"),
    ("norm(3, 4)", "5"),
    ("norm()", "0"),
    (f"range({VEC})", "3"),
    (f"range({VEC}, 10)", "9"),
    (f"std({VEC})", "1.29099"),               # sqrt(((1.5^2+0.5^2)*2)/3) = sqrt(5/3)
    ("std(5)", "0"),
    (f"percentile({VEC}, 50)", "2"),          # nearest rank: ceil(0.5*4) = 2nd smallest
    (f"percentile({VEC}, 0)", "1"),
    (f"percentile({VEC}, 75)", "3"),
    (f"percentile({VEC}, 76)", "4"),
    (f"percentile({VEC}, 100)", "4"),
    (f"val({VEC}, 0)", "1"),
    (f"val({VEC}, 3)", "4"),
    ("lg(8)", "3"),
    (f"lg({VEC})", "[0,1,1.58496,2]"),
    ("lg(2, 4)", "[1,2]"),                    # a list of doubles gives a doubleVec
    ("lg(0)", "-inf"),
    ("ln(1)", "0"),
    ("ln(2.718281828459045)", "1"),
    ("ln(-1)", "nan"),
    (f"ln({VEC}, 1)", "[0,0.693147,1.09861,1.38629,0]"),
    ("log(1000)", "3"),
    (f"log({VEC})", "[0,0.30103,0.477121,0.60206]"),
    ("ceil(1.2)", "2"),
    ("ceil(-1.2)", "-1"),
    ("floor(-1.2)", "-2"),
    ("floor(1.8)", "1"),
    ("round(2.5)", "3"),                       # halves away from zero
    ("round(-2.5)", "-3"),
    ("round(2.4)", "2"),
    (f"round({VEC} / 2)", "[1,1,2,2]"),        # [0.5,1,1.5,2]
    (f"ceil({VEC} / 2)", "[1,1,2,2]"),
    (f"floor({VEC} / 2)", "[0,1,1,2]"),
    (f"{VEC} + 1", "[2,3,4,5]"),
    (f"{VEC} - 1", "[0,1,2,3]"),
    (f"{VEC} * 2", "[2,4,6,8]"),
    (f"{VEC} / 4", "[0.25,0.5,0.75,1]"),
    (f"{VEC} * {VEC}", "[1,4,9,16]"),
    (f"{VEC} - {VEC}", "[0,0,0,0]"),
    (f"{VEC} + {VEC}", "[2,4,6,8]"),
    (f"{VEC} / {VEC}", "[1,1,1,1]"),
])
def test_functions_and_vectors(expr: str, expected: str) -> None:
    assert var(f"x = {expr}", V) == expected


def test_rand_is_in_zero_one_and_follows_the_rng() -> None:
    values = {float(dict(run("x = rand()", seed=seed).variables)["x"]) for seed in range(20)}
    assert len(values) > 10 and all(0 <= v < 1 for v in values)
    assert run("x = rand()", seed=3).results == run("x = rand()", seed=3).results


def test_stop_ends_the_evaluation_and_keeps_what_was_assigned() -> None:
    result = ok("$TargetDedicatedNodes = 4; a = 1; stop(); $TargetDedicatedNodes = 9; b = 2")
    assert result.targets.target_dedicated_nodes == 4 and result.results.endswith(";a=1")


def test_the_untaken_branch_and_short_circuit_sides_are_not_evaluated() -> None:
    result = ok("a = 0 ? stop() : 1; b = 0 && nothing; c = 1 || nothing; d = 1 ? 2 : $Undefined; "
                "$TargetDedicatedNodes = 2")
    assert result.results.endswith(";a=1;b=0;c=1;d=2") and result.targets.target_dedicated_nodes == 2
    assert ok("a = 1 ? stop() : 0; $TargetDedicatedNodes = 5").targets.target_dedicated_nodes == 0


# --- service variables, targets, results ------------------------------------------------------

def test_targets_read_as_the_pools_until_assigned_and_their_aliases() -> None:
    h = history(dedicated=2, low=3)
    assert ok("x = $TargetDedicatedNodes + $TargetLowPriorityNodes * 10", h).results == (
        "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=3;$NodeDeallocationOption=requeue;x=32")
    assert var("x = $TargetDedicated * 10 + $TargetLowPriority", h) == "23"
    assert ok("$TargetDedicated = 5", h).targets.target_dedicated_nodes == 5
    # The full name wins over its alias, whichever comes first.
    assert ok("$TargetDedicated = 5; $TargetDedicatedNodes = 3", h).targets.target_dedicated_nodes == 3
    assert ok("$TargetDedicatedNodes = 3; $TargetDedicated = 5", h).targets.target_dedicated_nodes == 3
    assert ok("$TargetLowPriority = 7; x = $TargetLowPriorityNodes", h).results == (
        "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=7;$NodeDeallocationOption=requeue;x=7")


def test_a_fractional_target_is_truncated_in_targets_and_results() -> None:
    result = ok("t = 2.9; $TargetDedicatedNodes = t; $TargetLowPriorityNodes = 0.4")
    assert result.results == ("$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;"
                              "$NodeDeallocationOption=requeue;t=2.9")
    assert (result.targets.target_dedicated_nodes, result.targets.target_low_priority_nodes) == (2, 0)


@pytest.mark.parametrize("option", ["requeue", "terminate", "taskcompletion", "retaineddata"])
def test_node_deallocation_options(option: str) -> None:
    result = ok(f"x = $NodeDeallocationOption; $NodeDeallocationOption = {option}; y = $NodeDeallocationOption")
    assert result.targets.node_deallocation_option == option
    assert result.results == (f"$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption={option};"
                              f"x=requeue;y={option}")
    assert ok(f'$NodeDeallocationOption = "{option}"').targets.node_deallocation_option == option


def test_read_only_variables_read_as_their_latest_value() -> None:
    h = history({"$PendingTasks": [5, 9]}, current={"$CurrentDedicatedNodes": 4, "$TaskSlotsPerNode": 2})
    assert var("x = $CurrentDedicatedNodes * $TaskSlotsPerNode + $PendingTasks", h) == "17"
    assert var("x = $UsableNodeCount + $SampleNodeCount", h) == "0"  # never recorded: 0


def test_to_json_is_the_rest_autoscale_run() -> None:
    good = ok("$TargetDedicatedNodes = 1").to_json()
    assert good == {"timestamp": "2016-10-13T19:18:47.8050000Z",
                    "results": "$TargetDedicatedNodes=1;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue"}
    bad = run("x = y").to_json()
    assert bad["error"] == {"code": EVALUATION_ERROR,
                            "message": "Autoscale evaluation failed due to an error in the formula",
                            "values": [{"name": "Message", "value": "Line 1, Col 5: Undefined variable 'y'"}]}


# --- errors, with where they are ---------------------------------------------------------------

@pytest.mark.parametrize("formula, detail", [
    ("a = (1 + ;", "Line 1, Col 10: Unexpected ';'"),
    ("a = 1 b = 2", "Line 1, Col 7: Expected ';' but found 'b'"),
    ("a = b = 1", "Line 1, Col 7: Expected ';' but found '='"),
    ("= 1", "Line 1, Col 1: Unexpected '='"),
    ("a = 1 +", "Line 1, Col 8: Unexpected end of formula"),
    ("a = (1", "Line 1, Col 7: Expected ')' but found end of formula"),
    ("a = 1 ? 2", "Line 1, Col 10: Expected ':' but found end of formula"),
    ("a = avg(1,)", "Line 1, Col 11: Unexpected ')'"),
    ("a = 1;\n  b = (2 +\n ) ", "Line 3, Col 2: Unexpected ')'"),
    ("a = foo(1)", "Line 1, Col 5: Unknown function 'foo'"),
    ("a = count(1)", "Line 1, Col 5: Unknown function 'count'"),       # counting is the Count() method
    ("$PendingTasks = 1", "Line 1, Col 1: $PendingTasks is a read-only service-defined variable"),
    ("x = 1;\n$CPUPercent = 2", "Line 2, Col 1: $CPUPercent is a read-only service-defined variable"),
    ("TimeInterval_Second = 1", "Line 1, Col 1: TimeInterval_Second is a constant and cannot be assigned"),
    ("taskcompletion = 1", "Line 1, Col 1: taskcompletion is a constant and cannot be assigned"),
    ("a = $PendingTasks.GetSampel(1)", "Line 1, Col 19: Unknown method 'GetSampel'"),
    ("a = x.GetSample(1)", "Line 1, Col 7: Method GetSample is only available on a read-only service-defined variable"),
    ("a = $TargetDedicatedNodes.Count()",
     "Line 1, Col 27: Method Count is only available on a read-only service-defined variable"),
    ("a = $PendingTasks.GetSample()", "Line 1, Col 19: Method GetSample takes 1 to 3 arguments, not 0"),
    ("a = $PendingTasks.GetSamplePercent(1, 2, 3)",
     "Line 1, Col 19: Method GetSamplePercent takes 1 to 2 arguments, not 3"),
    ("a = $PendingTasks.Count(1)", "Line 1, Col 19: Method Count takes 0 arguments, not 1"),
    ("a = $PendingTasks.$x", "Line 1, Col 19: Expected a method or member name after '.' but found '$x'"),
    ("a = rand(1)", "Line 1, Col 5: Function rand takes 0 arguments, not 1"),
    ("a = val(1)", "Line 1, Col 5: Function val takes 2 arguments, not 1"),
    ("a = lg()", "Line 1, Col 5: Function lg takes at least 1 argument, not 0"),
    ("a = time(1, 2)", "Line 1, Col 5: Function time takes 0 to 1 arguments, not 2"),
    ("a = time().hours",
     "Line 1, Col 12: Unknown member 'hours'; a timestamp has year, month, day, weekday, hour, minute, second"),
    ("a = 1 % 2", "Line 1, Col 7: Unexpected character '%'"),
    ("a = 1 & 2", "Line 1, Col 7: Unexpected character '&'"),
    ("a = $", "Line 1, Col 5: Unexpected character '$'"),
    ("a = 'x'", "Line 1, Col 5: Unexpected character '''"),
    ("a = é", "Line 1, Col 5: Unexpected character 'é'"),
    ("a = 1\x01", "Line 1, Col 6: Unexpected character 'U+0001'"),
    ('a = "abc', "Line 1, Col 5: Unterminated string literal"),
    ('a = "ab\nc"', "Line 1, Col 5: Unterminated string literal"),
    ("/* c */ a = 1", "Line 1, Col 1: Unexpected '/'"),
    ("a = .5", "Line 1, Col 5: Unexpected '.'"),
])
def test_syntax_errors(formula: str, detail: str) -> None:
    error = check(formula)
    assert error is not None and error.code == SYNTAX_ERROR
    assert error.message == "The specified auto-scaling formula has a syntax error."
    assert error.values == (("Message", detail),) and error.detail == detail
    result = run(formula, history(dedicated=2))
    assert result.error == error and result.targets.target_dedicated_nodes == 2


def test_limits_length_statements_and_nesting() -> None:
    assert check("a = 1;" + " " * (MAX_FORMULA_LENGTH - 6)) is None
    too_long = check("a = 1;" + " " * (MAX_FORMULA_LENGTH - 5))
    assert too_long is not None and too_long.code == TOO_LONG and too_long.position is None
    assert too_long.message == "The specified auto-scaling formula exceeds lengths limit."
    assert too_long.detail == "The formula has 8193 characters; at most 8192 are allowed"
    assert check("a=1;" * 100) is None
    many = check("a=1;" * 101)
    assert many is not None and many.detail == "Line 1, Col 401: The formula has more than 100 statements"
    assert ok("x = " + "(" * 39 + "1" + ")" * 39).results.endswith("x=1")
    deep = check("x = " + "(" * 40 + "1" + ")" * 40)
    assert deep is not None and deep.detail == "Line 1, Col 45: The expression is nested more than 40 levels deep"
    assert ok("x = " + "-" * 38 + "1").results.endswith("x=1")
    assert check("x = " + "-" * 40 + "1") is not None


@pytest.mark.parametrize("formula, detail", [
    ("a = 1;\nb = c + 1", "Line 2, Col 5: Undefined variable 'c'"),
    ("a = avg", "Line 1, Col 5: Undefined variable 'avg'"),
    ('a = 1 + "x"', "Line 1, Col 7: Operator + is not defined for double + string"),
    ("a = 1 - TimeInterval_Second", "Line 1, Col 7: Operator - is not defined for double - timeinterval"),
    ("a = time() - TimeInterval_Hour", "Line 1, Col 12: Operator - is not defined for timestamp - timeinterval"),
    ("a = TimeInterval_Hour / TimeInterval_Second",
     "Line 1, Col 23: Operator / is not defined for timeinterval / timeinterval"),
    ("a = time() + time()", "Line 1, Col 12: Operator + is not defined for timestamp + timestamp"),
    ('a = "a" < 1', "Line 1, Col 9: Operator < is not defined for string < double"),
    (f"a = -{VEC}", "Line 1, Col 5: Operator - is not defined for a doubleVec"),
    (f"a = !{VEC}", "Line 1, Col 5: Operator ! is not defined for a doubleVec"),
    ("a = !TimeInterval_Second", "Line 1, Col 5: Operator ! is not defined for a timeinterval"),
    (f"a = 2 * {VEC}", "Line 1, Col 7: Operator * is not defined for double * doubleVec"),
    (f"a = {VEC} < 1", "Line 1, Col 31: Operator < is not defined for doubleVec < double"),
    (f"a = {VEC} + $ActiveTasks.GetSample(2)", "Line 1, Col 31: The doubleVecs have different lengths (4 and 2)"),
    ("a = avg()", "Line 1, Col 5: Function avg needs at least one value"),
    ("a = max()", "Line 1, Col 5: Function max needs at least one value"),
    (f"a = val({VEC}, 4)", "Line 1, Col 5: Function val's index must be a whole number from 0 to 3, not 4"),
    (f"a = val({VEC}, 1.5)", "Line 1, Col 5: Function val's index must be a whole number from 0 to 3, not 1.5"),
    (f"a = val({VEC}, -1)", "Line 1, Col 5: Function val's index must be a whole number from 0 to 3, not -1"),
    ("a = val(1, 0)", "Line 1, Col 5: Function val's first argument must be a doubleVec, not a double"),
    (f"a = percentile({VEC}, 101)",
     "Line 1, Col 5: Function percentile's second argument must be a double from 0 to 100"),
    ("a = percentile(1, 50)", "Line 1, Col 5: Function percentile's first argument must be a doubleVec, not a double"),
    ('a = time("yesterday")', 'Line 1, Col 5: Function time: "yesterday" is not a W3C-DTF or RFC 1123 time'),
    ('a = time("2016-13-01")', 'Line 1, Col 5: Function time: "2016-13-01" is not a W3C-DTF or RFC 1123 time'),
    ("a = time(1)", "Line 1, Col 5: Function time takes a string, not a double"),
    ("a = avg(time())", "Line 1, Col 5: Function avg takes doubles and doubleVecs, not a timestamp"),
    ('a = lg("x")', "Line 1, Col 5: Function lg takes doubles and doubleVecs, not a string"),
    ("a = TimeInterval_Second / 0", "Line 1, Col 25: A timeinterval cannot be divided by zero"),
    ("a = TimeInterval_Second * 1e400", "Line 1, Col 25: The timeinterval is not finite"),
    ("a = time() + TimeInterval_Year * 1e6", "Line 1, Col 12: The timestamp is out of range (years 1 to 9999)"),
    ("a = time().hour.hour", "Line 1, Col 5: Member hour is defined for a timestamp, not a double"),
    ("a = $ActiveTasks.GetSample(0)", "Line 1, Col 5: GetSample's sample count must be at least 1, not 0"),
    ("a = $ActiveTasks.GetSample(TimeInterval_Minute, 101)",
     "Line 1, Col 5: The sample percentage must be a double from 0 to 100, not 101"),
    ("a = $ActiveTasks.GetSample(5, 70)",
     "Line 1, Col 5: GetSample(count) takes one argument; a range starts with a timestamp or timeinterval"),
    ('a = $ActiveTasks.GetSample(TimeInterval_Minute, "x")',
     "Line 1, Col 5: GetSample takes (start [, samplePercent]) or (start, end [, samplePercent])"),
    ('a = $ActiveTasks.GetSample("x")',
     "Line 1, Col 5: The start of the sample range must be a timestamp or a timeinterval, not a string"),
    ("a = $ActiveTasks.GetSamplePercent(TimeInterval_Minute, 5)",
     "Line 1, Col 5: The end of the sample range must be a timestamp or a timeinterval, not a double"),
    ("a = $PendingTasks.HistoryBeginTime()", "Line 1, Col 5: $PendingTasks has no samples yet"),
    ("$NodeDeallocationOption = 3",
     "Line 1, Col 1: $NodeDeallocationOption must be one of requeue, terminate, taskcompletion, retaineddata, "
     "not a double"),
    ('$NodeDeallocationOption = "sometimes"',
     'Line 1, Col 1: $NodeDeallocationOption must be one of requeue, terminate, taskcompletion, retaineddata, '
     'not "sometimes"'),
    ("$TargetDedicatedNodes = -1",
     "Line 1, Col 1: $TargetDedicatedNodes must be a non-negative number of nodes, not -1"),
    ("x = 1;\n$TargetDedicatedNodes = 1/0",
     "Line 2, Col 1: $TargetDedicatedNodes must be a non-negative number of nodes, not inf"),
    ("$TargetLowPriority = 0/0",
     "Line 1, Col 1: $TargetLowPriorityNodes must be a non-negative number of nodes, not nan"),
    ("$TargetDedicatedNodes = time()", "Line 1, Col 1: $TargetDedicatedNodes must be a double, not a timestamp"),
    (f"$TargetDedicated = {VEC}", "Line 1, Col 1: $TargetDedicated must be a double, not a doubleVec"),
    ('a = "x" ? 1 : 2', "Line 1, Col 5: The condition of ?: must be a double, not a string"),
    ('a = "x" && 1', "Line 1, Col 5: The left side of && must be a double, not a string"),
    ("a = 0 || TimeInterval_Second", "Line 1, Col 5: The right side of || must be a double, not a timeinterval"),
])
def test_evaluation_errors(formula: str, detail: str) -> None:
    result = run(formula, history({"$ActiveTasks": [1, 2, 3, 4]}, dedicated=2, low=1))
    assert check(formula) is None  # all pass the checks made before running
    assert result.error is not None and result.error.code == EVALUATION_ERROR
    assert result.error.message == "Autoscale evaluation failed due to an error in the formula"
    assert result.error.detail == detail
    # Nothing changes on an error, and nothing but the pool's targets is listed.
    assert result.results == "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=1;$NodeDeallocationOption=requeue"
    assert (result.targets.target_dedicated_nodes, result.targets.target_low_priority_nodes) == (2, 1)
    assert result.targets.node_deallocation_option == "requeue"


def test_only_a_final_target_must_be_valid() -> None:
    result = ok("$TargetDedicatedNodes = -1; $TargetDedicatedNodes = max(0, $TargetDedicatedNodes)")
    assert result.targets.target_dedicated_nodes == 0


def test_observed_undefined_variable_answer() -> None:
    """Observed (Azure SDK for JS, recorded against Batch): evaluating `$something_useless` on a pool
    whose formula targets 2 dedicated nodes answers AutoScalingFormulaEvaluationError and this results string."""
    result = run("$something_useless", history(dedicated=2))
    assert result.error is not None and result.error.code == "AutoScalingFormulaEvaluationError"
    assert result.error.detail == "Line 1, Col 1: Undefined variable '$something_useless'"
    assert result.results == "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue"


def test_observed_sdk_evaluation_of_a_constant_target() -> None:
    """Observed (Azure SDKs for Python and JS): `$TargetDedicatedNodes=3` evaluates to exactly this."""
    assert ok("$TargetDedicatedNodes=3", history(dedicated=2)).results == (
        "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue")


# --- sample data -------------------------------------------------------------------------------

def samples_ending(name: str, values: list[float], end: datetime, h: MetricHistory | None = None) -> MetricHistory:
    h = h if h is not None else MetricHistory()
    for i, value in enumerate(values):
        h.record(end - STEP * (len(values) - 1 - i), {name: value})
    return h


def test_reference_ten_minutes_of_cpu_samples() -> None:
    """Reference: `$CPUPercent.GetSample(TimeInterval_Minute * 10)` gives 20 samples when all of the
    last 10 minutes are there, 18 when the last minute is missing; then asking for 95 percent fails
    (only 90 percent are there) and asking for 80 percent succeeds."""
    full = samples_ending("$CPUPercent", [0.5] * 20, NOW)
    assert var("x = len($CPUPercent.GetSample(TimeInterval_Minute * 10))", full) == "20"
    late = samples_ending("$CPUPercent", [0.5] * 18, NOW - timedelta(minutes=1))
    assert var("x = len($CPUPercent.GetSample(TimeInterval_Minute * 10))", late) == "18"
    error = failed("x = $CPUPercent.GetSample(TimeInterval_Minute * 10, 95)", late)
    assert error.code == INSUFFICIENT_SAMPLES
    assert error.message == "Autoscale evaluation failed due to insufficient sample data"
    assert error.detail == "Line 1, Col 26: Insufficient data from data set: $CPUPercent wanted 95%, received 90%"
    assert var("x = len($CPUPercent.GetSample(TimeInterval_Minute * 10, 80))", late) == "18"
    assert var("x = $CPUPercent.GetSamplePercent(TimeInterval_Minute * 10)", late) == "90"


def test_reference_look_back_range() -> None:
    """Reference: `GetSample(1 * TimeInterval_Minute, 6 * TimeInterval_Minute)` gives a range of
    samples, shown as `$runningTasksSample=[1,1,1,1,1,1,1,1,1,1]` (5 minutes: 10 samples)."""
    h = samples_ending("$RunningTasks", [1] * 30, NOW)
    result = ok("$runningTasksSample = $RunningTasks.GetSample(1 * TimeInterval_Minute, 6 * TimeInterval_Minute);", h)
    assert result.results.endswith(";$runningTasksSample=[1,1,1,1,1,1,1,1,1,1]")
    # Either order of the bounds, and absolute times, name the same range.
    assert var("x = len($RunningTasks.GetSample(6 * TimeInterval_Minute, TimeInterval_Minute))", h) == "10"
    assert var("x = len($RunningTasks.GetSample(time() + -6 * TimeInterval_Minute, time() + -TimeInterval_Minute))",
               h) == "10"


def test_reference_required_percentage_as_third_argument() -> None:
    """Reference: `$RunningTasks.GetSample(60 * TimeInterval_Second, 120 * TimeInterval_Second, 75)`
    fails unless 75 percent of that minute's samples (2) are there."""
    formula = "$runningTasksSample = $RunningTasks.GetSample(60 * TimeInterval_Second, 120 * TimeInterval_Second, 75);"
    assert ok(formula, samples_ending("$RunningTasks", [2, 3, 4, 5, 6], NOW)).results.endswith(
        ";$runningTasksSample=[3,4]")  # (now-120s, now-60s] holds the samples of now-90s and now-60s
    h = samples_ending("$RunningTasks", [3], NOW - timedelta(seconds=90))
    assert failed(formula, h).detail == (
        "Line 1, Col 46: Insufficient data from data set: $RunningTasks wanted 75%, received 50%")


def test_without_a_percentage_getsample_wants_70_percent() -> None:
    h = samples_ending("$PendingTasks", [1] * 4, NOW)  # 4 of the 6 samples of 3 minutes: 66.6667%
    assert failed("x = avg($PendingTasks.GetSample(180 * TimeInterval_Second))", h).detail == (
        "Line 1, Col 32: Insufficient data from data set: $PendingTasks wanted 70%, received 66.6667%")
    h = samples_ending("$PendingTasks", [1] * 5, NOW)  # 83.3333%
    assert var("x = avg($PendingTasks.GetSample(180 * TimeInterval_Second))", h) == "1"


def test_count_form_history_begin_time_period_and_count() -> None:
    h = samples_ending("$ActiveTasks", [5, 6, 7], NOW)
    assert var("x = $ActiveTasks.GetSample(2)", h) == "[6,7]"          # the latest, oldest first
    assert var("x = $ActiveTasks.GetSample(10)", h) == "[5,6,7]"       # what there is
    assert var("x = $ActiveTasks.GetSample(2.9)", h) == "[6,7]"
    assert var("x = $ActiveTasks.Count()", h) == "3"
    assert var("x = $ActiveTasks.HistoryBeginTime()", h) == "2016-10-13T19:17:47.805Z"
    assert var("x = $ActiveTasks.GetSamplePeriod()", h) == "00:00:30"
    assert var("x = $ActiveTasks.GetSamplePercent(TimeInterval_Minute * 3)", h) == "50"
    assert var("x = $ActiveTasks.GetSamplePercent(TimeInterval_Zero)", h) == "100"
    assert var("x = $ActiveTasks.GetSample(TimeInterval_Zero)", h) == "[]"


def test_observed_insufficient_sample_errors_point_at_the_call() -> None:
    """Observed: Batch's errors for these two formulas are "Line 1, Col 24: ... $RunningTasks wanted
    100%, received 0%" (Azure SDK for .NET's tests) and "Line 9, Col 43: ... $PendingTasks wanted 70%,
    received 0%" (Azure/batch-shipyard issue 138, whose formula generator made the second one)."""
    error = failed("$RunningTasks.GetSample(10 * TimeInterval_Second, 0 * TimeInterval_Second, 100);")
    assert error.code == "InsufficientSampleData"
    assert error.values == (("Message", "Line 1, Col 24: Insufficient data from data set: $RunningTasks "
                                        "wanted 100%, received 0%"),)
    old = samples_ending("$PendingTasks", [4], NOW - timedelta(minutes=10))
    assert failed(SHIPYARD, old).detail == (
        "Line 9, Col 43: Insufficient data from data set: $PendingTasks wanted 70%, received 0%")
    busy = samples_ending("$PendingTasks", [4] * 10, NOW)
    result = ok(SHIPYARD, busy)
    # samplevecavg 4 -> reqVMs 4 -> divisor 2 -> 2 dedicated and 4 - 2 low-priority.
    assert (result.targets.target_dedicated_nodes, result.targets.target_low_priority_nodes) == (2, 2)
    assert result.targets.node_deallocation_option == "taskcompletion"


# The formula batch-shipyard 2.9 generated for a pending_tasks scenario biased to the last sample
# (convoy/autoscale.py at 75157e9): statements joined by ";\n".
SHIPYARD = ";\n".join([
    "maxTasksPerNode = 1", "minTargetDedicated = 0", "minTargetLowPriority = 0",
    "maxTargetDedicated = 16777216", "maxTargetLowPriority = 16777216",
    "sli = TimeInterval_Second * 300.0",
    "samplepercent = $PendingTasks.GetSamplePercent(sli)",
    "lastsample = val($PendingTasks.GetSample(1), 0)",
    "samplevecavg = avg($PendingTasks.GetSample(sli))",
    "PendingTaskAvg = samplepercent < 70 ? max(0, lastsample) : "
    "(lastsample < samplevecavg ? avg(lastsample, samplevecavg) : max(lastsample, samplevecavg))",
    "reqVMs = PendingTaskAvg / maxTasksPerNode",
    "preemptcount = 0", "rebalance = 0 == 1",
    "divisor = (maxTargetDedicated == 0 || maxTargetLowPriority == 0) ? 1 : 2",
    "dedicatedVMs = max(minTargetDedicated, reqVMs / divisor)",
    "dedicatedVMs = min(maxTargetDedicated, (dedicatedVMs > 0 && dedicatedVMs < 1) ? 1 : dedicatedVMs)",
    "remainingVMs = reqVMs - dedicatedVMs",
    "redistVMs = rebalance ? min(preemptcount, remainingVMs) : 0",
    "dedicatedVMs = min(maxTargetDedicated, dedicatedVMs + redistVMs)",
    "lowPriVMs = min(maxTargetLowPriority, reqVMs - dedicatedVMs)",
    "$TargetDedicatedNodes = dedicatedVMs",
    "$TargetLowPriorityNodes = max(minTargetLowPriority, lowPriVMs)",
    "$NodeDeallocationOption = taskcompletion",
]) + ";"


# --- the reference's sample formulas ---------------------------------------------------------

PENDING = """startingNumberOfVMs = 1;
maxNumberofVMs = 25;
pendingTaskSamplePercent = $PendingTasks.GetSamplePercent(180 * TimeInterval_Second);
pendingTaskSamples = pendingTaskSamplePercent < 70 ? startingNumberOfVMs : avg($PendingTasks.GetSample(180 * TimeInterval_Second));
$TargetDedicatedNodes=min(maxNumberofVMs, pendingTaskSamples);
$NodeDeallocationOption = taskcompletion;"""  # noqa: E501 (the reference's lines, as written)


@pytest.mark.parametrize("pending, target, percent, average", [
    ([4, 8, 10, 12, 14, 18], 11, "100", "11"),        # a full 3 minutes: avg 66/6
    ([40], 1, "16.6667", "1"),                         # a new pool: 1 of 6 samples, so the starting size
    ([3, 3, 3, 3, 4], 3, "83.3333", "3.2"),            # 5 of 6: avg 3.2, 3 nodes
    ([100] * 6, 25, "100", "100"),                     # capped at 25
    ([0] * 6, 0, "100", "0"),                          # the queue drained: the pool shrinks to nothing
])
def test_reference_pending_tasks_formula(pending: list[float], target: int, percent: str, average: str) -> None:
    """Reference sample "Pending tasks": start at one node, follow the 3-minute average of pending
    tasks, never above 25 nodes, let running tasks finish before a node goes."""
    result = ok(PENDING, samples_ending("$PendingTasks", pending, NOW, history(dedicated=1)))
    assert result.targets.target_dedicated_nodes == target
    assert result.results == (
        f"$TargetDedicatedNodes={target};$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;"
        f"maxNumberofVMs=25;pendingTaskSamplePercent={percent};pendingTaskSamples={average};startingNumberOfVMs=1")


def test_observed_pending_tasks_formula_result() -> None:
    """Observed (a pool's autoScaleRun quoted in a public project's tests): the pending-tasks sample with
    maxNumberofVMs = 2 and no deallocation line, on an idle pool."""
    formula = PENDING.replace("maxNumberofVMs = 25", "maxNumberofVMs = 2").replace(
        "\n$NodeDeallocationOption = taskcompletion;", "")
    result = ok(formula, samples_ending("$PendingTasks", [0] * 6, NOW))
    assert result.results == ("$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;"
                              "maxNumberofVMs=2;pendingTaskSamplePercent=100;pendingTaskSamples=0;startingNumberOfVMs=1")


PREEMPTED = """maxNumberofVMs = 25;
$TargetDedicatedNodes = min(maxNumberofVMs, $PreemptedNodeCount.GetSample(180 * TimeInterval_Second));
$TargetLowPriorityNodes = min(maxNumberofVMs , maxNumberofVMs - $TargetDedicatedNodes);
$NodeDeallocationOption = taskcompletion;"""


@pytest.mark.parametrize("preempted, dedicated, low", [
    ([3] * 6, 3, 22),            # three Spot nodes preempted: three dedicated ones replace them
    ([0] * 6, 0, 25),
    ([0, 0, 1, 1, 2, 2], 0, 25),  # min() takes the smallest of all the samples
])
def test_reference_preempted_nodes_formula(preempted: list[float], dedicated: int, low: int) -> None:
    """Reference sample "Preempted nodes": 25 nodes in all, a dedicated one for each preempted one."""
    result = ok(PREEMPTED, samples_ending("$PreemptedNodeCount", preempted, NOW))
    assert result.results == (f"$TargetDedicatedNodes={dedicated};$TargetLowPriorityNodes={low};"
                              "$NodeDeallocationOption=taskcompletion;maxNumberofVMs=25")


CPU = """$totalDedicatedNodes =
    (min($CPUPercent.GetSample(TimeInterval_Minute * 10)) > 0.7) ?
    ($CurrentDedicatedNodes * 1.1) : $CurrentDedicatedNodes;
$totalDedicatedNodes =
    (avg($CPUPercent.GetSample(TimeInterval_Minute * 60)) < 0.2) ?
    ($CurrentDedicatedNodes * 0.9) : $totalDedicatedNodes;
$TargetDedicatedNodes = min(400, $totalDedicatedNodes)"""


@pytest.mark.parametrize("cpu, nodes, target, total", [
    (0.9, 10, 11, "11"),      # busy: 110% of the current nodes
    (0.1, 10, 9, "9"),        # idle for an hour: 90%
    (0.5, 10, 10, "10"),      # neither: unchanged
    (0.9, 380, 400, "418"),   # never above 400
])
def test_reference_cpu_formula(cpu: float, nodes: float, target: int, total: str) -> None:
    """Reference, "Write an autoscale formula": grow by 10% when the CPU stayed above 70% for 10
    minutes, shrink by 10% when it averaged under 20% for an hour, at most 400 nodes."""
    h = samples_ending("$CPUPercent", [cpu] * 120, NOW, history(current={"$CurrentDedicatedNodes": nodes}))
    assert ok(CPU, h).results == (f"$TargetDedicatedNodes={target};$TargetLowPriorityNodes=0;"
                                  f"$NodeDeallocationOption=requeue;$totalDedicatedNodes={total}")


WORK_HOURS = """$curTime = time();
$workHours = $curTime.hour >= 8 && $curTime.hour < 18;
$isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5;
$isWorkingWeekdayHour = $workHours && $isWeekday;
$TargetDedicatedNodes = $isWorkingWeekdayHour ? 20:10;
$NodeDeallocationOption = taskcompletion;"""


@pytest.mark.parametrize("at, target, weekday, hours", [
    (datetime(2024, 1, 1, 10, 0, tzinfo=timezone.utc), 20, 1, 1),    # Monday morning
    (datetime(2024, 1, 5, 17, 59, tzinfo=timezone.utc), 20, 1, 1),   # Friday, a minute before six
    (datetime(2024, 1, 5, 18, 0, tzinfo=timezone.utc), 10, 1, 0),
    (datetime(2024, 1, 1, 7, 59, tzinfo=timezone.utc), 10, 1, 0),
    (datetime(2024, 1, 6, 10, 0, tzinfo=timezone.utc), 10, 0, 1),    # Saturday
    (datetime(2024, 1, 7, 10, 0, tzinfo=timezone.utc), 10, 0, 1),    # Sunday
])
def test_reference_time_based_formula(at: datetime, target: int, weekday: int, hours: int) -> None:
    """Reference Example 1: 20 nodes on weekdays from 8 to 18 (UTC), 10 otherwise."""
    both = weekday and hours
    assert ok(WORK_HOURS, now=at).results == (
        f"$TargetDedicatedNodes={target};$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;"
        f"$curTime={at.strftime('%Y-%m-%dT%H:%M:%S')}.000Z;$isWeekday={weekday};$isWorkingWeekdayHour={both};"
        f"$workHours={hours}")


def test_reference_evaluation_results_example() -> None:
    """Reference ("Evaluate an autoscale formula", "Get information about autoscale runs"): the
    working-hours formula without its deallocation line, evaluated on a Thursday at 19:18 and a
    Friday at 18:36, gave `$TargetDedicatedNodes=10; $NodeDeallocationOption=requeue;
    $curTime=2016-10-13T19:18:47.805Z; $isWeekday=1; $isWorkingWeekdayHour=0; $workHours=0` (today's
    service also lists $TargetLowPriorityNodes, as its SDK tests show)."""
    formula = WORK_HOURS.replace("\n$NodeDeallocationOption = taskcompletion;", "")
    assert ok(formula).results == (
        "$TargetDedicatedNodes=10;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;"
        "$curTime=2016-10-13T19:18:47.805Z;$isWeekday=1;$isWorkingWeekdayHour=0;$workHours=0")
    friday = datetime(2016, 10, 14, 18, 36, 43, 282000, tzinfo=timezone.utc)
    assert ok(formula, now=friday).results == (
        "$TargetDedicatedNodes=10;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;"
        "$curTime=2016-10-14T18:36:43.282Z;$isWeekday=1;$isWorkingWeekdayHour=0;$workHours=0")


def test_reference_local_time_and_the_python_and_dotnet_snippets() -> None:
    """Reference: shift the time to Mountain Daylight Time with `time() + (-6 * TimeInterval_Hour)`;
    the Python snippet's version with the `$TargetDedicated` alias; the .NET snippets'
    `(time().weekday == 1 ? 5:1)`, `$CurrentDedicatedNodes` and `0` formulas."""
    mdt = WORK_HOURS.replace("$curTime = time();", "$curTime = time() + (-6 * TimeInterval_Hour);")
    monday_15_utc = datetime(2024, 1, 1, 15, 0, tzinfo=timezone.utc)   # 09:00 in Denver
    monday_03_utc = datetime(2024, 1, 1, 3, 0, tzinfo=timezone.utc)    # Sunday 21:00 in Denver
    assert ok(mdt, now=monday_15_utc).targets.target_dedicated_nodes == 20
    assert ok(mdt, now=monday_03_utc).targets.target_dedicated_nodes == 10
    python = ("$curTime = time();\n             $workHours = $curTime.hour >= 8 && $curTime.hour < 18; \n"
              "             $isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5; \n"
              "             $isWorkingWeekdayHour = $workHours && $isWeekday; \n"
              "             $TargetDedicated = $isWorkingWeekdayHour ? 20:10;")
    result = ok(python, now=datetime(2024, 1, 1, 10, 0, tzinfo=timezone.utc))
    assert result.targets.target_dedicated_nodes == 20 and "$TargetDedicated=" not in result.results
    monday = "$TargetDedicatedNodes = (time().weekday == 1 ? 5:1);"
    assert ok(monday, now=datetime(2024, 1, 1, tzinfo=timezone.utc)).targets.target_dedicated_nodes == 5
    assert ok(monday, now=datetime(2024, 1, 2, tzinfo=timezone.utc)).targets.target_dedicated_nodes == 1
    h = history(current={"$CurrentDedicatedNodes": 7})
    assert ok("$TargetDedicatedNodes = $CurrentDedicatedNodes;", h).targets.target_dedicated_nodes == 7
    assert ok("$TargetDedicatedNodes = 0", history(dedicated=4)).targets.target_dedicated_nodes == 0


TASKS = """// Share of the last 15 minutes' pending-task samples that are available.
$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 15);
// Too few: trust the latest sample. Enough: the larger of the latest one and the average.
$tasks = $samples < 70 ? max(0,$PendingTasks.GetSample(1)) : max( $PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 15)));
// One node per pending task; with none pending, half the current target.
$targetVMs = $tasks > 0? $tasks:max(0, $TargetDedicatedNodes/2);
// Never more than 20 nodes.
$TargetDedicatedNodes = max(0, min($targetVMs, 20));
// Nodes leave once their running tasks have finished.
$NodeDeallocationOption = taskcompletion;"""  # noqa: E501 (the reference's lines, as written)


@pytest.mark.parametrize("pending, pool, expected", [
    # A new pool (2 of 30 samples): the latest sample, 5.
    ([3, 5], 0, "$TargetDedicatedNodes=5;$samples=6.66667;$targetVMs=5;$tasks=5"),
    # A full history 0..29: max(29, avg 14.5) = 29 tasks, capped at 20 nodes.
    (list(range(30)), 0, "$TargetDedicatedNodes=20;$samples=100;$targetVMs=29;$tasks=29"),
    # Nothing pending on a pool targeting 6 nodes: half of them.
    ([0] * 30, 6, "$TargetDedicatedNodes=3;$samples=100;$targetVMs=3;$tasks=0"),
    ([0] * 30, 1, "$TargetDedicatedNodes=0;$samples=100;$targetVMs=0.5;$tasks=0"),
])
def test_reference_task_based_formula(pending: list[float], pool: float, expected: str) -> None:
    """Reference Example 2 (its comments in our words)."""
    target, rest = expected.split(";", 1)
    result = ok(TASKS, samples_ending("$PendingTasks", pending, NOW, history(dedicated=pool)))
    assert result.results == f"{target};$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;{rest}"


def test_observed_task_based_variant_result() -> None:
    """Observed: a pool running a variant of Example 2 ($ActiveTasks, at least 1 and at most 3
    nodes) reported exactly this autoScaleRun.results with its target at 1 and no active tasks."""
    formula = (TASKS.replace("$PendingTasks", "$ActiveTasks").replace("max(0, min($targetVMs, 20))",
                                                                        "max(1, min($targetVMs, cappedPoolSize))")
               .replace("// Never more than 20 nodes.", "cappedPoolSize = 3;"))
    h = samples_ending("$ActiveTasks", [0] * 29, NOW, history(dedicated=1))  # 29 of 30 samples
    assert ok(formula, h).results == (
        "$TargetDedicatedNodes=1;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;"
        "$samples=96.6667;$targetVMs=0.5;$tasks=0;cappedPoolSize=3")


PARALLEL = """$samples = $ActiveTasks.GetSamplePercent(TimeInterval_Minute * 15);
$tasks = $samples < 70 ? max(0,$ActiveTasks.GetSample(1)) : max( $ActiveTasks.GetSample(1),avg($ActiveTasks.GetSample(TimeInterval_Minute * 15)));
$cores = $TargetDedicatedNodes * 4;
$extraVMs = (($tasks - $cores) + 3) / 4;
$targetVMs = ($TargetDedicatedNodes + $extraVMs);
$TargetDedicatedNodes = max(0,min($targetVMs,3));
$NodeDeallocationOption = taskcompletion;"""  # noqa: E501 (the reference's lines, as written)


@pytest.mark.parametrize("active, pool, expected", [
    # 6 tasks on 1 node of 4 slots: (6 - 4 + 3) / 4 = 1.25 more, 2.25 in all, 2 nodes.
    (6, 1, "$TargetDedicatedNodes=2;$cores=4;$extraVMs=1.25;$samples=100;$targetVMs=2.25;$tasks=6"),
    # 40 tasks: (40 - 4 + 3) / 4 = 9.75 more, capped at 3 nodes.
    (40, 1, "$TargetDedicatedNodes=3;$cores=4;$extraVMs=9.75;$samples=100;$targetVMs=10.75;$tasks=40"),
    # None on 2 nodes: (0 - 8 + 3) / 4 = -1.25, 0.75 in all, 0 nodes.
    (0, 2, "$TargetDedicatedNodes=0;$cores=8;$extraVMs=-1.25;$samples=100;$targetVMs=0.75;$tasks=0"),
])
def test_reference_parallel_tasks_formula(active: float, pool: float, expected: str) -> None:
    """Reference Example 3: nodes of 4 task slots, at most 3 of them."""
    target, rest = expected.split(";", 1)
    result = ok(PARALLEL, samples_ending("$ActiveTasks", [active] * 30, NOW, history(dedicated=pool)))
    assert result.results == f"{target};$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;{rest}"


def initial_size(created: str) -> str:
    """Reference Example 4, as its C# builds it: the creation time in RFC 1123 ("r") and 4 nodes."""
    return ("\n    $TargetDedicatedNodes = 4;\n"
            f'    lifespan         = time() - time("{created}");\n'
            "    span             = TimeInterval_Minute * 60;\n"
            "    startup          = TimeInterval_Minute * 10;\n"
            "    ratio            = 50;\n\n"
            "    $TargetDedicatedNodes = (lifespan > startup ? (max($RunningTasks.GetSample(span, ratio), "
            "$ActiveTasks.GetSample(span, ratio)) == 0 ? 0 : $TargetDedicatedNodes) : 4);\n    ")


def test_reference_initial_pool_size_formula() -> None:
    """Reference Example 4: 4 nodes for the first 10 minutes; after that none if no task ran or
    waited in the last hour, else unchanged."""
    young = ok(initial_size("Thu, 13 Oct 2016 19:13:47 GMT"))
    assert young.results == ("$TargetDedicatedNodes=4;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;"
                             "lifespan=00:05:00.8050000;ratio=50;span=01:00:00;startup=00:10:00")
    old = initial_size("Thu, 13 Oct 2016 17:00:00 GMT")
    idle = samples_ending("$ActiveTasks", [0] * 120, NOW, samples_ending("$RunningTasks", [0] * 120, NOW))
    assert ok(old, idle).targets.target_dedicated_nodes == 0
    assert "lifespan=02:18:47.8050000" in ok(old, idle).results
    busy = samples_ending("$ActiveTasks", [0] * 120, NOW, samples_ending("$RunningTasks", [2] * 120, NOW))
    assert ok(old, busy).targets.target_dedicated_nodes == 4
    thin = samples_ending("$ActiveTasks", [0] * 120, NOW, samples_ending("$RunningTasks", [2] * 10, NOW))
    line = old.split("\n")[7]
    col = line.index("GetSample(") + len("GetSample(")
    assert failed(old, thin).detail == (
        f"Line 8, Col {col}: Insufficient data from data set: $RunningTasks wanted 50%, received 8.33333%")


def test_powershell_reference_formula_needs_no_cpu_samples() -> None:
    """Enable-AzBatchAutoScale's reference formula: with under 0.7% of CPU samples it sets 5 nodes
    (the cmdlet's documented result is `$TargetDedicated=5;$NodeDeallocationOption=requeue;totalNodes=5`,
    from an API version that named the target so). Its other branch names `$CurrentDedicated`,
    which the reference no longer lists, and is not evaluated."""
    formula = ("totalNodes=($CPUPercent.GetSamplePercent(TimeInterval_Minute*0,TimeInterval_Minute*10)<0.7?5:"
               "(min($CPUPercent.GetSample(TimeInterval_Minute*0, TimeInterval_Minute*10))>0.8?"
               "($CurrentDedicated*1.1):$CurrentDedicated));$TargetDedicated=min(100,totalNodes);")
    assert ok(formula).results == (
        "$TargetDedicatedNodes=5;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;totalNodes=5")
    busy = samples_ending("$CPUPercent", [0.9] * 20, NOW)
    assert failed(formula, busy).detail.endswith("Undefined variable '$CurrentDedicated'")


@pytest.mark.parametrize("formula", [
    PENDING, PREEMPTED, CPU, WORK_HOURS, TASKS, PARALLEL, SHIPYARD, initial_size("Thu, 13 Oct 2016 19:13:47 GMT"),
    "$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue",
    "$TargetDedicated = 1;",
    "$myNewVariable = avg($CPUPercent, $myCustomVariable);",
])
def test_reference_formulas_pass_the_checks(formula: str) -> None:
    assert check(formula) is None


# --- the history the emulator fills ------------------------------------------------------------

def test_history_keeps_one_sample_per_30_seconds_and_the_latest_value() -> None:
    h = MetricHistory()
    start = NOW - timedelta(minutes=5)
    for i in range(31):  # a tick every 10 seconds for 5 minutes
        h.record(start + timedelta(seconds=10 * i), {"$PendingTasks": float(i), "$TargetDedicatedNodes": 3})
    samples = h.samples("$PendingTasks")
    assert [s.value for s in samples] == [float(i) for i in range(0, 31, 3)]
    assert all(b.at - a.at == STEP for a, b in zip(samples, samples[1:], strict=False))
    assert h.current("$PendingTasks") == 30 and h.current("$TargetDedicatedNodes") == 3
    assert h.current("$RunningTasks") == 0 and h.samples("$RunningTasks") == ()
    assert var("x = $PendingTasks", h) == "30"


def test_history_drops_what_is_older_than_its_retention() -> None:
    h = MetricHistory(retention=timedelta(minutes=5))
    for i in range(40):
        h.record(NOW - STEP * (39 - i), {"$ActiveTasks": float(i)})
    samples = h.samples("$ActiveTasks")
    assert len(samples) == 11 and NOW - samples[0].at == timedelta(minutes=5)


def test_history_refuses_names_it_does_not_sample() -> None:
    with pytest.raises(ValueError, match="not a sampled autoscale variable"):
        MetricHistory().record(NOW, {"$NodeDeallocationOption": 1})
    with pytest.raises(ValueError):
        MetricHistory().record(NOW, {"PendingTasks": 1})
    assert set(READ_ONLY) >= {"$PendingTasks", "$ActiveTasks", "$RunningTasks", "$SucceededTasks", "$FailedTasks",
                              "$CurrentDedicatedNodes", "$CurrentLowPriorityNodes", "$PreemptedNodeCount",
                              "$UsableNodeCount", "$CPUPercent", "$TaskSlotsPerNode", "$SampleNodeCount"}


def test_history_exports_and_loads() -> None:
    h = samples_ending("$PendingTasks", [1, 2, 3, 4, 5, 6], NOW, history(dedicated=2, current={"$CPUPercent": 0.5}))
    copy = MetricHistory.load(h.export())
    assert copy.samples("$PendingTasks") == h.samples("$PendingTasks")
    assert copy.current("$TargetDedicatedNodes") == 2 and copy.current("$CPUPercent") == 0.5
    assert ok(PENDING, copy).results == ok(PENDING, h).results


# --- bounded: random input never breaks the evaluator, and never takes long --------------------

def full_day() -> MetricHistory:
    h = MetricHistory()
    for i in range(2880):
        at = NOW - STEP * (2879 - i)
        h.record(at, {name: float(i % 7) for name in READ_ONLY})
    h.record(NOW, {"$TargetDedicatedNodes": 2, "$TargetLowPriorityNodes": 1})
    return h


DAY = full_day()
CODES = {SYNTAX_ERROR, TOO_LONG, EVALUATION_ERROR, INSUFFICIENT_SAMPLES}
TOKENS = [
    "0", "1", "2.5", "1e3", "70", "100", "-", "+", "*", "/", "<", "<=", "==", "!=", ">=", ">", "&&", "||", "!",
    "?", ":", "=", ";", ",", ".", "(", ")", '"x"', '"2016-10-13"', '""', "//c\n", "\n",
    "x", "$y", "$TargetDedicatedNodes", "$TargetLowPriorityNodes", "$NodeDeallocationOption", "$TargetDedicated",
    "$PendingTasks", "$CPUPercent", "$CurrentDedicatedNodes", "TimeInterval_Minute", "TimeInterval_Day",
    "taskcompletion", "requeue", "GetSample", "GetSamplePercent", "Count", "HistoryBeginTime", "GetSamplePeriod",
    "hour", "weekday", "avg", "len", "lg", "ln", "log", "max", "min", "norm", "percentile", "rand", "range", "std",
    "stop", "sum", "time", "val", "ceil", "floor", "round", "count",
]


def assert_sound(formula: str) -> AutoScaleResult:
    """The formula evaluates to a result (never an exception) that agrees with check(). How long the largest
    take is bench/autoscale.py's to say (a test does not time a shared machine)."""
    result = evaluate(formula, DAY, NOW, rng=random.Random(0))
    checked = check(formula)
    assert isinstance(result, AutoScaleResult)
    assert result.results.startswith("$TargetDedicatedNodes=")
    if checked is not None:
        assert result.error == checked
    if result.error is not None:
        assert result.error.code in CODES and result.error.detail
        assert (result.targets.target_dedicated_nodes, result.targets.target_low_priority_nodes) == (2, 1)
    else:
        assert result.targets.target_dedicated_nodes >= 0 and result.targets.target_low_priority_nodes >= 0
    return result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=80).map(" ".join))
def test_token_soup_never_raises(formula: str) -> None:
    assert_sound(formula)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_never_raises(formula: str) -> None:
    assert_sound(formula)


_LEAVES = st.sampled_from([
    "1", "0", "2.5", "-3", '"a"', "time()", 'time("2016-10-13")', "TimeInterval_Minute", "TimeInterval_Day",
    "$PendingTasks.GetSample(3)", "$CPUPercent.GetSample(TimeInterval_Minute * 10)",
    "$ActiveTasks.GetSample(TimeInterval_Day)", "$RunningTasks.GetSamplePercent(TimeInterval_Hour)",
    "$PendingTasks.Count()", "$CPUPercent.HistoryBeginTime()", "$CPUPercent.GetSamplePeriod()",
    "$CurrentDedicatedNodes", "$TargetDedicatedNodes", "taskcompletion", "rand()",
])


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary_ops = st.sampled_from(["+", "-", "*", "/", "<", "==", "&&", "||", ">="])
    functions = st.sampled_from(["avg", "max", "min", "sum", "len", "std", "range", "norm", "lg", "round"])
    return st.one_of(
        st.tuples(inner, binary_ops, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "!"]), inner).map(lambda t: f"{t[0]}{t[1]}"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.tuples(functions, st.lists(inner, min_size=1, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(st.sampled_from(["val", "percentile"]), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        inner.map(lambda e: f"({e}).hour"),
    )


EXPRESSIONS = st.deferred(lambda: st.recursive(_LEAVES, _grow, max_leaves=25))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, EXPRESSIONS)
def test_well_formed_formulas_never_raise(x: str, target: str) -> None:
    formula = f"x = {x};\n$TargetDedicatedNodes = {target};\n$NodeDeallocationOption = requeue"
    result = assert_sound(formula)
    if result.error is not None and result.error.code == SYNTAX_ERROR:  # only ever for nesting too deep
        assert "nested more than 40 levels" in result.error.detail, result.error


def test_the_largest_formulas_evaluate() -> None:
    ones = (MAX_FORMULA_LENGTH - 4) // 2
    flat = "x = " + "+".join(["1"] * ones)
    assert len(flat) <= MAX_FORMULA_LENGTH and assert_sound(flat).results.endswith(f";x={ones}")
    heavy = "d=TimeInterval_Day;e=d+-TimeInterval_Hour;" + ";".join(
        f"v{i}=avg($ActiveTasks.GetSample(d),$PendingTasks.GetSample(d,e))" for i in range(98))
    assert len(heavy) <= MAX_FORMULA_LENGTH and assert_sound(heavy).error is None
    nested = "x = " + "(" * 39 + "1" + ")" * 39
    assert assert_sound(nested).error is None


def test_vectors_are_bounded() -> None:
    day = "$ActiveTasks.GetSample(TimeInterval_Day)"
    assert var(f"x = len({day})", DAY) == "2880"
    error = assert_sound("v = " + day + "; x = len(" + ", ".join(["v"] * 35) + ")").error
    assert error is not None and error.detail == (
        "Line 1, Col 51: A doubleVec of 100800 values is longer than the 100000 allowed")
