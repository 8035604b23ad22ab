"""The log view (LogScreen, LogLines) and the file browser, driven with the pilot against a live emulator."""

from __future__ import annotations

import os
import re
import time

import pytest
from azure.batch import models as m
from conftest import add_task, make_job, make_pool, wait_for, wait_task
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Tree
from ui_helpers import service_for, until

from batchtui.service.models import FileRef, FileRoot
from batchtui.ui.screens import log_view, save_file
from batchtui.ui.screens.file_browser import FileBrowserScreen, build_listing
from batchtui.ui.screens.log_help import LogHelpScreen
from batchtui.ui.screens.log_view import LogScreen, SaveScreen, default_save_name
from batchtui.ui.widgets.log_lines import LogBuffer, LogLines, clean_line


def sh(script: str) -> str:
    return f"/bin/sh -c '{script}'"


class Host(App):
    """A tiny app that pushes one screen (made once the app runs, so the service lives on its loop)."""

    def __init__(self, make, services: list | None = None) -> None:
        super().__init__()
        self._make = make
        self.services = services if services is not None else []

    def on_mount(self) -> None:
        self.push_screen(self._make())

    async def on_unmount(self) -> None:
        for service in self.services:
            await service.close()


@pytest.fixture(scope="module")
def pool_job(client):
    pool_id = make_pool(client, nodes=1, slots=8)
    return pool_id, make_job(client, pool_id)


def status(app) -> str:
    return str(app.screen.query_one("#log-status").render())


def visible_text(lines: LogLines) -> list[str]:
    return [strip.text.rstrip() for strip in lines.visible_strips()]


async def open_log(pilot) -> LogScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, LogScreen), what="the log screen")
    return pilot.app.screen


def log_app(emulator, ref: FileRef, **options) -> tuple[Host, list]:
    services = []

    def make() -> LogScreen:
        service = service_for(emulator)
        services.append(service)
        return LogScreen(service, ref, **options)

    return Host(make, services), services


# -- the buffer, without the UI ------------------------------------------------------------------------


def test_clean_line_makes_controls_inert():
    assert clean_line("plain") == "plain"
    assert clean_line("a\tb") == "a       b"
    assert clean_line("\x1b[2Jx") == "^[[2Jx"
    assert clean_line("\x1b]52;c;QQ==\x07") == "^[]52;c;QQ==^G"
    assert clean_line("a\x9bb\x7f\x00") == "a<9B>b^?^@"
    assert clean_line("10%\r50%\r100%") == "100%"
    assert clean_line("dos line\r") == "dos line"
    assert clean_line("\u202eevil") == "<U+202E>evil"
    marked = clean_line("\x1bx\x07")
    assert marked == "^[x^G" and marked.spans == ((0, 2), (3, 5))


def test_buffer_stays_bounded_and_knows_its_offsets():
    buffer = LogBuffer(max_chars=10_000, max_lines=1_000)
    offset = 0
    for i in range(5_000):
        data = f"line {i:05d}\n".encode()
        buffer.feed(data.decode(), data, offset)
        offset += len(data)
    assert len(buffer.lines) <= 1_000 and buffer.chars <= 10_000
    assert buffer.lines[-1] == "line 04999"
    first = int(buffer.lines[0].split()[1])
    assert buffer.start == first * 11 and buffer.end == offset == 5_000 * 11
    assert buffer.number(0) == first + 1
    # a poll much bigger than the window is cut before it is split into lines
    big = b"".join(f"{i:09d}\n".encode() for i in range(100_000))
    result = buffer.feed(big.decode(), big, offset)
    assert result.reset and buffer.chars <= 10_000 and buffer.lines[-1] == "000099999"
    assert buffer.number(len(buffer.lines) - 1) == 5_000 + 100_000


# -- following ---------------------------------------------------------------------------------------


async def test_follows_a_task_to_the_end_every_line_once(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "lines", sh("for i in $(seq 1 40); do echo line $i; sleep 0.1; done"))
    app, services = log_app(emulator, FileRef.task(job_id, "lines"), follow_task=(job_id, "lines"))
    seen_counts = []
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_log(pilot)

        def done():
            seen_counts.append(len(screen.tail.lines))
            return screen.stopped

        await until(pilot, done, timeout=30, what="the task to complete")
        assert "task completed, exit 0" in status(app)
        assert screen.tail.lines == [f"line {i}" for i in range(1, 41)]  # every line, in order, none twice
        assert screen.tail.partial == ""
        assert any(0 < n < 40 for n in seen_counts)  # it really was followed while growing
        assert screen.follower.bytes_fetched == screen.size_seen  # each byte once
        lines = screen.query_one(LogLines)
        assert lines.following
        assert visible_text(lines)[-1] == "line 40"  # the end is on screen
        requests = screen.follower.requests
        await pilot.pause(2.5)
        assert screen.follower.requests == requests  # polling stopped


async def test_utf8_split_invalid_bytes_and_escape_sequences_render_inert(emulator, client, pool_job):
    _, job_id = pool_job
    script = (r'printf "a\377b\n"; printf "\033[2J cleared\n"; printf "\033]52;c;SGVsbG8=\007 clipboard\n"; '
              r'printf "\033]0;title\007 titled\n"; printf "tab\there\n"; printf "\342"; sleep 1.5; '
              r'printf "\202\254 euro\n"')
    add_task(client, job_id, "weird", sh(script))
    app, services = log_app(emulator, FileRef.task(job_id, "weird"), follow_task=(job_id, "weird"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_log(pilot)
        await until(pilot, lambda: screen.stopped, timeout=30, what="the task to complete")
        assert screen.tail.lines == ["a\ufffdb", "^[[2J cleared", "^[]52;c;SGVsbG8=^G clipboard",
                                     "^[]0;title^G titled", "tab     here", "€ euro"]
        lines = screen.query_one(LogLines)
        strips = lines.visible_strips()
        for strip in strips:
            for segment in strip:
                assert "\x1b" not in segment.text and "\x07" not in segment.text
                assert not any(0x80 <= ord(c) <= 0x9f or ord(c) < 0x20 for c in segment.text)
        shown = [strip.text.rstrip() for strip in strips]
        assert shown[:6] == screen.tail.lines
        # the stand-ins are dim, the rest is not
        escape = next(seg for seg in strips[1] if seg.text == "^[")
        assert escape.style.dim
        assert not next(seg for seg in strips[1] if "cleared" in seg.text).style.dim
        # the title and status lines are free of controls too
        for widget_id in ("#log-title", "#log-status"):
            assert "\x1b" not in str(screen.query_one(widget_id).render())


async def test_scrolling_up_stops_following_and_f_resumes(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "stream", sh("seq 1 200; for i in $(seq 1 40); do echo more $i; sleep 0.2; done"))
    app, services = log_app(emulator, FileRef.task(job_id, "stream"), follow_task=(job_id, "stream"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_log(pilot)
        lines = screen.query_one(LogLines)
        await until(pilot, lambda: len(screen.tail.lines) > 202, timeout=20, what="the first lines")
        assert lines.following and lines.scroll_y == lines.max_scroll_y
        await pilot.press("k", "k", "pageup")
        assert not lines.following
        top = lines.scroll_y
        await until(pilot, lambda: "new lines" in status(app), timeout=10, what="the +N new lines marker")
        assert lines.scroll_y == top  # arriving lines do not move the view
        assert screen.new_lines > 0 and f"+{screen.new_lines:,} new lines" in status(app)
        await pilot.press("f")
        assert lines.following and screen.new_lines == 0
        await pilot.pause()
        assert lines.scroll_y == lines.max_scroll_y
        assert "new lines" not in status(app)
        count = len(screen.tail.lines)
        await until(pilot, lambda: len(screen.tail.lines) > count, timeout=10, what="more lines")
        await pilot.pause()
        assert lines.scroll_y == lines.max_scroll_y  # still following
        await pilot.press("pageup")
        assert not lines.following
        await pilot.press("G")
        assert lines.following
        await pilot.press("up")
        assert not lines.following
        await pilot.press("end")
        assert lines.following and lines.scroll_y == lines.max_scroll_y


async def test_truncated_file_is_reloaded(emulator, client, pool_job):
    _, job_id = pool_job
    script = ("sleep 1.5; for i in $(seq 1 20); do echo before $i >> log.txt; done; sleep 2.5; : > log.txt; "
              "echo after 1 >> log.txt; echo after 2 >> log.txt; sleep 3")
    add_task(client, job_id, "trunc", sh(script))
    ref = FileRef.task(job_id, "trunc", "wd/log.txt")
    app, services = log_app(emulator, ref, follow_task=(job_id, "trunc"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_log(pilot)
        await until(pilot, lambda: "appear" in status(app) or "waiting" in status(app), timeout=10,
                    what="waiting for the file")
        await until(pilot, lambda: "before 20" in screen.tail.lines, timeout=15, what="the first lines")
        await until(pilot, lambda: screen.tail.lines == ["after 1", "after 2"], timeout=15, what="the reload")
        await until(pilot, lambda: screen.stopped, timeout=15, what="the task to complete")
        assert screen.tail.lines == ["after 1", "after 2"]
        assert visible_text(screen.query_one(LogLines))[:3] == ["after 1", "after 2", ""]


async def test_task_deleted_while_followed_is_reported(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "doomed", sh("for i in $(seq 1 600); do echo tick $i; sleep 0.1; done"))
    app, services = log_app(emulator, FileRef.task(job_id, "doomed"), follow_task=(job_id, "doomed"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_log(pilot)
        await until(pilot, lambda: len(screen.tail.lines) >= 3, timeout=20, what="some lines")
        client.delete_task(job_id, "doomed")
        await until(pilot, lambda: screen.stopped, timeout=20, what="the view to notice")
        assert "gone" in status(app) and "doomed" in status(app)
        assert screen.tail.lines[:3] == ["tick 1", "tick 2", "tick 3"]  # what was shown stays
        await pilot.pause(1.5)
        assert app.is_running and isinstance(app.screen, LogScreen)


async def test_a_task_not_started_yet_is_waited_for(emulator, client):
    job_id = make_job(client, make_pool(client, nodes=0))
    add_task(client, job_id, "held", sh("echo later"))
    app, services = log_app(emulator, FileRef.task(job_id, "held"), follow_task=(job_id, "held"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_log(pilot)
        await until(pilot, lambda: "waiting for the task to start" in status(app), timeout=10, what="waiting")
        assert not screen.stopped


async def test_service_errors_back_off_with_a_visible_retry(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "flaky", sh("echo one; sleep 30"))
    app, services = log_app(emulator, FileRef.task(job_id, "flaky"), follow_task=(job_id, "flaky"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_log(pilot)
        await until(pilot, lambda: screen.tail.lines == ["one"], timeout=20, what="the first line")
        real = screen.service.file_properties

        async def broken(ref):
            from batchtui.service.errors import UNREACHABLE, ServiceError
            raise ServiceError(UNREACHABLE, "cannot reach the Batch endpoint: boom")

        screen.service.file_properties = broken
        await until(pilot, lambda: "retrying" in status(app), timeout=15, what="the retry status")
        assert "boom" in status(app) and not screen.stopped
        screen.service.file_properties = real
        await until(pilot, lambda: "retrying" not in status(app), timeout=20, what="recovery")
        assert screen.tail.lines == ["one"]
        client.terminate_task(job_id, "flaky")


# -- a big file ----------------------------------------------------------------------------------------


async def test_200_mb_file_opens_at_the_tail_with_bounded_memory_and_g_reads_the_head(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "huge", sh("head -c 200000000 /dev/zero | tr \"\\0\" x | fold -w 100; echo"))
    wait_task(client, job_id, "huge", timeout=120)
    ref = FileRef.task(job_id, "huge")
    app, services = log_app(emulator, ref, follow_task=(job_id, "huge"))
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            screen = await open_log(pilot)
            await until(pilot, lambda: screen.stopped, timeout=30, what="the tail")
            size = 200_000_000 + 2_000_000
            assert screen.size_seen == size
            lines = screen.query_one(LogLines)
            assert lines.buffer is screen.tail
            assert screen.tail.approx_bytes < 20_000_000
            assert screen.follower.bytes_fetched < 2_000_000
            assert screen.tail.lines[-1] == "x" * 100 and screen.tail.end == size
            assert f"tail bytes {screen.tail.start:,}–{size:,} of {size:,}" in status(app)
            assert visible_text(lines)[-1] == "x" * 100
            await pilot.press("g")
            await until(pilot, lambda: screen.showing_head, timeout=15, what="the head")
            assert lines.buffer is screen.head and lines.scroll_y == 0
            assert screen.head.start == 0 and screen.head.end == log_view.HEAD_BYTES
            assert screen.head.lines[0] == "x" * 100 and screen.head.number(0) == 1
            assert "head bytes 0–" in status(app)
            await pilot.press("number_sign")
            assert visible_text(lines)[0].split() == ["1", "x" * 100]
            await pilot.press("G")
            assert not screen.showing_head and lines.buffer is screen.tail and lines.following
            assert screen.follower.bytes_fetched < 2_000_000
    finally:
        client.delete_task_file(job_id, "huge", "stdout.txt")


# -- colour, long lines, keys -----------------------------------------------------------------------------

COLOURED = (r'printf "\033[32mINFO\033[0m started\n"; printf "\033[1;31mERROR\033[0m failed\n"; '
            r'printf "\033[38;5;208mamber\033[0m \033]0;title\007 inert\n"; '
            r'printf "\033[38;2;10;20;30;48;5;4mrgb on blue\n still blue\033[m plain\n"')


def segments(lines: LogLines) -> list:
    return [segment for strip in lines.visible_strips() for segment in strip]


def segment_with(lines: LogLines, text: str):
    return next(segment for segment in segments(lines) if text in segment.text)


async def test_colour_sequences_are_drawn_as_colour_and_c_shows_them_inert(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "coloured", sh(COLOURED))
    app, services = log_app(emulator, FileRef.task(job_id, "coloured"), follow_task=(job_id, "coloured"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_log(pilot)
        await until(pilot, lambda: screen.stopped, timeout=30, what="the task to complete")
        lines = screen.query_one(LogLines)
        assert visible_text(lines)[:5] == ["INFO started", "ERROR failed", "amber ^[]0;title^G inert",
                                           "rgb on blue", " still blue plain"]
        for segment in segments(lines):  # no escape character reaches the screen, colour or not
            assert "\x1b" not in segment.text and "\x07" not in segment.text
        assert segment_with(lines, "INFO").style.color.number == 2  # green
        error = segment_with(lines, "ERROR").style
        assert error.color.number == 1 and error.bold
        assert segment_with(lines, "amber").style.color.number == 208
        assert segment_with(lines, "^[").style.dim  # the OSC stays inert, dim
        rgb = segment_with(lines, "rgb on blue").style
        assert rgb.color.triplet == (10, 20, 30) and rgb.bgcolor.number == 4
        assert segment_with(lines, "still blue").style.bgcolor.number == 4  # the pen carries to the next line
        assert segment_with(lines, "plain").style.bgcolor is None or "plain" not in segment_with(lines, "blue").text
        # search matches the text as shown
        await pilot.press("slash", *"INFO", "enter")
        assert lines.match_count == 1 and "/INFO: 1/1" in status(app)
        # c: colour off, the sequences inert as every other control
        await pilot.press("c")
        assert visible_text(lines)[:2] == ["^[[32mINFO^[[0m started", "^[[1;31mERROR^[[0m failed"]
        assert all(segment.style.color is None or segment.style.color.number != 2 for segment in segments(lines))
        assert segment_with(lines, "^[").style.dim
        assert "[no colour]" in status(app) and lines.match_count == 1  # searched again, still found
        await pilot.press("c")
        assert visible_text(lines)[0] == "INFO started" and segment_with(lines, "INFO").style.color.number == 2
        assert "no colour" not in status(app)


LONG_LINE = 'printf "first\\n"; seq -f "%09g" 0 39999 | tr "\\n" " "; printf "\\nlast\\n"'


def long_line() -> str:
    return "".join(f"{i:09d} " for i in range(40_000))


async def test_a_400_000_character_line_is_read_whole_sideways_and_wrapped(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "wide", sh(LONG_LINE))
    wait_task(client, job_id, "wide")
    app, services = log_app(emulator, FileRef.task(job_id, "wide"), follow_task=(job_id, "wide"))
    whole = long_line()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_log(pilot)
        await until(pilot, lambda: screen.stopped, timeout=30, what="the file")
        # longer than the tail read (256 KiB): the view read back to the line's start
        assert screen.tail.lines == [whole, "last"] and screen.tail.start == len("first\n")
        lines = screen.query_one(LogLines)
        width = lines.scrollable_content_region.width
        assert visible_text(lines)[0] == whole[:width]
        assert f"cols 1–{width} of 400,000" in status(app)
        await pilot.press("dollar_sign")  # the end of the longest line on screen
        assert visible_text(lines)[0] == whole[-width:].rstrip() and "of 400,000" in status(app)
        await pilot.press("0", "shift+right")
        assert round(lines.scroll_x) == width - 4 and visible_text(lines)[0] == whole[width - 4:2 * width - 4]
        await pilot.press("right")
        assert visible_text(lines)[0] == whole[width:2 * width]
        await pilot.press("shift+left", "left")
        assert round(lines.scroll_x) == 0
        await pilot.press("w")  # wrapped: every character of the line, row after row (still at the end)
        rows = [strip.text[:width] for strip in lines.visible_strips()]  # (not stripped: may end in a space)
        assert rows[-1].rstrip() == "last" and whole.rstrip().endswith("".join(rows[:-1]).rstrip())
        assert lines.virtual_size.height == -(-400_000 // width) + 1 and "cols" not in status(app)
        await pilot.press("home")
        assert "".join(strip.text[:width] for strip in lines.visible_strips()) == whole[:len(rows) * width]
        await pilot.press("w", "g")  # the head: the first line, and the long one whole
        await until(pilot, lambda: screen.showing_head, timeout=15, what="the head")
        assert screen.head.lines[:2] == ["first", whole]
        assert "task completed, exit 0" in status(app) and "reading" not in status(app)  # (it stopped before)


class LinesScreen(Screen):
    def __init__(self, buffer: LogBuffer) -> None:
        super().__init__()
        self.buffer = buffer

    def compose(self):
        yield LogLines(self.buffer)

    def on_mount(self) -> None:
        self.query_one(LogLines).show(self.buffer, follow=False)


def cells_of(line: str, x: int, width: int) -> str:
    """What a terminal shows of cells x .. x + width of `line`: a wide character cut by an edge is a space."""
    slots: list[str] = []
    for char in line:
        slots.extend([char, ""] if char == "你" else [char])
    window = slots[x:x + width]
    if window and window[0] == "":
        window[0] = " "
    if window and window[-1] == "你":
        window[-1] = " "
    return "".join(window)


async def test_a_long_line_of_wide_characters_scrolls_sideways_cell_by_cell():
    buffer = LogBuffer()
    text = "".join(f"\x1b[3{i % 8}m{i:05d}你" for i in range(2_000))  # 7 cells a number, coloured
    buffer.feed_bytes(text.encode() + b"\n", 0)
    line = buffer.lines[0]
    assert len(line) == 12_000 and "\x1b" not in line
    app = Host(lambda: LinesScreen(buffer))
    async with app.run_test(size=(50, 10)) as pilot:
        lines = app.screen.query_one(LogLines)
        width = lines.scrollable_content_region.width
        for x in (0, 5, 6, 7, 700, 6_995, 14_000 - width):  # (6: the right half of 你: a space)
            lines.scroll_to(x=x, animate=False, immediate=True)
            await pilot.pause()
            assert lines.visible_strips()[0].crop(0, width).text == cells_of(line, x, width), x


async def test_question_mark_lists_the_log_view_keys(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "keys", sh("echo hello"))
    app, services = log_app(emulator, FileRef.task(job_id, "keys"), follow_task=(job_id, "keys"))
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_log(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, LogHelpScreen), what="the help")
        shown = app.export_screenshot().replace("&#160;", " ")
        for key, words in (("c", "colours on or off"), ("w", "wrap long lines"), ("/", "search the loaded"),
                           ("shift+←", "scroll left a page"), ("$", "end of the longest line"), ("?", "this help")):
            assert re.search(rf">\s*{re.escape(key)}\s*<.*{words}", shown), key
        await pilot.press("escape")
        assert app.screen is screen


# -- search, wrap, save ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def haystack(client, pool_job):
    _, job_id = pool_job
    script = ('for i in $(seq 1 30); do if [ $((i % 10)) -eq 0 ]; then echo "found the Needle $i"; '
              'else echo "hay $i"; fi; done; printf "\\033[1mbold\\377\\n"')
    add_task(client, job_id, "haystack", sh(script))
    wait_task(client, job_id, "haystack")
    return job_id, "haystack"


async def test_search_highlights_and_n_N_move_between_matches(emulator, haystack):
    job_id, task_id = haystack
    app, services = log_app(emulator, FileRef.task(job_id, task_id), follow_task=(job_id, task_id))
    async with app.run_test(size=(100, 45)) as pilot:
        screen = await open_log(pilot)
        await until(pilot, lambda: screen.stopped, timeout=20, what="the file")
        lines = screen.query_one(LogLines)
        await pilot.press("slash", *"needle")
        assert lines.match_count == 3 and lines.current_match == 0  # as you type
        await pilot.press("enter")
        assert not screen.query_one("#log-search", Input).has_class("visible")
        assert "/needle: 1/3" in status(app)
        strip = lines.visible_strips()[9]
        hit = next(seg for seg in strip if seg.text == "Needle")
        assert hit.style.bgcolor is not None and hit.style.bold  # the current match
        await pilot.press("n")
        assert lines.current_match == 1 and "/needle: 2/3" in status(app)
        other = next(seg for seg in lines.visible_strips()[9] if seg.text == "Needle")
        assert other.style.bgcolor is not None and not other.style.bold  # a match, not the current one
        await pilot.press("n")
        assert lines.current_match == 2
        await pilot.press("n")
        assert lines.current_match == 0  # wrapped around
        await pilot.press("N")
        assert lines.current_match == 2
        await pilot.press("N", "N")
        assert lines.current_match == 0
        await pilot.press("slash", "ctrl+u", *"re:hay 2[0-9]", "enter")
        assert lines.match_count == 9
        await pilot.press("slash", "ctrl+u", *"zzz", "enter")
        assert lines.match_count == 0 and "no match" in status(app)
        await pilot.press("slash", "ctrl+u", "enter")
        assert screen.search_text == "" and "zzz" not in status(app) and lines.match_count == 0


async def test_wrap_and_line_numbers(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "long", sh('printf "%s\\n" short; printf "%0150d\\n" 7; printf "wide \\344\\275\\240%.0s" '
                                         '$(seq 1 40); printf "\\nend\\n"'))
    wait_task(client, job_id, "long")
    app, services = log_app(emulator, FileRef.task(job_id, "long"), follow_task=(job_id, "long"))
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_log(pilot)
        await until(pilot, lambda: screen.stopped, timeout=20, what="the file")
        lines = screen.query_one(LogLines)
        assert visible_text(lines)[:2] == ["short", "0" * 58]  # cut at the edge
        await pilot.press("w")
        shown = visible_text(lines)
        assert shown[1] + shown[2] + shown[3] == "0" * 149 + "7"
        assert all(len(row) <= 58 for row in shown)
        wide_rows = [row for row in shown if "你" in row]
        assert len(wide_rows) > 1 and "".join(wide_rows).count("你") == 40  # no wide character cut in half
        assert shown[-1] == "" or "end" in shown
        await pilot.press("number_sign")
        shown = visible_text(lines)
        assert shown[0].split() == ["1", "short"] and shown[1].split()[0] == "2"
        assert shown[2].strip().startswith("0")  # a continuation row has no number


async def test_s_saves_a_byte_identical_copy_and_never_clobbers_silently(emulator, client, pool_job, tmp_path,
                                                                        monkeypatch):
    _, job_id = pool_job
    script = r'for i in $(seq 1 400); do printf "row %s \033[31m\377\342\202\254\n" $i; done'
    add_task(client, job_id, "bytes", sh(script))
    wait_task(client, job_id, "bytes")
    expected = b"".join(client.download_task_file(job_id, "bytes", "stdout.txt"))
    monkeypatch.setattr(save_file, "SAVE_CHUNK", 1000)  # several ranged reads
    target = tmp_path / "copy.txt"
    app, services = log_app(emulator, FileRef.task(job_id, "bytes"), follow_task=(job_id, "bytes"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_log(pilot)
        await until(pilot, lambda: screen.stopped, timeout=20, what="the file")
        assert default_save_name(screen.ref) == os.path.join(".", "bytes-stdout.txt")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SaveScreen), what="the save dialog")
        path_input = app.screen.query_one("#save-path", Input)
        assert path_input.value == os.path.join(".", "bytes-stdout.txt")
        path_input.value = str(target)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LogScreen), timeout=20, what="the save")
        assert target.read_bytes() == expected
        assert [p.name for p in tmp_path.iterdir()] == ["copy.txt"]  # no temporary file left
        # again: the file exists, so the first enter only asks
        target.write_bytes(b"precious")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SaveScreen), what="the save dialog")
        app.screen.query_one("#save-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause(0.5)
        assert isinstance(app.screen, SaveScreen) and "exists" in str(app.screen.query_one("#save-message").render())
        assert target.read_bytes() == b"precious"
        await pilot.press("escape")
        assert isinstance(app.screen, LogScreen) and target.read_bytes() == b"precious"
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SaveScreen), what="the save dialog")
        app.screen.query_one("#save-path", Input).value = str(target)
        await pilot.press("enter", "enter")  # confirmed
        await until(pilot, lambda: isinstance(app.screen, LogScreen), timeout=20, what="the overwrite")
        assert target.read_bytes() == expected
        assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.txt"]


# -- the file browser --------------------------------------------------------------------------------------


def test_listing_builds_implied_directories():
    from batchtui.service.models import FileEntry

    listing = build_listing([FileEntry("wd/a/b.txt", False, 3), FileEntry("stdout.txt", False, 1),
                             FileEntry("wd", True)])
    assert [i.path for i in listing[""]] == ["wd", "stdout.txt"]
    assert [i.path for i in listing["wd"]] == ["wd/a"] and [i.path for i in listing["wd/a"]] == ["wd/a/b.txt"]


async def test_file_browser_lists_task_files_and_opens_one(emulator, client, pool_job):
    pool_id, job_id = pool_job
    add_task(client, job_id, "files", sh("mkdir -p out; echo result > out/result.txt; echo hi"))
    wait_task(client, job_id, "files")
    services = []

    def make():
        service = service_for(emulator)
        services.append(service)
        return FileBrowserScreen(service, job_id=job_id, task_id="files")

    app = Host(make, services)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FileBrowserScreen), what="the browser")
        tree = app.screen.query_one(Tree)
        await until(pilot, lambda: len(tree.root.children) >= 3, what="the listing")
        names = [str(node.label).split()[0] for node in tree.root.children]
        assert names == ["wd/", "stderr.txt", "stdout.txt"]
        wd = tree.root.children[0]
        assert not wd.children  # lazily: nothing under wd until it is expanded
        tree.move_cursor(wd)
        await pilot.press("enter")
        await until(pilot, lambda: wd.is_expanded and wd.children, what="wd expanded")
        out = wd.children[0]
        assert str(out.label) == "out/"
        tree.move_cursor(out)
        await pilot.press("enter")
        await until(pilot, lambda: out.children, what="out expanded")
        result = out.children[0]
        assert str(result.label).startswith("result.txt") and "7 B" in str(result.label)
        tree.move_cursor(result)
        await pilot.press("enter")
        screen = await open_log(pilot)
        assert screen.ref == FileRef.task(job_id, "files", "wd/out/result.txt")
        assert screen.follow_task == (job_id, "files")
        await until(pilot, lambda: screen.stopped, timeout=20, what="the file")
        assert screen.tail.lines == ["result"]
        await pilot.press("escape")
        assert isinstance(app.screen, FileBrowserScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, FileBrowserScreen)


async def test_node_files_list_the_node_tree(emulator, client, pool_job):
    pool_id, _ = pool_job
    node_id = next(iter(client.list_nodes(pool_id))).id
    async with service_for(emulator) as service:
        entries = await service.list_files(FileRoot(pool_id=pool_id, node_id=node_id), recursive=False)
        names = {e.name for e in entries}
        assert {"shared", "startup", "workitems"} <= names
        assert all(e.is_directory for e in entries if e.name in ("shared", "startup", "workitems"))
        everything = await service.list_files(FileRoot(pool_id=pool_id, node_id=node_id), recursive=True)
        stdout = [e for e in everything if e.name.endswith("/stdout.txt") and e.name.startswith("workitems/")]
        assert stdout and all(e.size is not None and e.modified is not None for e in stdout)


# -- a snapshot --------------------------------------------------------------------------------------------

FROZEN = "2026-11-23T10:00:00Z"
BUILD_LOG = (r'echo "compiling 12 modules"; printf "warning: unused variable \033[1mx\033[0m\n"; '
             r'for i in $(seq 1 12); do echo "[$i/12] module_$i.c"; done; printf "\tlinking \342\206\222 app\n"; '
             r'echo "warning: deprecated call in util.c:42"; printf "progress 10%%\rprogress 100%%\n"; '
             r'printf "\033]0;owned\007done: 0 errors, 2 warnings\n"')
TEST_LOG = (r'printf "\033[1mcollected 6 items\033[0m\n\n"; '
            r'for t in parse load merge; do printf "test_$t \033[32mPASSED\033[0m\n"; done; '
            r'printf "test_export \033[31;1mFAILED\033[0m  \033[2m(2.1s)\033[0m\n"; '
            r'printf "test_retry \033[33mSKIPPED\033[0m \033[3mno network\033[0m\n"; '
            r'printf "test_stream \033[38;5;208mXFAIL\033[0m \033[4mknown issue\033[0m\n"; '
            r'printf "\033[7m truecolour \033[0m \033[38;2;120;180;255mblue\033[48;5;22m on green\033[0m\n"; '
            r'printf "\033[31m=== 1 failed,\n3 passed ===\033[0m\n"; printf "\033]0;owned\007\033[2Jstill inert\n"')


@pytest.fixture(scope="module")
def frozen_log(tmp_path_factory):
    from batchtui.emulator_process import start_emulator
    from batchtui.workload import IMAGE

    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("frozen-log"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    client.create_pool(m.BatchPoolCreateOptions(id="logs", vm_size="standard_d2s_v3", target_dedicated_nodes=1,
                                                virtual_machine_configuration=IMAGE))
    wait_for(lambda: [n.state for n in client.list_nodes("logs")] == ["idle"], what="an idle node")
    client.create_job(m.BatchJobCreateOptions(id="build", pool_info=m.BatchPoolInfo(pool_id="logs")))
    client.create_task("build", m.BatchTaskCreateOptions(id="compile", command_line=sh(BUILD_LOG)))
    client.create_task("build", m.BatchTaskCreateOptions(id="test", command_line=sh(TEST_LOG)))
    wait_task(client, "build", "compile")
    wait_task(client, "build", "test")
    yield emu
    emu.stop()


def frozen_log_app(emu, task_id: str) -> Host:
    services: list = []

    def make() -> LogScreen:
        service = service_for(emu)
        services.append(service)
        return LogScreen(service, FileRef.task("build", task_id), follow_task=("build", task_id))

    return Host(make, services)


async def loaded(pilot) -> None:
    deadline = time.monotonic() + 15
    while not (isinstance(pilot.app.screen, LogScreen) and pilot.app.screen.stopped):
        assert time.monotonic() < deadline, "the log did not load"
        await pilot.pause(0.05)


def test_snapshot_of_a_completed_task_log(snap_compare, frozen_log):
    async def run_before(pilot) -> None:
        await loaded(pilot)
        await pilot.press("number_sign", "slash", *"warning", "enter")
        await pilot.pause()

    assert snap_compare(frozen_log_app(frozen_log, "compile"), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_of_a_log_in_colour(snap_compare, frozen_log, size):
    async def run_before(pilot) -> None:
        await loaded(pilot)
        await pilot.press("slash", *"FAIL", "enter")
        await pilot.pause()

    assert snap_compare(frozen_log_app(frozen_log, "test"), terminal_size=size, run_before=run_before)


async def test_file_browser_on_a_node_opens_node_files(emulator, client, pool_job):
    pool_id, job_id = pool_job
    add_task(client, job_id, "on-node", sh("echo from the node"))
    task = wait_task(client, job_id, "on-node")
    node_id = task.node_info.node_id
    services: list = []

    def make():
        service = service_for(emulator)
        services.append(service)
        return FileBrowserScreen(service, pool_id=pool_id, node_id=node_id)

    app = Host(make, services)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FileBrowserScreen), what="the browser")
        browser = app.screen
        tree = browser.query_one(Tree)
        await until(pilot, lambda: len(tree.root.children) >= 3, what="the listing")
        names = [str(node.label) for node in tree.root.children]
        assert {"shared/", "startup/", "workitems/"} <= set(names)
        path = f"workitems/{job_id}/job-1/on-node/stdout.txt"
        assert any(i.path == path for i in browser.listing[path.rpartition("/")[0]])
        browser.open(path)
        screen = await open_log(pilot)
        assert screen.ref == FileRef.node(pool_id, node_id, path) and screen.follow_task is None
        await until(pilot, lambda: screen.tail.lines == ["from the node"], timeout=15, what="the node file")
        assert f"{path} on node {node_id}" in str(screen.query_one("#log-title").render())
        await until(pilot, lambda: "following" in status(app), what="the status")
        assert status(app).count("following") == 1  # (it said "following … following the file")
