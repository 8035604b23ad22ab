"""Storage failures as Batch reports them, with no secret in their text.

Failure codes (Batch's TaskFailureInformationCodes, category usererror):

    listing a container   ResourceContainerAccessDenied (401/403),
                          ResourceContainerListMiscError (anything else, a missing container too)
    downloading a file    BlobAccessDenied (401/403), BlobNotFound (404),
                          BlobDownloadTimedOut, BlobDownloadMiscError
    writing it locally    ResourceFileCreateFailed (a path outside wd/, a bad
                          fileMode, an invalid resource file), ResourceFileWriteFailed
    application packages  ApplicationPackageError
    uploading outputs     FileUploadAccessDenied (401/403), FileUploadContainerNotFound (404),
                          FileUploadMiscError

Messages and details name URLs without their query string, so a SAS token is
never copied out of the task document (not into failureInfo, the upload logs
fileuploadout.txt/fileuploaderr.txt, or the emulator's log).
"""

from __future__ import annotations

import re

from . import executor

STORAGE_FAILURE_CODES = frozenset({
    "ResourceContainerAccessDenied", "ResourceContainerListMiscError", "BlobAccessDenied", "BlobNotFound",
    "BlobDownloadTimedOut", "BlobDownloadMiscError", "ResourceFileCreateFailed", "ResourceFileWriteFailed",
    "ApplicationPackageError", "FileUploadAccessDenied", "FileUploadContainerNotFound", "FileUploadMiscError",
})

MESSAGES = {
    "ResourceContainerAccessDenied": "Access for one of the specified Azure Blob container(s) is denied",
    "ResourceContainerListMiscError":
        "Miscellaneous error encountered while listing one of the specified Azure Blob container(s)",
    "BlobAccessDenied": "Access for one of the specified Azure Blob(s) is denied",
    "BlobNotFound": "One of the specified Azure Blob(s) is not found",
    "BlobDownloadTimedOut": "The download of one of the specified Azure Blob(s) timed out",
    "BlobDownloadMiscError": "Miscellaneous error encountered while downloading one of the specified Azure Blob(s)",
    "ResourceFileCreateFailed": "A resource file could not be created in the task's working directory",
    "ResourceFileWriteFailed": "A resource file could not be written to the task's working directory",
    "ApplicationPackageError": "One of the specified application package(s) could not be deployed",
    "FileUploadAccessDenied":
        "Access for one of the specified Azure container(s) was denied while attempting to upload an output file",
    "FileUploadContainerNotFound":
        "One of the specified Azure container(s) was not found while attempting to upload an output file",
    "FileUploadMiscError": "Miscellaneous error encountered while uploading one of the output files",
}

_URL_QUERY_RE = re.compile(r"(https?://[^\s?'\"<>]+)\?[^\s'\"<>]*")
_SIG_RE = re.compile(r"(sig=)[^&\s'\"<>]+", re.IGNORECASE)


class StorageFailure(Exception):
    """A download, deployment or upload failed; `failure` is Batch's failureInfo
    (code from STORAGE_FAILURE_CODES, `details` scrubbed of secrets)."""

    def __init__(self, code: str, reason: str, **details: str) -> None:
        super().__init__(reason)
        values = {k: scrub(v) for k, v in details.items() if v}
        values["Message"] = scrub(reason)
        self.failure = executor.failure(code, MESSAGES[code], "usererror", values)


class StorageUnavailable(Exception):
    """The auto-storage account could not be read (message has no secrets)."""


def redact_url(url: str) -> str:
    """The URL without its query string (where a SAS token lives)."""
    return url.split("?", 1)[0]


def scrub(text: str) -> str:
    """`text` with every URL's query string and any sig= value removed."""
    return _SIG_RE.sub(r"\1REDACTED", _URL_QUERY_RE.sub(r"\1", str(text)))


def is_storage_failure(failure: executor.FailureInfo | None) -> bool:
    """Whether a failureInfo came from storage work (such failures are never retried)."""
    return failure is not None and failure.get("code") in STORAGE_FAILURE_CODES


def reason(exc: BaseException) -> str:
    """A one-line, secret-free reason: the storage error code when there is one."""
    code = getattr(exc, "error_code", None)
    code = getattr(code, "value", code)  # azure-storage-blob gives a StorageErrorCode
    status = getattr(exc, "status_code", None)
    if code or status:
        return scrub(f"{status or ''} {code or ''}".strip() + f": {str(exc).splitlines()[0] if str(exc) else ''}")
    return scrub(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
