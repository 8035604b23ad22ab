"""Raw requests to an emulator, signed with its shared key like the SDK signs
them, with every header under the test's control (no client-side retries)."""

from __future__ import annotations

import json
from email.utils import formatdate

import requests

from batchtui.emulator import API_VERSION
from batchtui.emulator.auth import sign, string_to_sign


def signed(emulator, method: str, path: str, body: object = None, *, headers: dict | None = None,
           query: dict | None = None, key: str | None = None, date: str | None = "now") -> requests.Response:
    """Send `method path` (JSON `body` if given). `date`: the ocp-date to send
    ("now", a value, or None for none); `headers` may set any header, Host included."""
    data = b"" if body is None else json.dumps(body).encode()
    sent = {} if date is None else {"ocp-date": formatdate(usegmt=True) if date == "now" else date}
    if body is not None:
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    prepared = requests.Request(method, emulator.endpoint + path, params={"api-version": API_VERSION, **(query or {})},
                                headers=sent, data=data or None).prepare()
    if method not in ("GET", "HEAD"):
        prepared.headers["Content-Length"] = str(len(data))
    raw_path, _, raw_query = prepared.path_url.partition("?")
    to_sign = string_to_sign(method, raw_path, raw_query, prepared.headers, emulator.account)
    prepared.headers["Authorization"] = f"SharedKey {emulator.account}:{sign(key or emulator.key, to_sign)}"
    return requests.Session().send(prepared, timeout=30)
