"""Running one coroutine per item, at most N at a time, with each result yielded as it finishes.

`in_flight(items, work, concurrency)` is an async iterator: `concurrency` readers each take the next item
and await `work(item)`; results come out in the order they finish. The first exception of a `work` is
raised to the consumer (the other readers are then cancelled). Stopping the iteration early (break,
aclose, cancellation) cancels the work still in flight, so nothing keeps reading for nobody.

No Textual: the failure tails (tails.py) and the log search (log_grep.py) both use it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def in_flight(items: Iterable[T], work: Callable[[T], Awaitable[R]], concurrency: int) -> AsyncGenerator[R, None]:
    """`work(item)` for each of `items`, at most `concurrency` (at least 1) awaited at a time; each result as
    it finishes. Raises the first exception a `work` raised."""
    todo = list(items)
    if not todo:
        return
    queue: asyncio.Queue[tuple[R] | BaseException] = asyncio.Queue()
    next_item = iter(todo)

    async def reader() -> None:
        try:
            for item in next_item:  # (shared: each reader takes the next item)
                queue.put_nowait((await work(item),))
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, raised there
            queue.put_nowait(exc)

    readers = [asyncio.ensure_future(reader()) for _ in range(max(1, min(concurrency, len(todo))))]
    try:
        for _ in range(len(todo)):
            got = await queue.get()
            if isinstance(got, BaseException):
                raise got
            yield got[0]
    finally:
        for one in readers:
            one.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
