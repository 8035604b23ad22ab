"""`TaskTracker` against the emulator: a big job is listed in full once, then asked only for what changed;
a listing left half way (the user left the view) is listed in full again."""

from __future__ import annotations

import time

from azure.batch import models as m
from azure.core.credentials import AzureNamedKeyCredential
from conftest import unique
from test_emulator_protocol import signed_get

from batchtui.service.client import BatchService
from batchtui.ui.fetch import FULL_RELIST_MAX, TaskTracker

TASKS = FULL_RELIST_MAX + 500  # (past it, a refresh is incremental)


def big_job(client) -> str:
    job_id = unique("tracked")
    client.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=unique("nopool"))))
    values = [m.BatchTaskCreateOptions(id=f"t{i:05d}", command_line="true") for i in range(TASKS)]
    for first in range(0, TASKS, 100):
        client.create_task_collection(job_id, m.BatchTaskGroup(task_values=values[first:first + 100]))
    return job_id


def gets(emulator) -> int:
    return signed_get(emulator, "/_emulator/requests").json().get("GET", 0)


async def test_the_next_page_is_asked_for_before_the_caller_works_on_this_one(emulator, client) -> None:
    """While the caller works on a page without awaiting (a table filling), the service is already
    answering the next: its request went out before the page was handed over."""
    job_id = big_job(client)
    async with BatchService(emulator.endpoint, AzureNamedKeyCredential(emulator.account, emulator.key)) as service:
        before = gets(emulator)
        pages = service.task_pages(job_id)
        first = await pages.__anext__()
        assert len(first) == 1000
        # (blocking calls from here: this event loop stands still, as while a table takes a page in)
        deadline = time.monotonic() + 10
        while gets(emulator) < before + 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # a request not yet on the wire could never arrive while the loop stands still
        assert gets(emulator) == before + 2  # the first page's GET, and the second's, already sent
        second = await pages.__anext__()
        assert {t.id for t in second}.isdisjoint(t.id for t in first)
        await pages.aclose()


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
