"""The emulator's dependency index and exit-option precedence, in process:
ranges by integer id (leading zeros), the index rebuilt from documents, and
which exit option a completed task takes."""

from __future__ import annotations

from batchtui.emulator.dependencies import Dependencies
from batchtui.emulator.exit_options import exit_outcome


class _Store:
    def __init__(self) -> None:
        self.tasks: dict[str, dict] = {}

    def job_tasks(self, _job_id: str) -> dict[str, dict]:
        return self.tasks


JOB = {"id": "j", "creationTime": "t0", "usesTaskDependencies": True}


def _task(task_id: str, **depends: object) -> dict:
    task: dict = {"id": task_id, "state": "active", "executionInfo": {}}
    if depends:
        task["dependsOn"] = depends
    return task


def _complete(deps: Dependencies, task: dict, exit_code: int = 0) -> None:
    task["state"] = "completed"
    task["executionInfo"] = {"exitCode": exit_code, "result": "success" if exit_code == 0 else "failure"}
    deps.task_completed(JOB, task)


def _add(store: _Store, deps: Dependencies, task: dict) -> dict:
    store.tasks[task["id"]] = task
    deps.task_added(JOB, task)
    return task


def test_a_chain_of_10000_range_dependencies_releases_one_task_at_a_time():
    store = _Store()
    deps = Dependencies(store)  # type: ignore[arg-type]
    tasks = [_add(store, deps, _task(str(i), taskIdRanges=[{"start": max(1, i - 100), "end": i - 1}] if i > 1 else []))
             for i in range(1, 10_001)]
    assert sum(deps.ready(JOB, t) for t in tasks) == 1
    for task, after in zip(tasks, tasks[1:], strict=False):
        assert deps.ready(JOB, task) and not deps.ready(JOB, after)
        _complete(deps, task)
        if task["id"] == "5000":
            deps.forget("j")  # rebuilt from the documents midway: the same answers


def test_leading_zeros_and_blocking():
    store = _Store()
    deps = Dependencies(store)  # type: ignore[arg-type]
    down = _add(store, deps, _task("down", taskIdRanges=[{"start": 4, "end": 4}], taskIds=["x"]))
    _complete(deps, _add(store, deps, _task("x")))
    assert not deps.ready(JOB, down)
    _complete(deps, _add(store, deps, _task("04")), exit_code=1)  # block
    assert not deps.ready(JOB, down) and deps.waiting_count(JOB, down) == 1
    _complete(deps, _add(store, deps, _task("004")))
    assert deps.ready(JOB, down)


def _failed(exit_code: int | None, failure_code: str, **conditions: object) -> dict:
    info = {"result": "failure", "failureInfo": {"code": failure_code}}
    if exit_code is not None:
        info["exitCode"] = exit_code
    return {"executionInfo": info, "exitConditions": conditions}


def test_exit_option_precedence():
    listed = {"exitCodes": [{"code": 3, "exitOptions": {"jobAction": "none"}}],
              "exitCodeRanges": [{"start": 1, "end": 9, "exitOptions": {"jobAction": "disable"}}],
              "fileUploadError": {"dependencyAction": "satisfy"}, "default": {"jobAction": "none"}}
    assert exit_outcome(_failed(3, "FailureExitCode", **listed)) == exit_outcome(
        _failed(3, "FileUploadMiscError", **listed))
    assert exit_outcome(_failed(3, "FailureExitCode", **listed)).matched == "exitCodes[0]"
    assert exit_outcome(_failed(4, "FailureExitCode", **listed)).job_action == "disable"
    upload = exit_outcome(_failed(0, "FileUploadMiscError", **listed))
    assert (upload.matched, upload.job_action, upload.dependency_action) == ("fileUploadError", "terminate", "satisfy")
    assert exit_outcome(_failed(12, "FailureExitCode", **listed)).matched == "default"
    assert exit_outcome(_failed(None, "BlobNotFound", **listed)).matched == "default"  # no preProcessingError
    bare = exit_outcome(_failed(1, "FailureExitCode"))
    assert (bare.matched, bare.job_action, bare.dependency_action) == ("", "terminate", "block")
    ok = exit_outcome({"executionInfo": {"result": "success", "exitCode": 0}, "exitConditions": listed})
    assert (ok.matched, ok.job_action, ok.dependency_action) == ("", "none", "satisfy")
