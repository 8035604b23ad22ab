"""The errors the request schema answers with, beyond errors.py's own
(missing_property, invalid_property). Codes and messages follow Batch's
"Batch status and error codes" reference (Common REST API Error Codes)."""

from __future__ import annotations

from .. import errors
from ..errors import BatchError

_UNSUPPORTED = "One of the properties specified in the request body is not supported."


def shown(value: object, limit: int = 200) -> str:
    """A short rendering of a rejected value for the PropertyValue detail."""
    if isinstance(value, dict):
        return f"(an object with {len(value)} properties)"
    if isinstance(value, list):
        return f"(a list of {len(value)} items)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def invalid(path: str, value: object, reason: str) -> BatchError:
    """400 InvalidPropertyValue naming the property's full path."""
    return errors.invalid_property(path, shown(value), reason)


def unsupported_property(path: str, reason: str) -> BatchError:
    """400 UnsupportedProperty: a property the requested api-version's schema does not have."""
    return BatchError(400, "UnsupportedProperty", _UNSUPPORTED, [("PropertyName", path), ("Reason", reason)])


def not_emulated(path: str) -> BatchError:
    """400 UnsupportedProperty: a Batch feature the emulator accepts no requests for, because it would not act on it."""
    reason = (
        f"{path} is part of Batch's API but the batchtui emulator does not emulate it; "
        "leave it out (or at its default) when talking to the emulator."
    )
    return BatchError(400, "UnsupportedProperty", _UNSUPPORTED, [("PropertyName", path), ("Reason", reason)])


def invalid_body(reason: str) -> BatchError:
    """400 InvalidRequestBody: the body is not JSON the service can read."""
    return BatchError(400, "InvalidRequestBody", "The specified Request Body is not syntactically valid.",
                      [("Reason", reason)])


def body_too_large(size: int, limit: int) -> BatchError:
    """413 RequestBodyTooLarge (the SDK's create_tasks halves its chunk on this code)."""
    return BatchError(413, "RequestBodyTooLarge", "The size of the request body exceeds the maximum size permitted.",
                      [("Reason", f"The body is {size} bytes; it must be less than {limit} bytes.")])
