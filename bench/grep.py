"""Benchmark `:grep`: searching the stdout.txt/stderr.txt of N tasks for a line, by range reads, against the emulator.

    .venv/bin/python bench/grep.py [--tasks 2000] [--stdout-bytes 100000] [--concurrency 8,16] [--all-tasks 300]

Seeds the emulator's store with a job of --tasks completed tasks (a fifth of them failed) spread over 16
nodes and writes each task's stdout.txt (--stdout-bytes of log lines) and stderr.txt (2 KB) in the node
tree. 1 % of the tasks print the planted line near the end of stdout.txt (inside a 64 KiB tail), 1 % near
its start (only a whole-file search finds those). Then, for each --concurrency, searches every task's
last 64 KiB (`service.log_grep.grep_tasks`: a listing and a GET a non-empty file), lists the files first
and sums what a whole-file search would read (`size_tasks`, `planned_bytes`, what `:grep` does before it
asks), and searches the whole files of the first --all-tasks tasks. Checks that exactly the planted tasks
are found. A ticker on the event loop measures how late it wakes while the search runs (the app's keys
wait that long at most).

Prints a few human-readable lines, then one JSON object on the last line: per concurrency tail_s,
tasks_per_s, first_result_s, requests_per_task, mb_read, mb_per_s, loop_lag_max_ms; size_s and
planned_mb (the whole files of every task); all_s, all_mb, all_mb_per_s (the --all-tasks subset); plus
tasks, stdout_bytes, seed_s and wall_s.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import StoreSeeder, emit  # noqa: E402
from azure.core.credentials import AzureNamedKeyCredential  # noqa: E402

from batchtui.emulator.nodefs import node_root, task_rel_dir  # noqa: E402
from batchtui.emulator_process import start_emulator  # noqa: E402
from batchtui.service.client import BatchService  # noqa: E402
from batchtui.service.grep_lines import compile_pattern  # noqa: E402
from batchtui.service.log_grep import DEFAULT_TAIL, grep_tasks, planned_bytes, size_tasks  # noqa: E402

JOB = "grep-bench"
POOL = "grep-pool"
PLANTED = "FATAL: lost connection to parameter server 10.0.3.7"
PATTERN = "lost connection to parameter server"
MB = 1_000_000


def planted_where(i: int) -> str:
    """"tail" (1 %), "head" (1 %) or "" for task i."""
    return "tail" if i % 100 == 17 else "head" if i % 100 == 53 else ""


def stdout_text(i: int, size: int) -> str:
    line = f"2024-05-01T10:00:00Z INFO step {i} processed batch of 512 records from /data/in/part-{i}.bin\n"
    body = (line * (size // len(line) + 1))[:size]
    body = body[:body.rfind("\n") + 1]
    where = planted_where(i)
    if where == "tail":
        return body + PLANTED + "\nretrying in 5 s\n"
    if where == "head":
        return "starting\n" + PLANTED + "\n" + body
    return body


def seed(data_dir: Path, tasks: int, stdout_bytes: int) -> tuple[float, list[str]]:
    seeder = StoreSeeder(data_dir)
    node_ids = seeder.pool(POOL, 16)
    job = seeder.job(JOB, POOL)
    ids = seeder.completed_tasks(job, tasks, nodes=node_ids, pool_id=POOL, prefix="step", fail_rate=0.2,
                                 retry_rate=0.0)
    for i, task_id in enumerate(ids):
        folder = node_root(data_dir, node_ids[i % len(node_ids)]) / task_rel_dir(JOB, task_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "stdout.txt").write_text(stdout_text(i, stdout_bytes))
        (folder / "stderr.txt").write_text(f"WARNING deprecated option --fast in step {i}\n" * 40)
    return seeder.close().seconds, ids


class LoopLag:
    """How late a 10 ms ticker on the event loop wakes, at most, while it runs."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            planned = loop.time() + 0.01
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, loop.time() - planned)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.ensure_future(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


async def search(service: BatchService, tasks, tail: int | None, concurrency: int) -> dict:
    search_for = compile_pattern(PATTERN)
    found: set[str] = set()
    read = 0
    first = None
    before = service.requests
    t0 = time.perf_counter()
    with LoopLag() as lag:
        async for result in grep_tasks(service, JOB, tasks, search_for, tail_bytes=tail, concurrency=concurrency):
            if first is None:
                first = time.perf_counter() - t0
            assert not result.errors, result.errors
            read += result.bytes_read
            if result.hits:
                found.add(result.task_id)
    took = time.perf_counter() - t0
    return {"s": took, "first_s": first or 0.0, "requests": service.requests - before, "read": read,
            "found": found, "lag": lag.worst}


async def run(emu, ids: list[str], args: argparse.Namespace) -> dict:
    out: dict = {}
    tail_planted = {t for i, t in enumerate(ids) if planted_where(i) == "tail"}
    async with BatchService(emu.endpoint, AzureNamedKeyCredential(emu.account, emu.key)) as service:
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            got = await search(service, ids, DEFAULT_TAIL, concurrency)
            assert got["found"] == tail_planted, (len(got["found"]), len(tail_planted))
            key = f"c{concurrency}"
            out[f"{key}_tail_s"] = round(got["s"], 3)
            out[f"{key}_tasks_per_s"] = round(len(ids) / got["s"], 1)
            out[f"{key}_first_result_s"] = round(got["first_s"], 3)
            out[f"{key}_requests_per_task"] = round(got["requests"] / len(ids), 2)
            out[f"{key}_mb_read"] = round(got["read"] / MB, 1)
            out[f"{key}_mb_per_s"] = round(got["read"] / MB / got["s"], 1)
            out[f"{key}_loop_lag_max_ms"] = round(got["lag"] * 1000, 1)
        t0 = time.perf_counter()
        listed = [item async for item in size_tasks(service, JOB, ids)]
        out["size_s"] = round(time.perf_counter() - t0, 3)
        out["planned_mb"] = round(planned_bytes(listed, None)[0] / MB, 1)
        subset = ids[:args.all_tasks]
        by_id = {item.task_id: item for item in listed}
        got = await search(service, [by_id[t] for t in subset], None, int(args.concurrency.split(",")[0]))
        want = {t for i, t in enumerate(subset) if planted_where(i)}
        assert got["found"] == want, (len(got["found"]), len(want))
        out["all_tasks"] = len(subset)
        out["all_s"] = round(got["s"], 3)
        out["all_mb"] = round(got["read"] / MB, 1)
        out["all_mb_per_s"] = round(got["read"] / MB / got["s"], 1)
        out["all_loop_lag_max_ms"] = round(got["lag"] * 1000, 1)
        out["planted_in_tails"] = len(tail_planted)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--stdout-bytes", type=int, default=100_000, help="log lines in each stdout.txt")
    parser.add_argument("--concurrency", default="8", help="comma-separated: one tail search for each")
    parser.add_argument("--all-tasks", type=int, default=300, help="tasks whose whole files are searched")
    args = parser.parse_args()
    wall = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-grep-"))
    try:
        seed_s, ids = seed(data_dir, args.tasks, args.stdout_bytes)
        result: dict = {"tasks": args.tasks, "stdout_bytes": args.stdout_bytes, "seed_s": seed_s}
        emu = start_emulator(data_dir)
        try:
            result.update(asyncio.run(run(emu, ids, args)))
        finally:
            emu.process.terminate()
            emu.process.wait(timeout=30)
        result["wall_s"] = round(time.perf_counter() - wall, 2)
        emit(result)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
