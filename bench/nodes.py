"""Benchmark a big pool: its nodes view (the node table, the heatmap) at every size, and a refresh tick.

    .venv/bin/python bench/nodes.py [--nodes 5000] [--ticks 5]

Seeds a steady pool of --nodes dedicated nodes straight into the emulator's store (a child process): most
idle, a few unusable, offline or with a failed start task, so the heatmap has troubled states to keep.
Starts the emulator on it, then measures, in this order:

  emulator_list_s    paging every node as raw JSON (plain signed HTTP GETs): the emulator's own cost
  raw_list_s         the same pages through batchtui's client (BatchService.pages, JSON only)
  heatmap_ms         node_heatmap() over every node, 120 squares (in process)
  <size>_first_s     for each --sizes: BatchApp opened on the pool's nodes view (headless, run_test) to
                     the table holding every node and the screen painted; <size>_heatmap: the heatmap
                     line drawn on that screen (its squares, and what one square stands for)
  refresh_s          refresh ticks on the nodes view at the largest size (median of --ticks;
                     target <= 0.5 s), refresh_requests (the most any tick sent)
  pools_first_s      the pools view to its first painted screen (the pool's usage: one node listing)
  rss_mb, rss_app_mb peak RSS, and its rise over the RSS before the first app started

Prints a few human-readable lines, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import SignedHttp, StoreSeeder, emit  # noqa: E402
from _views import (  # noqa: E402
    memory_after,
    memory_before,
    run_on_seeded,
    service_of,
    tick_summary,
    ticks,
    wait_until,
)

POOL = "big-pool"
TROUBLE = {7: "unusable", 11: "offline", 13: "starttaskfailed"}  # every n-th node (the first n that divides)


def state_of(i: int) -> str:
    for every, state in TROUBLE.items():
        if i % (every * 97) == 0 and i:
            return state
    return "idle"


def seed(data_dir: Path, nodes: int) -> dict:
    seeder = StoreSeeder(data_dir)
    seeder.pool(POOL, nodes, state_of=state_of)
    return {"seed_s": seeder.close().seconds}


def heatmap_line(app) -> str:
    """The heatmap as drawn: the screen's line of squares (empty if none)."""
    from batchtui.ui.widgets.summary import Summary

    for widget in app.query(Summary):
        text = widget.render().plain
        if "■" in text:
            return re.sub(r"■+", lambda m: f"■×{len(m.group())}", text)
    return ""


async def app_phase(emu, http: SignedHttp, args: argparse.Namespace) -> dict:
    from batchtui.service.client import BatchService
    from batchtui.ui.app import BatchApp
    from batchtui.ui.summaries import node_heatmap
    from batchtui.ui.views import NODES, POOLS, ViewKey
    from batchtui.ui.widgets.resource_table import ResourceTable

    out = memory_before()
    async with service_of(emu) as probe:
        nodes = await probe.list_nodes(POOL)
    start = time.perf_counter()
    node_heatmap(nodes, 120)
    out["heatmap_ms"] = round((time.perf_counter() - start) * 1000, 2)
    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes.split(",")]

    async def opened(view: ViewKey, size: tuple[int, int], rows: int, last: bool) -> tuple[float, object]:
        service: BatchService = service_of(emu)
        t0 = time.perf_counter()
        app = BatchApp([emu.as_account("bench")], {"bench": service}, refresh_seconds=args.refresh, start=view)
        async with app.run_test(size=size) as pilot:
            table = app.query_one(ResourceTable)
            await wait_until(lambda: table.total_count >= rows and app._fresh_at is not None, args.timeout,
                             f"{rows} rows")
            await pilot.pause()
            first = time.perf_counter() - t0
            shown = heatmap_line(app)
            if last:
                out.update(tick_summary("refresh", await ticks(app, service, http, args.ticks, args.timeout)))
        await service.close()
        return first, shown

    for i, size in enumerate(sizes):
        name = f"{size[0]}x{size[1]}"
        first, shown = await opened(ViewKey("bench", NODES, POOL), size, args.nodes, i == len(sizes) - 1)
        out[f"{name}_first_s"], out[f"{name}_heatmap"] = round(first, 3), shown
    first, _ = await opened(ViewKey("bench", POOLS), sizes[-1], 1, False)
    out["pools_first_s"] = round(first, 3)
    out.update(memory_after(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--ticks", type=int, default=5, help="refresh ticks to time (default 5)")
    parser.add_argument("--sizes", default="80x24,120x40,200x50")
    parser.add_argument("--refresh", type=float, default=3600.0, help="the app's own refresh interval")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    result: dict = {"nodes": args.nodes}

    def measure(emu, http, out: dict) -> None:
        out.update(asyncio.run(app_phase(emu, http, args)))

    result.update(run_on_seeded("batchtui-bench-nodes-", seed, (args.nodes,), f"/pools/{POOL}/nodes", args.nodes,
                                measure))
    emit(result)


if __name__ == "__main__":
    main()
