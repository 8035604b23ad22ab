"""Benchmark a big job end to end: the emulator, the SDK, our access layer and the explorer.

    .venv/bin/python bench/tasks.py [--tasks 100000] [--add-tasks 10000] [--ticks 3]

Seeds a job of --tasks completed tasks (exit 0, a few exit 1, a few retried;
node, start and end times) on a pool of --nodes nodes by writing the
emulator's SQLite store directly ("seeded": "store"), starts the emulator on
that data dir, then measures, in this order:

  emulator_start_s  the emulator started on that store (a restart: the store
                    is read and checked)
  emulator_list_s   paging every task (1,000 a page, the app's $select) with
                    plain signed HTTP GETs: the emulator's own cost
                    (emulator_tasks_per_s)
  raw_json_s        the same pages as raw JSON through batchtui's own client
                    (BatchService.pages): the floor of the fill;
                    fill_vs_raw_json = tui_fill_s / raw_json_s (target <= 1.2)
  tui_fill_s        from constructing BatchApp on the job's tasks view
                    (headless, run_test) to the table holding every row and
                    the first refresh complete; tui_first_rows_s: the first
                    page on screen; tui_fill_cpu_s, tui_fill_gc_s: this
                    process's CPU time during the fill, and its garbage
                    collector's part (tui_fill_full_collections)
  rss_mb            peak RSS of this process after the fill; rss_app_mb: its
                    increase over the RSS before the app started
  filter_s, sort_s  a substring filter (--filter), then sorting by state and
                    by exit code, marking every row (mark_all_s), on the
                    loaded table (the call; *_painted_s: until the screen
                    has been repainted)
  refresh_s         one refresh tick after the fill (refresh_now() until
                    _fresh_at moves; median of --ticks), refresh_requests
                    (BatchService.requests delta, the details pane's GET
                    included), refresh_emulator_gets, relisted
  sdk_list_s        azure.batch.BatchClient.list_tasks with the same $select,
                    consumed fully: the limit; ratio = tui_fill_s / sdk_list_s
  raw_list_s        BatchService.list_tasks (raw JSON → TaskRow), for reference
  add_tasks_per_s   --add-tasks tasks added 100 per addtaskcollection call
                    (sync SDK) to a second job whose pool does not exist, one
                    call at a time; add_tasks_concurrent_per_s: as many more
                    through the SDK's create_tasks, 4 calls in flight
  emulator_taskcounts_s, emulator_incremental_s
                    the emulator's side of a tick, by plain HTTP
  split_*           with --splits: the fill's steps timed apart (pages as
                    JSON, TaskRow.from_rest, views.task_row) and
                    table_row_bytes (what one task's TableRow weighs)

The app part runs first so its memory figures are not inflated by the SDK's.
Prints a few human-readable lines, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _adds import add_tasks  # noqa: E402
from _common import SignedHttp, StoreSeeder, current_rss_mb, emit, in_child, median, peak_rss_mb  # noqa: E402
from _views import GcClock, raw_pages, settle_requests, wait_until  # noqa: E402
from azure.core.credentials import AzureNamedKeyCredential  # noqa: E402

from batchtui.emulator_process import start_emulator  # noqa: E402
from batchtui.service.client import BatchService  # noqa: E402
from batchtui.service.models import TASK_SELECT  # noqa: E402

JOB = "render-frames"
POOL = "render-pool"


def seed(data_dir: Path, tasks: int, nodes: int, fail_rate: float) -> dict:
    seeder = StoreSeeder(data_dir)
    node_ids = seeder.pool(POOL, nodes)
    job = seeder.job(JOB, POOL, state="active", priority=100)
    seeder.completed_tasks(job, tasks, nodes=node_ids, pool_id=POOL, prefix="frame", fail_rate=fail_rate)
    result = seeder.close()
    return {"seed_s": result.seconds}


async def tui_phase(emu, http: SignedHttp, n: int, args: argparse.Namespace) -> dict:
    from batchtui.ui.app import BatchApp
    from batchtui.ui.views import TASKS, ViewKey
    from batchtui.ui.widgets.resource_table import ResourceTable

    out: dict = {}
    width, height = (int(v) for v in args.size.lower().split("x"))
    account = emu.as_account("bench")
    service = BatchService(emu.endpoint, AzureNamedKeyCredential(emu.account, emu.key))
    view = ViewKey("bench", TASKS, JOB)
    calls: list[str] = []
    get_json = service.get_json

    async def recording(path: str, params: dict | None = None) -> dict:
        """Note what each request was (bench-only wrapper around the instance's method)."""
        name = path.split("?")[0].replace(emu.endpoint, "")
        if "$skiptoken" in path:
            name += " (next page)"
        if params and "$filter" in params:
            name += " $filter"
        calls.append(name)
        return await get_json(path, params)

    service.get_json = recording  # type: ignore[method-assign]
    gc.collect()
    out["rss_baseline_mb"] = current_rss_mb()
    baseline_peak = peak_rss_mb()
    gets0 = (await asyncio.to_thread(http.request_counts)).get("GET", 0)
    profiler = cProfile.Profile() if args.profile else None

    if profiler:
        profiler.enable()
    clock = GcClock().start()
    t0 = time.perf_counter()
    app = BatchApp([account], {"bench": service}, refresh_seconds=args.refresh, start=view)
    async with app.run_test(size=(width, height)) as pilot:
        table = app.query_one(ResourceTable)
        first_rows = None

        def filled() -> bool:
            nonlocal first_rows
            if first_rows is None and table.total_count:
                first_rows = time.perf_counter() - t0
            return app._fresh_at is not None and table.total_count >= n

        await wait_until(filled, args.timeout, f"the table to hold {n} rows")
        fill = time.perf_counter() - t0
        out.update({f"tui_fill_{k}": v for k, v in clock.stop().items()})
        if profiler:
            profiler.disable()
        await pilot.pause()
        out["tui_fill_painted_s"] = round(time.perf_counter() - t0, 3)
        out["tui_first_rows_s"] = round(first_rows or fill, 3)
        out["tui_fill_s"] = round(fill, 3)
        out["rows"] = table.total_count
        await settle_requests(service)
        out["fill_requests"] = service.requests
        out["fill_emulator_gets"] = (await asyncio.to_thread(http.request_counts)).get("GET", 0) - gets0
        out["rss_mb"] = peak_rss_mb()
        out["rss_app_mb"] = round(out["rss_mb"] - out["rss_baseline_mb"], 1)
        out["rss_baseline_peak_mb"] = baseline_peak
        out["rss_now_mb"] = current_rss_mb()

        def timed(fn) -> float:
            gc.collect()
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start

        async def timed_painted(fn) -> tuple[float, float]:
            gc.collect()
            start = time.perf_counter()
            fn()
            call = time.perf_counter() - start
            await pilot.pause()
            return round(call, 4), round(time.perf_counter() - start, 4)

        out["filter_s"], out["filter_painted_s"] = await timed_painted(lambda: table.set_filter(args.filter))
        out["filter_rows"] = table.row_count
        out["filter_clear_s"], _ = await timed_painted(lambda: table.set_filter(""))
        out["sort_s"], out["sort_painted_s"] = await timed_painted(lambda: table.sort_by("state"))
        out["sort_exit_s"], out["sort_exit_painted_s"] = await timed_painted(lambda: table.sort_by("exit"))
        out["sort_none_s"] = round(timed(lambda: table.sort_by(None)), 4)
        out["mark_all_s"], out["mark_all_painted_s"] = await timed_painted(table.mark_all)
        out["marked"] = len(table.marked)
        out["unmark_all_s"], _ = await timed_painted(table.clear_marks)
        await pilot.pause()

        ticks = []
        for _ in range(args.ticks):
            tracker = app._trackers[view]
            full0, inc0 = tracker.full_listings, tracker.incremental_listings
            req0 = service.requests
            del calls[:]
            gets0 = (await asyncio.to_thread(http.request_counts)).get("GET", 0)
            before = app._fresh_at
            start = time.perf_counter()
            app.refresh_now()
            await wait_until(lambda before=before: app._fresh_at != before, args.timeout, "a refresh")
            seconds = time.perf_counter() - start
            await settle_requests(service)
            gets1 = (await asyncio.to_thread(http.request_counts)).get("GET", 0)
            ticks.append({
                "s": round(seconds, 4),
                "requests": service.requests - req0,
                "emulator_gets": gets1 - gets0,
                "relisted": tracker.full_listings > full0,
                "incremental": tracker.incremental_listings > inc0,
                "rows": table.total_count,
                "paths": list(calls),
            })
        if ticks:
            out["refresh_s"] = round(median([t["s"] for t in ticks]), 4)
            out["refresh_requests"] = ticks[-1]["requests"]
            out["refresh_emulator_gets"] = ticks[-1]["emulator_gets"]
            out["relisted"] = any(t["relisted"] for t in ticks)
            out["refresh_ticks"] = ticks
        out["rows_after_refresh"] = table.total_count
        tracker = app._trackers.get(view)
        watermark = tracker.watermark if tracker else None

    if watermark is not None:
        out["watermark"] = watermark

    if profiler:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).sort_stats("tottime")
        stats.print_stats(args.profile)
        print(text.getvalue(), file=sys.stderr)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(args.profile)
        print(text.getvalue(), file=sys.stderr)
    return out


async def raw_list(emu) -> tuple[int, float]:
    async with BatchService(emu.endpoint, AzureNamedKeyCredential(emu.account, emu.key)) as service:
        start = time.perf_counter()
        rows = await service.list_tasks(JOB)
        return len(rows), time.perf_counter() - start


async def splits(emu) -> dict:
    """Where a fill's time goes, step by step and without the app around it:
    the pages as JSON (request + json.loads), TaskRow.from_rest, the task
    view's row builder (views.task_row) and what the rows weigh."""
    import tracemalloc

    from batchtui.service.models import TaskRow
    from batchtui.ui.format import utcnow
    from batchtui.ui.views import task_row

    out: dict = {}
    async with BatchService(emu.endpoint, AzureNamedKeyCredential(emu.account, emu.key)) as service:
        pages = []
        start = time.perf_counter()
        async for page in service.pages(f"/jobs/{JOB}/tasks", {"$select": TASK_SELECT}):
            pages.append(page)
        out["split_pages_json_s"] = round(time.perf_counter() - start, 3)
    gc.collect()
    start = time.perf_counter()
    rows = [TaskRow.from_rest(JOB, d) for page in pages for d in page]
    out["split_from_rest_s"] = round(time.perf_counter() - start, 3)
    del pages
    gc.collect()
    now = utcnow()
    start = time.perf_counter()
    table_rows = [task_row(r, now) for r in rows]
    out["split_task_row_s"] = round(time.perf_counter() - start, 3)
    del table_rows
    gc.collect()
    sample = rows[:20_000]  # tracemalloc slows allocation down: weigh a sample (not timed)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    table_rows = [task_row(r, now) for r in sample]
    out["table_row_bytes"] = round((tracemalloc.get_traced_memory()[0] - before) / max(1, len(sample)))
    tracemalloc.stop()
    del table_rows
    return out


def emulator_tick(http: SignedHttp, watermark) -> dict:
    """The emulator's side of a refresh tick, by plain HTTP: the counts, and the incremental query (since the
    app's watermark; without the app, since now: nothing changed). The same query with an `or` that matches
    nothing more cannot use the emulator's time index: emulator_incremental_scan_s, in the same run."""
    from datetime import datetime, timezone

    from batchtui.ui.fetch import WATERMARK_OVERLAP

    out: dict = {}
    moment = (watermark - WATERMARK_OVERLAP) if watermark is not None else datetime.now(timezone.utc)
    since = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    indexed = f"stateTransitionTime ge datetime'{since}'"
    counts_s, incremental_s, scan_s = [], [], []
    body: dict = {}
    for _ in range(3):
        start = time.perf_counter()
        http.get(f"/jobs/{JOB}/taskcounts")
        counts_s.append(time.perf_counter() - start)
        for text, times in ((indexed, incremental_s), (f"{indexed} or id eq '-'", scan_s)):
            start = time.perf_counter()
            body = http.get(f"/jobs/{JOB}/tasks", {"$select": TASK_SELECT, "maxresults": "1000",
                                                   "$filter": text}).json()
            times.append(time.perf_counter() - start)
    out["emulator_taskcounts_s"] = round(median(counts_s), 4)
    out["emulator_incremental_s"] = round(median(incremental_s), 4)
    out["emulator_incremental_scan_s"] = round(median(scan_s), 4)
    out["incremental_rows"] = len(body.get("value", []))
    return out

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks in the big job (default 100000)")
    parser.add_argument("--nodes", type=int, default=2, help="nodes in the pool (default 2)")
    parser.add_argument("--fail-rate", type=float, default=0.03, help="share of tasks that exit 1 (default 0.03)")
    parser.add_argument("--add-tasks", type=int, default=10_000, help="tasks to add for add_tasks_per_s (0: skip)")
    parser.add_argument("--ticks", type=int, default=3, help="refresh ticks to time after the fill (default 3)")
    parser.add_argument("--size", default="200x50", help="headless screen size (default 200x50)")
    parser.add_argument("--filter", default="failed", help="filter text for filter_s (default 'failed')")
    parser.add_argument("--refresh", type=float, default=3600.0,
                        help="the app's refresh interval; long by default so only the timed ticks run")
    parser.add_argument("--skip-sdk", action="store_true", help="skip the SDK and raw listings")
    parser.add_argument("--splits", action="store_true",
                        help="also time the fill's steps apart: pages+JSON, TaskRow.from_rest, views.task_row")
    parser.add_argument("--skip-tui", action="store_true", help="skip the explorer part")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="cProfile the fill and print the top N functions to stderr (inflates tui_fill_s)")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up waiting after this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    args = parser.parse_args()

    n = args.tasks
    result: dict = {"tasks": n, "seeded": "store", "nodes": args.nodes}
    data_dir = Path(tempfile.mkdtemp(prefix="batchtui-bench-tasks-"))
    emu = None
    wall = time.perf_counter()
    try:
        # in a child process, so the seeding's memory stays out of this process's peak RSS
        result.update(in_child(seed, data_dir, n, args.nodes, args.fail_rate))
        start = time.perf_counter()
        emu = start_emulator(data_dir)
        result["emulator_start_s"] = round(time.perf_counter() - start, 3)
        http = SignedHttp(emu.endpoint, emu.account, emu.key)

        start = time.perf_counter()
        items, pages, size = http.list_all(f"/jobs/{JOB}/tasks", {"$select": TASK_SELECT})
        result["emulator_list_s"] = round(time.perf_counter() - start, 3)
        result["emulator_list_pages"] = pages
        result["list_bytes_per_task"] = round(size / max(1, items), 1)
        assert items == n, f"the emulator listed {items} tasks, not {n}"

        # the floor of the fill: the same pages as raw JSON through our own client, the app's $select
        count, seconds = asyncio.run(raw_pages(emu, f"/jobs/{JOB}/tasks", {"$select": TASK_SELECT}))
        result["raw_json_s"] = round(seconds, 3)
        result["emulator_tasks_per_s"] = round(n / result["emulator_list_s"])
        assert count == n, f"BatchService paged {count} tasks, not {n}"
        if not args.skip_tui:
            result.update(asyncio.run(tui_phase(emu, http, n, args)))
            result["fill_vs_raw_json"] = round(result["tui_fill_s"] / result["raw_json_s"], 3)
            gc.collect()
        result.update(emulator_tick(http, result.pop("watermark", None)))

        if not args.skip_sdk:
            client = emu.client()
            fields = TASK_SELECT.split(",")
            start = time.perf_counter()
            count = sum(1 for _ in client.list_tasks(JOB, select=fields, max_results=1000))
            result["sdk_list_s"] = round(time.perf_counter() - start, 3)
            client.close()
            assert count == n, f"the SDK listed {count} tasks, not {n}"
            gc.collect()
            count, seconds = asyncio.run(raw_list(emu))
            result["raw_list_s"] = round(seconds, 3)
            assert count == n, f"BatchService listed {count} tasks, not {n}"
            if "tui_fill_s" in result:
                result["ratio"] = round(result["tui_fill_s"] / result["sdk_list_s"], 3)
                result["ratio_vs_raw"] = round(result["tui_fill_s"] / result["raw_list_s"], 3)

        if args.splits:
            result.update(asyncio.run(splits(emu)))
            gc.collect()

        if args.add_tasks:
            result.update(add_tasks(emu, args.add_tasks))
        http.close()
    finally:
        if emu is not None:
            emu.stop()
        if args.keep:
            print(f"data dir kept: {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    result["wall_s"] = round(time.perf_counter() - wall, 1)
    emit(result)


if __name__ == "__main__":
    main()
