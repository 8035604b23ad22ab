"""Timing one explorer view headless (Textual's run_test) against a running emulator: what bench/jobs.py
and bench/nodes.py share. The app is the real BatchApp on a real BatchService over HTTP."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable

from _common import SignedHttp, current_rss_mb, median, peak_rss_mb
from azure.core.credentials import AzureNamedKeyCredential

from batchtui.service.client import BatchService


async def wait_until(predicate: Callable[[], bool], timeout: float, what: str, step: float = 0.002) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(step)


async def settle_requests(service: BatchService, quiet: float = 0.3, timeout: float = 10.0) -> None:
    """Wait until the service has sent nothing for `quiet` seconds (the details pane's GET follows a refresh)."""
    deadline = time.perf_counter() + timeout
    last, since = service.requests, time.perf_counter()
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
        if service.requests != last:
            last, since = service.requests, time.perf_counter()
        elif time.perf_counter() - since >= quiet:
            return


def service_of(emu) -> BatchService:
    return BatchService(emu.endpoint, AzureNamedKeyCredential(emu.account, emu.key))


async def emulator_gets(http: SignedHttp) -> int:
    return (await asyncio.to_thread(http.request_counts)).get("GET", 0)


async def ticks(app, service: BatchService, http: SignedHttp, count: int, timeout: float,
                after: Callable[[], dict] | None = None) -> list[dict]:
    """`count` refresh ticks (refresh_now() until the view's freshness moves): each one's seconds, the
    requests the app sent and the emulator answered, and what `after()` adds."""
    out = []
    for _ in range(count):
        before, req0, gets0 = app._fresh_at, service.requests, await emulator_gets(http)
        start = time.perf_counter()
        app.refresh_now()
        await wait_until(lambda before=before: app._fresh_at != before, timeout, "a refresh")
        seconds = time.perf_counter() - start
        await settle_requests(service)
        tick = {"s": round(seconds, 4), "requests": service.requests - req0,
                "emulator_gets": await emulator_gets(http) - gets0}
        if after is not None:
            tick.update(after())
        out.append(tick)
    return out


def tick_summary(name: str, measured: list[dict]) -> dict:
    """The median seconds and the largest request count of `measured` ticks, as `name`_s and `name`_requests."""
    if not measured:
        return {}
    return {f"{name}_s": round(median([t["s"] for t in measured]), 4),
            f"{name}_requests": max(t["requests"] for t in measured), f"{name}_ticks": measured}


def memory_before() -> dict:
    gc.collect()
    return {"rss_baseline_mb": current_rss_mb()}


def memory_after(out: dict) -> dict:
    peak = peak_rss_mb()
    return {"rss_mb": peak, "rss_app_mb": round(peak - out.get("rss_baseline_mb", 0.0), 1)}
