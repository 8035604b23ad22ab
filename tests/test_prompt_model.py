"""The prompt's plain models: history (↑/↓), Tab completion, and the widths a table's content needs."""

from __future__ import annotations

from rich.text import Text

from batchtui.ui.model.column_widths import SAMPLE, ContentWidths
from batchtui.ui.model.completion import Completer, split_word
from batchtui.ui.model.prompt_history import PromptHistory
from batchtui.ui.model.table_row import TableRow

# -- history ----------------------------------------------------------------------------------------------


def test_history_walks_back_and_forth_and_keeps_the_draft() -> None:
    history = PromptHistory()
    for line in ("jobs", "tasks a", "tasks a", " ", "pools"):
        history.add(line)
    assert history.entries == ["jobs", "tasks a", "pools"]  # no blank line, no repeat in a row
    assert history.older("tas") == "pools"
    assert history.older("pools") == "tasks a"
    assert history.older("tasks a") == "jobs"
    assert history.older("jobs") is None  # the oldest: stays
    assert history.newer() == "tasks a"
    assert history.newer() == "pools"
    assert history.newer() == "tas"  # back to what was being typed
    assert history.newer() is None  # not browsing any more


def test_history_is_bounded_and_adding_restarts_browsing() -> None:
    history = PromptHistory(limit=2)
    for line in ("a", "b", "c"):
        history.add(line)
    assert history.entries == ["b", "c"]
    assert history.older("") == "c"
    history.add("d")
    assert history.older("") == "d"
    assert PromptHistory().older("x") is None


# -- completion -------------------------------------------------------------------------------------------


def test_split_word() -> None:
    assert split_word("tasks nigh") == ("tasks ", "nigh")
    assert split_word("ta") == ("", "ta")
    assert split_word("tasks ") == ("tasks ", "")


def test_a_unique_match_is_completed_with_its_suffix() -> None:
    completer = Completer()
    assert completer.complete("ta", ["tasks", "pools"], suffix=" ").text == "tasks "
    assert completer.complete("tasks NIG", ["nightly-etl", "render"]).text == "tasks nightly-etl"
    result = completer.complete("tasks zzz", ["nightly-etl"])
    assert result.text == "tasks zzz" and result.candidates == ()


def test_several_matches_extend_to_their_common_prefix_then_cycle() -> None:
    completer = Completer()
    jobs = ["render-b", "render-a", "nightly"]
    first = completer.complete("tasks r", jobs)
    assert first.text == "tasks render-" and first.candidates == ("render-a", "render-b")
    assert completer.complete(first.text, jobs).text == "tasks render-a"
    assert completer.complete("tasks render-a", jobs).text == "tasks render-b"
    assert completer.complete("tasks render-b", jobs).text == "tasks render-a"  # round again
    # An edited line starts over.
    assert completer.complete("tasks n", jobs).text == "tasks nightly"


def test_no_prefix_match_falls_back_to_words_containing_it() -> None:
    completer = Completer()
    frames = ["frame-0001", "frame-0012", "frame-0120"]
    result = completer.complete("012", frames)
    assert result.candidates == ("frame-0012", "frame-0120") and result.text == "frame-0012"
    assert completer.complete("frame-0012", frames).text == "frame-0120"
    assert completer.complete("", ["b", "a"]).candidates == ("a", "b")


# -- content widths ---------------------------------------------------------------------------------------


def test_content_widths_measure_plain_text_in_cells_and_only_grow_with_updates() -> None:
    widths = ContentWidths()
    rows = [TableRow("a", ("a", Text("running", style="red"), ""), (0, 0, 0)),
            TableRow("日本", ("日本", "x", "12"), (0, 0, 0))]
    widths.measure(rows, 3)
    assert widths.widths == (4, 7, 2)
    widths.grow([TableRow("z", ("z" * 9, "", ""), (0, 0, 0))])
    assert widths.widths == (9, 7, 2)
    widths.measure(rows[:1], 3)  # a new listing starts over
    assert widths.widths == (1, 7, 0)


def test_content_widths_of_a_big_table_come_from_a_sample() -> None:
    rows = [TableRow(f"k{i}", (f"{i:06d}",), (i,)) for i in range(SAMPLE * 10)]
    rows[1] = TableRow("wide", ("w" * 50,), (1,))  # not in the sample
    widths = ContentWidths()
    widths.measure(rows, 1)
    assert widths.widths == (6,)
