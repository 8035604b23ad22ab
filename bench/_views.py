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


def run_on_seeded(prefix: str, seed: Callable[..., dict], seed_args: tuple, list_path: str, expected: int,
                  measure: Callable[[object, SignedHttp, dict], None]) -> dict:
    """Seed a temporary data dir in a child process (`seed(data_dir, *seed_args)`), start the emulator on it
    (emulator_start_s), page `list_path` as raw JSON (emulator_list_s; it must hold `expected` items) and
    through our client (raw_list_s), then `measure(emu, http, result)`; the emulator stopped and the data
    dir removed whatever happens. The result, to emit."""
    import shutil
    import tempfile
    from pathlib import Path

    from _common import in_child

    from batchtui.emulator_process import start_emulator

    result: dict = {}
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    emu = None
    try:
        result.update(in_child(seed, data_dir, *seed_args))
        start = time.perf_counter()
        emu = start_emulator(data_dir)
        result["emulator_start_s"] = round(time.perf_counter() - start, 3)
        http = SignedHttp(emu.endpoint, emu.account, emu.key)
        start = time.perf_counter()
        items, _, _ = http.list_all(list_path, {})
        result["emulator_list_s"] = round(time.perf_counter() - start, 3)
        assert items == expected, f"the emulator listed {items}, not {expected}"
        result["raw_list_s"] = round(asyncio.run(raw_pages(emu, list_path))[1], 3)
        measure(emu, http, result)
        http.close()
    finally:
        if emu is not None:
            emu.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return result


async def raw_pages(emu, path: str, params: dict[str, str] | None = None) -> tuple[int, float]:
    """Page `path` as raw JSON through batchtui's client (BatchService.pages, the next page fetched while
    this one is counted): (items, seconds)."""
    async with service_of(emu) as service:
        count = 0
        start = time.perf_counter()
        async for page in service.pages(path, params):
            count += len(page)
        return count, time.perf_counter() - start


class GcClock:
    """The process's CPU time and the time its cyclic garbage collector ran, between `start()` and `stop()`
    (gc.callbacks): what a fill costs this process alone, whatever the machine's other load."""

    def __init__(self) -> None:
        self.gc_s = 0.0
        self.collections = {0: 0, 1: 0, 2: 0}
        self._began = 0.0
        self._cpu0 = 0.0
        self.cpu_s = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.gc_s += time.perf_counter() - self._began
            self.collections[info["generation"]] += 1

    def start(self) -> GcClock:
        self._cpu0 = time.process_time()
        gc.callbacks.append(self._callback)
        return self

    def stop(self) -> dict:
        gc.callbacks.remove(self._callback)
        self.cpu_s = time.process_time() - self._cpu0
        return {"cpu_s": round(self.cpu_s, 2), "gc_s": round(self.gc_s, 2),
                "full_collections": self.collections[2]}
