"""Tests for batchtui.emulator.odata (the Azure Batch $filter subset)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from batchtui.emulator.odata import FIELD_TYPES, FilterError, compile_filter

FIELDS = {
    "id": "string",
    "state": "string",
    "executionInfo/exitCode": "int",
    "executionInfo/result": "string",
    "creationTime": "datetime",
    "stateTransitionTime": "datetime",
}

T1 = {"id": "t1", "state": "completed", "creationTime": "2026-11-23T10:00:00.1234567Z",
      "executionInfo": {"exitCode": 3, "result": "failure"}}
T2 = {"id": "t2", "state": "active", "creationTime": "2026-11-23T09:00:00Z"}
T3 = {"id": "job-3", "state": "running", "creationTime": "2026-11-23T11:30:00.5+01:00",
      "executionInfo": {"exitCode": 0, "result": "success"}}
T4 = {"id": "Task-4", "state": "completed", "creationTime": "2026-11-24T00:00:00Z",
      "executionInfo": {"exitCode": -1, "result": "Failure"}}
DOCS = [T1, T2, T3, T4]


def ids(text: str, docs=DOCS, fields=FIELDS) -> list[str]:
    predicate = compile_filter(text, fields)
    return [doc["id"] for doc in docs if predicate(doc)]


def error(text: str, fields=FIELDS) -> FilterError:
    with pytest.raises(FilterError) as info:
        compile_filter(text, fields)
    return info.value


# --- empty filters ---------------------------------------------------------

@pytest.mark.parametrize("text", [None, "", "   ", "\t\n"])
def test_empty_filter_matches_everything(text):
    assert ids(text) == ["t1", "t2", "job-3", "Task-4"]
    assert compile_filter(text, {})({}) is True


def test_field_types_constant():
    assert FIELD_TYPES == {"string", "int", "datetime"}


def test_invalid_field_type_in_schema_is_rejected():
    with pytest.raises(ValueError, match="bool"):
        compile_filter("x eq 1", {"x": "bool"})


def test_filter_error_is_value_error():
    assert issubclass(FilterError, ValueError)


# --- comparison operators ----------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("executionInfo/exitCode eq 3", ["t1"]),
    ("executionInfo/exitCode ne 3", ["t2", "job-3", "Task-4"]),
    ("executionInfo/exitCode lt 3", ["job-3", "Task-4"]),
    ("executionInfo/exitCode le 3", ["t1", "job-3", "Task-4"]),
    ("executionInfo/exitCode gt 0", ["t1"]),
    ("executionInfo/exitCode ge 0", ["t1", "job-3"]),
    ("executionInfo/exitCode eq -1", ["Task-4"]),
    ("executionInfo/exitCode gt -5", ["t1", "job-3", "Task-4"]),
])
def test_int_operators(text, expected):
    assert ids(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("id eq 't1'", ["t1"]),
    ("id ne 't1'", ["t2", "job-3", "Task-4"]),
    ("id lt 't2'", ["t1", "job-3", "Task-4"]),
    ("id le 't2'", ["t1", "t2", "job-3", "Task-4"]),
    ("id gt 't1'", ["t2"]),
    ("id ge 't1'", ["t1", "t2"]),
])
def test_string_operators(text, expected):
    assert ids(text) == expected


@pytest.mark.parametrize("text", ["id EQ 't1'", "id Eq 't1'", "id eQ 't1'"])
def test_operator_keywords_are_case_insensitive(text):
    assert ids(text) == ["t1"]


def test_keywords_case_insensitive_for_and_or_not_and_literals():
    assert ids("NOT (id eq 't1') AND executionInfo/result Eq NULL") == ["t2"]
    assert ids("id eq 't1' OR id eq 't2'") == ["t1", "t2"]


def test_id_is_case_sensitive():
    assert ids("id eq 'T1'") == []
    assert ids("id eq 'task-4'") == []
    assert ids("id eq 'Task-4'") == ["Task-4"]


def test_string_literal_with_escaped_quote():
    docs = [{"id": "it's"}, {"id": "its"}]
    assert ids("id eq 'it''s'", docs) == ["it's"]
    assert ids("id eq ''''", [{"id": "'"}]) == ["'"]
    assert ids("id eq ''", [{"id": ""}, {"id": "x"}]) == [""]


def test_whitespace_is_flexible():
    assert ids("  id   eq\t't1'  ") == ["t1"]
    assert ids("(id eq 't1')or(id eq 't2')") == ["t1", "t2"]


# --- and / or / not / parentheses ------------------------------------------

def test_and_or():
    assert ids("state eq 'completed' and executionInfo/exitCode eq 3") == ["t1"]
    assert ids("state eq 'active' or state eq 'running'") == ["t2", "job-3"]


def test_and_binds_tighter_than_or():
    # a or (b and c)
    assert ids("id eq 't2' or state eq 'completed' and executionInfo/exitCode eq 3") == ["t1", "t2"]
    # (b and c) or a, same thing
    assert ids("state eq 'completed' and executionInfo/exitCode eq 3 or id eq 't2'") == ["t1", "t2"]


def test_parentheses_override_precedence():
    assert ids("(id eq 't2' or state eq 'completed') and executionInfo/exitCode eq 3") == ["t1"]
    assert ids("(id eq 't2' or state eq 'completed') and (executionInfo/exitCode eq 3)") == ["t1"]


def test_not_binds_tighter_than_and_and_or():
    # (not a) and b
    assert ids("not state eq 'completed' and executionInfo/exitCode eq 0") == ["job-3"]
    # (not a) or b
    assert ids("not state eq 'completed' or id eq 't1'") == ["t1", "t2", "job-3"]
    # not (a or b)
    assert ids("not (state eq 'completed' or id eq 't2')") == ["job-3"]


def test_double_not_and_not_before_parenthesis():
    assert ids("not not id eq 't1'") == ["t1"]
    assert ids("not(id eq 't1')") == ["t2", "job-3", "Task-4"]


def test_nested_parentheses_and_long_chains():
    assert ids("((((id eq 't1'))))") == ["t1"]
    assert ids("id eq 'a' or id eq 'b' or id eq 't2' or id eq 'Task-4'") == ["t2", "Task-4"]
    assert ids("id ne 'a' and id ne 'b' and id ne 't2' and state eq 'completed'") == ["t1", "Task-4"]


# --- startswith -------------------------------------------------------------

@pytest.mark.parametrize("text", ["startswith(id,'t')", "startswith(id, 't')", "startswith( id , 't' )",
                                  "StartsWith(id,'t')"])
def test_startswith(text):
    assert ids(text) == ["t1", "t2"]


def test_startswith_is_case_sensitive_on_id():
    assert ids("startswith(id,'task')") == []
    assert ids("startswith(id,'Task')") == ["Task-4"]


def test_startswith_case_insensitive_on_state_and_result():
    assert ids("startswith(state,'COMP')") == ["t1", "Task-4"]
    assert ids("startswith(executionInfo/result,'fail')") == ["t1", "Task-4"]


def test_startswith_combined_and_negated():
    assert ids("startswith(id,'t') and not startswith(id,'t1')") == ["t2"]
    assert ids("startswith(id,'t') eq true") == ["t1", "t2"]
    assert ids("startswith(id,'t') eq false") == ["job-3", "Task-4"]
    assert ids("startswith(id,'t') ne true") == ["job-3", "Task-4"]


def test_startswith_empty_prefix_matches_present_values_only():
    assert ids("startswith(executionInfo/result,'')") == ["t1", "job-3", "Task-4"]


# --- case-insensitive state / result ----------------------------------------

@pytest.mark.parametrize("literal", ["completed", "Completed", "COMPLETED", "cOmPlEtEd"])
def test_state_eq_is_case_insensitive(literal):
    assert ids(f"state eq '{literal}'") == ["t1", "Task-4"]


def test_state_ne_is_case_insensitive():
    assert ids("state ne 'Completed'") == ["t2", "job-3"]


def test_result_is_case_insensitive():
    assert ids("executionInfo/result eq 'FAILURE'") == ["t1", "Task-4"]
    assert ids("executionInfo/result eq 'failure'") == ["t1", "Task-4"]


def test_other_paths_ending_in_state_are_case_insensitive():
    fields = {"id": "string", "previousState": "string", "nodeInfo/name": "string"}
    docs = [{"id": "a", "previousState": "Active", "nodeInfo": {"name": "Node1"}}]
    assert ids("previousState eq 'active'", docs, fields) == ["a"]
    assert ids("nodeInfo/name eq 'node1'", docs, fields) == []


# --- null / missing ---------------------------------------------------------

def test_missing_property_is_null():
    assert ids("executionInfo/exitCode eq null") == ["t2"]
    assert ids("executionInfo/exitCode ne null") == ["t1", "job-3", "Task-4"]
    assert ids("executionInfo/result eq null") == ["t2"]


def test_missing_property_with_non_null_literal():
    docs = [{"id": "missing"}]
    for op in ("eq", "lt", "le", "gt", "ge"):
        assert ids(f"executionInfo/exitCode {op} 3", docs) == [], op
    assert ids("executionInfo/exitCode ne 3", docs) == ["missing"]
    assert ids("state eq 'active'", docs) == []
    assert ids("state ne 'active'", docs) == ["missing"]
    assert ids("creationTime gt datetime'2000-01-01T00:00:00Z'", docs) == []
    assert ids("startswith(state,'a')", docs) == []
    assert ids("not startswith(state,'a')", docs) == ["missing"]


def test_explicit_json_null_and_non_dict_intermediate_are_null():
    docs = [{"id": "a", "executionInfo": None}, {"id": "b", "executionInfo": {"exitCode": None}},
            {"id": "c", "executionInfo": "weird"}, {"id": "d", "executionInfo": {"exitCode": 1}}]
    assert ids("executionInfo/exitCode eq null", docs) == ["a", "b", "c"]
    assert ids("executionInfo/exitCode ge 0", docs) == ["d"]


def test_value_of_wrong_type_in_document_never_crashes():
    docs = [{"id": 5, "state": 7, "executionInfo": {"exitCode": "3"}, "creationTime": "not a date"},
            {"id": "ok", "executionInfo": {"exitCode": True}, "creationTime": 12}]
    assert compile_filter("id gt 'a'", FIELDS)(docs[0]) is False
    assert compile_filter("state eq 'x'", FIELDS)(docs[0]) is False
    assert compile_filter("executionInfo/exitCode eq 3", FIELDS)(docs[0]) is False
    assert compile_filter("executionInfo/exitCode eq 1", FIELDS)(docs[1]) is False
    assert compile_filter("creationTime lt datetime'2100-01-01T00:00:00Z'", FIELDS)(docs[0]) is False
    assert compile_filter("creationTime eq null", FIELDS)(docs[1]) is True


def test_null_literal_case_insensitive():
    assert ids("executionInfo/exitCode eq NULL") == ["t2"]


# --- datetimes ----------------------------------------------------------------

def test_datetime_literal_with_seven_fractional_digits():
    assert ids("creationTime eq datetime'2026-11-23T10:00:00.1234567Z'") == ["t1"]
    # the 7th digit matters (100 ns precision)
    assert ids("creationTime gt datetime'2026-11-23T10:00:00.1234566Z'") == ["t1", "job-3", "Task-4"]
    assert ids("creationTime lt datetime'2026-11-23T10:00:00.1234568Z'") == ["t1", "t2"]
    assert ids("creationTime eq datetime'2026-11-23T10:00:00.1234568Z'") == []


@pytest.mark.parametrize("literal", [
    "datetime'2026-11-23T10:00:00.1234567Z'",
    "'2026-11-23T10:00:00.1234567Z'",
    "DateTime'2026-11-23T10:00:00.1234567Z'",
    "datetime'2026-11-23T11:00:00.1234567+01:00'",
    "'2026-11-23T05:00:00.1234567-05:00'",
    "'2026-11-23T11:00:00.1234567+0100'",
    "2026-11-23T10:00:00.1234567Z",
])
def test_datetime_literal_forms(literal):
    assert ids(f"creationTime eq {literal}") == ["t1"]


@pytest.mark.parametrize("fraction", ["1", "12", "123", "1234", "12345", "123456", "1234567"])
def test_fractional_seconds_of_any_length(fraction):
    docs = [{"id": "a", "creationTime": f"2026-01-01T00:00:00.{fraction}Z"}]
    assert ids(f"creationTime eq datetime'2026-01-01T00:00:00.{fraction.ljust(7, '0')}Z'", docs) == ["a"]
    assert ids("creationTime gt datetime'2026-01-01T00:00:00Z'", docs) == ["a"]


def test_datetime_offsets_are_compared_as_instants():
    # T3 is 11:30+01:00 == 10:30Z
    assert ids("creationTime gt '2026-11-23T10:29:59Z' and creationTime lt '2026-11-23T10:30:01Z'") == ["job-3"]
    assert ids("creationTime eq '2026-11-23T10:30:00.5Z'") == ["job-3"]


def test_datetime_range_and_date_only():
    text = "creationTime ge datetime'2026-11-23T09:00:00Z' and creationTime lt datetime'2026-11-24'"
    assert ids(text) == ["t1", "t2", "job-3"]


def test_datetime_without_offset_is_utc():
    assert ids("creationTime eq '2026-11-24T00:00:00'") == ["Task-4"]
    docs = [{"id": "naive", "creationTime": "2026-11-24T00:00:00"}]
    assert ids("creationTime eq datetime'2026-11-24T01:00:00+01:00'", docs) == ["naive"]


def test_datetime_objects_in_documents_are_supported():
    docs = [{"id": "aware", "creationTime": datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)},
            {"id": "naive", "creationTime": datetime(2026, 11, 23, 10, 0)}]
    assert ids("creationTime eq datetime'2026-11-23T10:00:00Z'", docs) == ["aware", "naive"]


def test_missing_datetime_is_null():
    assert ids("stateTransitionTime eq null") == ["t1", "t2", "job-3", "Task-4"]
    assert ids("stateTransitionTime gt datetime'2000-01-01T00:00:00Z'") == []


# --- errors -------------------------------------------------------------------

def test_unknown_property_lists_supported_ones():
    message = str(error("foo eq 'x'"))
    assert "'foo'" in message
    assert "not supported" in message
    assert "supported: id, state, executionInfo/exitCode, executionInfo/result, creationTime" in message


def test_unknown_property_inside_startswith_and_deep_in_expression():
    assert "'nodeId'" in str(error("startswith(nodeId,'x')"))
    err = error("id eq 'a' and (state eq 'b' or executionInfo/bogus eq 1)")
    assert "'executionInfo/bogus'" in str(err)
    assert err.position == 31


def test_unknown_property_wrong_case_hints_the_right_one():
    message = str(error("ID eq 'x'"))
    assert "'ID'" in message and "did you mean 'id'" in message


def test_unknown_function_names_it_and_position():
    err = error("id eq 'a' or endswith(id,'x')")
    assert "'endswith'" in str(err) and "position 13" in str(err)
    assert err.position == 13
    assert "startswith" in str(err)


def test_unbalanced_parentheses_missing_close():
    err = error("(id eq 'a' or id eq 'b'")
    assert "')'" in str(err) and "position 0" in str(err) and "position 23" in str(err)
    assert err.position == 23


def test_unbalanced_parentheses_extra_close():
    err = error("id eq 'a')")
    assert "position 9" in str(err) and "')'" in str(err)
    assert err.position == 9


def test_trailing_garbage():
    err = error("id eq 'a' garbage")
    assert "'garbage'" in str(err) and "position 10" in str(err)
    err = error("id eq 'a' 'b'")
    assert "position 10" in str(err)


def test_unterminated_string():
    err = error("id eq 'abc")
    assert "Unterminated string" in str(err) and "position 6" in str(err)
    assert err.position == 6
    assert "position 24" in str(error("creationTime gt datetime'2026"))


def test_unexpected_character():
    err = error("id eq 'a' && state eq 'b'")
    assert "'&'" in str(err) and "position 10" in str(err)
    assert "position 27" in str(error("executionInfo/exitCode eq 1.5"))


@pytest.mark.parametrize("text, position", [
    ("id eq", 5),
    ("id", 2),
    ("id 'a'", 3),
    ("id eq 'a' and", 13),
    ("and id eq 'a'", 0),
    ("()", 1),
    ("not", 3),
    ("id eq eq", 6),
    ("state eq completed", 9),
    ("startswith(id 'a')", 14),
    ("startswith(id,'a'", 17),
    ("startswith(id,5)", 14),
    ("startswith(id,'a') eq 'true'", 22),
    ("'a' eq id", 0),
])
def test_syntax_errors_report_position(text, position):
    err = error(text)
    assert err.position == position
    assert f"position {position}" in str(err)


def test_unquoted_string_hint():
    assert "single quotes" in str(error("state eq completed"))


@pytest.mark.parametrize("text, words", [
    ("executionInfo/exitCode eq '3'", ["int", "executionInfo/exitCode", "'3'"]),
    ("executionInfo/exitCode eq true", ["int", "executionInfo/exitCode"]),
    ("executionInfo/exitCode eq datetime'2026-01-01T00:00:00Z'", ["int"]),
    ("id eq 3", ["string", "'id'", "3"]),
    ("state eq -1", ["string", "'state'"]),
    ("id eq datetime'2026-01-01T00:00:00Z'", ["string", "'id'"]),
    ("creationTime gt 5", ["datetime", "'creationTime'"]),
    ("creationTime gt false", ["datetime"]),
])
def test_type_mismatch(text, words):
    message = str(error(text))
    assert "Cannot compare" in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    "literal", ["'yesterday'", "datetime'2026-13-01T00:00:00Z'", "'2026-11-23T10:00:00.12345678Z'"]
)
def test_invalid_datetime_literal(literal):
    message = str(error(f"creationTime gt {literal}"))
    assert "not a valid datetime" in message and "'creationTime'" in message


def test_startswith_on_non_string_property():
    message = str(error("startswith(executionInfo/exitCode,'1')"))
    assert "'executionInfo/exitCode'" in message and "string" in message


@pytest.mark.parametrize("op", ["lt", "le", "gt", "ge"])
def test_ordering_against_null_is_rejected(op):
    assert "null" in str(error(f"executionInfo/exitCode {op} null"))


def test_deep_nesting_is_an_error_not_a_crash():
    assert "nested too deeply" in str(error("(" * 500 + "id eq 'a'" + ")" * 500))
    assert "nested too deeply" in str(error("not " * 500 + "id eq 'a'"))


def test_no_fields_allowed():
    assert "supported: none" in str(error("id eq 'a'", fields={}))


# --- scale ----------------------------------------------------------------------

def test_compile_once_run_over_100k_documents():
    docs = [{"id": f"task-{i}", "state": ("completed", "active", "running")[i % 3],
             "creationTime": f"2026-11-23T{i % 24:02d}:00:00.{i % 10_000_000:07d}Z",
             **({"executionInfo": {"exitCode": i % 5, "result": "success" if i % 5 == 0 else "failure"}}
                if i % 3 == 0 else {})}
            for i in range(100_000)]
    predicate = compile_filter(
        "(state eq 'Completed' and executionInfo/exitCode ne 0) or startswith(id,'task-9999')"
        " and creationTime ge datetime'2026-11-23T00:00:00Z'", FIELDS)
    matched = sum(1 for doc in docs if predicate(doc))
    expected = sum(1 for i in range(100_000)
                   if (i % 3 == 0 and i % 5 != 0) or str(i).startswith("9999"))
    assert matched == expected
