"""How Batch reads a completed task's exitConditions (the REST reference's
ExitConditions and ExitOptions), for explaining a task: which exit option
matched, its jobAction and its dependencyAction.

Precedence: an exit code listed in exitCodes (first match), then in
exitCodeRanges (inclusive), wins, even over a file upload error that came
after it; then fileUploadError for an upload failure, preProcessingError for
a task that failed before its process ran; then `default` for any other
failure. A field an option leaves out takes Batch's default: jobAction none
and dependencyAction satisfy after a success, terminate and block after
anything else. The jobAction is carried out only when the job's
onTaskFailure is performexitoptionsjobaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UPLOAD_FAILURES = frozenset({"FileUploadAccessDenied", "FileUploadContainerNotFound", "FileUploadMiscError"})
# Failures before the task's process ran: resource files, application packages, the command not launching.
PRE_PROCESSING_FAILURES = frozenset({
    "ResourceContainerAccessDenied", "ResourceContainerListMiscError", "BlobAccessDenied", "BlobNotFound",
    "BlobDownloadTimedOut", "BlobDownloadMiscError", "ResourceFileCreateFailed", "ResourceFileWriteFailed",
    "ApplicationPackageError", "CommandLaunchFailed", "CommandProgramNotFound",
})


@dataclass(frozen=True, slots=True)
class ExitOutcome:
    """`matched`: the option's place in exitConditions ("exitCodes[0]", "exitCodeRanges[1]", "fileUploadError",
    "preProcessingError", "default"), or "" when none matched (Batch's defaults apply)."""

    matched: str
    job_action: str  # none, disable, terminate
    dependency_action: str  # satisfy, block


def _listed(conditions: dict[str, Any], code: int) -> tuple[str, dict[str, Any]] | None:
    for i, entry in enumerate(conditions.get("exitCodes") or []):
        if entry.get("code") == code:
            return f"exitCodes[{i}]", entry.get("exitOptions") or {}
    for i, entry in enumerate(conditions.get("exitCodeRanges") or []):
        if entry.get("start", 0) <= code <= entry.get("end", -1):
            return f"exitCodeRanges[{i}]", entry.get("exitOptions") or {}
    return None


def exit_outcome(task: dict[str, Any]) -> ExitOutcome:
    """What a completed task's exitConditions make of how it ended (see the module's precedence)."""
    info = task.get("executionInfo") or {}
    conditions = task.get("exitConditions") or {}
    code = info.get("exitCode")
    failure = (info.get("failureInfo") or {}).get("code")
    succeeded = info.get("result") == "success"
    found = _listed(conditions, code) if isinstance(code, int) else None
    if found is None:
        if failure in UPLOAD_FAILURES and "fileUploadError" in conditions:
            found = "fileUploadError", conditions["fileUploadError"]
        elif failure in PRE_PROCESSING_FAILURES and "preProcessingError" in conditions:
            found = "preProcessingError", conditions["preProcessingError"]
        elif not succeeded and "default" in conditions:
            found = "default", conditions["default"]
    where, options = found if found is not None else ("", {})
    return ExitOutcome(where, options.get("jobAction") or ("none" if succeeded else "terminate"),
                       options.get("dependencyAction") or ("satisfy" if succeeded else "block"))


def satisfies_dependents(task: dict[str, Any]) -> bool:
    """Whether the task lets the tasks depending on it run: completed, with dependencyAction satisfy."""
    if task.get("state") != "completed":
        return False
    if not task.get("exitConditions"):  # (most tasks: Batch's defaults, a success satisfies)
        return (task.get("executionInfo") or {}).get("result") == "success"
    return exit_outcome(task).dependency_action == "satisfy"
