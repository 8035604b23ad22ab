"""Failure clusters from the tails of failed tasks' output (service/tails.py), against the real emulator."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from conftest import add_task, make_job, make_pool, wait_for, wait_task
from planted import EXPECTED_LINES, plant, sh
from signed import signed
from ui_helpers import service_for

from batchtui.service.errors import THROTTLED, ServiceError
from batchtui.service.signature import STRONG
from batchtui.service.tails import (
    Backoff,
    TailCache,
    cluster_failures,
    failed_tasks,
    fetch_tails,
    read_tail,
)

COUNTS = {"checksum": 5, "keyerror": 3, "notfound": 2, "ok": 4}


@pytest.fixture(scope="module")
def pool_id(client):
    return make_pool(client, nodes=2, slots=4)


@pytest.fixture(scope="module")
def planted_job(client, pool_id):
    job_id = make_job(client, pool_id)
    ids = plant(client, job_id, COUNTS)
    wait_for(lambda: all(t.state == "completed" for t in client.list_tasks(job_id)), timeout=60,
             what="the planted tasks to complete")
    return job_id, ids


async def test_the_clusters_are_exactly_the_planted_causes(emulator, planted_job):
    job_id, ids = planted_job
    async with service_for(emulator) as service:
        failed = await failed_tasks(service, job_id)
        assert sorted(t.id for t in failed) == sorted(ids["checksum"] + ids["keyerror"] + ids["notfound"])
        before = service.requests
        seen = []
        clusters = await cluster_failures(service, job_id, tasks=failed, on_tail=seen.append)
        requests = service.requests - before
    assert [(c.count, c.signature.exit_code, c.signature.line) for c in clusters] == [
        (COUNTS[cause], *EXPECTED_LINES[cause]) for cause in ("checksum", "keyerror", "notfound")]
    for found, cause in zip(clusters, ("checksum", "keyerror", "notfound"), strict=True):
        assert sorted(found.task_ids) == ids[cause]
        assert found.signature.code == "FailureExitCode" and found.signature.category == "usererror"
        assert found.example is not None and found.example.id in ids[cause] and found.example_file == "stderr.txt"
        assert found.first_failure is not None and found.nodes and sum(found.nodes.values()) == found.count
    assert clusters[0].example_line.startswith("ERROR shard ") and "checksum mismatch in /data/in/part-" in \
        clusters[0].example_line
    assert clusters[1].example_line == "KeyError: 'label'"
    # every tail cost a HEAD and a ranged GET of stderr.txt, and the checksum ones read only its last 4 KiB
    assert len(seen) == 10 and requests == 2 * 10
    checksum = [s.tail for s in seen if s.task.id.startswith("checksum")]
    assert all(t.bytes_read == 4096 for t in checksum)


async def test_tails_come_from_the_cache_for_the_same_attempt(emulator, planted_job):
    job_id, _ = planted_job
    cache = TailCache()
    async with service_for(emulator) as service:
        failed = await failed_tasks(service, job_id)
        first = [item async for item in fetch_tails(service, failed, cache=cache)]
        assert not any(item.cached for item in first) and len(cache) == 10
        before = service.requests
        again = [item async for item in fetch_tails(service, failed, cache=cache)]
        assert service.requests == before and all(item.cached for item in again)
        assert {i.task.id: i.tail for i in again} == {i.task.id: i.tail for i in first}
        # another attempt of a task (a rerun: its retry count and end time change) is read again
        rerun = dataclasses.replace(failed[0], retry_count=1)
        assert cache.get(rerun) is None and cache.get(failed[0]) is not None
        assert cache.get(failed[0], tail_bytes=100) is None  # (a tail of another size is another read)


async def test_stdout_stands_in_when_stderr_says_nothing(emulator, client, pool_id):
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "out-only", sh("echo reading; echo 'fatal: remote end hung up on 10.1.2.3'; exit 2"))
    add_task(client, job_id, "weak-err", sh("echo 'starting up' >&2; echo 'ERROR quota exceeded'; exit 2"))
    add_task(client, job_id, "silent", sh("exit 5"))
    add_task(client, job_id, "no-program", "/no/such/program --flag")
    for task_id in ("out-only", "weak-err", "silent", "no-program"):
        wait_task(client, job_id, task_id)
    async with service_for(emulator) as service:
        tails = {t.id: await read_tail(service, t) for t in await failed_tasks(service, job_id)}
        clusters = await cluster_failures(service, job_id)
    assert (tails["out-only"].file, tails["out-only"].line) == ("stdout.txt", "fatal: remote end hung up on 10.1.2.3")
    assert (tails["weak-err"].file, tails["weak-err"].line) == ("stdout.txt", "ERROR quota exceeded")
    assert tails["silent"].line is None and tails["silent"].error is None
    assert tails["no-program"].line is None and tails["no-program"].error is None
    lines = {c.example.id: c.signature.describe() for c in clusters if c.example is not None}
    assert lines["silent"] == "exit 5, FailureExitCode (usererror): The task exited with an exit code representing " \
                              "a failure"
    assert lines["no-program"].startswith("no exit code, CommandProgramNotFound (usererror): ") and "<path>" in \
        lines["no-program"]


async def test_throttling_pauses_every_reader_and_every_tail_still_arrives(emulator, planted_job):
    job_id, ids = planted_job
    backoff = Backoff(first=0.05, most=0.5)
    async with service_for(emulator, retries=0) as service:  # (no SDK retries: the 429s reach us)
        failed = await failed_tasks(service, job_id)
        assert signed(emulator, "POST", "/_emulator/faults", {"status": 429, "count": 6, "retryAfter": 0}).ok
        got = [item async for item in fetch_tails(service, failed, backoff=backoff, concurrency=4)]
    assert backoff.throttled == 6
    assert sorted(i.task.id for i in got) == sorted(ids["checksum"] + ids["keyerror"] + ids["notfound"])
    assert all(i.tail.error is None and i.tail.line for i in got)
    assert {i.tail.strength for i in got if i.task.id.startswith("keyerror")} == {STRONG}


async def test_a_request_throttled_too_often_gives_an_error_tail(planted_job, emulator):
    calls = []

    async def refused(*_args):
        calls.append(1)
        raise ServiceError(THROTTLED, "TooManyRequests: slow down", "TooManyRequests", 429)

    backoff = Backoff(first=0.01, most=0.02, tries=3)
    with pytest.raises(ServiceError):
        await backoff.call(refused)
    assert len(calls) == 3 and backoff.throttled == 2
    job_id, _ = planted_job
    async with service_for(emulator) as service:
        task = (await failed_tasks(service, job_id))[0]
        service.file_properties = refused  # (this instance only: every HEAD is throttled)
        tail = await read_tail(service, task, backoff=Backoff(first=0.01, most=0.02, tries=2))
        cache = TailCache()
        cache.put(task, tail)
    assert tail.line is None and tail.error == "TooManyRequests: slow down" and len(cache) == 0  # (not cached)


async def test_stopping_early_cancels_the_reads_in_flight(emulator, planted_job):
    job_id, _ = planted_job
    async with service_for(emulator) as service:
        failed = await failed_tasks(service, job_id)
        stream = fetch_tails(service, failed, concurrency=2)
        async for _ in stream:
            break
        await stream.aclose()
        sent = service.requests
        await asyncio.sleep(0.3)
        assert service.requests == sent < 2 * len(failed)
