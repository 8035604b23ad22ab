"""Benchmark what the explorer writes to the terminal when nothing changes, in
every view, and when one row of the tasks view does.

    .venv/bin/python bench/idle.py [--seconds 20] [--refresh 1] [--tasks 200] [--views jobs,pools,...]

Seeds the emulator's store directly, so nothing changes by itself: a pool
(POOL_ID) of idle nodes, an empty pool, an active job (JOB_ID) of --tasks
completed tasks plus one queued task (CHANGED) that cannot run on the empty
pool, a completed job, and the stdout of the first task on its node. When
Azurite is installed (see batchtui.azurite), the account gets a linked
storage account with one container. Starts the emulator and `python -m
batchtui --refresh R` on a pseudo-terminal (TERM=xterm-256color, --cols x
--rows), then walks the views in this order, letting each settle for
--settle seconds before it counts:

  jobs pools nodes tasks log files help dialog storage

  idle       the bytes written to the terminal over --seconds in each view
             (idle_bytes: view → bytes; target 0), and for a view that wrote
             anything, which screen rows it wrote and what it wrote there
             (idle_rows: view → [row, bytes, text])
  change     (tasks view) terminates CHANGED through the SDK (active →
             completed, failed: one row's cells change) and reports the write
             (burst) in which the new state shows: bytes_per_changed_row, how
             many screen rows it rewrote, and how long after the change it showed
  delete     (tasks view) deletes DELETED through the SDK (the rows below it
             move up): bytes_per_deleted_row, rows rewritten, delay

"log" is the first task's stdout (`l`), "files" its file browser (`b`),
"dialog" the terminate confirmation (`t`, then cancelled), "storage" the
linked storage's containers (`:storage`; null without Azurite).

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

from batchtui.emulator.nodefs import node_root, task_rel_dir  # noqa: E402
from batchtui.emulator_process import start_emulator  # noqa: E402

JOB_ID = "idle-job"
DONE_JOB = "done-job"
POOL_ID = "render-pool"
EMPTY_POOL = "empty-pool"
FIRST = "task-0000"  # its stdout is on its node: the log and files views
STDOUT_LINE = "frame 0 rendered in 41.3 s"
CHANGED = "task-0004"  # queued; terminated by the benchmark
DELETED = "task-0010"  # completed; deleted by the benchmark
AFTER_DELETED = "task-0011"
CONTAINER = "idle-outputs"
STORAGE_ENV = "BATCHTUI_BENCH_STORAGE"
VIEWS = ("jobs", "pools", "nodes", "tasks", "log", "files", "help", "dialog", "storage")


def seed(data_dir: Path, tasks: int) -> dict:
    seeder = StoreSeeder(data_dir)
    nodes = seeder.pool(POOL_ID, 2)
    seeder.pool(EMPTY_POOL, 0)
    job = seeder.job(JOB_ID, EMPTY_POOL, state="active")
    first = seeder.completed_tasks(job, 4, nodes=nodes, pool_id=POOL_ID, prefix="task", width=4, fail_rate=0)
    seeder.active_task(job, CHANGED)
    seeder.completed_tasks(job, tasks - 5, nodes=nodes, pool_id=POOL_ID, prefix="task", width=4, start_index=5)
    done = seeder.job(DONE_JOB, POOL_ID, state="completed")
    seeder.completed_tasks(done, 3, nodes=nodes, pool_id=POOL_ID, prefix="done", width=2)
    # completed_tasks puts task i on nodes[i % len(nodes)]
    task_dir = node_root(data_dir, nodes[0]) / task_rel_dir(JOB_ID, first[0])
    (task_dir / "wd").mkdir(parents=True, exist_ok=True)
    (task_dir / "stdout.txt").write_text(f"rendering frame 0\n{STDOUT_LINE}\n")
    (task_dir / "stderr.txt").write_text("")
    return {"seed_s": seeder.close().seconds}


def start_storage(work: Path) -> tuple[object | None, str | None]:
    """Azurite with one container holding one blob, when Azurite is installed: (it, connection string)."""
    from batchtui.azurite import Azurite, AzuriteUnavailable, find_azurite

    if find_azurite() is None:
        return None, None
    try:
        storage = Azurite().start(work / "azurite")
    except AzuriteUnavailable:
        return None, None
    from azure.storage.blob import BlobServiceClient

    blobs = BlobServiceClient.from_connection_string(storage.connection_string)
    blobs.create_container(CONTAINER).upload_blob("frames/frame-0000.exr", b"EXR" * 100)
    blobs.close()
    return storage, storage.connection_string


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


def go(app: PtyApp, keys: list[bytes], marker: str, timeout: float) -> None:
    """Send `keys` (a short pause after each, as a person types), then wait until `marker` shows."""
    mark = len(app.chunks)
    for key in keys:
        app.send(key)
        app.pump(0.3)
    if app.wait_for_text(marker, timeout, since=mark) is None:
        raise RuntimeError(f"never saw {marker!r} after {keys!r}: {app.text()[-400:]!r}")


def measure_idle(app: PtyApp, seconds: float) -> tuple[int, list[list]]:
    """Bytes written over `seconds` of no input, and per screen row: [row, bytes, last text written there]."""
    start = time.perf_counter()
    app.pump(seconds)
    idle = bursts(app.bytes_since(start))
    per_row: dict[int, int] = {}
    texts: dict[int, str] = {}
    for _, data in idle:
        for row, count in rows_written(data).items():
            per_row[row] = per_row.get(row, 0) + count
        texts.update(row_texts(data))
    busiest = sorted(per_row.items(), key=lambda kv: -kv[1])
    rows = [[row, count, texts.get(row, "").strip()[:80]] for row, count in busiest]
    return sum(len(d) for _, d in idle), rows


def change_and_delete(app: PtyApp, emu, refresh: float, timeout: float) -> dict:
    """The tasks view: one row's state changes, then one row goes."""
    out: dict = {}
    changed_row, deleted_row = last_row_of(app, CHANGED), last_row_of(app, DELETED)
    if changed_row is None or deleted_row is None:
        raise RuntimeError("could not find the rows of the tasks to change on screen")
    client = emu.client()
    client.terminate_task(JOB_ID, CHANGED)
    since = time.perf_counter()
    found = find_burst(app, since, changed_row, "failed", 3 * refresh + timeout / 3)
    out.update(describe_burst("changed", *found, since, changed_row) if found else {"bytes_per_changed_row": None})
    app.pump(2 * refresh)
    client.delete_task(JOB_ID, DELETED)
    since = time.perf_counter()
    found = find_burst(app, since, deleted_row, AFTER_DELETED, 3 * refresh + timeout / 3)
    out.update(describe_burst("deleted", *found, since, deleted_row) if found else {"bytes_per_deleted_row": None})
    client.close()
    app.pump(2 * refresh)  # the view settles again before the next one opens
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="idle window per view (default 20)")
    parser.add_argument("--refresh", type=float, default=1.0, help="the app's --refresh (default 1)")
    parser.add_argument("--tasks", type=int, default=200, help="tasks in the job (default 200)")
    parser.add_argument("--settle", type=float, default=4.0, help="seconds to let each view settle first (default 4)")
    parser.add_argument("--views", default=",".join(VIEWS), help=f"which views to measure (default {','.join(VIEWS)})")
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    wanted = [v for v in args.views.split(",") if v]
    unknown = set(wanted) - set(VIEWS)
    if unknown:
        parser.error(f"unknown views: {', '.join(sorted(unknown))} (known: {', '.join(VIEWS)})")

    work = Path(tempfile.mkdtemp(prefix="batchtui-bench-idle-"))
    emu = app = storage = None
    result: dict = {"tasks": args.tasks, "refresh_s": args.refresh, "size": f"{args.cols}x{args.rows}",
                    "seconds": args.seconds, "seeded": "store"}
    idle_bytes: dict[str, int | None] = {}
    idle_rows: dict[str, list] = {}
    try:
        result.update(seed(work / "data", args.tasks))
        if "storage" in wanted:
            storage, connection = start_storage(work)
        else:
            connection = None
        emu = start_emulator(work / "data")
        http = SignedHttp(emu.endpoint, emu.account, emu.key)
        accounts = write_accounts(work / "config", "bench", emu.endpoint, emu.account)
        env = app_environment(work / "config", emu.key)
        if connection:
            with accounts.open("a") as out:
                out.write(f'storage_connection_string_env = "{STORAGE_ENV}"\n')
            env[STORAGE_ENV] = connection
        app = PtyApp([sys.executable, "-m", "batchtui", "--refresh", str(args.refresh)], env,
                     cols=args.cols, rows=args.rows, cwd=str(work))
        if app.wait_for_text(JOB_ID, args.timeout) is None:
            raise RuntimeError(f"the jobs view never showed {JOB_ID}: {app.text()[-400:]!r}")
        gets0 = http.request_counts().get("GET", 0)
        t0 = time.perf_counter()

        def view(name: str, keys: list[bytes], marker: str, leave: list[bytes] | None = None) -> None:
            if name not in wanted:
                return
            if keys:
                go(app, keys, marker, args.timeout)
            app.pump(args.settle)
            idle_bytes[name], rows = measure_idle(app, args.seconds)
            if rows:
                idle_rows[name] = rows
            if name == "tasks":
                result.update(change_and_delete(app, emu, args.refresh, args.timeout))
            for key in leave or []:
                app.send(key)
                app.pump(0.5)

        view("jobs", [], JOB_ID)
        view("pools", [b":", b"pools", b"\r"], "empty-pool")
        view("nodes", [b":", f"nodes {POOL_ID}".encode(), b"\r"], "tvm-")
        go(app, [b":", f"tasks {JOB_ID}".encode(), b"\r"], DELETED, args.timeout)
        view("tasks", [], DELETED)
        app.send(b"g")  # the cursor on the first task
        app.pump(0.5)
        view("log", [b"l"], STDOUT_LINE, leave=[b"\x1b"])
        view("files", [b"b"], "stdout.txt", leave=[b"\x1b"])
        view("help", [b"?"], "Keys", leave=[b"\x1b"])
        view("dialog", [b"t"], "Cancel", leave=[b"\x1b"])
        if "storage" in wanted:
            if connection:
                view("storage", [b":", b"storage", b"\r"], CONTAINER, leave=[b"\x1b"])
            else:
                idle_bytes["storage"] = None
        elapsed = time.perf_counter() - t0
        result["idle_bytes"] = idle_bytes
        result["idle_target_bytes"] = 0
        result["idle_total_bytes"] = sum(v or 0 for v in idle_bytes.values())
        result["requests_per_s"] = round((http.request_counts().get("GET", 0) - gets0) / elapsed, 2)
        result["idle_rows"] = idle_rows
        result["write_median_bytes"] = median([len(d) for _, d in bursts(app.chunks)])
        http.close()
        result["ended"] = app.close()
        app = None
    finally:
        if app is not None:
            app.close()
        if emu is not None:
            emu.stop()
        if storage is not None:
            storage.stop()  # type: ignore[attr-defined]
        shutil.rmtree(work, ignore_errors=True)
    for name, count in idle_bytes.items():
        print(f"{'idle ' + name:>28}: {count} bytes in {args.seconds:g} s")
    emit(result)


if __name__ == "__main__":
    main()
