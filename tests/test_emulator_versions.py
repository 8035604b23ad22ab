"""api-versions: every route of every version the emulator serves answers
(emulated, or the clear "not supported" error), a route a version lacks is
Batch's 400, and responses to an older version carry no property or enum value
that version lacks. Raw signed HTTP, so any version can be asked."""

from __future__ import annotations

import http.client
import json
from email.utils import formatdate
from urllib.parse import quote, urlencode, urlsplit

import pytest
import requests
from conftest import unique, wait_for

from batchtui.emulator import versions
from batchtui.emulator.auth import sign, string_to_sign
from batchtui.emulator.schema.versions import API_VERSIONS, V16, V17, V18, V19, V20, V2025

# Routes per version, as the generated SDK of each version has them (see versions.py).
SDK_ROUTE_COUNTS = {V16: 78, V17: 76, V18: 76, V19: 76, V20: 77, V2025: 72}
IDS = {"pool": "no-such-pool", "node": "no-such-node", "job": "no-such-job", "task": "no-such-task",
       "path": "stdout.txt", "schedule": "no-such-schedule", "user": "nobody", "extension": "none",
       "application": "no-such-app", "algorithm": "sha1", "thumbprint": "0123abcd"}


def call(emulator, method: str, path: str, version: str | None, body: object = None, query: dict | None = None,
         headers: dict | None = None) -> requests.Response:
    """A request signed as azure-batch signs it, at `version` (None: `path` is a whole
    URL with its query, such as an odata.nextLink, sent as it is)."""
    params = {"api-version": version, **(query or {})} if version else None
    data = json.dumps(body).encode() if body is not None else None
    head = {"ocp-date": formatdate(usegmt=True), **(headers or {})}
    if data is not None:
        head["Content-Type"] = "application/json; odata=minimalmetadata"
    url = path if version is None else emulator.endpoint + path
    prepared = requests.Request(method, url, params=params, headers=head, data=data).prepare()
    raw_path, _, raw_query = prepared.path_url.partition("?")
    to_sign = string_to_sign(method, raw_path, raw_query, prepared.headers, emulator.account)
    prepared.headers["Authorization"] = f"SharedKey {emulator.account}:{sign(emulator.key, to_sign)}"
    return requests.Session().send(prepared, timeout=20)


def concrete(path: str) -> str:
    for name, value in IDS.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def test_the_route_table_has_the_sdks_routes_per_version():
    for version, count in SDK_ROUTE_COUNTS.items():
        assert sum(route.exists_in(version) for route in versions.ROUTES) == count, version
    assert len({(r.method, r.path) for r in versions.ROUTES}) == len(versions.ROUTES)
    by_op = {(r.method, r.path.rsplit("/", 1)[-1]): r for r in versions.ROUTES}
    assert by_op[("GET", "rdp")].until == V19
    assert by_op[("POST", "deallocate")].since == V20 and by_op[("POST", "start")].since == V20
    assert by_op[("GET", "lifetimejobstats")].until == V16
    assert all(r.until == V20 for r in versions.ROUTES if r.path.startswith("/certificates"))


CASES = [(version, route) for version in API_VERSIONS for route in versions.ROUTES]


@pytest.mark.parametrize(("version", "route"), CASES,
                         ids=[f"{v}-{r.method}-{r.path}" for v, r in CASES])
def test_every_route_of_every_version_answers(emulator, version, route):
    body = {} if route.method in ("POST", "PUT", "PATCH") else None
    r = call(emulator, route.method, concrete(route.path), version, body)
    assert r.headers.get("request-id")
    error = r.json() if r.content else {}
    if not route.exists_in(version):
        assert r.status_code == 400 and error["code"] == "InvalidUri", r.text
        assert f"not part of api-version {version}" in error["values"][0]["value"]
    elif not route.emulated:
        assert r.status_code == 501, r.text
        if route.method != "HEAD":
            assert error["code"] == "NotSupportedByEmulator"
            assert "is not supported by the batchtui emulator" in error["message"]["value"]
            assert error["values"][0]["value"] == route.why
    else:  # emulated: a success, or one of Batch's own answers to these made-up ids and empty bodies
        assert r.status_code != 501 and r.status_code != 405, r.text
        if r.status_code >= 400 and route.method != "HEAD":
            assert error["code"] not in ("InvalidUri", "UnsupportedHttpVerb"), r.text


def test_an_unknown_api_version_is_refused_naming_the_served_ones(emulator):
    r = call(emulator, "GET", "/pools", "2024-07-01")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "InvalidQueryParameterValue"
    reason = dict((v["key"], v["value"]) for v in body["values"])["Reason"]
    assert all(version in reason for version in API_VERSIONS)


def test_next_link_echoes_the_clients_version(emulator):
    ids = sorted(unique("pv") for _ in range(2))  # (a list comes in id order)
    for pool_id in ids:
        assert call(emulator, "POST", "/pools", V16, {"id": pool_id, "vmSize": "small"}).status_code == 201
    both = f"id eq '{ids[0]}' or id eq '{ids[1]}'"
    first = call(emulator, "GET", "/pools", V16, query={"maxresults": "1", "$filter": both}).json()
    assert [p["id"] for p in first["value"]] == [ids[0]]
    link = first["odata.nextLink"]
    assert f"api-version={V16}" in link
    follow = call(emulator, "GET", link, None)
    assert follow.status_code == 200, follow.text
    assert [p["id"] for p in follow.json()["value"]] == [ids[1]] and "odata.nextLink" not in follow.json()


def test_properties_a_version_lacks_are_left_out_of_its_responses(emulator):
    old, new = unique("old"), unique("new")
    r = call(emulator, "POST", "/pools", V19, {
        "id": old, "vmSize": "small", "certificateReferences": [], "resourceTags": {"team": "a"},
        "targetNodeCommunicationMode": "simplified", "applicationLicenses": []})
    assert r.status_code == 201, r.text
    r = call(emulator, "POST", "/pools", V2025, {
        "id": new, "vmSize": "small", "upgradePolicy": {"mode": "manual"},
        "taskSchedulingPolicy": {"nodeFillType": "pack", "jobDefaultOrder": "creationtime"},
        "virtualMachineConfiguration": {"nodeAgentSKUId": "batch.node.ubuntu 24.04",
                                        "imageReference": {"publisher": "p", "offer": "o", "sku": "s"},
                                        "securityProfile": {"securityType": "confidentialvm",
                                                            "encryptionAtHost": True}}})
    assert r.status_code == 201, r.text
    at_2025 = call(emulator, "GET", f"/pools/{old}", V2025).json()
    for name in ("certificateReferences", "resourceTags", "targetNodeCommunicationMode", "applicationLicenses"):
        assert name not in at_2025
    assert call(emulator, "GET", f"/pools/{old}", V19).json()["resourceTags"] == {"team": "a"}
    at_16 = call(emulator, "GET", f"/pools/{new}", V16).json()
    assert "upgradePolicy" not in at_16 and at_16["taskSchedulingPolicy"] == {"nodeFillType": "pack"}
    assert "securityProfile" not in at_16["virtualMachineConfiguration"]
    at_19 = call(emulator, "GET", f"/pools/{new}", V19).json()  # securityProfile exists, confidentialVM not yet
    assert at_19["virtualMachineConfiguration"]["securityProfile"] == {"encryptionAtHost": True}
    listed = call(emulator, "GET", "/pools", V16, query={"$filter": f"id eq '{new}'"}).json()["value"]
    assert "upgradePolicy" not in listed[0]


def test_node_states_a_version_lacks_are_told_as_unknown(emulator):
    pool_id = unique("dealloc")
    call(emulator, "POST", "/pools", V20, {"id": pool_id, "vmSize": "small", "targetDedicatedNodes": 1})
    node = wait_for(lambda: [n for n in call(emulator, "GET", f"/pools/{pool_id}/nodes", V20).json()["value"]
                             if n["state"] == "idle"], what="an idle node")[0]
    path = f"/pools/{pool_id}/nodes/{node['id']}"
    assert call(emulator, "POST", path + "/deallocate", V19, {}).status_code == 400  # not a route of 19.0
    assert call(emulator, "POST", path + "/deallocate", V20, {}).status_code == 202
    wait_for(lambda: call(emulator, "GET", path, V20).json()["state"] == "deallocated", what="deallocated")
    assert call(emulator, "GET", path, V19).json()["state"] == "unknown"
    found = call(emulator, "GET", f"/pools/{pool_id}/nodes", V19, query={"$filter": "state eq 'unknown'"})
    assert [n["id"] for n in found.json()["value"]] == [node["id"]]

    def counts(version: str) -> dict:
        listed = call(emulator, "GET", "/nodecounts", version, query={"$filter": f"poolId eq '{pool_id}'"})
        return listed.json()["value"][0]["dedicated"]

    assert counts(V20)["deallocated"] == 1 and counts(V20)["unknown"] == 0
    old = counts(V19)
    assert "deallocated" not in old and "deallocating" not in old and old["upgradingOS"] == 0 and old["unknown"] == 1
    assert "upgradingOS" not in counts(V18)
    assert call(emulator, "POST", path + "/start", V2025, {}).status_code == 202
    wait_for(lambda: call(emulator, "GET", path, V2025).json()["state"] == "idle", what="idle again")


def _delete_without_content_length(emulator, path: str, signed_length: str) -> int:
    query = urlencode({"api-version": V2025})
    headers = {"ocp-date": formatdate(usegmt=True)}
    to_sign = string_to_sign("DELETE", path, query, headers, emulator.account, absent_length=signed_length)
    headers["Authorization"] = f"SharedKey {emulator.account}:{sign(emulator.key, to_sign)}"
    split = urlsplit(emulator.endpoint)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=10)
    connection.request("DELETE", f"{path}?{query}", headers=headers)  # http.client sends no Content-Length here
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.mark.parametrize("signed_length", ["", "0"])
def test_a_delete_without_content_length_is_signed_empty_or_zero(emulator, signed_length):
    pool_id = unique("nolength")
    call(emulator, "POST", "/pools", V16, {"id": pool_id, "vmSize": "small"})
    assert _delete_without_content_length(emulator, f"/pools/{pool_id}", signed_length) == 202
