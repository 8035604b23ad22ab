"""Benchmark the failure clusters view: how long it takes to show N failed tasks in K clusters, and to draw
its list again, with the tails already in the session's cache (the view's own cost, not the reads': those
are bench/triage.py's).

    .venv/bin/python bench/triage_view.py [--tasks 5000] [--clusters 3,200,2000] [--size 120x40]

For each cluster count, a FailuresScreen over a stand-in service (it lists the N failed tasks; every tail
is in the TailCache, so nothing else is asked) runs in Textual's headless pilot. Prints a few
human-readable lines, then one JSON object on the last line: per cluster count, shown_s (start to every
tail in and drawn), new_list_ms (the list drawn from scratch: an order change), same_list_ms (drawn again,
nothing changed), cards (clusters with a card of their own).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import emit  # noqa: E402
from textual.app import App  # noqa: E402

from batchtui.service.models import TaskRow  # noqa: E402
from batchtui.service.tails import TailCache  # noqa: E402
from batchtui.service.triage import TailLine  # noqa: E402
from batchtui.ui.screens.failures import FailuresScreen  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
WORDS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa")


class FailedTasks:
    """Lists the same failed tasks every time (all the view asks when their tails are cached)."""

    def __init__(self, count: int) -> None:
        self.tasks = [TaskRow(f"task-{i:06d}", "job", "completed", 1, "failure", "FailureExitCode", f"node-{i % 20}",
                              T0, T0, T0, T0 + timedelta(seconds=i), 0, 0, "usererror") for i in range(count)]

    async def list_tasks(self, job_id: str, odata_filter: str | None = None) -> list[TaskRow]:
        return self.tasks


class NoActions:
    def open_task_log(self, *args: object) -> None: ...

    def copy_ids(self, *args: object) -> None: ...

    def save_ids(self, *args: object) -> None: ...


async def measure(tasks: int, clusters: int, size: tuple[int, int]) -> dict[str, float]:
    service = FailedTasks(tasks)
    cache = TailCache()
    for i, task in enumerate(service.tasks):
        cause = "-".join(WORDS[(i % clusters // 10 ** digit) % 10] for digit in range(4))
        cache.put(task, TailLine(f"ERROR {cause}: shard {i} failed", "stderr.txt", 2))

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(FailuresScreen(service, "job", cache=cache, actions=NoActions(),  # (a stand-in service)
                                            clock=lambda: T0))

    app = Host()
    began = time.perf_counter()
    async with app.run_test(size=size) as pilot:
        while not (isinstance(app.screen, FailuresScreen) and app.screen.progress.done):
            await pilot.pause(0.01)
        await pilot.pause()
        shown = time.perf_counter() - began
        screen = app.screen
        assert isinstance(screen, FailuresScreen)
        start = time.perf_counter()
        screen.shown = []  # (as after an order change: every card is drawn)
        screen._draw()
        await pilot.pause()
        new_list = time.perf_counter() - start
        start = time.perf_counter()
        screen._draw()
        await pilot.pause()
        same_list = time.perf_counter() - start
        cards = len(screen.shown)
    return {"shown_s": round(shown, 3), "new_list_ms": round(1000 * new_list, 1),
            "same_list_ms": round(1000 * same_list, 1), "cards": cards}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--clusters", default="3,200,2000")
    parser.add_argument("--size", default="120x40")
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    result: dict[str, object] = {"tasks": args.tasks, "size": args.size}
    for clusters in (int(c) for c in args.clusters.split(",")):
        found = asyncio.run(measure(args.tasks, clusters, (width, height)))
        print(f"{args.tasks} tasks in {clusters} clusters: {found}")
        result[f"clusters_{clusters}"] = found
    emit(result)


if __name__ == "__main__":
    main()
