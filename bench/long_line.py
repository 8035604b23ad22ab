"""Benchmark the log view on one very long line: opening it, scrolling sideways, wrapping, searching.

    .venv/bin/python bench/long_line.py [--chars 400000] [--colour] [--wide]

Starts the emulator (a temporary data dir, removed at the end), runs a task whose stdout is a short
line, then one line of --chars characters ("000000000 000000001 …"; --colour: every number in green and
bold, an SGR sequence around each; --wide: each number followed by a wide CJK character), then a short
line, and opens the real `LogScreen` on it, headless at 120x40. The file is longer than the view's tail
read (256 KiB) for the default --chars, so the view has to read back to the line's start.

Measured (seconds, wall clock, from the key press until the app has handled it and rendered the rows
on screen): open_s (the screen pushed → the long line whole in the window and drawn), end_s (`$`: to
the line's end), page_right_s (shift+→), wrap_s (`w`: wrap, at the end), top_s (`home` with wrapping),
search_s (`/` and the last number, enter: found and shown), colour_off_s (`c`).

Prints a few human-readable lines, then one JSON object on the last line with those figures and
line_chars, file_bytes, requests (the service's) and bytes_fetched (the follower's).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from azure.batch import models as m  # noqa: E402
from azure.core.credentials import AzureNamedKeyCredential  # noqa: E402

from batchtui.emulator_process import start_emulator  # noqa: E402
from batchtui.service.client import BatchService  # noqa: E402
from batchtui.service.models import FileRef  # noqa: E402
from batchtui.workload import IMAGE  # noqa: E402

WRITER = """
import sys
chars, colour, wide = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3] == "1"
out = sys.stdout
out.write("first line\\n")
count = chars // (11 if wide else 10)
for i in range(count):
    number = f"{i:09d}"
    if colour:
        number = f"\\x1b[1;32m{number}\\x1b[0m"
    out.write(number + ("\\u4f60" if wide else "") + " ")
out.write("\\nlast line\\n")
"""


async def measure(service: BatchService, job_id: str, task_id: str) -> dict[str, object]:
    from textual.app import App

    from batchtui.ui.screens.log_view import LogScreen
    from batchtui.ui.widgets.log_lines import LogLines

    screen = LogScreen(service, FileRef.task(job_id, task_id), follow_task=(job_id, task_id))

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(screen)

    figures: dict[str, object] = {}
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        start = time.perf_counter()
        while len(screen.tail.lines) < 2:
            await pilot.pause(0.01)
        lines = screen.query_one(LogLines)
        lines.visible_strips()
        await pilot.pause()
        figures["open_s"] = time.perf_counter() - start
        figures["line_chars"] = len(screen.tail.lines[0])

        async def timed(name: str, *keys: str) -> None:
            begin = time.perf_counter()
            await pilot.press(*keys)
            lines.visible_strips()
            await pilot.pause()
            figures[name] = time.perf_counter() - begin

        await timed("end_s", "dollar_sign")
        await timed("page_right_s", "0", "shift+right")
        await timed("wrap_s", "w")
        await timed("top_s", "home")
        last = f"{int(figures['line_chars']) // 10 - 1:09d}"  # (about: the count differs with --wide)
        await timed("search_s", "slash", *last[:-1], "enter")
        await timed("colour_off_s", "c")
        figures["bytes_fetched"] = screen.follower.bytes_fetched
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", type=int, default=400_000, help="characters of the long line (default 400000)")
    parser.add_argument("--colour", action="store_true", help="an SGR colour sequence around every number")
    parser.add_argument("--wide", action="store_true", help="a wide (CJK) character after every number")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="batchtui-bench-long-line-"))
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
        client.create_job(m.BatchJobCreateOptions(id="long", pool_info=m.BatchPoolInfo(pool_id="bench")))
        command = f"{sys.executable} {writer} {args.chars} {int(args.colour)} {int(args.wide)}"
        client.create_task("long", m.BatchTaskCreateOptions(id="line", command_line=command))
        while client.get_task("long", "line").state != "completed":
            time.sleep(0.05)

        async def run() -> dict[str, object]:
            service = BatchService(emulator.endpoint, AzureNamedKeyCredential(emulator.account, emulator.key))
            async with service:
                figures = await measure(service, "long", "line")
                figures["requests"] = service.requests
                return figures

        result = asyncio.run(run())
        result["file_bytes"] = client.get_task_file_properties("long", "line", "stdout.txt").content_length
    finally:
        emulator.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    result = {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}
    for key, value in result.items():
        print(f"{key:>16}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
