"""Which of a completed task's exitConditions applies, as Batch documents it
(ExitConditions, ExitOptions in the REST reference), and what it does:
the jobAction (none/disable/terminate, run when the job's onTaskFailure is
performexitoptionsjobaction) and the dependencyAction (satisfy/block).

Precedence: a file upload error after an exit code listed in exitCodes or
exitCodeRanges takes that code's options, else fileUploadError; a task that
failed before its process ran (resource files, application packages, the
command line not launching) takes preProcessingError; an exit code takes the
first exitCodes entry naming it, then the first exitCodeRanges entry holding
it (start and end inclusive). Whatever is left takes `default`. An option, or
a field missing from it, falls back to Batch's defaults: jobAction none and
dependencyAction satisfy for a success (exit code 0), terminate and block for
every other exit condition."""

from __future__ import annotations

from dataclasses import dataclass

from .store import Doc

UPLOAD_FAILURES = frozenset({"FileUploadAccessDenied", "FileUploadContainerNotFound", "FileUploadMiscError"})
PRE_PROCESSING_FAILURES = frozenset({
    "ResourceContainerAccessDenied", "ResourceContainerListMiscError", "BlobAccessDenied", "BlobNotFound",
    "BlobDownloadTimedOut", "BlobDownloadMiscError", "ResourceFileCreateFailed", "ResourceFileWriteFailed",
    "ApplicationPackageError", "CommandLaunchFailed", "CommandProgramNotFound",
})


@dataclass(frozen=True)
class ExitOutcome:
    """The matched option's place ("exitCodes[0]", "default", or "" when none
    matched), its jobAction and its dependencyAction (defaults filled in)."""

    matched: str
    job_action: str
    dependency_action: str


def _listed(conditions: Doc, exit_code: int) -> tuple[str, Doc] | None:
    for i, entry in enumerate(conditions.get("exitCodes") or []):
        if entry.get("code") == exit_code:
            return f"exitCodes[{i}]", entry.get("exitOptions") or {}
    for i, entry in enumerate(conditions.get("exitCodeRanges") or []):
        if entry.get("start", 0) <= exit_code <= entry.get("end", -1):
            return f"exitCodeRanges[{i}]", entry.get("exitOptions") or {}
    return None


def exit_outcome(task: Doc) -> ExitOutcome:
    """The outcome of a completed task's exitConditions (see the module's precedence)."""
    info = task.get("executionInfo") or {}
    conditions = task.get("exitConditions") or {}
    exit_code = info.get("exitCode")
    failure_code = (info.get("failureInfo") or {}).get("code")
    succeeded = info.get("result") == "success"
    found: tuple[str, Doc] | None = None
    if isinstance(exit_code, int):
        found = _listed(conditions, exit_code)
    if found is None:
        if failure_code in UPLOAD_FAILURES and "fileUploadError" in conditions:
            found = "fileUploadError", conditions["fileUploadError"]
        elif failure_code in PRE_PROCESSING_FAILURES and "preProcessingError" in conditions:
            found = "preProcessingError", conditions["preProcessingError"]
        elif not succeeded and "default" in conditions:
            found = "default", conditions["default"]
    where, options = found if found is not None else ("", {})
    return ExitOutcome(
        where,
        options.get("jobAction") or ("none" if succeeded else "terminate"),
        options.get("dependencyAction") or ("satisfy" if succeeded else "block"),
    )
