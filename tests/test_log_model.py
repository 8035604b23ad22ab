"""The log view's models without an app: LogBuffer (decoding, inert controls, carriage returns, the bounded
window and its byte offsets), LogSearch, the wrap index and styled runs, and what a poll means."""

from __future__ import annotations

import re

import pytest

from batchtui.service.errors import NOT_FOUND, ServiceError
from batchtui.service.tail import Chunk
from batchtui.ui.model.log_buffer import LINE_CAP, LogBuffer, MarkedLine, clean_line, one_line
from batchtui.ui.model.log_follow import MAX_BACKOFF, StatusLine, Verdict, backoff_delay, judge_poll, missing_message
from batchtui.ui.model.log_layout import (
    CONTROL,
    CURRENT,
    MATCH,
    WrapIndex,
    cell_checkpoints,
    char_at_cell,
    line_runs,
    row_breaks,
    rows_of,
)
from batchtui.ui.model.log_line import coloured_form, inert_form, pen_after
from batchtui.ui.model.log_search import MATCHES_PER_LINE, LogSearch, compile_search
from batchtui.ui.model.log_sgr import BOLD, DIM, ITALIC, PLAIN, REVERSE, STRIKE, UNDERLINE, Rendition, apply_sgr


def fed(*pieces: bytes) -> LogBuffer:
    """A buffer fed `pieces` one after the other, as consecutive reads of a file from its start."""
    buffer = LogBuffer()
    offset = 0
    for piece in pieces:
        buffer.feed_bytes(piece, offset)
        offset += len(piece)
    return buffer


# -- decoding ---------------------------------------------------------------------------------------------


def test_a_character_split_across_reads_stays_whole() -> None:
    euro = "€".encode()  # three bytes
    buffer = fed(b"price: " + euro[:1], euro[1:2], euro[2:] + b" 5\nnext")
    assert buffer.lines == ["price: € 5"] and buffer.partial == "next"
    assert buffer.end == len(b"price: ") + 3 + len(b" 5\nnext")
    assert buffer.line_end(0) == len("price: € 5\n".encode())  # offsets count bytes, not characters


def test_invalid_bytes_become_replacement_characters() -> None:
    buffer = fed(b"a\xffb\n\xe2\x82\n")  # a stray byte, and a character cut short by a newline
    assert buffer.lines == ["a\ufffdb", "\ufffd"]
    unfinished = LogBuffer()
    unfinished.feed_bytes(b"end \xe2\x82", 0)
    assert unfinished.partial == "end "  # held back: the rest of the character may come
    unfinished.feed_bytes(b"", final=True)  # the file ends here
    assert unfinished.partial == "end \ufffd"


def test_a_gap_starts_decoding_afresh() -> None:
    buffer = LogBuffer()
    buffer.feed_bytes(b"one\n\xe2\x82", 0)
    result = buffer.feed_bytes(b"two\n", 100)  # not where the last read ended: the window starts over
    assert result.reset and buffer.lines == ["two"] and buffer.start == 100 and buffer.end == 104
    assert buffer.number(0) is None  # not known to be the file's line 1


# -- what reaches the terminal ----------------------------------------------------------------------------


def test_control_characters_become_inert_stand_ins() -> None:
    line = clean_line("\x1b[31mred\x1b[0m \x07\x00\x7f\x9b \u202eevil")
    assert line == "^[[31mred^[[0m ^G^@^?<9B> <U+202E>evil"
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in line)
    assert isinstance(line, MarkedLine) and line.spans[0] == (0, 2)  # where the stand-ins are (drawn dim)
    assert clean_line("a\tb") == "a       b" and clean_line("你\tb") == "你      b"  # tab stops count cells
    assert one_line("two\nlines\x1b") == "two lines^["
    assert fed(b"\x1b]52;c;SGVsbG8=\x07 clipboard\n").lines == ["^[]52;c;SGVsbG8=^G clipboard"]


# -- colour -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "expected"), [
    ("32", Rendition(fg=2)),
    ("1;31", Rendition(fg=1, attrs=BOLD)),
    ("01;34;42", Rendition(fg=4, bg=2, attrs=BOLD)),
    ("92;104", Rendition(fg=10, bg=12)),  # bright colours are 8-15
    ("38;5;208", Rendition(fg=208)),
    ("48;5;17;38;5;231", Rendition(fg=231, bg=17)),
    ("38;2;255;128;0", Rendition(fg=(255, 128, 0))),
    ("38:2::255:128:0", Rendition(fg=(255, 128, 0))),  # ITU form with a colour space
    ("38:2:1:2:3", Rendition(fg=(1, 2, 3))),
    ("38:5:99", Rendition(fg=99)),
    ("2;3;4;7;9", Rendition(attrs=DIM | ITALIC | UNDERLINE | REVERSE | STRIKE)),
    ("4:3", Rendition(attrs=UNDERLINE)),  # curly underline: an underline
    ("5;8", PLAIN),  # blink and conceal are not kept
    ("38;5;300", PLAIN),  # out of range: skipped
    ("38;2;1;2", PLAIN),  # too short: skipped
    ("x;31", Rendition(fg=1)),  # (not a number: skipped)
])
def test_sgr_parameters_set_the_pen(params: str, expected: Rendition) -> None:
    assert apply_sgr(PLAIN, params) == expected


def test_sgr_resets_and_clears() -> None:
    pen = apply_sgr(PLAIN, "1;2;3;4;7;9;31;42")
    assert apply_sgr(pen, "") is PLAIN and apply_sgr(pen, "0") is PLAIN  # ESC[m and ESC[0m reset
    assert apply_sgr(pen, "22;23;24;27;29") == Rendition(fg=1, bg=2)
    assert apply_sgr(pen, "39;49") == Rendition(attrs=pen.attrs)
    assert apply_sgr(pen, "4:0").attrs == pen.attrs & ~UNDERLINE
    assert apply_sgr(pen, "0;33") == Rendition(fg=3)


def test_colour_sequences_become_colour_runs_and_leave_only_the_visible_text() -> None:
    line = clean_line("\x1b[32mINFO\x1b[0m started \x1b[1;31mERROR\x1b[m done", PLAIN)
    assert line == "INFO started ERROR done" and "\x1b" not in line
    assert isinstance(line, MarkedLine)
    assert line.colours == ((0, 4, Rendition(fg=2)), (13, 18, Rendition(fg=1, attrs=BOLD)))
    assert pen_after(line) is PLAIN
    # every other control stays inert, also next to colour
    osc = clean_line("\x1b[33m\x1b]0;title\x07warn\x1b[2J", PLAIN)
    assert osc == "^[]0;title^Gwarn^[[2J" and osc.spans == ((0, 2), (10, 12), (16, 18))
    assert osc.colours == ((0, len(osc), Rendition(fg=3)),)
    # a colour left on carries over to the next line (as on a terminal), a reset ends it
    first = clean_line("\x1b[31mred", PLAIN)
    assert pen_after(first) == Rendition(fg=1)
    second = clean_line("still red\x1b[0m plain", pen_after(first))
    assert second.colours == ((0, 9, Rendition(fg=1)),) and pen_after(second) is PLAIN
    # a carriage return keeps the colour set before it
    bar = clean_line("\x1b[36mprogress 10%\rprogress 100%", PLAIN)
    assert bar == "progress 100%" and bar.colours == ((0, 13, Rendition(fg=6)),)
    # without a pen, colour sequences are inert as before
    assert clean_line("\x1b[32mINFO\x1b[0m") == "^[[32mINFO^[[0m"
    # a sequence too long to be colour is inert
    assert clean_line("\x1b[" + "1;" * 40 + "m", PLAIN).startswith("^[[1;1;")


def test_the_inert_form_and_back() -> None:
    raw = "\x1b[32mINFO\x1b[0m \x07bell \x1b[1mbold\x1b[0m"
    coloured = clean_line(raw, PLAIN)
    inert = inert_form(coloured)
    assert inert == clean_line(raw) == "^[[32mINFO^[[0m ^Gbell ^[[1mbold^[[0m"
    assert inert.spans == clean_line(raw).spans  # the same stand-ins, drawn dim
    assert not inert.colours
    assert coloured_form(inert) is coloured
    assert inert_form("plain") == "plain" and coloured_form("plain") == "plain"
    carried = clean_line("no sequence here", Rendition(fg=1))  # coloured by an earlier line's pen
    assert not inert_form(carried).colours and coloured_form(inert_form(carried)) is carried


def test_the_buffer_carries_colour_across_lines_and_switches_it_off_and_on() -> None:
    buffer = fed(b"\x1b[32mINFO\x1b[0m ok\n\x1b[31mred\nstill red\x1b[0m\nplain\n\x1b[33mpart")
    assert buffer.lines == ["INFO ok", "red", "still red", "plain"] and buffer.partial == "part"
    assert buffer.lines[2].colours == ((0, 9, Rendition(fg=1)),)
    assert not isinstance(buffer.lines[3], MarkedLine)
    assert buffer.partial.colours == ((0, 4, Rendition(fg=3)),)
    chars = buffer.chars
    assert buffer.set_colour(False)
    assert buffer.lines == ["^[[32mINFO^[[0m ok", "^[[31mred", "still red^[[0m", "plain"]
    assert buffer.partial == "^[[33mpart" and buffer.chars > chars
    buffer.feed_bytes(b"\nnew \x1b[1mline\n", buffer.end)  # lines fed meanwhile are inert too
    assert buffer.lines[-2:] == ["^[[33mpart", "new ^[[1mline"]
    assert not buffer.set_colour(False)  # (no change)
    assert buffer.set_colour(True)
    assert buffer.lines[-2:] == ["part", "new line"] and buffer.chars == sum(map(len, buffer.lines))
    # (the yellow of "part" was never reset: it carries on)
    assert buffer.lines[-1].colours == ((0, 4, Rendition(fg=3)), (4, 8, Rendition(fg=3, attrs=BOLD)))
    assert LogBuffer(colour=False).colour is False


def test_search_matches_the_visible_text_of_a_coloured_line() -> None:
    buffer = fed(b"\x1b[32mIN\x1b[1mFO\x1b[0m: ready\n")
    search = LogSearch()
    search.set_pattern(compile_search("INFO")[0], buffer)
    assert search.all_matches(buffer) == [(buffer.base_id, 0, 4)]
    line = buffer.lines[0]
    runs = line_runs(line, 0, len(line), search.all_matches(buffer), None)
    assert runs == [(0, 2, MATCH, Rendition(fg=2)), (2, 4, MATCH, Rendition(fg=2, attrs=BOLD)),
                    (4, 11, 0, None)]


def test_carriage_returns_keep_what_a_terminal_ends_up_showing() -> None:
    assert clean_line("10%\r50%\r100%") == "100%"
    assert clean_line("dos line\r") == "dos line"
    buffer = fed(b"progress 1%\rprogress 2", b"0%\rprogress 30%", b"\r\ndone\r\n")
    assert buffer.lines == ["progress 30%", "done"]
    partial = fed(b"dl 10%\rdl 20%")
    assert partial.partial == "dl 20%"  # the unfinished line too
    crlf = fed(b"line\r", b"\nnext")  # \r\n split across two reads
    assert crlf.lines == ["line"] and crlf.partial == "next"


# -- the window -------------------------------------------------------------------------------------------


def test_the_window_drops_its_oldest_lines_and_keeps_byte_offsets() -> None:
    buffer = LogBuffer(max_chars=2_000, max_lines=100)
    offset = 0
    for i in range(1_000):
        data = f"line {i:04d}\n".encode()  # 10 bytes
        result = buffer.feed_bytes(data, offset)
        offset += len(data)
    assert len(buffer.lines) <= 100 and buffer.chars <= 2_000
    assert buffer.lines[-1] == "line 0999"
    first = int(buffer.lines[0].split()[1])
    assert buffer.start == first * 10 and buffer.end == offset
    assert buffer.line_end(0) == buffer.start + 10
    assert buffer.number(0) == first + 1  # still the file's line numbers
    assert buffer.relative_number(0) == first + 1
    assert result.new_lines == 1 and not result.reset


def test_a_read_bigger_than_the_window_keeps_only_its_end() -> None:
    buffer = LogBuffer(max_chars=1_024, max_lines=1_000)
    data = b"".join(f"{i:09d}\n".encode() for i in range(1_000))
    result = buffer.feed_bytes(data, 0)
    assert result.reset and buffer.chars <= 1_024 and buffer.lines[-1] == "000000999"
    assert buffer.start == data.index(buffer.lines[0].encode()) and buffer.end == len(data)
    assert buffer.number(len(buffer.lines) - 1) == 1_000


def test_an_endless_line_is_cut_into_pieces() -> None:
    buffer = LogBuffer(max_chars=20_000)
    cap = buffer.line_cap
    assert cap == 10_000  # half the window at most
    buffer.feed_bytes(b"x" * (2 * cap + 10), 0)
    assert [len(line) for line in buffer.lines] == [cap, cap] and len(buffer.partial) == 10
    assert buffer.line_end(1) == 2 * cap
    assert LogBuffer().line_cap == LINE_CAP >= 2_000_000


def test_a_400_000_character_line_is_kept_whole() -> None:
    line = b"".join(b"%09d " % i for i in range(40_000))  # 400,000 characters
    buffer = fed(b"before\n", line[:150_000], line[150_000:] + b"\nafter\n")
    assert buffer.lines == ["before", line.decode(), "after"]
    growing = fed(line[:300_000])
    assert growing.partial == line[:300_000].decode() and not growing.lines  # not cut while it grows


def test_clear_starts_at_an_offset_with_unknown_line_numbers() -> None:
    buffer = fed(b"a\nb\n")
    buffer.clear(4)
    assert len(buffer) == 0 and buffer.start == buffer.end == 4 and buffer.number(0) is None
    buffer.feed_bytes(b"c\n", 4)
    assert buffer.lines == ["c"] and buffer.relative_number(0) == 1


# -- search -----------------------------------------------------------------------------------------------


def test_search_finds_matches_and_steps_through_them_wrapping_around() -> None:
    buffer = fed(b"error one\nfine\nERROR two error three\nlast err")
    search = LogSearch()
    pattern, error = compile_search("error")
    assert error is None
    search.set_pattern(pattern, buffer)
    assert search.count(buffer) == 3  # case-insensitive; "err" in the unfinished line is no match
    assert search.step(buffer, forward=True, from_top=True, top_line=lambda: 1) == (True, False)
    assert search.current == (buffer.base_id + 2, 0, 5) and search.current_index(buffer) == 1
    assert search.step(buffer, True, False, lambda: 0) == (True, False)
    assert search.current_index(buffer) == 2
    assert search.step(buffer, True, False, lambda: 0) == (True, True)  # wrapped to the first
    assert search.current_index(buffer) == 0
    assert search.step(buffer, False, False, lambda: 0) == (True, True)  # and back to the last
    found, wrapped = LogSearch().step(buffer, True, False, lambda: 0)
    assert not found and not wrapped


def test_search_covers_new_lines_the_unfinished_line_and_forgets_dropped_ones() -> None:
    buffer = LogBuffer(max_chars=1_024, max_lines=10)
    search = LogSearch()
    search.set_pattern(re.compile("hit"), buffer)
    offset = 0
    for i in range(30):
        data = f"{'hit' if i % 3 == 0 else 'miss'} {i}\n".encode()
        result = buffer.feed_bytes(data, offset)
        offset += len(data)
        search.scan(buffer, buffer.lines[len(buffer.lines) - result.added:], len(buffer.lines) - result.added)
    assert search.count(buffer) == sum(1 for line in buffer.lines if line.startswith("hit"))
    assert all(match[0] >= buffer.base_id for match in search.all_matches(buffer))
    buffer.feed_bytes(b"partial hit", offset)
    assert search.partial_matches(buffer) == [(buffer.base_id + len(buffer.lines), 8, 11)]
    assert search.line_matches(buffer, buffer.base_id + len(buffer.lines)) == search.partial_matches(buffer)


def test_search_text_and_regex_and_caps() -> None:
    assert compile_search("") == (None, None)
    pattern, _ = compile_search("a.b")
    assert pattern is not None and pattern.search("A.B") and not pattern.search("axb")  # plain text is literal
    pattern, _ = compile_search("re:a.b")
    assert pattern is not None and pattern.search("axb")
    assert compile_search("re:(")[1] is not None
    buffer = fed(b"x" * (MATCHES_PER_LINE + 5) + b"\n")
    search = LogSearch()
    search.set_pattern(re.compile("x"), buffer)
    assert search.count(buffer) == MATCHES_PER_LINE and search.capped


# -- layout -----------------------------------------------------------------------------------------------


def test_wrapping_never_splits_a_wide_character() -> None:
    assert rows_of("a" * 25, 10) == 3 and rows_of("", 10) == 1
    assert row_breaks("你好你好你", 4) == [0, 2, 4]
    assert row_breaks("a你好", 4) == [0, 2]  # 1 + 2 cells, then 2


def test_the_character_at_a_cell_of_a_long_line_with_wide_characters() -> None:
    line = "a你" * 1_000  # a pair takes 3 cells
    points = cell_checkpoints(line)
    assert list(points[:3]) == [0, 384, 768]  # every 256 characters
    assert char_at_cell(line, points, 0) == (0, 0)
    assert char_at_cell(line, points, 1) == (1, 1) and char_at_cell(line, points, 2) == (1, 1)  # (both of 你)
    assert char_at_cell(line, points, 1_500) == (1_000, 1_500)
    assert char_at_cell(line, points, 2_999) == (1_999, 2_998)
    assert char_at_cell(line, points, 3_000) == (2_000, 3_000)  # past the end


def test_wrap_index_maps_rows_to_lines_and_follows_the_window() -> None:
    lines = ["a" * 25, "b", "c" * 10]
    index = WrapIndex()
    assert index.ensure(lines, 10) and not index.ensure(lines, 10)
    assert index.total() == 5
    assert [index.locate(row, "") for row in range(6)] == [(0, 0), (0, 1), (0, 2), (1, 0), (2, 0), None]
    assert index.locate(5, "tail") == (3, 0) and index.first_row_of(2) == 4
    lines = lines[1:] + ["d" * 15]  # the first line dropped, one more arrived
    assert index.follow(lines, dropped=1) == 3  # the rows that went with it
    assert index.total() == 4 and index.locate(0, "") == (0, 0) and index.first_row_of(2) == 2


def test_runs_mark_stand_ins_matches_and_the_current_match() -> None:
    line = clean_line("a\x1bbc match")  # "a^[bc match"
    matches = [(7, 6, 11)]
    runs = line_runs(line, 0, len(line), matches, current=None)
    assert runs == [(0, 1, 0, None), (1, 3, CONTROL, None), (3, 6, 0, None), (6, 11, MATCH, None)]
    assert line_runs(line, 2, 8, matches, current=matches[0]) == [
        (2, 3, CONTROL, None), (3, 6, 0, None), (6, 8, CURRENT, None)]
    assert line_runs("plain", 0, 5, [], None) == [(0, 5, 0, None)] and line_runs("plain", 3, 3, [], None) == []


# -- following --------------------------------------------------------------------------------------------


def verdict(chunk: Chunk, *, done: bool = False, exit_code: int | None = None, started: bool = True,
            task: bool = True, at_tail: bool = True) -> Verdict:
    return judge_poll(chunk, done=done, exit_code=exit_code, started=started, task=task, path="out.txt",
                      window_chars=1_000, at_tail=at_tail)


def test_what_a_poll_means() -> None:
    assert verdict(Chunk(offset=0, gone="file gone")).stop
    waiting = verdict(Chunk(offset=0, gone="not yet"), started=False)
    assert waiting.soon and not waiting.stop and "to appear" in waiting.message
    assert verdict(Chunk(offset=0, pending="not started")).message == "waiting for the task to start"
    assert verdict(Chunk(offset=0, pending="not started"), done=True, exit_code=3).message == (
        "task completed, exit 3 without running")
    done = verdict(Chunk(offset=10, size=10), done=True, exit_code=0)
    assert done.stop and done.finish and done.message == "task completed, exit 0" and done.style == "green"
    behind = verdict(Chunk(offset=0, size=5_000))
    assert behind.jump and behind.message == "catching up: 5,000 bytes to go"
    assert not verdict(Chunk(offset=0, size=5_000), at_tail=False).jump
    assert verdict(Chunk(offset=5, size=5)).message == "running"
    assert verdict(Chunk(offset=5, size=5), task=False).message == ""  # the status line says "following"


def test_retry_delays_and_missing_messages() -> None:
    assert [backoff_delay(n, 1.0) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert backoff_delay(50, 1.0) == MAX_BACKOFF
    err = ServiceError(NOT_FOUND, "gone", code="TaskNotFound")
    assert missing_message(err, "job", "t1") == "task t1 of job job no longer exists (deleted?)"


@pytest.mark.parametrize(("facts", "expected"), [
    (StatusLine(False, 0, 100, 100, True, False, 0), "bytes 0–100 of 100  following"),
    (StatusLine(False, 2_000, 3_000, None, False, False, 12), "tail size unknown  +12 new lines (f to follow)"),
    (StatusLine(True, 0, 10, 99, False, True, 0, "err", 3, 0, True, True, True),
     "head bytes 0–10 of 99  G: back to the tail  /err: 1/3+  [wrap #]"),
    (StatusLine(False, 0, 5, 5, True, True, 0, "x\x1b", 0), "bytes 0–5 of 5  at end  /x^[: no match"),
    (StatusLine(False, 0, 400_001, 400_001, True, False, 0, colour=False, columns=(1_200, 1_278, 400_000),
                state=("task completed, exit 0", "green")),
     "bytes 0–400,001 of 400,001  following  task completed, exit 0  cols 1,201–1,278 of 400,000  [no colour]"),
])
def test_the_status_line(facts: StatusLine, expected: str) -> None:
    assert "".join(text for text, _ in facts.pieces()) == expected
