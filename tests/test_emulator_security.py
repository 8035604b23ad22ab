"""The emulator's security model: fresh signed requests only (Batch's 15-minute
rule), requests addressed to it only (Host check), private files, secrets off
the command line, task processes with a scrubbed environment."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, formatdate

import pytest
from signed import signed


def _at(minutes: float) -> str:
    return format_datetime(datetime.now(timezone.utc) + timedelta(minutes=minutes), usegmt=True)


@pytest.mark.parametrize(("date", "reason"), [
    (None, "has no ocp-date or Date header"),
    ("Mon, 01 Jan 2001 00:00:00 GMT", "more than 15 minutes"),
    ("Fri, 01 Jan 2100 00:00:00 GMT", "more than 15 minutes"),
    ("+16", "more than 15 minutes"),
    ("-16", "more than 15 minutes"),
    ("yesterday", "is not an RFC 1123 date"),
])
def test_a_request_not_created_within_15_minutes_is_refused_403(emulator, date, reason):
    if date in ("+16", "-16"):
        date = _at(float(date))
    r = signed(emulator, "GET", "/pools", date=date)
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "AuthenticationFailed"
    assert reason in r.json()["message"]["value"]


@pytest.mark.parametrize("minutes", [0, 14, -14])
def test_a_request_created_within_15_minutes_is_served(emulator, minutes):
    assert signed(emulator, "GET", "/pools", date=_at(minutes)).status_code == 200


def test_date_serves_when_there_is_no_ocp_date_and_ocp_date_wins_over_it(emulator):
    assert signed(emulator, "GET", "/pools", date=None, headers={"Date": formatdate(usegmt=True)}).status_code == 200
    stale = signed(emulator, "GET", "/pools", date=_at(-30), headers={"Date": formatdate(usegmt=True)})
    assert stale.status_code == 403


def _port(emulator) -> int:
    return int(emulator.endpoint.rsplit(":", 1)[1])


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:{other}", "localhost.evil:{port}",
                                  "10.0.0.1:{port}", "127.0.0.1:{port}@evil"])
def test_a_request_for_another_host_is_refused_400_before_anything_else(emulator, host):
    host = host.format(port=_port(emulator), other=_port(emulator) + 1)
    for key in (None, "d3Jvbmcga2V5"):  # signed with the key, and not signed with it: same answer
        r = signed(emulator, "GET", "/jobs", headers={"Host": host}, query={"maxresults": "1"}, key=key)
        assert r.status_code == 400, r.text
        body = r.json()
        assert body["code"] == "InvalidHeaderValue"
        values = {v["key"]: v["value"] for v in body["values"]}
        assert values["HeaderName"] == "Host" and values["HeaderValue"] == host
        assert "--allow-host" in values["Reason"]
        assert body["odata.metadata"].startswith(emulator.endpoint + "/")  # the emulator's own address, not `host`
        assert r.headers["request-id"]


def test_the_address_it_listens_on_and_localhost_are_served(emulator, client):
    from conftest import make_job, make_pool

    port = _port(emulator)
    job_id = make_job(client, make_pool(client, nodes=0, wait_idle=False))
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        r = signed(emulator, "GET", f"/jobs/{job_id}", headers={"Host": host})
        assert r.status_code == 200, r.text
        assert r.json()["url"] == f"http://{host}/jobs/{job_id}"


def test_a_request_without_host_is_refused_400(emulator):
    import socket

    port = _port(emulator)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /pools?api-version=2025-06-01 HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400") or head.startswith(b"HTTP/1.1 400"), head
    assert b'"MissingRequiredHeader"' in body
