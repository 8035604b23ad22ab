"""Benchmark ResourceTable with 100,000 rows, headless.

    .venv/bin/python bench/table_bench.py [--rows N]

Prints a few human-readable lines, then one JSON object on the last line:
rows, set_rows_s, sort_s, filter_s, upsert_1000_s, scroll_render_s (plus a
few extra figures). Each figure is the best of --repeat runs, and measures the
table's own work: the call itself plus rendering one screen of lines
(render_line for every visible line), so lazily deferred work is not hidden.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.text import Text  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.geometry import Region  # noqa: E402

from batchtui.ui.widgets.resource_table import Column, ResourceTable, TableRow  # noqa: E402

STATES = ["active", "preparing", "running", "completed", "failed"]
STATE_STYLES = {"active": "cyan", "preparing": "yellow", "running": "green", "completed": "dim", "failed": "red"}
COLUMNS = [
    Column("id", "ID", 20, flex=True),
    Column("state", "STATE", 10),
    Column("exit", "EXIT", 5, "right"),
    Column("node", "NODE", 22),
    Column("duration", "DURATION", 8, "right"),
]


def make_row(i: int, state: str | None = None) -> TableRow:
    state = state or STATES[i % len(STATES)]
    exit_code = None if state != "completed" and state != "failed" else (0 if state == "completed" else i % 7 + 1)
    seconds = (i * 7919) % 86_400
    return TableRow(
        key=f"task-{i:06d}",
        cells=(
            f"task-{i:06d}",
            Text(state, style=STATE_STYLES[state]),
            "" if exit_code is None else str(exit_code),
            f"tvmps_{i % 97:03d}_d",
            f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}",
        ),
        sort_keys=(i, state, exit_code, f"tvmps_{i % 97:03d}_d", seconds),
    )


class BenchApp(App):
    def compose(self) -> ComposeResult:
        yield ResourceTable(COLUMNS)


def render_screen(table: ResourceTable) -> None:
    """Render every line on screen the way the compositor does (render_lines ->
    Textual's styles cache -> render_line), with the styles cache emptied so
    nothing is skipped."""
    table._styles_cache.clear()
    width, height = table.outer_size
    table.render_lines(Region(0, 0, width, height))


def scroll_render(table: ResourceTable, pages: int = 200) -> float:
    gc.collect()
    elapsed = 0.0
    for _ in range(pages):
        if table.cursor_row >= table.row_count - 1:
            table.action_cursor_top()
        table.action_cursor_page_down()
        table._line_cache.clear()
        start = time.perf_counter()
        render_screen(table)
        elapsed += time.perf_counter() - start
    return round(elapsed / pages, 6)


async def scroll_frames(table: ResourceTable, pilot, frames: int = 50) -> float:
    """CPU time per page-down including Textual's message loop and compositor
    (process time, so the idle waits inside pilot.pause() do not count)."""
    table.action_cursor_top()
    await pilot.pause()
    gc.collect()
    start = time.process_time()
    for _ in range(frames):
        if table.cursor_row >= table.row_count - 1:
            table.action_cursor_top()
        table.action_cursor_page_down()
        await pilot.pause()
    return round((time.process_time() - start) / frames, 5)


def row_size(row: TableRow) -> int:
    """Bytes of one TableRow with its tuples and strings (shared Text/style objects counted once)."""
    seen: set[int] = set()

    def size(obj) -> int:
        if id(obj) in seen or obj is None or isinstance(obj, (bool, int)) and -5 <= obj <= 256:
            return 0
        seen.add(id(obj))
        total = sys.getsizeof(obj)
        if isinstance(obj, tuple):
            total += sum(size(item) for item in obj)
        elif isinstance(obj, Text):
            total += size(obj.plain) + size(obj._spans)
        return total

    names = ("key", "cells", "sort_keys", "search_text", "folded_text")
    return size(row) + sum(size(getattr(row, name)) for name in names)


def best(times: list[float]) -> float:
    return round(min(times), 4)


async def run(n: int, repeat: int) -> dict:
    t0 = time.perf_counter()
    rows = [make_row(i) for i in range(n)]
    build_s = time.perf_counter() - t0

    app = BenchApp()
    result: dict = {"rows": n}
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.pause()

        def timed(fn) -> float:
            gc.collect()
            start = time.perf_counter()
            fn()
            render_screen(table)
            return time.perf_counter() - start

        set_times = []
        for _ in range(repeat):
            table.set_rows([])
            await pilot.pause()
            set_times.append(timed(lambda: table.set_rows(rows)))
            await pilot.pause()
        result["set_rows_s"] = best(set_times)

        # Replace while sorted and filtered: the cost an app pays on a full refresh.
        table.sort_by("duration")
        table.set_filter("run")
        resorted = []
        for _ in range(repeat):
            resorted.append(timed(lambda: table.set_rows(rows)))
            await pilot.pause()
        result["set_rows_sorted_filtered_s"] = best(resorted)
        table.set_filter("")
        table.sort_by(None)
        await pilot.pause()

        sort_times = []
        for i in range(repeat):
            column = ["state", "duration", "node"][i % 3]
            sort_times.append(timed(lambda column=column: table.sort_by(column)))
            await pilot.pause()
        result["sort_s"] = best(sort_times)
        result["sort_reverse_s"] = best([timed(lambda: table.sort_by("duration", reverse=True))])

        filter_times = []
        for i in range(repeat):
            text = ["task-0123", "running", "0:1"][i % 3]
            filter_times.append(timed(lambda text=text: table.set_filter(text)))
            table.set_filter("")
            await pilot.pause()
        result["filter_s"] = best(filter_times)
        result["filter_regex_s"] = best([timed(lambda: table.set_filter(r"re:^task-\d+7 (running|failed)"))])
        result["filter_invert_s"] = best([timed(lambda: table.set_filter("!running"))])
        table.set_filter("")
        await pilot.pause()

        # Upserts: 1000 rows change state while sorted by state (every row moves),
        # and while sorted by id (cells change in place).
        def changed(offset: int) -> list[TableRow]:
            step = max(1, n // 1000)
            return [make_row(i, STATES[(i + offset) % len(STATES)]) for i in range(0, n, step)][:1000]

        table.sort_by("state", reverse=False)
        table.move_cursor(n // 2)
        await pilot.pause()
        batches = [changed(k + 1) for k in range(repeat)]
        upsert_moving = []
        for batch in batches:
            upsert_moving.append(timed(lambda batch=batch: table.upsert_rows(batch)))
            await pilot.pause()
        result["upsert_1000_s"] = best(upsert_moving)

        table.sort_by("id", reverse=False)
        await pilot.pause()
        batches = [changed(k + 2) for k in range(repeat)]
        upsert_in_place = []
        for batch in batches:
            upsert_in_place.append(timed(lambda batch=batch: table.upsert_rows(batch)))
            await pilot.pause()
        result["upsert_1000_in_place_s"] = best(upsert_in_place)

        new_rows = [make_row(n + i) for i in range(1000)]
        result["upsert_1000_new_s"] = best([timed(lambda: table.upsert_rows(new_rows))])
        table.sort_by("duration")
        await pilot.pause()
        one = [make_row(n // 3, "failed")]
        result["upsert_1_moving_s"] = best([timed(lambda: table.upsert_rows(one))])
        table.remove_rows(row.key for row in new_rows)
        await pilot.pause()

        # Scrolling: move the cursor a page at a time through the table and
        # render the screen each time, with the line cache emptied first so
        # every line is rendered from scratch.
        table.sort_by("id", reverse=False)
        table.action_cursor_top()
        await pilot.pause()
        result["scroll_render_s"] = scroll_render(table)
        result["scroll_render_note"] = (f"per page of {table.size.height} lines (render_lines, caches emptied), "
                                        "mean of 200 pages")

        start = time.perf_counter()
        table.action_cursor_bottom()
        render_screen(table)
        result["jump_to_end_s"] = round(time.perf_counter() - start, 4)
        await pilot.pause()
        assert table.cursor_key == table.visible_keys[-1]

        result["scroll_frame_cpu_s"] = await scroll_frames(table, pilot)

        # The same page render with 1,000 rows: it should not depend on the row count.
        table.set_rows(rows[:1000])
        table.action_cursor_top()
        await pilot.pause()
        result["scroll_render_1k_rows_s"] = scroll_render(table)
        result["scroll_frame_cpu_1k_rows_s"] = await scroll_frames(table, pilot)

        # What the table itself holds per row (dicts + order lists), excluding the rows.
        table.set_rows([])
        await pilot.pause()
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        table.set_rows(rows)
        table.sort_by("state")
        table.set_filter("run")
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        result["table_bytes_per_row"] = round((after - before) / n, 1)
        result["row_object_bytes"] = row_size(rows[1])

    result["build_rows_s"] = round(build_s, 4)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = asyncio.run(run(args.rows, args.repeat))
    for key, value in result.items():
        print(f"{key:>28}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
