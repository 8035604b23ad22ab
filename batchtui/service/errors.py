"""Our own small exception type for everything the Batch service can answer."""

from __future__ import annotations

from dataclasses import dataclass

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

# What went wrong, in the terms the UI acts on.
NOT_FOUND = "not_found"
AUTH = "auth"
UNREACHABLE = "unreachable"
THROTTLED = "throttled"
CONFLICT = "conflict"
INVALID = "invalid"
OTHER = "error"


@dataclass
class ServiceError(Exception):
    kind: str
    message: str
    code: str | None = None
    status: int | None = None

    def __str__(self) -> str:
        return self.message


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def from_exception(exc: BaseException) -> ServiceError:
    """Map an SDK/transport exception to a ServiceError with a one-line message."""
    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, (ServiceRequestError, ServiceResponseError, OSError, TimeoutError)):
        detail = _first_line(str(exc)) or type(exc).__name__
        return ServiceError(UNREACHABLE, f"cannot reach the Batch endpoint: {detail}")
    if isinstance(exc, HttpResponseError):
        status = exc.status_code
        error = getattr(exc, "error", None)
        code = getattr(error, "code", None)
        message = _first_line(getattr(error, "message", None) or exc.reason or str(exc))
        reason = ""
        for detail in getattr(error, "details", None) or []:
            if getattr(detail, "code", "") == "Reason":
                reason = f" ({detail.message})"
        text = f"{code or status}: {message}{reason}"
        if isinstance(exc, ResourceNotFoundError) or status == 404:
            kind = NOT_FOUND
        elif isinstance(exc, ClientAuthenticationError) or status in (401, 403):
            kind = AUTH
        elif status in (429, 503):
            kind = THROTTLED
        elif status == 409:
            kind = CONFLICT
        elif status == 400:
            kind = INVALID
        else:
            kind = OTHER
        return ServiceError(kind, text, code, status)
    return ServiceError(OTHER, f"{type(exc).__name__}: {_first_line(str(exc))}")
