"""Batch's conditional request headers, checked against a resource's ETag and
lastModified before an operation on it: If-Match and If-Unmodified-Since must
hold (else 412 ConditionNotMet); If-None-Match and If-Modified-Since must hold
too (else 304 Not Modified for a GET or HEAD, 412 for anything else). ETags
compare as Batch sends them (unquoted; quotes a client adds are ignored; `*`
matches any); times compare to the second."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime

from aiohttp import web

from .. import errors
from ..formats import parse_iso
from ..store import Doc


def _tags(value: str) -> set[str]:
    return {tag.strip().strip('"') for tag in value.split(",") if tag.strip()}


def _when(request: web.Request, name: str) -> datetime | None:
    raw = request.headers.get(name)
    if not raw:
        return None
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        raise errors.BatchError(400, "InvalidHeaderValue",
                                "The value for one of the HTTP headers is not in the correct format.",
                                [("HeaderName", name), ("HeaderValue", raw[:100])]) from None


def _failed() -> errors.BatchError:
    return errors.BatchError(
        412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.")


def _not_modified(etag: str) -> errors.BatchError:
    return errors.BatchError(304, "NotModified", "The resource has not been modified.", headers={"ETag": etag})


def check_conditions(request: web.Request, doc: Doc) -> None:
    """Raise BatchError 412 ConditionNotMet (or 304 NotModified, answered with no
    body, for a GET/HEAD) when a conditional header of the request does not hold for `doc`."""
    etag = str(doc.get("eTag", ""))
    modified = parse_iso(doc["lastModified"]).replace(microsecond=0) if doc.get("lastModified") else None
    if_match = request.headers.get("If-Match")
    if if_match and "*" not in _tags(if_match) and etag not in _tags(if_match):
        raise _failed()
    unmodified_since = _when(request, "If-Unmodified-Since")
    if unmodified_since and modified and modified > unmodified_since:
        raise _failed()
    reading = request.method in ("GET", "HEAD")
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match and ("*" in _tags(if_none_match) or etag in _tags(if_none_match)):
        raise _not_modified(etag) if reading else _failed()
    modified_since = _when(request, "If-Modified-Since")
    if modified_since and modified and modified <= modified_since:
        raise _not_modified(etag) if reading else _failed()
