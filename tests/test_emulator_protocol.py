"""The wire protocol: shared-key auth, api-version, error bodies and headers."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from batchtui.emulator import API_VERSION
from batchtui.emulator.auth import sign, string_to_sign


def signed_get(emulator, path: str, query: dict | None = None, key: str | None = None, headers: dict | None = None):
    from email.utils import formatdate

    query = {"api-version": API_VERSION, **(query or {})}
    headers = {"ocp-date": formatdate(usegmt=True), **(headers or {})}
    prepared = requests.Request("GET", emulator.endpoint + path, params=query, headers=headers).prepare()
    raw_path, _, raw_query = prepared.path_url.partition("?")
    to_sign = string_to_sign("GET", raw_path, raw_query, prepared.headers, emulator.account)
    prepared.headers["Authorization"] = f"SharedKey {emulator.account}:{sign(key or emulator.key, to_sign)}"
    return requests.Session().send(prepared, timeout=10)


def test_sdk_with_wrong_key_gets_403_authentication_failed(emulator):
    wrong = base64.b64encode(b"not the key").decode()
    with pytest.raises(HttpResponseError) as info:
        list(emulator.client(key=wrong).list_pools())
    assert info.value.status_code == 403
    assert info.value.error.code == "AuthenticationFailed"


def test_missing_signature_gets_403_with_batch_error_body(emulator):
    r = requests.get(f"{emulator.endpoint}/pools", params={"api-version": API_VERSION}, timeout=10)
    assert r.status_code == 403
    body = r.json()
    assert body["code"] == "AuthenticationFailed"
    assert body["message"]["lang"] == "en-US"
    assert "RequestId:" in body["message"]["value"]
    assert r.headers["request-id"]


def test_signature_covers_query_and_ocp_headers(emulator):
    ok = signed_get(emulator, "/pools", {"maxresults": "5", "$filter": "state eq 'active'"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["value"] == [] or isinstance(ok.json()["value"], list)
    # Same request, a query value changed after signing: refused.
    from email.utils import formatdate

    headers = {"ocp-date": formatdate(usegmt=True)}
    params = {"api-version": API_VERSION, "maxresults": "5"}
    prepared = requests.Request("GET", emulator.endpoint + "/pools", params=params, headers=headers).prepare()
    raw_path, _, raw_query = prepared.path_url.partition("?")
    sig = sign(emulator.key, string_to_sign("GET", raw_path, raw_query, prepared.headers, emulator.account))
    tampered = requests.get(
        emulator.endpoint + "/pools", params={"api-version": API_VERSION, "maxresults": "6"},
        headers={**headers, "Authorization": f"SharedKey {emulator.account}:{sig}"}, timeout=10,
    )
    assert tampered.status_code == 403


def test_unknown_api_version_is_400(emulator):
    r = signed_get(emulator, "/pools", {"api-version": "2019-08-01.10.0"})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "InvalidQueryParameterValue"
    assert {"key": "QueryParameterName", "value": "api-version"} in body["values"]


def test_missing_api_version_is_400(emulator):
    r = requests.get(f"{emulator.endpoint}/pools", timeout=10)
    assert r.status_code == 400
    assert r.json()["code"] == "MissingRequiredQueryParameter"


def test_not_found_errors_map_to_sdk_exceptions(client):
    for call, code in (
        (lambda: client.get_pool("no-such-pool"), "PoolNotFound"),
        (lambda: client.get_job("no-such-job"), "JobNotFound"),
        (lambda: list(client.list_tasks("no-such-job")), "JobNotFound"),
        (lambda: client.get_node("no-such-pool", "n1"), "PoolNotFound"),
    ):
        with pytest.raises(ResourceNotFoundError) as info:
            call()
        assert info.value.error.code == code
        assert info.value.status_code == 404


def test_every_response_has_request_id_and_client_request_id_echo(emulator):
    r = signed_get(emulator, "/jobs", headers={"client-request-id": "abc-123", "return-client-request-id": "true"})
    assert r.status_code == 200
    assert len(r.headers["request-id"]) == 36
    assert r.headers["client-request-id"] == "abc-123"
    assert r.headers["Content-Type"].startswith("application/json")


def test_unknown_route_is_a_batch_error(emulator):
    r = signed_get(emulator, "/no/such/thing")
    assert r.status_code == 400
    assert r.json()["code"] == "InvalidUri"


def test_entity_headers_are_batch_shaped(emulator, client):
    from conftest import make_pool

    pool_id = make_pool(client, nodes=0, wait_idle=False)
    r = signed_get(emulator, f"/pools/{pool_id}")
    assert r.status_code == 200
    etag = r.headers["ETag"]
    assert etag.startswith("0x") and '"' not in etag
    assert r.json()["eTag"] == etag
    assert r.headers["Last-Modified"].endswith(" GMT")  # RFC 1123
    body = r.json()
    assert body["odata.metadata"].endswith("$metadata#pools/@Element")
    assert body["creationTime"].endswith("Z") and len(body["creationTime"].split(".")[1]) == 8  # 7 digits + Z


def test_create_answers_201_with_location_and_etag(emulator):
    from email.utils import formatdate

    from conftest import unique

    body = json.dumps({"id": unique("job"), "poolInfo": {"poolId": "p"}}).encode()
    headers = {"ocp-date": formatdate(usegmt=True), "Content-Type": "application/json; odata=minimalmetadata",
               "Content-Length": str(len(body))}
    query = f"api-version={API_VERSION}"
    sig = sign(emulator.key, string_to_sign("POST", "/jobs", query, headers, emulator.account))
    r = requests.post(f"{emulator.endpoint}/jobs?{query}", data=body,
                      headers={**headers, "Authorization": f"SharedKey {emulator.account}:{sig}"}, timeout=10)
    assert r.status_code == 201
    assert r.content == b""
    assert r.headers["Location"] == r.headers["DataServiceId"]
    assert r.headers["Location"].startswith(emulator.endpoint + "/jobs/")
    assert r.headers["ETag"].startswith("0x")


def test_emulator_binds_to_loopback_by_default(emulator):
    assert emulator.endpoint.startswith("http://127.0.0.1:")


def signed_post(emulator, path: str, body: dict):
    from email.utils import formatdate

    data = json.dumps(body).encode()
    headers = {
        "ocp-date": formatdate(usegmt=True), "Content-Type": "application/json", "Content-Length": str(len(data))
    }
    query = f"api-version={API_VERSION}"
    sig = sign(emulator.key, string_to_sign("POST", path, query, headers, emulator.account))
    return requests.post(f"{emulator.endpoint}{path}?{query}", data=data,
                         headers={**headers, "Authorization": f"SharedKey {emulator.account}:{sig}"}, timeout=10)


def test_throttled_responses_are_retried_by_the_sdk(emulator, client):
    before = signed_get(emulator, "/_emulator/requests").json().get("GET", 0)
    assert signed_post(emulator, "/_emulator/faults", {"status": 429, "count": 2, "retryAfter": 1}).status_code == 200
    assert isinstance(list(client.list_jobs()), list)  # azure-core honours Retry-After and retries
    after = signed_get(emulator, "/_emulator/requests").json()["GET"]
    assert after - before == 3  # 2 throttled, then 1 answered


def test_throttled_body_and_headers(emulator):
    signed_post(emulator, "/_emulator/faults", {"status": 503, "count": 1, "retryAfter": 2})
    r = signed_get(emulator, "/jobs")
    assert r.status_code == 503
    assert r.json()["code"] == "ServerBusy" and r.headers["Retry-After"] == "2"
