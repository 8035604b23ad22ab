"""Benchmark the emulator's autoscale: what it costs the engine's tick, and one evaluation.

    .venv/bin/python bench/autoscale.py [--pools 200] [--jobs 400] [--tasks-per-job 50]

Builds an Engine in-process (its own temporary data dir) with --pools autoscale pools, each with
service.autoscale.SAMPLE_FORMULA (the editor's sample: GetSamplePercent, GetSample over 3 minutes)
and a 5-minute interval, and --jobs jobs of --tasks-per-job active tasks spread over them. Then
times PoolAutoScale.tick: with nothing due (the common tick: no sample, no evaluation; the median
of 21), with a sample due on every pool (every 30 s of the service's clock), and with every pool's
evaluation due (every interval); and `autoscale.evaluate` of the sample formula against a day of
samples (2,880 per variable), and of the largest formulas Batch accepts.

Prints a few human-readable lines, then one JSON object on the last line: idle_tick_ms,
sample_tick_ms, evaluate_all_ms, per_pool_evaluation_ms, evaluate_full_history_ms, pools, jobs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from batchtui.emulator import autoscale, formats
from batchtui.emulator.engine import Engine
from batchtui.emulator.pool_autoscale import NEXT
from batchtui.emulator.resources import new_job, new_pool, new_task
from batchtui.emulator.settings import Settings
from batchtui.service.autoscale import SAMPLE_FORMULA


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return 1000 * (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pools", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=400)
    parser.add_argument("--tasks-per-job", type=int, default=50)
    args = parser.parse_args()

    engine = Engine(Settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-autoscale-"))))
    for i in range(args.pools):
        engine.store.put("pool", new_pool({
            "id": f"pool-{i:04d}", "vmSize": "standard_d2s_v3", "enableAutoScale": True,
            "autoScaleFormula": SAMPLE_FORMULA, "autoScaleEvaluationInterval": "PT5M"}))
    for j in range(args.jobs):
        job = new_job({"id": f"job-{j:04d}", "poolInfo": {"poolId": f"pool-{j % args.pools:04d}"}})
        engine.store.put("job", job)
        for t in range(args.tasks_per_job):
            task = new_task({"id": f"t{t}", "commandLine": "true"}, job)
            engine.store.put("task", task, job["id"])
            engine.tasks.register(job["id"], task)
    scaler = engine.autoscale
    scaler.tick()  # the first evaluation of every pool
    scaler.tick()  # (the first tick after an evaluation reads each pool's next evaluation time once)
    idle = statistics.median(_timed(scaler.tick) for _ in range(21))  # (the machine is shared: the median)
    scaler._sampled.clear()  # a sample due on every pool
    sample = _timed(scaler.tick)
    for pool in engine.store.pools.values():
        pool.pop(NEXT, None)  # every pool's evaluation due
    evaluate_all = _timed(scaler.tick)

    history = autoscale.MetricHistory()
    now = formats.utcnow()
    for k in range(2880):
        history.record(now - timedelta(seconds=30 * (2880 - k)), {"$PendingTasks": k % 7})
    rounds = 100
    full = _timed(lambda: [autoscale.evaluate(SAMPLE_FORMULA, history, now) for _ in range(rounds)]) / rounds
    # The largest formulas Batch accepts (tests/test_autoscale.py checks they evaluate; this, how long):
    # 4,000 characters of one sum, and 98 averages over two day-long sample windows.
    ones = (autoscale.MAX_FORMULA_LENGTH - 4) // 2
    flat = "x = " + "+".join(["1"] * ones)
    heavy = "d=TimeInterval_Day;e=d+-TimeInterval_Hour;" + ";".join(
        f"v{i}=avg($ActiveTasks.GetSample(d),$PendingTasks.GetSample(d,e))" for i in range(98))
    largest = {name: _timed(lambda formula=formula: autoscale.evaluate(formula, history, now))
               for name, formula in (("flat_sum", flat), ("heavy_samples", heavy[:autoscale.MAX_FORMULA_LENGTH]))}
    engine.store.close()

    print(f"{args.pools} autoscale pools, {args.jobs} jobs x {args.tasks_per_job} tasks")
    print(f"tick, nothing due: {idle:.1f} ms; a sample due on every pool: {sample:.1f} ms; "
          f"every pool evaluated: {evaluate_all:.1f} ms ({evaluate_all / args.pools:.2f} ms a pool)")
    print(f"one evaluation of the sample formula over a day of samples: {full:.2f} ms")
    print(f"the largest formulas: one sum of {ones} terms {largest['flat_sum']:.0f} ms, 98 day-long averages "
          f"{largest['heavy_samples']:.0f} ms")
    print(json.dumps({"idle_tick_ms": round(idle, 2), "sample_tick_ms": round(sample, 2),
                      "evaluate_all_ms": round(evaluate_all, 2),
                      "per_pool_evaluation_ms": round(evaluate_all / args.pools, 3),
                      "evaluate_full_history_ms": round(full, 3), "pools": args.pools, "jobs": args.jobs,
                      "largest_formula_ms": {k: round(v, 1) for k, v in largest.items()}}))


if __name__ == "__main__":
    main()
