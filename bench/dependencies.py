"""Benchmark the emulator's scheduling of a job whose tasks depend on ranges (task dependencies).

    .venv/bin/python bench/dependencies.py [--tasks 10000] [--range 100]

In process, no HTTP: an Engine on a temporary data dir, one pool of one idle node, a job with
usesTaskDependencies whose --tasks tasks each depend on a range of --range task ids that never
complete (ids above the job's), so every task stays active and is considered on every tick.
Measures add_s (adding the tasks as the API does: store, queue, dependency index) and tick_ms (one
Engine.tick: every job and pool advanced, the job's queue walked past its held tasks; median of 5).
Twice the tasks should take about twice the tick: the walk is linear, each held task one set lookup.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from batchtui.emulator.engine import Engine  # noqa: E402
from batchtui.emulator.resources import new_job, new_pool, new_task  # noqa: E402
from batchtui.emulator.settings import Settings  # noqa: E402


def _engine(data_dir: Path) -> Engine:
    engine = Engine(Settings(data_dir=data_dir, node_step_seconds=0.0))
    engine.store.put("pool", new_pool({"id": "p", "vmSize": "standard_d2s_v3", "targetDedicatedNodes": 1}))
    deadline = time.monotonic() + 30
    while [n["state"] for n in engine.store.pool_nodes("p").values()] != ["idle"]:
        assert time.monotonic() < deadline, "the node did not become idle"
        engine.tick()
        time.sleep(0.01)
    return engine


def _ticks(engine: Engine) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        engine.tick()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--range", type=int, default=100)
    args = parser.parse_args()
    out: dict[str, float | int] = {"tasks": args.tasks, "range": args.range}
    with tempfile.TemporaryDirectory() as tmp:
        engine = _engine(Path(tmp) / "deps")
        job = new_job({"id": "j", "poolInfo": {"poolId": "p"}, "usesTaskDependencies": True})
        engine.store.put("job", job)
        start = time.perf_counter()
        base = args.tasks + 1
        for i in range(args.tasks):
            task = new_task({"id": f"t{i}", "commandLine": "/bin/true", "dependsOn": {
                "taskIdRanges": [{"start": base + i, "end": base + i + args.range - 1}]}}, job)
            engine.tasks.add("j", task)
            engine.workflow.task_added("j", task)
        out["add_s"] = round(time.perf_counter() - start, 3)
        out["tick_ms"] = round(_ticks(engine), 2)
        assert all(t["state"] == "active" for t in engine.store.job_tasks("j").values())
        engine.store.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
