"""The asynchronous SDK client (azure.batch.aio), which the TUI uses."""

from __future__ import annotations

import asyncio

from azure.batch import models as m
from azure.batch.aio import BatchClient
from azure.core.credentials import AzureNamedKeyCredential
from azure.core.exceptions import ResourceNotFoundError
from conftest import make_pool, unique


async def test_async_client_end_to_end(emulator, client):
    pool_id = make_pool(client, nodes=1, slots=2)
    async with BatchClient(emulator.endpoint, AzureNamedKeyCredential(emulator.account, emulator.key)) as aclient:
        job_id = unique("job")
        await aclient.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id)))
        await aclient.create_task_collection(
            job_id,
            m.BatchTaskGroup(task_values=[
                m.BatchTaskCreateOptions(id=f"a{i}", command_line=f"/bin/sh -c 'printf hello-{i}'") for i in range(5)
            ]),
        )
        for _ in range(200):
            counts = await aclient.get_job_task_counts(job_id)
            if counts.task_counts.completed == 5:
                break
            await asyncio.sleep(0.05)
        assert counts.task_counts.succeeded == 5
        ids = [t.id async for t in aclient.list_tasks(job_id, max_results=2)]
        assert ids == [f"a{i}" for i in range(5)]
        stream = await aclient.download_task_file(job_id, "a3", "stdout.txt", ocp_range="bytes=6-6")
        assert b"".join([chunk async for chunk in stream]) == b"3"
        props = await aclient.get_task_file_properties(job_id, "a3", "stdout.txt")
        assert props.content_length == 7
        try:
            await aclient.get_task(job_id, "missing")
        except ResourceNotFoundError as exc:
            assert exc.error.code == "TaskNotFound"
        else:
            raise AssertionError("expected TaskNotFound")
        # azure-batch 15.1's aio begin_terminate_job fails client-side without a body.
        poller = await aclient.begin_terminate_job(job_id, {"terminateReason": "done"}, polling_interval=0.05)
        await poller.result()
        assert (await aclient.get_job(job_id)).state == "completed"
