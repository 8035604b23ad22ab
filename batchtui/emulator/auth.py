"""Shared-key authentication, verified exactly as azure-batch signs requests.

The string to sign (see azure/batch/_patch.py, BatchSharedKeyAuthPolicy):
verb; the values of eleven standard headers (content-length counts as "0" for
verbs other than GET/HEAD when absent); every header whose name contains
"ocp-", lower-cased and sorted, as name:value; "/ACCOUNT" + the raw URL path;
each query parameter, names sorted, first URL-decoded value, empties dropped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import parse_qs

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


def string_to_sign(
    method: str, raw_path: str, raw_query: str, headers: Mapping[str, str], account: str
) -> str:
    lowered: dict[str, str] = {}
    ocp: list[tuple[str, str]] = []
    for name, value in headers.items():
        if not value:
            continue
        lname = name.lower()
        lowered[lname] = value
        if "ocp-" in lname:
            ocp.append((lname, value))
    if method not in ("GET", "HEAD") and "content-length" not in lowered:
        lowered["content-length"] = "0"
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
    expected = sign(key, string_to_sign(method, raw_path, raw_query, headers, account))
    if not signature.isascii() or not hmac.compare_digest(expected, signature):  # compare_digest: ASCII only
        return (
            "Server failed to authenticate the request. Make sure the value of Authorization "
            "header is formed correctly including the signature."
        )
    return None
