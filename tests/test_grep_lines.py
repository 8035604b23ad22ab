"""service/grep_lines.py: matching lines found in a file's bytes fed in pieces (pure, no I/O)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.service import grep_lines
from batchtui.service.grep_lines import EXCERPT, LineScanner, compile_pattern


def scan(data: bytes, pattern: str, start: int = 0, partial_first: bool = False, pieces: int = 1, **kw):
    scanner = LineScanner(compile_pattern(pattern), "t1", "stdout.txt", start, partial_first=partial_first, **kw)
    step = max(1, len(data) // pieces + 1)
    for at in range(0, len(data), step):
        scanner.feed(data[at:at + step])
    return scanner.finish()


def reference(data: bytes, pattern: str) -> list[tuple[int, int, str]]:
    """(offset, number, line) of each matching line, the slow obvious way."""
    search = compile_pattern(pattern).line.search
    out, offset = [], 0
    for number, raw in enumerate(data.split(b"\n"), 1):
        line = raw.decode("utf-8", "replace").removesuffix("\r")
        if search(line) and (raw or offset < len(data)):
            out.append((offset, number, line))
        offset += len(raw) + 1
    return out


def test_plain_text_is_case_insensitive_and_literal():
    data = b"starting\nERROR shard 7: checksum [x]\nok\nerror again\n"
    hits = scan(data, "error")
    assert [(h.number, h.text, h.spans) for h in hits] == [
        (2, "ERROR shard 7: checksum [x]", ((0, 5),)), (4, "error again", ((0, 5),))]
    assert [h.offset for h in hits] == [9, 40]
    assert [h.text for h in scan(data, "[x]")] == ["ERROR shard 7: checksum [x]"]  # not a regex class
    assert all(h.task_id == "t1" and h.file == "stdout.txt" for h in hits)


def test_regex_anchors_at_each_line_and_never_spans_lines():
    data = b"alpha\nbeta gamma\ngamma\n"
    assert [h.text for h in scan(data, "re:^gamma$")] == ["gamma"]
    assert [h.text for h in scan(data, "re:a$")] == ["alpha", "beta gamma", "gamma"]
    assert scan(data, r"re:alpha\s+beta") == []  # a match across a line break is not a match
    assert [h.spans for h in scan(data, "re:m+")] == [((7, 9),), ((2, 4),)]


@pytest.mark.parametrize("text, reason", [("", "empty pattern"), ("re:", "empty regular expression"),
                                          ("re:(unclosed", "invalid regex")])
def test_bad_patterns_say_why(text, reason):
    with pytest.raises(ValueError, match=reason):
        compile_pattern(text)


def test_line_numbers_and_offsets_over_many_pieces_and_utf8():
    lines = [f"línea {i} {'FOUND' if i % 7 == 3 else 'nothing'} ✓".encode() for i in range(500)]
    data = b"\n".join(lines) + b"\n"
    expected = reference(data, "found")
    for pieces in (1, 3, 17, 4000):
        hits = scan(data, "found", pieces=pieces)
        assert [(h.offset, h.number, h.text) for h in hits] == expected
        for hit in hits:  # the offset is where the line's bytes begin
            assert data[hit.offset:].startswith(hit.text.encode())


def test_a_tail_read_drops_its_partial_first_line_and_numbers_are_unknown():
    data = b"ERROR in a cut line\nERROR whole\nok\n"
    hits = scan(data, "error", start=1000, partial_first=True)
    assert [(h.text, h.offset, h.number) for h in hits] == [("ERROR whole", 1020, None)]
    # Read from one byte before a line start: that byte is the newline, the first line is whole.
    hits = scan(b"\nERROR first\n", "error", start=99, partial_first=True)
    assert [(h.text, h.offset) for h in hits] == [("ERROR first", 100)]
    # No newline at all in a tail: nothing is a whole line.
    assert scan(b"ERROR no newline", "error", start=5, partial_first=True) == []


def test_last_line_without_newline_and_crlf():
    hits = scan(b"one\r\nTWO two\r\nthree two", "two")
    assert [(h.number, h.text) for h in hits] == [(2, "TWO two"), (3, "three two")]
    assert hits[0].spans == ((0, 3), (4, 7))


def test_long_lines_are_cut_around_the_first_match():
    line = "x" * 5000 + " needle " + "y" * 5000
    (hit,) = scan(line.encode() + b"\n", "needle")
    assert len(hit.text) == EXCERPT + 2 and hit.text.startswith("…") and hit.text.endswith("…")
    start, end = hit.spans[0]
    assert hit.text[start:end] == "needle" and start == grep_lines.BEFORE + 1
    (short,) = scan(b"needle " + b"y" * 5000 + b"\n", "needle")
    assert short.text.startswith("needle") and short.spans[0] == (0, 6)


def test_an_endless_line_is_scanned_in_pieces(monkeypatch):
    monkeypatch.setattr(grep_lines, "LINE_CAP", 1000)
    data = (b"a" * 2500 + b"needle" + b"b" * 2500) + b"\nneedle\n"
    hits = scan(data, "needle", pieces=20)
    assert [h.number for h in hits] == [1, 2] and hits[1].offset == 5007


def test_invalid_utf8_keeps_offsets_and_shows_replacement_characters():
    data = b"bad \xff\xfe bytes ERROR\nnext ERROR \xe2\x82\n"
    hits = scan(data, "error", pieces=5)
    assert [h.text for h in hits] == ["bad \ufffd\ufffd bytes ERROR", "next ERROR \ufffd\ufffd"]
    assert hits[1].offset == data.index(b"next")


def test_control_characters_stay_as_they_are_for_the_view_to_make_inert():
    (hit,) = scan(b"\x1b]0;owned\x07 ERROR\n", "error")
    assert hit.text == "\x1b]0;owned\x07 ERROR"


def test_hits_stop_at_the_cap():
    scanner = LineScanner(compile_pattern("x"), "t", "stderr.txt", 0, max_hits=3)
    scanner.feed(b"x\n" * 10)
    assert scanner.capped and len(scanner.finish()) == 3
    scanner.feed(b"x\n")  # ignored once capped
    assert len(scanner.hits) == 3


def test_a_regex_that_matches_empty_text_matches_every_line():
    hits = scan(b"a\n\nb\n", "re:z*")
    assert [(h.number, h.spans) for h in hits] == [(1, ()), (2, ()), (3, ())]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["ab", "AB", "é", "\r", "x", " ", "\n", "\n\n"]), max_size=60),
       st.integers(1, 9))
def test_same_as_line_by_line(parts, pieces):
    data = "".join(parts).encode()
    got = [(h.offset, h.number, h.text) for h in scan(data, "re:ab|é", pieces=pieces)]
    assert got == reference(data, "re:ab|é")
