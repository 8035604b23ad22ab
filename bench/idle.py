"""Benchmark what the explorer writes to the terminal when nothing changes, and when one row does.

    .venv/bin/python bench/idle.py [--seconds 20] [--refresh 1] [--tasks 200]

Seeds the emulator's store directly: a job (JOB_ID) of --tasks completed
tasks on a pool with no nodes, plus one queued task (CHANGED) that cannot run
there, so nothing changes by itself. Starts the emulator and `python -m
batchtui --refresh R` on a pseudo-terminal (TERM=xterm-256color, --cols x
--rows), opens the job's tasks (`:tasks JOB_ID`), lets it settle, then:

  idle       counts the bytes written to the terminal over --seconds
             (idle_bytes_per_s, target < 50), per screen row (idle_rows: the
             rows written, bytes a second, and the text last written there)
  change     terminates CHANGED through the SDK (active → completed, failed:
             one row's cells change) and reports the write (burst) in which
             the new state shows: bytes_per_changed_row, how many screen rows
             it rewrote, and how long after the change it showed
  delete     deletes DELETED through the SDK (the rows below it move up):
             bytes_per_deleted_row, rows rewritten, delay

A "burst" is what the app wrote in one go (reads less than 10 ms apart).
Prints a few human-readable lines, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (  # noqa: E402
    PtyApp,
    SignedHttp,
    StoreSeeder,
    app_environment,
    bursts,
    emit,
    median,
    row_texts,
    rows_written,
    write_accounts,
)

from batchtui.emulator_process import start_emulator  # noqa: E402

JOB_ID = "idle-job"
POOL_ID = "render-pool"
EMPTY_POOL = "empty-pool"
CHANGED = "task-0004"  # queued; terminated by the benchmark
DELETED = "task-0010"  # completed; deleted by the benchmark
AFTER_DELETED = "task-0011"


def seed(data_dir: Path, tasks: int) -> dict:
    seeder = StoreSeeder(data_dir)
    nodes = seeder.pool(POOL_ID, 2)
    seeder.pool(EMPTY_POOL, 0)
    job = seeder.job(JOB_ID, EMPTY_POOL, state="active")
    seeder.completed_tasks(job, 4, nodes=nodes, pool_id=POOL_ID, prefix="task", width=4)
    seeder.active_task(job, CHANGED)
    seeder.completed_tasks(job, tasks - 5, nodes=nodes, pool_id=POOL_ID, prefix="task", width=4, start_index=5)
    return {"seed_s": seeder.close().seconds}


def last_row_of(app: PtyApp, text: str) -> int | None:
    """The screen row where `text` was last written."""
    row = None
    for _, data in bursts(app.chunks):
        for r, line in row_texts(data).items():
            if text in line:
                row = r
    return row


def find_burst(app: PtyApp, since: float, row: int, wanted: str, timeout: float) -> tuple[float, bytes] | None:
    """The first burst after `since` that writes `wanted` on screen row `row`."""
    end = time.perf_counter() + timeout
    while True:
        for t, data in bursts(app.bytes_since(since)):
            if wanted in row_texts(data).get(row, ""):
                return t, data
        if time.perf_counter() >= end or app.eof:
            return None
        app.pump(0.2)


def describe_burst(prefix: str, t: float, data: bytes, since: float, row: int) -> dict:
    written = rows_written(data)
    return {
        f"bytes_per_{prefix}_row": len(data),
        f"{prefix}_visible_s": round(t - since, 3),
        f"{prefix}_burst_rows": len(written),
        f"{prefix}_row_bytes": written.get(row, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="idle window (default 20)")
    parser.add_argument("--refresh", type=float, default=1.0, help="the app's --refresh (default 1)")
    parser.add_argument("--tasks", type=int, default=200, help="tasks in the job (default 200)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to let the view settle first (default 5)")
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--dump", type=Path, default=None,
                        help="write the idle window's bursts here (repr, one per line, with times) for inspection")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="batchtui-bench-idle-"))
    emu = app = None
    result: dict = {"tasks": args.tasks, "refresh_s": args.refresh, "size": f"{args.cols}x{args.rows}",
                    "seconds": args.seconds, "seeded": "store"}
    try:
        result.update(seed(work / "data", args.tasks))
        emu = start_emulator(work / "data")
        http = SignedHttp(emu.endpoint, emu.account, emu.key)
        write_accounts(work / "config", "bench", emu.endpoint, emu.account)
        env = app_environment(work / "config", emu.key)
        app = PtyApp([sys.executable, "-m", "batchtui", "--refresh", str(args.refresh)], env,
                     cols=args.cols, rows=args.rows, cwd=str(work))
        if app.wait_for_text(JOB_ID, args.timeout) is None:
            raise RuntimeError(f"the jobs view never showed {JOB_ID}: {app.text()[-400:]!r}")
        mark = len(app.chunks)
        app.send(b":")
        app.pump(0.3)
        app.send(f"tasks {JOB_ID}".encode())
        app.pump(0.3)
        app.send(b"\r")
        if app.wait_for_text(DELETED, args.timeout, since=mark) is None:
            raise RuntimeError(f"the tasks view never showed {DELETED}: {app.text()[-400:]!r}")
        app.pump(args.settle)
        changed_row, deleted_row = last_row_of(app, CHANGED), last_row_of(app, DELETED)
        if changed_row is None or deleted_row is None:
            raise RuntimeError("could not find the rows of the tasks to change on screen")

        # -- idle ------------------------------------------------------------------------
        gets0 = http.request_counts().get("GET", 0)
        start = time.perf_counter()
        app.pump(args.seconds)
        elapsed = time.perf_counter() - start
        gets1 = http.request_counts().get("GET", 0)
        idle = app.bytes_since(start)
        idle_bytes = sum(len(c) for _, c in idle)
        idle_bursts = bursts(idle)
        if args.dump:
            args.dump.write_text("".join(f"{t - start:8.3f} {len(d):6d} {d!r}\n" for t, d in idle_bursts))
        per_row: dict[int, int] = {}
        texts: dict[int, str] = {}
        for _, data in idle_bursts:
            for row, count in rows_written(data).items():
                per_row[row] = per_row.get(row, 0) + count
            texts.update(row_texts(data))
        result["idle_bytes_per_s"] = round(idle_bytes / elapsed, 1)
        result["idle_target_bytes_per_s"] = 50
        result["idle_writes_per_s"] = round(len(idle_bursts) / elapsed, 2)
        result["idle_median_write_bytes"] = median([len(d) for _, d in idle_bursts]) if idle_bursts else 0
        result["idle_requests_per_s"] = round((gets1 - gets0) / elapsed, 2)
        result["idle_rows"] = [[row, round(count / elapsed, 1), texts.get(row, "").strip()[:80]]
                               for row, count in sorted(per_row.items(), key=lambda kv: -kv[1])]

        # -- one row changes --------------------------------------------------------------
        client = emu.client()
        client.terminate_task(JOB_ID, CHANGED)
        since = time.perf_counter()
        found = find_burst(app, since, changed_row, "failed", 3 * args.refresh + args.timeout / 3)
        if found is None:
            result["bytes_per_changed_row"] = None
        else:
            result.update(describe_burst("changed", *found, since, changed_row))
        app.pump(2 * args.refresh)

        # -- one row goes ---------------------------------------------------------------
        client.delete_task(JOB_ID, DELETED)
        since = time.perf_counter()
        found = find_burst(app, since, deleted_row, AFTER_DELETED, 3 * args.refresh + args.timeout / 3)
        if found is None:
            result["bytes_per_deleted_row"] = None
        else:
            result.update(describe_burst("deleted", *found, since, deleted_row))
        client.close()
        http.close()
        result["ended"] = app.close()
        app = None
    finally:
        if app is not None:
            app.close()
        if emu is not None:
            emu.stop()
        shutil.rmtree(work, ignore_errors=True)
    emit(result)


if __name__ == "__main__":
    main()
