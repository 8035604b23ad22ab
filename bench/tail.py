"""Benchmark following a growing task file: bytes fetched per byte written, and how late lines arrive.

    .venv/bin/python bench/tail.py [--rate 200] [--seconds 20] [--line-bytes 80] [--ui]

Starts the emulator (a temporary data dir, removed at the end), runs a task
that writes --rate lines a second for --seconds seconds to its stdout, each
line carrying the time it was written, and follows the file the way the log
view does: a `Follower` polled in a loop that asks whether the task is done,
polls, and waits `next_delay()` (with --ui, the real `LogScreen` does it,
headless). A line's delay is from its write time to when the poll that
fetched it returned.

Prints a few human-readable lines, then one JSON object on the last line:
bytes_written, bytes_fetched, bytes_fetched_per_byte (target <= 1.05),
p50_delay_s, p95_delay_s (target p95 <= 1.5), requests (the follower's HEADs
and GETs), plus lines, polls, max_delay_s, service_requests (all requests,
task-state GETs included) and wall_s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from azure.batch import models as m  # noqa: E402
from azure.core.credentials import AzureNamedKeyCredential  # noqa: E402

from batchtui.emulator_process import start_emulator  # noqa: E402
from batchtui.service.client import BatchService  # noqa: E402
from batchtui.service.models import FileRef  # noqa: E402
from batchtui.service.tail import Follower, task_finished  # noqa: E402
from batchtui.workload import IMAGE  # noqa: E402

WRITER = textwrap.dedent("""\
    import sys, time
    rate, seconds, width = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    count = int(rate * seconds)
    start = time.time()
    out = sys.stdout
    for i in range(count):
        due = start + i / rate
        pause = due - time.time()
        if pause > 0:
            time.sleep(pause)
        head = f"{i} {time.time():.6f} "
        out.write(head + "x" * max(0, width - len(head) - 1) + "\\n")
        out.flush()
""")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


class Lines:
    """Splits fetched text into lines and notes each line's delay."""

    def __init__(self) -> None:
        self.partial = ""
        self.delays: list[float] = []
        self.seen: list[int] = []

    def add(self, text: str, at: float) -> None:
        parts = (self.partial + text).split("\n")
        self.partial = parts.pop()
        for line in parts:
            fields = line.split(" ", 2)
            if len(fields) >= 2:
                self.seen.append(int(fields[0]))
                self.delays.append(at - float(fields[1]))


async def follow_with_follower(service: BatchService, job_id: str, task_id: str, lines: Lines) -> Follower:
    """The log view's loop, without the UI: task state, one poll, next_delay()."""
    follower = Follower(service, FileRef.task(job_id, task_id))
    follower.start_at_tail(256 * 1024)
    while True:
        done, _ = await task_finished(service, job_id, task_id)
        chunk = await follower.poll()
        lines.add(chunk.text, time.time())
        if done and not chunk.behind and not chunk.pending:
            lines.add(follower.flush(), time.time())
            return follower
        await asyncio.sleep(follower.next_delay())


async def follow_with_screen(service: BatchService, job_id: str, task_id: str, lines: Lines,
                             timeout: float) -> Follower:
    """The real LogScreen, headless; the delay is taken when the screen applies a poll."""
    from textual.app import App

    from batchtui.ui.screens.log_view import LogScreen

    screen = LogScreen(service, FileRef.task(job_id, task_id), follow_task=(job_id, task_id))
    apply = screen._apply

    def timed_apply(chunk) -> None:
        lines.add(chunk.text, time.time())
        apply(chunk)

    screen._apply = timed_apply  # type: ignore[method-assign]

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(screen)

    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + timeout
        while not screen.stopped:
            if time.monotonic() > deadline:
                raise SystemExit("the log view did not see the task complete")
            await pilot.pause(0.1)
        print(f"{'screen status':>24}: {screen.stopped}")
    return screen.follower


async def run(args: argparse.Namespace, endpoint: str, account: str, key: str, job_id: str, task_id: str) -> dict:
    lines = Lines()
    async with BatchService(endpoint, AzureNamedKeyCredential(account, key)) as service:
        started = time.monotonic()
        if args.ui:
            follower = await follow_with_screen(service, job_id, task_id, lines, args.seconds + 60)
        else:
            follower = await follow_with_follower(service, job_id, task_id, lines)
        wall = time.monotonic() - started
        size = (await service.file_properties(FileRef.task(job_id, task_id))).size
        service_requests = service.requests
    expected = int(args.rate * args.seconds)
    missing = expected - len(set(lines.seen))
    dupes = len(lines.seen) - len(set(lines.seen))
    result = {
        "mode": "ui" if args.ui else "follower",
        "rate": args.rate,
        "seconds": args.seconds,
        "lines": len(lines.seen),
        "missing_lines": missing,
        "duplicate_lines": dupes,
        "bytes_written": size,
        "bytes_fetched": follower.bytes_fetched,
        "bytes_fetched_per_byte": round(follower.bytes_fetched / size, 4) if size else None,
        "p50_delay_s": round(statistics.median(lines.delays), 3) if lines.delays else None,
        "p95_delay_s": round(percentile(lines.delays, 0.95), 3),
        "max_delay_s": round(max(lines.delays), 3) if lines.delays else None,
        "requests": follower.requests,
        "service_requests": service_requests,
        "wall_s": round(wall, 2),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0, help="lines a second (default 200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the task writes (default 20)")
    parser.add_argument("--line-bytes", type=int, default=80, help="bytes a line, newline included (default 80)")
    parser.add_argument("--ui", action="store_true", help="follow with the LogScreen (headless) instead of a bare "
                                                          "Follower loop")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="batchtui-bench-tail-"))
    emulator = start_emulator(data_dir, step_seconds=0.05)
    try:
        client = emulator.client()
        client.create_pool(m.BatchPoolCreateOptions(id="bench", vm_size="standard_d2s_v3",
                                                    virtual_machine_configuration=IMAGE, target_dedicated_nodes=1))
        deadline = time.monotonic() + 30
        while [n.state for n in client.list_nodes("bench")] != ["idle"]:
            if time.monotonic() > deadline:
                raise SystemExit("the bench pool's node did not become idle")
            time.sleep(0.05)
        writer = data_dir / "writer.py"
        writer.write_text(WRITER)
        client.create_job(m.BatchJobCreateOptions(id="tail", pool_info=m.BatchPoolInfo(pool_id="bench")))
        command = f"{sys.executable} -u {writer} {args.rate} {args.seconds} {args.line_bytes}"
        client.create_task("tail", m.BatchTaskCreateOptions(id="stream", command_line=command))
        result = asyncio.run(run(args, emulator.endpoint, emulator.account, emulator.key, "tail", "stream"))
        task = client.get_task("tail", "stream")
        result["task_exit_code"] = task.execution_info.exit_code if task.execution_info else None
    finally:
        emulator.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    for key, value in result.items():
        print(f"{key:>24}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
