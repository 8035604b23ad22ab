"""The pure models under the triage views: histogram bins and bars (ui/model/histogram.py), the clusters
view's strings (ui/model/failure_clusters.py), and a table filtered to exactly some keys (KeyFilter)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from batchtui.service.models import TaskRow
from batchtui.service.triage import Clusterer, TailLine
from batchtui.ui.model.failure_clusters import Progress, filter_name, ids_preview, ids_text, nodes_text
from batchtui.ui.model.histogram import (
    bar_line,
    bar_text,
    duration_bars,
    durations_of,
    exit_code_bars,
    exit_codes_of,
    percentile,
    shares,
    span_label,
    spread,
)
from batchtui.ui.model.table import TableModel
from batchtui.ui.model.table_row import Column, TableRow

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def task(task_id: str, exit_code: int | None = 0, seconds: float | None = 1.0, node: str = "n1") -> TaskRow:
    start = T0 if seconds is not None else None
    end = T0 + timedelta(seconds=seconds) if seconds is not None else T0
    result = "success" if exit_code == 0 else "failure"
    return TaskRow(task_id, "job", "completed", exit_code, result, None if exit_code == 0 else "FailureExitCode",
                   node, T0, end, start, end, 0, 0, "usererror" if exit_code else None)


# -- histograms -----------------------------------------------------------------------------------
def test_exit_code_bars_one_per_code_in_code_order_with_their_filter():
    tasks = [task("a", 3), task("b", 0), task("c", 3), task("d", 127), task("e", None)]
    bars = exit_code_bars(exit_codes_of(tasks))
    assert [(b.label, b.count, b.task_ids) for b in bars] == [
        ("exit 0", 1, ("b",)), ("exit 3", 2, ("a", "c")), ("exit 127", 1, ("d",)), ("no exit code", 1, ("e",))]
    assert bars[1].odata == "executionInfo/exitCode eq 3" and bars[1].name == "2 tasks with exit code 3"
    assert bars[3].odata is None and bars[3].name == "1 task without an exit code"


def test_rare_exit_codes_share_one_bar_listed_by_ids():
    tasks = [task(f"t{code}-{i}", code) for code in range(1, 6) for i in range(code)]
    bars = exit_code_bars(exit_codes_of(tasks), most_codes=3)
    assert [b.label for b in bars] == ["exit 4", "exit 5", "3 other codes"]
    other = bars[-1]
    assert other.count == 1 + 2 + 3 and other.odata is None and other.name == "6 tasks with exit codes 1, 2, 3"


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 0.5) == 50 and percentile(values, 0.95) == 95 and percentile(values, 1) == 100
    assert percentile([7.0], 0.95) == 7.0
    assert spread([3.0, 1.0, 2.0]) == spread([1.0, 2.0, 3.0]) and spread([]) is None
    found = spread(float(v) for v in values)
    assert (found.count, found.p50, found.p95, found.most) == (100, 50, 95, 100)
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_durations_need_a_start_and_an_end():
    assert durations_of([task("a", seconds=2.5), task("b", seconds=None)]) == {"a": 2.5}


def test_even_bins_on_a_round_step_cover_every_task():
    seconds = {f"t{i}": 600 + i * 2.4 for i in range(51)}  # 10m to 12m
    bars = duration_bars(seconds)
    assert len(bars) <= 10 and sum(b.count for b in bars) == 51
    assert bars[0].label == "10m–10m15s" and bars[-1].label.endswith("12m15s")
    assert sorted(i for b in bars for i in b.task_ids) == sorted(seconds)
    assert bars[0].name == f"{bars[0].count} tasks that ran 10m–10m15s"


def test_a_long_tail_gets_growing_bins_and_empty_bins_show():
    seconds = {f"t{i}": 12.0 for i in range(50)} | {"slow": 7000.0}
    bars = duration_bars(seconds)
    assert bars[0].label == "10s–30s" and bars[0].count == 50
    assert bars[-1].label == "1h–2h" and bars[-1].task_ids == ("slow",)
    assert any(b.count == 0 for b in bars)  # the gap between the bulk and the straggler reads as such


def test_durations_all_equal_make_one_bar_and_none_make_none():
    assert [(b.label, b.count) for b in duration_bars({"a": 0.0, "b": 0.0})] == [("0s", 2)]
    assert duration_bars({}) == []


def test_span_labels_read_as_durations():
    assert span_label(0.1, 0.2) == "0.1s–0.2s"
    assert span_label(60, 120) == "1m–2m" and span_label(90, 105) == "1m30s–1m45s"
    assert span_label(3600, 7200) == "1h–2h" and span_label(0, 1.5) == "0s–1.5s"


def test_bars_in_eighths_and_a_line_that_fits():
    assert bar_text(0, 10, 5) == "     " and bar_text(10, 10, 5) == "█████"
    assert bar_text(1, 1000, 5) == "▏    "  # a count above 0 never draws as nothing
    assert bar_text(5, 10, 5) == "██▌  "
    for width in (40, 80, 120):
        label, drawn, tail = bar_line(exit_code_bars({"a": 3})[0], 1, 1, width, 8)
        assert len(label + drawn + tail) == width and tail.split() == ["1", "100%"]
    rare = exit_code_bars({"a": 3})[0]
    assert bar_line(rare, 1000, 1000, 80, 8)[2].split() == ["1", "<1%"]
    assert bar_line(rare, 37, 40, 80, 8, "93%")[2].split() == ["1", "93%"]


def test_shares_add_up_to_100_percent():
    assert shares([37, 1, 1, 1]) == ["93%", "3%", "2%", "2%"]  # (92.5 and 2.5: the first largest remainder)
    assert shares([1, 1, 1]) == ["34%", "33%", "33%"]
    assert shares([999, 1]) == ["100%", "<1%"] and shares([3, 1]) == ["75%", "25%"]
    assert shares([0, 0]) == ["", ""] and shares([]) == []
    for counts in ([7, 5, 3, 2, 1], [1] * 7, [123, 45, 6, 7, 8, 9], [40, 30, 20, 10]):
        assert sum(int(share.rstrip("%")) for share in shares(counts)) == 100


# -- the clusters view's strings ---------------------------------------------------------------
def test_progress_line_as_tails_arrive():
    progress = Progress()
    assert progress.text() == "listing the failed tasks…"
    progress.failed = 1200
    progress.read, progress.cached, progress.causes = 812, 300, 3
    assert progress.text() == "read 812 of 1,200 tails (300 cached) · 3 causes so far"
    progress.read, progress.unread, progress.done = 1200, 2, True
    assert progress.text() == ("1,200 failed tasks, 3 causes · every tail read (300 cached) · 2 could not be "
                               "read (grouped by failureInfo)")
    assert Progress(failed=0).text() == "no failed task"
    assert Progress(problem="job x was not found").text() == "cannot list the failed tasks: job x was not found"


def test_nodes_ids_and_names():
    nodes = Counter({"tvm-1": 3, "tvm-2": 2, "tvm-3": 1})
    assert nodes_text(nodes) == "tvm-1 ×3, tvm-2 ×2 +1 node"
    assert nodes_text(nodes, most=1) == "tvm-1 ×3 +2 nodes" and nodes_text(Counter()) == "no node"
    assert ids_preview(["a", "b"]) == "a, b" and ids_preview(list("abcdef")) == "a, b, c, d, … (+2)"
    assert ids_text(["b", "a"]) == "a\nb\n"
    clusterer = Clusterer()
    for i in range(5):
        cluster = clusterer.add(task(f"c{i}", 3), TailLine(f"ERROR shard {i}: checksum mismatch", "stderr.txt", 2))
    name = filter_name(cluster)
    assert name.startswith("5 tasks of: exit 3, FailureExitCode") and len(name) <= 48 and name.endswith("…")


# -- a table filtered to exactly some keys --------------------------------------------------------
def rows(*keys: str) -> list[TableRow]:
    return [TableRow(k, (k,), (k,)) for k in keys]


def test_a_key_filter_shows_exactly_its_rows_and_keeps_its_name():
    model = TableModel([Column("id", "ID", 10)])
    model.set_rows(rows("a-1", "a-2", "b-1", "a-10"))
    assert model.set_filter("2 tasks of: cause", keys=["a-1", "a-10", "gone"]) is None
    assert model.view == ["a-1", "a-10"] and model.filter_text == "2 tasks of: cause"
    model.upsert(rows("gone", "c-1"))  # a row of the set arriving later passes; others do not
    assert model.view == ["a-1", "a-10", "gone"]
    assert model.mark_all() == 3 and model.marks == {"a-1", "a-10", "gone"}
    model.set_filter("b")  # typed text is the filter language again
    assert model.view == ["b-1"]
    model.set_filter("2 tasks of: cause")  # the name put back (the prompt cancelled): the same keys
    assert model.view == ["a-1", "a-10", "gone"]
    model.set_filter("")
    assert len(model.view) == 6
