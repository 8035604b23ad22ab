"""Benchmark the explorer's start: `python -m batchtui` to the first screen showing data.

    .venv/bin/python bench/startup.py [--runs 5] [--tasks 50]

Starts the emulator (a temporary data dir, removed at the end) and seeds it
through the SDK: a pool of --nodes nodes, a job (JOB_ID below) of --tasks
short tasks, run to completion. Writes an accounts.toml for it in a temporary
BATCHTUI_CONFIG_DIR (the key in an environment variable), then --runs times:
starts `python -m batchtui` on a pseudo-terminal (TERM=xterm-256color,
--cols x --rows), reads what it writes until the job id appears on screen,
and quits it ("q"; SIGTERM, then SIGKILL, if it lingers).

Prints a few human-readable lines, then one JSON object on the last line:
startup_s (median; target <= 0.5, issue 19), startup_runs, first_output_s (the first
byte written), first_frame_s (the first frame: the view title), import_s
(`python -c "import batchtui.ui.app"`, median of --import-runs),
cli_import_s (`import batchtui.cli`), python_s (`python -c pass`),
import_top (the heaviest top-level imports, from -X importtime).
--profile N adds one more start under cProfile and prints its top N
functions (by cumulative time) to stderr.
"""

from __future__ import annotations

import argparse
import io
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import PtyApp, app_environment, emit, median, write_accounts  # noqa: E402
from azure.batch import models as m  # noqa: E402

from batchtui.emulator_process import start_emulator  # noqa: E402
from batchtui.workload import IMAGE  # noqa: E402

TARGET_S = 0.5  # seconds, median (issue 19)
JOB_ID = "startup-job"
POOL_ID = "startup-pool"


def seed(emu, nodes: int, tasks: int, timeout: float = 120.0) -> None:
    client = emu.client()
    client.create_pool(m.BatchPoolCreateOptions(id=POOL_ID, vm_size="standard_d2s_v3",
                                                virtual_machine_configuration=IMAGE,
                                                target_dedicated_nodes=nodes, task_slots_per_node=4))
    client.create_job(m.BatchJobCreateOptions(id=JOB_ID, pool_info=m.BatchPoolInfo(pool_id=POOL_ID)))
    values = [m.BatchTaskCreateOptions(id=f"task-{i:03d}",
                                       command_line=f"/bin/sh -c 'echo {i}; exit {1 if i % 17 == 5 else 0}'")
              for i in range(tasks)]
    for first in range(0, tasks, 100):
        client.create_task_collection(JOB_ID, m.BatchTaskGroup(task_values=values[first:first + 100]))
    deadline = time.monotonic() + timeout
    while client.get_job_task_counts(JOB_ID).task_counts.completed < tasks:
        if time.monotonic() > deadline:
            raise TimeoutError("the seeded tasks did not complete")
        time.sleep(0.2)
    client.close()


def one_start(argv: list[str], env: dict, cwd: str, args: argparse.Namespace) -> dict:
    app = PtyApp(argv, env, cols=args.cols, rows=args.rows, cwd=cwd)
    try:
        frame = app.wait_for_text("Jobs", args.timeout)
        data = app.wait_for_text(JOB_ID, args.timeout)
    finally:
        how = app.close()
    if data is None:
        tail = app.text()[-500:]
        raise RuntimeError(f"{JOB_ID} never appeared on screen; the end of the output: {tail!r}")
    return {
        "startup_s": round(data - app.started, 3),
        "first_output_s": round(app.chunks[0][0] - app.started, 3) if app.chunks else None,
        "first_frame_s": round(frame - app.started, 3) if frame else None,
        "ended": how,
        "bytes": sum(len(c) for _, c in app.chunks),
    }


def timed_python(code: str, runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env, stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return round(median(times), 3)


def import_top(env: dict, count: int = 8) -> list[list]:
    """The packages that cost the most to import, from -X importtime: for each
    top-level package, the cumulative seconds of every import of it from
    outside it (inclusive of what it imports in turn, so figures overlap)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c",
                           "import batchtui.ui.app, batchtui.service.connect"],
                          env=env, capture_output=True, text=True, check=True)
    entries = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, name_col = line[len("import time:"):].split("|")
        try:
            micros = int(cumulative)
        except ValueError:
            continue  # the header line
        name = name_col.strip()
        entries.append((len(name_col) - len(name_col.lstrip()), name.split(".")[0], micros))
    costs: dict[str, int] = {}
    stack: list[tuple[int, str]] = []
    for depth, package, micros in reversed(entries):  # reversed: each parent comes before its children
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if not stack or stack[-1][1] != package:
            costs[package] = costs.get(package, 0) + micros
        stack.append((depth, package))
    skip = {"batchtui", "site", "encodings", "__editable___batchtui_0_1_0_finder"}
    ranked = sorted(((k, v) for k, v in costs.items() if k not in skip), key=lambda kv: -kv[1])
    return [[name, round(micros / 1e6, 3)] for name, micros in ranked[:count]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="starts to time (default 5)")
    parser.add_argument("--tasks", type=int, default=50, help="tasks in the seeded job (default 50)")
    parser.add_argument("--nodes", type=int, default=2, help="nodes in the seeded pool (default 2)")
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--import-runs", type=int, default=3, help="runs of each import timing (default 3)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the data (default 30)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="one more start under cProfile; print its top N functions to stderr")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="batchtui-bench-startup-"))
    emu = None
    result: dict = {"tasks": args.tasks, "size": f"{args.cols}x{args.rows}"}
    try:
        emu = start_emulator(work / "data", step_seconds=0.2)
        seed(emu, args.nodes, args.tasks)
        write_accounts(work / "config", "bench", emu.endpoint, emu.account)
        env = app_environment(work / "config", emu.key)
        argv = [sys.executable, "-m", "batchtui"]
        one_start(argv, env, str(work), args)  # warm the OS file cache (not counted)
        runs = [one_start(argv, env, str(work), args) for _ in range(args.runs)]
        result["startup_s"] = median([r["startup_s"] for r in runs])
        result["startup_min_s"] = min(r["startup_s"] for r in runs)
        result["startup_max_s"] = max(r["startup_s"] for r in runs)
        result["first_output_s"] = median([r["first_output_s"] for r in runs if r["first_output_s"] is not None])
        result["first_frame_s"] = median([r["first_frame_s"] for r in runs if r["first_frame_s"] is not None])
        result["target_s"] = TARGET_S
        result["startup_over_target_s"] = round(max(0.0, result["startup_s"] - TARGET_S), 3)
        result["startup_runs"] = runs
        result["import_s"] = timed_python("import batchtui.ui.app", args.import_runs, env)
        result["cli_import_s"] = timed_python("import batchtui.cli", args.import_runs, env)
        result["python_s"] = timed_python("pass", args.import_runs, env)
        result["import_top"] = import_top(env)

        if args.profile:
            profile = work / "startup.prof"
            one_start([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "batchtui"], env, str(work), args)
            for _ in range(50):
                if profile.exists():
                    break
                time.sleep(0.1)
            text = io.StringIO()
            pstats.Stats(str(profile), stream=text).sort_stats("cumulative").print_stats(args.profile)
            print(text.getvalue(), file=sys.stderr)
    finally:
        if emu is not None:
            emu.stop()
        shutil.rmtree(work, ignore_errors=True)
    emit(result)


if __name__ == "__main__":
    main()
