"""`TaskTracker` against the emulator: a big job is listed in full once, then asked only for what changed;
a listing left half way (the user left the view) is listed in full again."""

from __future__ import annotations

from azure.batch import models as m
from azure.core.credentials import AzureNamedKeyCredential
from conftest import unique

from batchtui.service.client import BatchService
from batchtui.ui.fetch import FULL_RELIST_MAX, TaskTracker

TASKS = FULL_RELIST_MAX + 500  # (past it, a refresh is incremental)


async def test_a_listing_left_half_way_is_listed_in_full_again(emulator, client) -> None:
    job_id = unique("tracked")
    client.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=unique("nopool"))))
    values = [m.BatchTaskCreateOptions(id=f"t{i:05d}", command_line="true") for i in range(TASKS)]
    for first in range(0, TASKS, 100):
        client.create_task_collection(job_id, m.BatchTaskGroup(task_values=values[first:first + 100]))
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
