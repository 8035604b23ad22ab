"""service/log_grep.py against the real emulator: the planted line is found in exactly the tasks that
printed it, by range reads of each file's tail (or the whole file), a few tasks at a time."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import pytest
from conftest import add_task, make_job, make_pool, wait_for
from grep_job import ALL_MATCHES, DEEP_FILLER, LINE, PLANTED, TAIL_MATCHES, plant_grep_job
from ui_helpers import service_for

from batchtui.service.errors import THROTTLED, ServiceError
from batchtui.service.grep_lines import compile_pattern
from batchtui.service.log_grep import (
    DEFAULT_TAIL,
    TaskFiles,
    grep_tasks,
    planned_bytes,
    size_tasks,
    upper_bound,
)
from batchtui.service.tails import Backoff


@pytest.fixture(scope="module")
def grep_job(client):
    pool_id = make_pool(client, nodes=1, slots=4)
    job_id = make_job(client, pool_id)
    task_ids = plant_grep_job(client, job_id)
    wait_for(lambda: all(t.state == "completed" for t in client.list_tasks(job_id)), timeout=60,
             what="the grep job's tasks to complete")
    return job_id, task_ids


async def search(service, job_id, tasks, pattern="mark-7q", **options):  # (the planted line, in lower case)
    results = [r async for r in grep_tasks(service, job_id, tasks, compile_pattern(pattern), **options)]
    return {r.task_id: r for r in results}


async def test_the_tail_search_finds_the_planted_line_in_exactly_the_tasks_that_printed_it(emulator, grep_job):
    job_id, task_ids = grep_job
    async with service_for(emulator) as service:
        before = service.requests
        found = await search(service, job_id, task_ids)
        requests = service.requests - before
    assert sorted(found) == sorted(task_ids)
    assert sorted(t for t, r in found.items() if r.hits) == TAIL_MATCHES
    assert not any(r.errors for r in found.values())
    for i in range(5):
        (hit,) = found[f"needle-{i:02d}"].hits
        assert (hit.file, hit.number, hit.text) == ("stdout.txt", LINE, f"{PLANTED} shard {i}: planted line")
        assert hit.spans == ((0, len(PLANTED)),) and hit.offset == len(f"step 1 of 3\nloading shard {i}\n")
    (hit,) = found["needle-05"].hits
    assert (hit.file, hit.number, hit.text) == ("stderr.txt", 2, f"\x1b]0;owned\x07 {PLANTED} from stderr [/x]")
    # One listing a task and one GET a non-empty file; deep-00's stdout only its last 64 KiB.
    files = sum(r.files_read for r in found.values())
    assert requests == len(task_ids) + files
    assert found["deep-00"].bytes_read == DEFAULT_TAIL + 1  # (and the byte before: is the tail at a line start?)


async def test_the_whole_file_search_finds_the_deep_line_too(emulator, grep_job):
    job_id, task_ids = grep_job
    async with service_for(emulator) as service:
        found = await search(service, job_id, task_ids, tail_bytes=None)
    assert sorted(t for t, r in found.items() if r.hits) == ALL_MATCHES
    (hit,) = found["deep-00"].hits
    assert (hit.number, hit.offset, hit.text) == (LINE, len("start\nconfig ok\n"), f"{PLANTED} deep in the file")
    assert found["deep-00"].bytes_read > DEEP_FILLER


async def test_a_small_tail_still_finds_a_line_that_begins_exactly_at_its_start(emulator, grep_job):
    job_id, _ = grep_job
    line = f"{PLANTED} shard 1: planted line\ndone\n"
    async with service_for(emulator) as service:
        found = await search(service, job_id, ["needle-01"], tail_bytes=len(line))
        cut = await search(service, job_id, ["needle-01"], tail_bytes=len(line) - 1)
    (hit,) = found["needle-01"].hits
    assert hit.number is None and hit.text.startswith(PLANTED)  # a tail: the line number is not known
    assert cut["needle-01"].hits == []  # the line begins before the tail: only part of it was read


async def test_listing_first_says_how_much_will_be_read_and_is_not_repeated(emulator, grep_job):
    job_id, task_ids = grep_job
    async with service_for(emulator) as service:
        listed = [item async for item in size_tasks(service, job_id, task_ids)]
        by_id = {item.task_id: item for item in listed}
        tail_total, files = planned_bytes(listed, DEFAULT_TAIL)
        all_total, _ = planned_bytes(listed, None)
        before = service.requests
        found = await search(service, job_id, [by_id[t] for t in task_ids], tail_bytes=None)
        requests = service.requests - before
    assert sorted(by_id) == sorted(task_ids) and not any(item.error for item in listed)
    deep = {f.name: f.size for f in by_id["deep-00"].files}
    assert deep["stdout.txt"] > DEEP_FILLER and deep.get("stderr.txt", 0) == 0
    assert all_total == sum(f.size for item in listed for f in item.files)
    assert tail_total == all_total - deep["stdout.txt"] + DEFAULT_TAIL
    assert files == sum(1 for item in listed for f in item.files if f.size)
    assert sum(r.bytes_read for r in found.values()) == all_total
    assert requests == files  # no listing again: only the GETs
    assert upper_bound(len(task_ids), DEFAULT_TAIL) == len(task_ids) * 2 * DEFAULT_TAIL
    assert upper_bound(len(task_ids), None) is None


async def test_a_task_that_cannot_be_listed_is_an_error_and_the_rest_goes_on(emulator, grep_job):
    job_id, _ = grep_job
    async with service_for(emulator) as service:
        found = await search(service, job_id, ["needle-00", "no-such-task"])
    assert found["needle-00"].hits and not found["needle-00"].errors
    assert found["no-such-task"].hits == [] and "TaskNotFound" in found["no-such-task"].errors[0]


async def test_a_task_not_started_has_no_files(emulator, client):
    waiting = make_job(client, "no-such-pool")  # its task stays active: it has no node, no files
    add_task(client, waiting, "later", "echo later")
    async with service_for(emulator) as service:
        found = await search(service, waiting, ["later"])
        given = await search(service, waiting, [TaskFiles("later")])  # listed before: not listed again
    assert (found["later"].hits, found["later"].errors, found["later"].bytes_read) == ([], [], 0)
    assert given["later"].files_read == 0


async def test_throttled_reads_pause_every_reader_and_then_go_on(emulator, grep_job, monkeypatch):
    job_id, task_ids = grep_job
    async with service_for(emulator) as service:
        real = service.read_range
        refusals = {"left": 3}

        async def throttled(ref, start, end):
            if refusals["left"]:
                refusals["left"] -= 1
                raise ServiceError(THROTTLED, "429: slow down", status=429)
            return await real(ref, start, end)

        monkeypatch.setattr(service, "read_range", throttled)
        backoff = Backoff(first=0.01)
        found = await search(service, job_id, task_ids, backoff=backoff)
    assert backoff.throttled == 3
    assert sorted(t for t, r in found.items() if r.hits) == TAIL_MATCHES
    assert not any(r.errors for r in found.values())


async def test_stopping_early_cancels_the_reads_in_flight(emulator, grep_job, monkeypatch):
    job_id, task_ids = grep_job
    async with service_for(emulator) as service:
        started, cancelled = [], []
        real = service.read_range

        async def slow(ref, start, end):
            started.append(ref.task_id)
            try:
                await asyncio.sleep(0 if ref.task_id == "needle-00" else 30)
            except asyncio.CancelledError:
                cancelled.append(ref.task_id)
                raise
            return await real(ref, start, end)

        monkeypatch.setattr(service, "read_range", slow)
        async with aclosing(grep_tasks(service, job_id, ["needle-00", *task_ids[1:]], compile_pattern(PLANTED),
                                       concurrency=3)) as results:
            async for first in results:
                assert first.task_id == "needle-00"
                break
    assert len(started) <= 4 and sorted(cancelled) == sorted(set(started) - {"needle-00"})
