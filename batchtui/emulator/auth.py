"""Shared-key authentication, verified exactly as azure-batch signs requests.

The string to sign (see azure/batch/_patch.py, BatchSharedKeyAuthPolicy):
verb; the values of eleven standard headers; every header whose name contains
"ocp-", lower-cased and sorted, as name:value; "/ACCOUNT" + the URL path (as it
arrived, or percent-encoded as the SDK builds it: see signed_paths);
each query parameter, names sorted, first URL-decoded value, empties dropped.

A signed request must also be fresh, as Batch requires: "The Batch service
must receive a request within 15 minutes of when it is created" — the time
in `ocp-date`, else in `Date`, measured against the real wall clock (also
when the emulator's own timestamps are frozen for screenshots).

A request that arrives without a Content-Length header is signed by some clients
with an empty content length (npm @azure/batch, for DELETE: as the header's real,
absent value) and by others with "0" (azure-batch 15.x signs "0" for verbs other
than GET/HEAD, whatever its transport then sends): both are accepted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs, quote, unquote

SIGNED_HEADERS = (
    "content-encoding",
    "content-language",
    "content-length",
    "content-md5",
    "content-type",
    "date",
    "if-modified-since",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "range",
)
REQUEST_WINDOW = timedelta(minutes=15)


def string_to_sign(
    method: str, raw_path: str, raw_query: str, headers: Mapping[str, str], account: str,
    absent_length: str | None = None,
) -> str:
    """The text a request's signature covers. `absent_length` is the content length
    signed when the request has no Content-Length header: by default "0" for verbs
    other than GET/HEAD (as azure-batch 15.x signs), else empty."""
    lowered: dict[str, str] = {}
    ocp: list[tuple[str, str]] = []
    for name, value in headers.items():
        if not value:
            continue
        lname = name.lower()
        lowered[lname] = value
        if "ocp-" in lname:
            ocp.append((lname, value))
    if "content-length" not in lowered:
        if absent_length is None:
            absent_length = "0" if method not in ("GET", "HEAD") else ""
        lowered["content-length"] = absent_length
    out = method + "\n" + "\n".join(lowered.get(h, "") for h in SIGNED_HEADERS) + "\n"
    for name, value in sorted(ocp):
        out += f"{name}:{value}\n"
    out += f"/{account}{raw_path}"
    query = parse_qs(raw_query)
    for name in sorted(query):
        value = query[name][0]
        if value:
            out += f"\n{name}:{value}"
    return out


def sign(key: str, text: str) -> str:
    # surrogateescape: header bytes that are not UTF-8 reach us as lone surrogates (aiohttp)
    digest = hmac.new(base64.b64decode(key), text.encode("utf-8", "surrogateescape"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def valid_key(key: str) -> bool:
    try:
        return bool(base64.b64decode(key, validate=True))
    except (binascii.Error, ValueError):
        return False


def check_authorization(
    authorization: str | None,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    account: str,
    key: str,
) -> str | None:
    """None when the request is signed with this account's key, else the reason it is not."""
    if not authorization:
        return "The request has no Authorization header."
    scheme, _, credential = authorization.partition(" ")
    if scheme != "SharedKey":
        return f"Authorization scheme {scheme!r} is not supported here; use SharedKey."
    name, _, signature = credential.partition(":")
    if name != account:
        return f"Unknown account {name!r}."
    lengths: tuple[str | None, ...] = (None,)
    if not any(header.lower() == "content-length" and value for header, value in headers.items()):
        lengths = ("", "0")
    signed = [sign(key, string_to_sign(method, path, raw_query, headers, account, length))
              for path in signed_paths(raw_path) for length in lengths]
    # compare_digest takes ASCII strings only: a signature that is not ASCII is simply wrong
    if not signature.isascii() or not any(hmac.compare_digest(expected, signature) for expected in signed):
        return (
            "Server failed to authenticate the request. Make sure the value of Authorization "
            "header is formed correctly including the signature."
        )
    return check_request_time(headers)


def signed_paths(raw_path: str) -> tuple[str, ...]:
    """The forms of the URL path a client may have signed: as it arrived, and with every character but `/`
    percent-encoded as the SDK builds its URLs (azure-batch quotes an id's `:`, as in a job schedule's
    `SCHED:job-1`, as `%3A`, and an HTTP client may send it decoded, or the other way round)."""
    decoded = unquote(raw_path)
    return tuple(dict.fromkeys((raw_path, quote(decoded, safe="/"), decoded)))


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def check_request_time(headers: Mapping[str, str], now: datetime | None = None) -> str | None:
    """None when the request's creation time (`ocp-date`, else `Date`, RFC 1123)
    is within 15 minutes of `now` (default: the real clock), else why not."""
    value = _header(headers, "ocp-date") or _header(headers, "date")
    if not value:
        return "The request has no ocp-date or Date header; a signed request must say when it was created."
    try:
        sent = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return f"The request's date {value[:64]!r} is not an RFC 1123 date."
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    if abs(now - sent) > REQUEST_WINDOW:
        return (
            f"The request was created at {value[:64]}, more than 15 minutes from the service's time "
            f"{format_datetime(now, usegmt=True)}; the Batch service must receive a request "
            "within 15 minutes of when it is created."
        )
    return None
