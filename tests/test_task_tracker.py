"""`TaskTracker` against the emulator: a big job is listed in full once, then asked only for what changed;
a listing left half way (the user left the view) is listed in full again."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from azure.batch import models as m
from azure.core.credentials import AzureNamedKeyCredential
from conftest import EmulatorProcess, own_emulator, unique
from test_emulator_protocol import signed_get

from batchtui.service.client import BatchService
from batchtui.ui.fetch import FULL_RELIST_MAX, TaskTracker

TASKS = FULL_RELIST_MAX + 500  # (past it, a refresh is incremental)
PREFETCHED = 5000  # 5 pages: 4 of them asked for while the one before is handed over


def big_job(client, tasks: int = TASKS) -> str:
    job_id = unique("tracked")
    client.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=unique("nopool"))))
    values = [m.BatchTaskCreateOptions(id=f"t{i:05d}", command_line="true") for i in range(tasks)]
    for first in range(0, tasks, 100):
        client.create_task_collection(job_id, m.BatchTaskGroup(task_values=values[first:first + 100]))
    return job_id


def gets(emulator) -> int:
    return signed_get(emulator, "/_emulator/requests").json().get("GET", 0)


@pytest.fixture(scope="module")
def quiet_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    yield from own_emulator(tmp_path_factory)


async def test_the_next_page_is_asked_for_before_the_caller_works_on_this_one(quiet_emulator) -> None:
    """While the caller works on a page without awaiting (a table filling), the service is already
    answering the next: its request went out before the page was handed over. (An emulator of its own:
    the count of GETs is the emulator's, whoever sends them.)"""
    emulator = quiet_emulator
    job_id = big_job(emulator.client(), PREFETCHED)
    async with BatchService(emulator.endpoint, AzureNamedKeyCredential(emulator.account, emulator.key)) as service:
        before = gets(emulator)
        seen: set[str] = set()
        out_early = []
        number = 0
        async for page in service.task_pages(job_id):
            number += 1
            assert seen.isdisjoint(t.id for t in page)
            seen.update(t.id for t in page)
            if len(seen) == PREFETCHED:
                break  # (the last page: no next one to ask for)
            # Blocking calls from here: this event loop stands still, as while a table takes a page in. A
            # request not yet on the wire could never arrive meanwhile.
            deadline = time.monotonic() + 3
            while gets(emulator) < before + number + 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            out_early.append(gets(emulator) == before + number + 1)
        assert len(seen) == PREFETCHED and len(out_early) == number - 1 == 4
        # (a bound of turns, not a signal: on a loaded machine one may go out late; none going out is the fault)
        assert any(out_early), out_early


async def test_a_listing_left_half_way_is_listed_in_full_again(emulator, client) -> None:
    job_id = big_job(client)
    async with BatchService(emulator.endpoint, AzureNamedKeyCredential(emulator.account, emulator.key)) as service:
        tracker = TaskTracker(job_id)
        listing = tracker.refresh(service)
        first = await listing.__anext__()
        assert first.full and first.start and not first.final and first.rows
        await listing.aclose()  # the user left the view after the first page
        assert tracker.watermark is None

        batches = [batch async for batch in tracker.refresh(service)]
        assert tracker.full_listings == 2 and batches[-1].final
        listed = {row.id for batch in batches for row in batch.rows}
        assert len(listed) == TASKS and batches[-1].listed == listed  # (the ids a listing mentioned, kept once)
        assert tracker.watermark is not None

        batches = [batch async for batch in tracker.refresh(service)]
        assert tracker.incremental_listings == 1 and tracker.full_listings == 2
        assert len(batches) == 1 and not batches[0].full
