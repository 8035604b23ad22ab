"""The `:grep` line's syntax and the grep view's rows and status line (ui/model: no widgets)."""

from __future__ import annotations

import pytest

from batchtui.service.grep_lines import GrepHit
from batchtui.service.log_grep import DEFAULT_TAIL, TaskGrep
from batchtui.ui.model.grep_command import human_bytes, parse_grep, parse_size
from batchtui.ui.model.grep_results import MATCH_STYLE, GrepProgress, hit_row, match_text, task_rows


@pytest.mark.parametrize("line, pattern, tail", [
    (":grep checksum mismatch", "checksum mismatch", DEFAULT_TAIL),
    ("grep   two  spaces  kept ", "two  spaces  kept", DEFAULT_TAIL),
    (":gr --tail 1M re:shard \\d+", "re:shard \\d+", 1024 * 1024),
    (":grep --tail=512 x", "x", 512),
    (":grep --all --tail 2k x", "x", 2048),
    (":grep --tail 2k --all x", "x", None),
    (':grep "quoted --all"', "quoted --all", DEFAULT_TAIL),
    (":grep -- --tail", "--tail", DEFAULT_TAIL),
    (":grep [/x]", "[/x]", DEFAULT_TAIL),
])
def test_lines(line, pattern, tail):
    request = parse_grep(line)
    assert (request.search.text, request.tail_bytes) == (pattern, tail)


@pytest.mark.parametrize("line, reason", [
    (":grep", "what to search for"),
    (":grep --all", "what to search for"),
    (":grep --tail", "--tail needs a size"),
    (":grep --tail lots x", "not a size"),
    (":grep --tail 0 x", "not a size to search"),
    (":grep --bogus x", "unknown option --bogus"),
    (":grep re:(", "invalid regex"),
])
def test_bad_lines_say_why(line, reason):
    with pytest.raises(ValueError, match=reason):
        parse_grep(line)


def test_sizes():
    assert [parse_size(s) for s in ("64K", "64k", "64KiB", "64kb", "1.5M", "512", "2G")] == [
        65536, 65536, 65536, 65536, 1572864, 512, 2 * 1024**3]
    assert [human_bytes(n) for n in (0, 1000, 1536, 65536, 100 * 1000 * 1000)] == [
        "0 B", "1,000 B", "1.5 KiB", "64 KiB", "95.4 MiB"]
    assert parse_grep(":grep --tail 64K x").scope == "last 64 KiB of each file"
    assert parse_grep(":grep --all x").scope == "whole files"


def test_a_matching_line_shows_controls_inert_and_matches_highlighted():
    text = match_text("\x1b]0;owned\x07 MARK [/x] mark", ((11, 15), (21, 25)))
    assert text.plain == "^[]0;owned^G MARK [/x] mark"
    assert [(text.plain[s.start:s.end], s.style) for s in text.spans] == [("MARK", MATCH_STYLE), ("mark", MATCH_STYLE)]
    hit = GrepHit("t\x1b1", "stderr.txt", "a MARK", ((2, 6),), 10, None)
    row = hit_row(hit)
    assert row.cells[0] == "t^[1" and row.cells[1] == "stderr.txt"
    assert hit_row(GrepHit("t", "stdout.txt", "MARK", ((0, 4),), 0, 7)).cells[1] == "stdout.txt:7"


def test_rows_sort_by_task_then_stdout_before_stderr_then_offset():
    hits = [GrepHit("b", "stderr.txt", "x", (), 5, 1), GrepHit("a", "stderr.txt", "x", (), 1, 1),
            GrepHit("b", "stdout.txt", "x", (), 90, 9), GrepHit("b", "stdout.txt", "x", (), 7, 2)]
    rows = sorted((hit_row(h) for h in hits), key=lambda r: r.sort_keys[0])
    assert [(r.cells[0], r.cells[1]) for r in rows] == [
        ("a", "stderr.txt:1"), ("b", "stdout.txt:2"), ("b", "stdout.txt:9"), ("b", "stderr.txt:1")]
    errors = task_rows(TaskGrep("c", errors=["cannot list the files: 404 [/x]"]))
    assert [r.cells[2].plain for r in errors] == ["cannot list the files: 404 [/x]"]


def test_the_status_line():
    progress = GrepProgress(3)
    progress.state = "listing"
    progress.listed = 2
    assert progress.describe().plain == "listing the files of 2/3 tasks  esc cancels"
    progress.state = "searching"
    progress.add(TaskGrep("a", hits=[GrepHit("a", "stdout.txt", "x", (), 0, 1)], bytes_read=2048, files_read=1))
    assert progress.describe().plain == \
        "searching 1/3 tasks · 2 KiB read · 1 matching line in 1 task  esc cancels"
    progress.add(TaskGrep("b", errors=["gone"], capped=["stdout.txt"]))
    progress.add(TaskGrep("c"))
    progress.state = "done"
    assert progress.describe().plain == ("searched 3 tasks · 2 KiB read · 1 matching line in 1 task · more matches"
                                         " than listed in 1 file · 1 task unreadable  enter: log at the line")
    progress.state = "cancelled"
    assert progress.describe().plain.startswith("cancelled after 3/3 tasks · 2 KiB read")
