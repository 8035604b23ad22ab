"""service/bounded.py: at most N coroutines at a time, results as they finish, early stop cancels."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import pytest

from batchtui.service.bounded import in_flight


async def test_at_most_n_at_a_time_and_every_result():
    running = peak = 0

    async def work(item: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001 * (item % 3))
        running -= 1
        return item * 2

    got = [result async for result in in_flight(range(40), work, 4)]
    assert sorted(got) == [i * 2 for i in range(40)]
    assert peak == 4


async def test_results_come_as_they_finish():
    async def work(delay: float) -> float:
        await asyncio.sleep(delay)
        return delay

    assert [r async for r in in_flight([0.05, 0.0, 0.02], work, 3)] == [0.0, 0.02, 0.05]


async def test_nothing_to_do():
    async def work(item: int) -> int:
        raise AssertionError("not called")

    assert [r async for r in in_flight([], work, 8)] == []


async def test_an_error_reaches_the_consumer_and_stops_the_rest():
    started = []

    async def work(item: int) -> int:
        started.append(item)
        if item == 1:
            raise ValueError("bad item")
        await asyncio.sleep(0.5)
        return item

    with pytest.raises(ValueError, match="bad item"):
        async with aclosing(in_flight(range(10), work, 2)) as results:
            async for _ in results:
                pass
    assert len(started) <= 3


async def test_stopping_early_cancels_the_work_in_flight():
    cancelled = []

    async def work(item: int) -> int:
        try:
            await asyncio.sleep(0 if item == 0 else 10)
        except asyncio.CancelledError:
            cancelled.append(item)
            raise
        return item

    async with aclosing(in_flight(range(5), work, 3)) as results:
        async for first in results:
            assert first == 0
            break
    assert sorted(cancelled) == [1, 2, 3]
