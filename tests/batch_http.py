"""Raw signed requests to an emulator (any method, any body bytes), for tests
that send what no SDK would: malformed bodies, junk headers, odd paths."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from email.utils import formatdate

import requests

from batchtui.emulator import API_VERSION
from batchtui.emulator.auth import sign, string_to_sign

JSON = "application/json; odata=minimalmetadata"


class BatchHttp:
    """A keep-alive session that signs each request with the account's shared key."""

    def __init__(self, endpoint: str, account: str, key: str, timeout: float = 10.0) -> None:
        self.endpoint, self.account, self.key, self.timeout = endpoint, account, key, timeout
        self.session = requests.Session()
        self.session.trust_env = False  # loopback: no proxies (and no scan of the environment per request)

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, path: str, body: bytes | Iterable[bytes] | None = None,
                query: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
                content_type: str = JSON) -> requests.Response:
        """`method` on `path` with `body` sent as given (bytes, or an iterable: chunked);
        the api-version is added to `query` unless it names one (None: left out)."""
        params = {"api-version": API_VERSION, **(query or {})}
        params = {k: v for k, v in params.items() if v is not None}
        sent = {"ocp-date": formatdate(usegmt=True), **(headers or {})}
        if body is not None:
            sent.setdefault("Content-Type", content_type)
        prepared = requests.Request(method, self.endpoint + path, params=params, headers=sent, data=body).prepare()
        raw_path, _, raw_query = prepared.path_url.partition("?")
        headers = {name: value if isinstance(value, str) else value.decode()
                   for name, value in prepared.headers.items()}
        to_sign = string_to_sign(method, raw_path, raw_query, headers, self.account)
        prepared.headers["Authorization"] = f"SharedKey {self.account}:{sign(self.key, to_sign)}"
        return self.session.send(prepared, timeout=self.timeout)

    def post(self, path: str, doc: object) -> requests.Response:
        """POST `doc` as JSON."""
        return self.request("POST", path, json.dumps(doc).encode())

    def get(self, path: str, query: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> requests.Response:
        return self.request("GET", path, query=query, headers=headers)


def error_of(response: requests.Response) -> tuple[int, str, dict[str, str]]:
    """(status, code, values as a dict) of a Batch error response; fails unless it is Batch's JSON body."""
    assert response.headers.get("Content-Type", "").startswith("application/json"), response.text[:300]
    body = response.json()
    assert body["message"]["lang"] == "en-US" and "RequestId:" in body["message"]["value"], body
    return response.status_code, body["code"], {v["key"]: v["value"] for v in body.get("values", [])}
