"""The log view opened at a line (LogScreen(goto=LogTarget(...)), what `:grep` results open), against a live
emulator: the line is shown with its match current and following stopped, whether the line is in the
tail the view opens with or earlier in the file (then the part of the file that holds it is read)."""

from __future__ import annotations

import shlex
import sys

import pytest
from conftest import add_task, make_job, make_pool, wait_task
from test_log_view import log_app, open_log, status, visible_text
from ui_helpers import until

from batchtui.service.models import FileRef
from batchtui.ui.model.log_buffer import LogBuffer
from batchtui.ui.screens.log_view import LogTarget

WIDTH = 20  # bytes a line, newline included
LINES = 20_000
MARKED = (5, 9_000, 19_990)  # line numbers (from 1) that say MARKER
SCRIPT = (f"import sys\nfor n in range(1, {LINES + 1}):\n"
          f"    sys.stdout.write((('row %05d MARKER' if n in {MARKED!r} else 'row %05d ......') % n).ljust({WIDTH - 1})"
          " + '\\n')\n")


def offset_of(number: int) -> int:
    return (number - 1) * WIDTH


@pytest.fixture(scope="module")
def numbered(client):
    job_id = make_job(client, make_pool(client, nodes=1, slots=2))
    add_task(client, job_id, "rows", f"{shlex.quote(sys.executable)} -c {shlex.quote(SCRIPT)}")
    wait_task(client, job_id, "rows")
    return job_id


def test_index_at_finds_the_line_that_holds_a_byte():
    buffer = LogBuffer()
    buffer.feed_bytes(b"ab\ncde\nf", 100)
    assert [buffer.index_at(o) for o in (99, 100, 102, 103, 106, 107, 108)] == [None, 0, 0, 1, 1, 2, None]


@pytest.mark.parametrize("number", [MARKED[2], MARKED[1], MARKED[0]], ids=["in-the-tail", "mid-file", "near-head"])
async def test_opens_at_the_line_with_the_search_set(emulator, numbered, number):
    ref = FileRef.task(numbered, "rows", "stdout.txt")
    app, _ = log_app(emulator, ref, follow_task=(numbered, "rows"), tail_bytes=64 * 1024,
                     goto=LogTarget(offset_of(number), "marker", number))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_log(pilot)
        await until(pilot, lambda: screen.goto is None and f"row {number:05d} MARKER" in visible_text(screen.lines),
                    what=f"line {number} on screen")
        await pilot.pause(0.2)
        lines = screen.lines
        assert not lines.following
        assert f"row {number:05d} MARKER" in visible_text(lines)  # (a late scroll did not take it away)
        shown = screen.head if screen.showing_head else screen.tail
        index = shown.index_at(offset_of(number))
        assert shown.line(index).startswith(f"row {number:05d}")
        if number == MARKED[2]:  # in the tail the view opened with: no other read
            assert not screen.showing_head
        else:
            assert screen.showing_head and shown.number(index) == number  # its number is known
            expected = "head bytes 0–" if number == MARKED[0] else "at bytes "
            await until(pilot, lambda: status(app).startswith(expected), what=expected)
        # The match in that line is the current one: n goes on to the next marked line the window holds.
        marked_shown = [n for n in MARKED if shown.index_at(offset_of(n)) is not None]
        position = marked_shown.index(number) + 1
        assert f"/marker: {position}/{len(marked_shown)}" in status(app)
        if position < len(marked_shown):
            await pilot.press("n")
            nxt = marked_shown[position]
            assert f"row {nxt:05d} MARKER" in visible_text(lines)
        # g from a part of the file that is not its head reads the head.
        if screen.showing_head and screen.head is not None and screen.head.start > 0:
            await pilot.press("g")
            await until(pilot, lambda: status(app).startswith("head bytes 0–"), what="the head")
