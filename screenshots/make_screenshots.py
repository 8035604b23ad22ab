"""Regenerate the README's screenshots from the real app.

Starts the emulator (frozen clock, so times are stable), seeds the demo
workload, drives the explorer with Textual's pilot and saves SVGs here.

    python screenshots/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

os.environ["TZ"] = "UTC"
time.tzset()

from batchtui.service.connect import service_for  # noqa: E402
from batchtui.ui.app import BatchApp  # noqa: E402
from batchtui.ui.views import JOBS, NODES, TASKS, ViewKey  # noqa: E402
from batchtui.ui.widgets.resource_table import ResourceTable  # noqa: E402
from batchtui.workload import Demo  # noqa: E402

FROZEN = "2026-11-23T10:00:00Z"


async def settle(pilot, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await pilot.pause(0.1)


async def shoot(account, name: str, size: tuple[int, int], view: ViewKey, keys: list[str] = (),
                cursor: str | None = None) -> None:
    from datetime import datetime

    clock = lambda: datetime.fromisoformat(FROZEN)  # noqa: E731
    service = service_for(account)
    app = BatchApp([account], {account.name: service}, refresh_seconds=1.0, clock=clock, start=view)
    async with app.run_test(size=size) as pilot:
        table = app.query_one(ResourceTable)
        await settle(pilot, 2.5)
        if cursor:
            table.move_cursor_to_key(cursor)
            await settle(pilot, 1.0)
        for key in keys:
            await pilot.press(key)
        await settle(pilot, 0.5)
        path = HERE / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"batchtui — {name}"))
        print(f"wrote {path.relative_to(HERE.parent)}")
    await service.close()


async def main() -> None:
    with Demo(with_storage=True, say=print, frozen_clock=FROZEN, step_seconds=0.3) as demo:
        demo.seed()
        account = demo.emulator.as_account()
        time.sleep(6)  # nodes boot, the ETL job finishes, frames start rendering
        await shoot(account, "jobs", (120, 36), ViewKey("demo", JOBS))
        await shoot(account, "tasks", (120, 36), ViewKey("demo", TASKS, "nightly-etl"), cursor="etl-007")
        await shoot(account, "render", (120, 36), ViewKey("demo", TASKS, "render-frames"))
        await shoot(account, "nodes", (120, 36), ViewKey("demo", NODES, "render-pool"))
        await shoot(account, "tasks-80x24", (80, 24), ViewKey("demo", TASKS, "nightly-etl"))
        await shoot(account, "help", (100, 36), ViewKey("demo", JOBS), keys=["question_mark"])
        await shoot(account, "logs", (120, 36), ViewKey("demo", TASKS, "render-frames"), keys=["l"],
                    cursor="frame-0003")
        if not demo.storage_problem:
            await shoot(account, "storage", (120, 36), ViewKey("demo", TASKS, "wordcount"), keys=["O"],
                        cursor="count-002")


if __name__ == "__main__":
    asyncio.run(main())
