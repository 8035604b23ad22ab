"""Benchmark failure triage: clustering N failed tasks from the tails of their output, read from the emulator.

    .venv/bin/python bench/triage.py [--tasks 5000] [--nodes 16] [--stderr-bytes 20000] [--concurrency 8,16]

Seeds the emulator's store with a job of --tasks completed, failed tasks
(exit 1) spread over --nodes nodes and writes each task's stderr.txt in the
node tree: --stderr-bytes of log, then one of three planted causes (60 %
"ERROR shard N: checksum mismatch in /data/in/part-N.bin at TIME" with N,
the path and the time varying; 30 % a Python traceback ending in KeyError;
10 % "sh: 1: nosuchtool: not found"). Then starts the emulator on it and,
for each --concurrency, lists the failed tasks ($filter on the result) and
clusters them (`service.tails.cluster_failures`: a HEAD and a ranged GET of
the last 4 KiB of each stderr.txt), then clusters them again from the
cache. Checks that the clusters are exactly the planted causes.

Prints a few human-readable lines, then one JSON object on the last line:
list_s (listing the failed tasks), and per concurrency: cluster_s,
first_tail_s, tails_per_s, requests (per task: requests_per_task),
bytes_read (per task), cached_s and cached_requests (the second pass), plus
tasks, clusters, stderr_bytes, seed_s and wall_s.
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
from batchtui.service.tails import TailCache, cluster_failures, failed_tasks  # noqa: E402

JOB = "triage-bench"
POOL = "triage-pool"
TRACEBACK = ('Traceback (most recent call last):\n  File "/opt/app/train.py", line 88, in <module>\n'
             '    row = table[key]\n          ~~~~~^^^^^\nKeyError: \'label\'\n')
EXPECTED = {"ERROR shard <n>: checksum mismatch in <path> at <time>": 0.6, "KeyError: 'label'": 0.3,
            "sh: <n>: nosuchtool: not found": 0.1}


def cause_of(i: int) -> int:
    return 0 if i % 10 < 6 else 1 if i % 10 < 9 else 2


def stderr_text(i: int, size: int) -> str:
    log = f"INFO reading block {i} of shard {i} from /data/in/part-{i}.bin\n"
    body = (log * (size // len(log) + 1))[:size] + "\n"
    cause = cause_of(i)
    if cause == 0:
        return body + (f"ERROR shard {i}: checksum mismatch in /data/in/part-{i:06d}.bin "
                       f"at 2024-05-01T10:{i % 60:02d}:00Z\n")
    if cause == 1:
        return body + TRACEBACK
    return body + "sh: 1: nosuchtool: not found\n"


def seed(data_dir: Path, tasks: int, nodes: int, stderr_bytes: int) -> float:
    seeder = StoreSeeder(data_dir)
    node_ids = seeder.pool(POOL, nodes)
    job = seeder.job(JOB, POOL)
    ids = seeder.completed_tasks(job, tasks, nodes=node_ids, pool_id=POOL, prefix="shard", fail_rate=1.0,
                                 retry_rate=0.0)
    for i, task_id in enumerate(ids):
        folder = node_root(data_dir, node_ids[i % len(node_ids)]) / task_rel_dir(JOB, task_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "stderr.txt").write_text(stderr_text(i, stderr_bytes))
        (folder / "stdout.txt").write_text(f"shard {i}\n")
    return seeder.close().seconds


async def run(emu, args: argparse.Namespace) -> dict:
    out: dict = {}
    service = BatchService(emu.endpoint, AzureNamedKeyCredential(emu.account, emu.key))
    async with service:
        t0 = time.perf_counter()
        failed = await failed_tasks(service, JOB)
        out["list_s"] = round(time.perf_counter() - t0, 3)
        assert len(failed) == args.tasks, len(failed)
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            cache = TailCache()
            first: list[float] = []
            bytes_read = 0

            def seen(item, first=first, t0=None) -> None:
                nonlocal bytes_read
                bytes_read += item.tail.bytes_read
                if not first:
                    first.append(time.perf_counter())

            before = service.requests
            t0 = time.perf_counter()
            clusters = await cluster_failures(service, JOB, tasks=failed, concurrency=concurrency, cache=cache,
                                              on_tail=seen)
            took = time.perf_counter() - t0
            requests = service.requests - before
            got = {c.signature.line: c.count for c in clusters}
            want = {line: round(share * args.tasks) for line, share in EXPECTED.items()}
            assert set(got) == set(want) and sum(got.values()) == args.tasks, got
            t1 = time.perf_counter()
            before_cached = service.requests
            await cluster_failures(service, JOB, tasks=failed, cache=cache)
            key = f"c{concurrency}"
            out[f"{key}_cluster_s"] = round(took, 3)
            out[f"{key}_first_tail_s"] = round(first[0] - t0, 3)
            out[f"{key}_tails_per_s"] = round(args.tasks / took, 1)
            out[f"{key}_requests"] = requests
            out[f"{key}_requests_per_task"] = round(requests / args.tasks, 2)
            out[f"{key}_bytes_read_per_task"] = round(bytes_read / args.tasks)
            out[f"{key}_cached_s"] = round(time.perf_counter() - t1, 3)
            out[f"{key}_cached_requests"] = service.requests - before_cached
        out["clusters"] = {c.signature.describe(): c.count for c in clusters}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--nodes", type=int, default=16)
    parser.add_argument("--stderr-bytes", type=int, default=20000, help="log before the cause in each stderr.txt")
    parser.add_argument("--concurrency", default="8", help="comma-separated: one clustering pass for each")
    args = parser.parse_args()
    wall = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-triage-"))
    try:
        result: dict = {"tasks": args.tasks, "stderr_bytes": args.stderr_bytes,
                        "seed_s": seed(data_dir, args.tasks, args.nodes, args.stderr_bytes)}
        emu = start_emulator(data_dir)
        try:
            result.update(asyncio.run(run(emu, args)))
        finally:
            emu.process.terminate()
            emu.process.wait(timeout=30)
        result["wall_s"] = round(time.perf_counter() - wall, 2)
        emit(result)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
