"""The explorer's reading of task dependencies and exit options, from task rows
and documents alone: what a task waits for, what blocks it, what depends on it,
the WAITING ON label, and the details' lines."""

from __future__ import annotations

from batchtui.service.models import TaskRow
from batchtui.service.task_dependencies import DependencyBook, TaskDeps
from batchtui.ui.model.dependency_rows import dependency_rows
from batchtui.ui.model.task_workflow import dependency_lines, exit_lines


def _doc(task_id: str, state: str = "active", result: str | None = None, code: int | None = None, **extra) -> dict:
    doc = {"id": task_id, "state": state, "executionInfo": {}, **extra}
    if result:
        doc["executionInfo"] = {"result": result, "exitCode": code if code is not None else (result != "success")}
    return doc


def _book(*docs: dict) -> DependencyBook:
    book = DependencyBook()
    book.take([TaskRow.from_rest("j", d) for d in docs])
    return book


def test_waiting_blockers_first_then_pending_and_missing():
    book = _book(
        _doc("a", "completed", "failure", 1),
        _doc("b", "running"),
        _doc("c", "completed", "failure", 2, exitConditions={"default": {"dependencyAction": "satisfy"}}),
        _doc("d", dependsOn={"taskIds": ["a", "b", "c", "zz"]}),
    )
    waiting = book.waiting("d")
    assert [(u.id, u.state) for u in waiting.blockers] == [("a", "failed")]
    assert [(u.id, u.state) for u in waiting.pending] == [("b", "running"), ("zz", "missing")]
    assert book.label("d") == "✗ a, b +1"
    assert book.downstream("a") == ["d"]


def test_ranges_count_integer_ids_and_leading_zeros():
    book = _book(_doc("1", "completed", "success", 0), _doc("03", "running"), _doc("x7", "completed", "success", 0),
                 _doc("m", dependsOn={"taskIdRanges": [{"start": 1, "end": 5}]}))
    assert book.label("m") == "2, 03 +2"
    assert book.downstream("3") == ["m"] and book.downstream("x7") == []
    book.take([TaskRow.from_rest("j", _doc("03", "completed", "success", 0))])
    assert book.waiting("m").count == 3  # 2, 4, 5 do not exist yet


def test_a_task_that_stops_waiting_has_no_label_and_gone_tasks_are_forgotten():
    book = _book(_doc("up", "running"), _doc("down", dependsOn={"taskIds": ["up"]}))
    touched = book.take([TaskRow.from_rest("j", _doc("up", "completed", "success", 0))])
    assert touched == {"up", "down"} and book.label("down") == ""
    book.forget(["up"])
    assert book.label("down") == "up"


def test_dependency_rows_and_details_lines():
    book = _book(_doc("prep", "completed", "failure", 3), _doc("fetch", "completed", "success", 0),
                 _doc("train", dependsOn={"taskIds": ["fetch", "prep"]}),
                 _doc("report", dependsOn={"taskIds": ["train"]}))
    rows = [(r.direction, r.task_id, r.state, r.meaning) for r in dependency_rows(book, "train")]
    assert rows == [("upstream", "prep", "failed", "blocks"), ("upstream", "fetch", "completed", "satisfied"),
                    ("downstream", "report", "active", "not done")]
    lines = dependency_lines(_doc("train", dependsOn={"taskIds": ["fetch", "prep"]}), book.waiting("train"))
    assert lines[0] == ("depends on", "fetch, prep", "")
    assert lines[1] == ("blocked by", "prep (failed): train stays active until prep is reactivated and succeeds",
                        "error")
    book.take([TaskRow.from_rest("j", _doc("fetch", "completed", "failure", 2))])
    lines = dependency_lines(_doc("train", dependsOn={"taskIds": ["fetch", "prep"]}), book.waiting("train"))
    assert lines[1][1].endswith(": train stays active until they are reactivated and succeed")
    assert TaskDeps(("a",), ((1, 1), (2, 9))).describe() == "a, 1, 2-9"


def test_exit_lines_say_what_the_option_did():
    failed = _doc("t", "completed", "failure", 4,
                  exitConditions={"exitCodeRanges": [{"start": 1, "end": 5, "exitOptions": {"jobAction": "disable"}}]})
    lines = exit_lines(failed, {"onTaskFailure": "performexitoptionsjobaction", "usesTaskDependencies": True})
    assert lines == [("exit option", "exitCodeRanges[0]", ""),
                     ("job action", "disable: the job was disabled (its running tasks requeued)", "error"),
                     ("dependents", "blocked: tasks depending on it stay active", "error")]
    plain = _doc("t", "completed", "failure", 1)
    assert exit_lines(plain, {"onTaskFailure": "noaction", "usesTaskDependencies": False}) == []
    assert exit_lines(_doc("t", "completed", "success", 0), None) == []
