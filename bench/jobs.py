"""Benchmark the jobs view on an account with many jobs: the first screen, the task counts, a refresh tick.

    .venv/bin/python bench/jobs.py [--jobs 10000] [--active 500] [--ticks 5]

Seeds --jobs jobs straight into the emulator's store (a child process): --active of them active, each
with two finished tasks and two queued ones; the rest completed, each with two finished tasks. Starts
the emulator on it, then measures, in this order:

  emulator_list_s     paging every job as raw JSON (plain signed HTTP GETs, 1,000 a page): the
                      emulator's own cost, the floor for the first screen
  raw_list_s          the same pages through batchtui's client (BatchService.pages, JSON only)
  first_screen_s      from constructing BatchApp on the jobs view (headless, run_test) to a screenful
                      of jobs in the table and painted (target <= 1 s); all_jobs_s: to every job
  counts_first_s      until the first task counts are in the table
  ticks               refresh ticks (refresh_now() until the view is fresh again) until every active
                      job's counts are known (at most --max-ticks), then --ticks more: each tick's
                      seconds, requests, and taskcounts requests (counts_fetched); counts_ticks_to_active:
                      ticks until every active job had its counts; completed_refetched: taskcounts
                      requests for a completed job whose counts were already known (target 0)
  rss_mb, rss_app_mb  peak RSS of this process, and its rise over the RSS before the app started

Prints a few human-readable lines, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta
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

POOL = "jobs-pool"


def job_id(i: int) -> str:
    return f"job-{i:05d}"


def seed(data_dir: Path, jobs: int, active: int) -> dict:
    seeder = StoreSeeder(data_dir)
    nodes = seeder.pool(POOL, 2)
    for i in range(jobs):
        is_active = i >= jobs - active  # the newest jobs are the active ones
        job = seeder.job(job_id(i), POOL, state="active" if is_active else "completed",
                         created_ago=timedelta(hours=3, seconds=-i))
        seeder.completed_tasks(job, 2, nodes=nodes, pool_id=POOL, prefix="task", span=timedelta(minutes=5))
        if is_active:
            seeder.active_task(job, "queued-1")
            seeder.active_task(job, "queued-2")
    return {"seed_s": seeder.close().seconds}


async def app_phase(emu, http: SignedHttp, args: argparse.Namespace) -> dict:
    from batchtui.ui.app import BatchApp
    from batchtui.ui.views import JOBS, ViewKey
    from batchtui.ui.widgets.resource_table import ResourceTable

    width, height = (int(v) for v in args.size.lower().split("x"))
    view = ViewKey("bench", JOBS)
    service = service_of(emu)
    active = {job_id(i) for i in range(args.jobs - args.active, args.jobs)}
    out = memory_before()
    t0 = time.perf_counter()
    app = BatchApp([emu.as_account("bench")], {"bench": service}, refresh_seconds=args.refresh, start=view)
    async with app.run_test(size=(width, height)) as pilot:
        table = app.query_one(ResourceTable)
        await wait_until(lambda: table.total_count >= min(args.jobs, height), args.timeout, "a screenful of jobs")
        await pilot.pause()
        out["first_screen_s"] = round(time.perf_counter() - t0, 3)
        await wait_until(lambda: table.total_count >= args.jobs, args.timeout, f"{args.jobs} jobs")
        out["all_jobs_s"] = round(time.perf_counter() - t0, 3)
        counts = app.refresher.job_counts[view]
        await wait_until(lambda: counts.fetched > 0 and app._fresh_at is not None, args.timeout, "task counts")
        out["counts_first_s"] = round(time.perf_counter() - t0, 3)
        out["counts_fetched_first"] = counts.fetched
        out.update(memory_after(out))

        done_before: set[str] = set()

        def after() -> dict:
            nonlocal done_before
            known_completed = {j for j in counts._known if counts._known[j][1]}
            refetched = len(done_before & set(counts.last_fetched))
            done_before = known_completed
            return {"counts_fetched": len(counts.last_fetched), "completed_refetched": refetched,
                    "active_known": sum(1 for j in active if counts.known(j) is not None)}

        warm: list[dict] = []
        while len(warm) < args.max_ticks and (not warm or warm[-1]["active_known"] < len(active)):
            warm += await ticks(app, service, http, 1, args.timeout, after)
        out["counts_ticks_to_active"] = len(warm)
        out["counts_active_known"] = warm[-1]["active_known"] if warm else 0
        steady = await ticks(app, service, http, args.ticks, args.timeout, after)
        out.update(tick_summary("refresh", steady))
        out["completed_refetched"] = sum(t["completed_refetched"] for t in warm + steady)
        out["warm_ticks"] = warm
    await service.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--active", type=int, default=500, help="how many of the jobs are active (default 500)")
    parser.add_argument("--ticks", type=int, default=5, help="steady refresh ticks to time (default 5)")
    parser.add_argument("--max-ticks", type=int, default=30, help="most ticks to wait for the active counts")
    parser.add_argument("--size", default="200x50")
    parser.add_argument("--refresh", type=float, default=3600.0, help="the app's own refresh interval")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    result: dict = {"jobs": args.jobs, "active": args.active}

    def measure(emu, http, out: dict) -> None:
        out.update(asyncio.run(app_phase(emu, http, args)))
        out["all_jobs_vs_raw"] = round(out["all_jobs_s"] / out["raw_list_s"], 2)

    result.update(run_on_seeded("batchtui-bench-jobs-", seed, (args.jobs, args.active), "/jobs", args.jobs, measure))
    emit(result)


if __name__ == "__main__":
    main()
