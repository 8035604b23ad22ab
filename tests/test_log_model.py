"""The log view's models without an app: LogBuffer (decoding, inert controls, carriage returns, the bounded
window and its byte offsets), LogSearch, the wrap index and styled runs, and what a poll means."""

from __future__ import annotations

import re

import pytest

from batchtui.service.errors import NOT_FOUND, ServiceError
from batchtui.service.tail import Chunk
from batchtui.ui.model.log_buffer import LINE_CAP, LogBuffer, MarkedLine, clean_line, one_line
from batchtui.ui.model.log_follow import MAX_BACKOFF, StatusLine, Verdict, backoff_delay, judge_poll, missing_message
from batchtui.ui.model.log_layout import CONTROL, CURRENT, MATCH, WrapIndex, line_runs, row_breaks, rows_of
from batchtui.ui.model.log_search import MATCHES_PER_LINE, LogSearch, compile_search


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
    buffer = fed(b"x" * (2 * LINE_CAP + 10))
    assert [len(line) for line in buffer.lines] == [LINE_CAP, LINE_CAP] and len(buffer.partial) == 10
    assert buffer.line_end(1) == 2 * LINE_CAP


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
    assert runs == [(0, 1, 0), (1, 3, CONTROL), (3, 6, 0), (6, 11, MATCH)]
    assert line_runs(line, 2, 8, matches, current=matches[0]) == [(2, 3, CONTROL), (3, 6, 0), (6, 8, CURRENT)]
    assert line_runs("plain", 0, 5, [], None) == [(0, 5, 0)] and line_runs("plain", 3, 3, [], None) == []


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
    assert verdict(Chunk(offset=5, size=5), task=False).message == "following the file"


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
])
def test_the_status_line(facts: StatusLine, expected: str) -> None:
    assert "".join(text for text, _ in facts.pieces()) == expected
