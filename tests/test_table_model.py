"""TableModel without an app: keyed rows, sort, filter, marks, cursor and the visible window."""

from __future__ import annotations

import random

import pytest
from rich.text import Text

from batchtui.ui.model.row_filter import compile_filter
from batchtui.ui.model.table import TableModel
from batchtui.ui.model.table_row import Column, TableRow, cells_equal

COLUMNS = [Column("id", "ID", 10), Column("state", "STATE", 9), Column("exit", "EXIT", 4, "right")]


def row(key: str, state: str = "active", exit_code: int | None = None) -> TableRow:
    return TableRow(key, (key, Text(state, style="cyan"), "" if exit_code is None else str(exit_code)),
                    (key, state, exit_code))


def model_with(*rows: TableRow) -> TableModel:
    model = TableModel(COLUMNS)
    model.set_rows(rows)
    return model


# -- rows by key -------------------------------------------------------------------------------------------


def test_rows_are_kept_by_key_in_insertion_order() -> None:
    model = model_with(row("b"), row("a"), row("c"))
    assert model.view == ["b", "a", "c"] and list(model.rows) == ["b", "a", "c"]
    model.set_rows([row("x"), row("y"), row("x", "failed")])  # a key given twice: the last row wins
    assert model.view == ["x", "y"] and model.rows["x"].sort_keys[1] == "failed"


def test_upsert_replaces_by_key_and_appends_new_keys() -> None:
    model = model_with(row("a"), row("b"))
    result = model.upsert([row("b", "running"), row("c")])
    assert result.reordered  # c appeared
    assert model.view == ["a", "b", "c"] and model.rows["b"].sort_keys[1] == "running"


def test_upsert_reports_cells_changed_in_place_including_a_style_only_change() -> None:
    model = model_with(row("a"), row("b"))
    assert model.upsert([row("a"), row("b")]).changed == set()  # same values: nothing to redraw
    result = model.upsert([TableRow("a", ("a", Text("active", style="red"), ""), ("a", "active", None))])
    assert not result.reordered and result.changed == {"a"}
    assert cells_equal(("x", Text("y", style="red")), ("x", Text("y", style="red")))
    assert not cells_equal(("x", Text("y", style="red")), ("x", Text("y", style="blue")))
    assert not cells_equal(("y",), (Text("y"),))


def test_remove_ignores_unknown_keys_and_says_whether_marks_changed() -> None:
    model = model_with(row("a"), row("b"), row("c"))
    assert model.remove(["zzz"]) == (False, False)
    model.move_cursor(1)
    model.toggle_mark()  # b
    assert model.remove(["a"]) == (True, False)
    assert model.remove(["b", "nope"]) == (True, True)
    assert model.view == ["c"] and model.marks == set()


def test_search_text_defaults_to_the_plain_cells() -> None:
    assert row("Task-1", "running", 3).search_text == "task-1\nrunning\n3"  # one cell a line, lower-cased
    assert row("task-1", "running", 3).folded_text == "task-1 running 3"
    assert TableRow("k", ("A", ""), ("a", None)).folded_text == "a"


# -- sorting ----------------------------------------------------------------------------------------------


def test_sort_is_stable_and_reverse_keeps_ties_in_insertion_order() -> None:
    model = model_with(row("t1", "running"), row("t2", "active"), row("t3", "running"), row("t4", "active"))
    model.sort_by("state")
    assert model.view == ["t2", "t4", "t1", "t3"]
    assert (model.sort_column, model.sort_reverse) == ("state", False)
    model.sort_by("state")  # the same column again: reversed
    assert model.sort_reverse and model.view == ["t1", "t3", "t2", "t4"]
    model.sort_by("id")  # a new column: ascending
    assert not model.sort_reverse and model.view == ["t1", "t2", "t3", "t4"]
    model.sort_by(None)
    assert model.sort_column is None and model.view == ["t1", "t2", "t3", "t4"]
    with pytest.raises(KeyError):
        model.sort_by("nope")


def test_none_sorts_last_in_both_directions_and_mixed_types_still_sort() -> None:
    model = model_with(row("a", exit_code=None), row("b", exit_code=2), row("c", exit_code=1))
    model.sort_by("exit")
    assert model.view == ["c", "b", "a"]
    model.sort_by("exit", reverse=True)
    assert model.view == ["b", "c", "a"]
    mixed = TableModel([Column("v", "V", 5)])
    mixed.set_rows([TableRow(k, (k,), (v,)) for k, v in [("s", "x"), ("n", 2), ("m", 1), ("z", None)]])
    mixed.sort_by("v")  # numbers first, then text, None last
    assert mixed.view == ["m", "n", "s", "z"]
    mixed.upsert([TableRow("o", ("o",), ("a",))])
    assert mixed.view == ["m", "n", "o", "s", "z"]


def test_upserts_and_removals_agree_with_a_fresh_sort() -> None:
    rng = random.Random(11)
    states = ["active", "running", "completed", "failed"]
    model = TableModel(COLUMNS)
    reference: dict[str, TableRow] = {}
    for step in range(300):
        if step % 50 == 0:
            model.sort_by(rng.choice(["id", "state", "exit"]), reverse=rng.random() < 0.5)
            model.set_filter(rng.choice(["", "run", "!fail", "re:^task-0*[13]"]))
        batch = [row(f"task-{rng.randrange(60):03d}", rng.choice(states), rng.choice([None, 0, 1, 2]))
                 for _ in range(rng.choice([1, 3, 300]))]
        model.upsert(batch)
        reference.update((r.key, r) for r in batch)
        if rng.random() < 0.3:
            gone = rng.sample(sorted(reference), min(len(reference), rng.choice([1, 20])))
            model.remove(gone)
            for key in gone:
                del reference[key]
        assert list(model.rows) == list(reference)
        assert model.view == fresh_order(model, reference), step


def test_pages_bigger_than_the_insert_limit_merge_into_the_order_a_fresh_sort_gives() -> None:
    """Pages of hundreds of rows (a fill, a big refresh) take the merge path, not one insert per key: in
    the natural order, sorted either way, filtered or not, into an empty or a big table."""
    rng = random.Random(5)
    states = ["active", "running", "completed", "failed"]
    model = TableModel(COLUMNS)
    reference: dict[str, TableRow] = {}
    for step in range(80):
        if step % 10 == 0:
            model.sort_by(rng.choice([None, "id", "state", "exit"]), reverse=rng.random() < 0.5)
            model.set_filter(rng.choice(["", "run", "!fail"]))
        fresh = step % 3 == 0  # (a fill's page: keys never seen; else a mix of new and known keys)
        batch = [row(f"task-{(10_000 + step * 1000 + i) if fresh else rng.randrange(4000):05d}",
                     rng.choice(states), rng.choice([None, 0, 1, 2])) for i in range(rng.choice([300, 700]))]
        model.upsert(batch)
        reference.update((r.key, r) for r in batch)
        if rng.random() < 0.2:
            gone = rng.sample(sorted(reference), min(400, len(reference)))
            model.remove(gone)
            for key in gone:
                del reference[key]
        assert model.view == fresh_order(model, reference), step


def fresh_order(model: TableModel, rows: dict[str, TableRow]) -> list[str]:
    matcher, _ = compile_filter(model.filter_text)
    ordered = list(rows.values())
    if model.sort_column is not None:
        index = [c.key for c in model.columns].index(model.sort_column)
        present = [r for r in ordered if r.sort_keys[index] is not None]
        absent = [r for r in ordered if r.sort_keys[index] is None]
        present.sort(key=lambda r: r.sort_keys[index], reverse=model.sort_reverse)
        ordered = present + absent
    return [r.key for r in ordered if matcher is None or matcher(r)]


def test_columns_that_go_away_drop_their_sort() -> None:
    model = model_with(row("b"), row("a"))
    model.sort_by("id")
    assert model.view == ["a", "b"]
    model.set_columns(COLUMNS[1:])
    assert model.sort_column is None and model.view == ["b", "a"]


# -- filtering --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("", ["task-1", "task-2", "task-3", "other"]),
    ("RUN", ["task-1", "task-3"]),  # case-insensitive substring
    ("!run", ["task-2", "other"]),  # inverted
    ("re:^task-[12]$", ["task-1", "task-2"]),  # a regex, searched in each cell: ^ and $ anchor there
    ("/^ACTIVE$/", ["task-2"]),  # /regex/ too
    ("re:active 1", []),  # a regex does not match across cells
    ("active 1", ["task-2"]),  # a substring may
    ("!re:^task", ["other"]),
    ("!", ["task-1", "task-2", "task-3", "other"]),  # "!" alone: no filter
])
def test_filter_modes(text: str, expected: list[str]) -> None:
    model = model_with(row("task-1", "running"), row("task-2", "active", 1), row("task-3", "running"),
                       row("other", "failed", 2))
    assert model.set_filter(text) is None
    assert model.view == expected
    assert model.filter_text == ("" if text in ("", "!") else text)


def test_an_invalid_regex_keeps_the_previous_filter() -> None:
    model = model_with(row("a", "running"), row("b", "active"))
    model.set_filter("run")
    error = model.set_filter("re:(")
    assert error is not None and "Invalid regex" in error
    assert model.filter_text == "run" and model.view == ["a"]


def test_upserts_move_rows_in_and_out_of_the_filter() -> None:
    model = model_with(row("a", "running"), row("b", "active"), row("c", "running"))
    model.set_filter("running")
    model.upsert([row("a", "active"), row("b", "running"), row("d", "running")])
    assert model.view == ["b", "c", "d"]


# -- marks ------------------------------------------------------------------------------------------------


def test_marks_survive_filters_upserts_and_sorts_but_not_removal() -> None:
    model = model_with(row("a", "running"), row("b", "active"), row("c", "running"))
    model.move_cursor(1)
    assert model.toggle_mark() and model.marks == {"b"}
    model.set_filter("running")  # b is hidden, still marked
    assert model.view == ["a", "c"] and model.marks == {"b"}
    model.upsert([row("b", "failed"), row("d")])
    model.sort_by("state", reverse=True)
    model.set_filter("")
    assert model.marks == {"b"}
    assert model.set_rows([row("a"), row("c")]) is True  # b is gone: so is its mark
    assert model.marks == set()
    assert model.clear_marks() is False


def _states(*states: str) -> TableModel:
    return model_with(*(row(f"t{i}", state) for i, state in enumerate(states)))


def test_a_range_marks_from_the_last_mark_to_the_cursor_in_either_direction() -> None:
    model = _states("active", "running", "failed", "running", "active", "failed")
    model.move_cursor(1)
    model.toggle_mark()
    model.move_cursor(4)
    assert model.mark_range() == 3 and model.marks == {"t1", "t2", "t3", "t4"}
    model.move_cursor(0)  # the range now starts at t4, where the last one ended
    assert model.mark_range() == 1 and model.marks == {"t0", "t1", "t2", "t3", "t4"}
    model.clear_marks()
    model.move_cursor(5)
    assert model.mark_range() == 1 and model.marks == {"t5"}  # no mark yet: just the cursor row
    assert TableModel(COLUMNS).mark_range() == 0  # no rows, no cursor


def test_a_range_respects_the_filter() -> None:
    model = _states("active", "running", "failed", "running", "active")
    model.move_cursor(1)
    model.toggle_mark()  # t1
    model.set_filter("running")  # view: t1, t3
    model.reanchor()
    model.move_cursor(1)  # t3
    assert model.mark_range() == 1 and model.marks == {"t1", "t3"}  # t2 lies between them but is filtered out


def test_mark_all_and_mark_by_state_mark_only_rows_the_filter_passes() -> None:
    model = _states("active", "running", "failed", "running", "completed")
    model.set_filter("!active")
    assert model.mark_where("state", "Running") == 2 and model.marks == {"t1", "t3"}
    assert model.mark_where("state", "running") == 0  # already marked
    assert model.mark_where("state", "deleting") == 0
    with pytest.raises(KeyError):
        model.mark_where("nope", "x")
    assert model.mark_all() == 2 and model.marks == {"t1", "t2", "t3", "t4"}
    model.set_filter("running")
    assert model.hidden_marks() == 2
    model.set_filter("")
    assert model.hidden_marks() == 0
    assert model.clear_marks() and model.marks == set() and model.mark_anchor is None


def test_toggle_mark_needs_a_cursor_row() -> None:
    model = TableModel(COLUMNS)
    assert model.toggle_mark() is False and model.marks == set()


# -- the cursor and the visible window --------------------------------------------------------------------


def cursor_of(model: TableModel) -> tuple[int, str | None]:
    return model.cursor, model.cursor_key


def test_cursor_clamps_and_follows_its_key_through_a_reorder() -> None:
    model = model_with(*(row(f"t{i}", "running" if i % 2 else "active") for i in range(6)))
    assert model.move_cursor(99) == 0 and cursor_of(model) == (5, "t5")
    model.move_cursor(1)
    model.sort_by("state")  # active: t0 t2 t4, running: t1 t3 t5
    model.reanchor()
    assert model.cursor_key == "t1" and model.cursor == 3
    model.set_filter("active")  # t1 is hidden: the cursor keeps its index (clamped)
    model.reanchor()
    assert cursor_of(model) == (2, "t4")
    model.set_filter("nothing matches")
    model.reanchor()
    assert cursor_of(model) == (0, None)
    assert model.move_cursor(0) is None  # nothing to move to


def test_window_arithmetic() -> None:
    model = model_with(*(row(f"t{i:02d}") for i in range(50)))
    model.move_cursor(12)
    assert model.anchor(top=10, height=5) == 2
    assert model.anchor(top=13, height=5) is None  # above the window
    assert model.anchor(top=0, height=0) is None
    assert model.scroll_to_cursor(top=10, height=5) is None  # already shown
    assert model.scroll_to_cursor(top=20, height=5) == 12  # scroll up to it
    assert model.scroll_to_cursor(top=0, height=5) == 8  # scroll down: the cursor on the last line
    assert model.indexes_in_window({"t11", "t14", "t30"}, top=10, height=5) == [11, 14]
    assert model.indexes_in_window({"t49"}, top=45, height=10) == [49]
    assert model.index_of("t30") == 30 and model.index_of("zz") is None and model.index_of(None) is None


def test_a_substring_may_span_cells_and_a_regex_anchors_at_each_cell() -> None:
    rows = {r.key: r for r in (row("Build-1", "running", 3), row("build-2", "completed", 0))}
    keys = list(rows)

    def chosen(text: str) -> list[str]:
        matcher, error = compile_filter(text)
        assert matcher is not None and error is None
        assert [k for k in keys if matcher(rows[k])] == matcher.select(keys, rows)  # one answer, both paths
        return matcher.select(keys, rows)

    assert chosen("BUILD") == ["Build-1", "build-2"]  # case-insensitive
    assert chosen("running 3") == ["Build-1"]  # across two cells, as they read across the row
    assert chosen("!running 3") == ["build-2"]
    assert chosen("ng3") == []  # (no space: cells never run together)
    assert chosen("re:^completed$") == ["build-2"]
    assert chosen("re:^BUILD-1") == ["Build-1"]


def test_glyphs_are_found_by_filters_while_the_search_text_stays_one_byte_a_character() -> None:
    rows = [TableRow("a", ("a", Text("✓ completed", style="green"), "0"), ("a", "completed", 0)),
            TableRow("b", ("b", Text("✗ failed", style="red"), "1"), ("b", "failed", 1)),
            TableRow("c", ("c", Text("▶ straggler", style="yellow"), ""), ("c", "running", None))]
    model = model_with(*rows)
    assert all(max(map(ord, r.search_text)) < 256 for r in model.rows.values())  # Latin-1: 1 byte a char
    for text, expected in [("✓", ["a"]), ("✗ failed", ["b"]), ("re:^▶ straggler$", ["c"]), ("re:^[✓✗]", ["a", "b"]),
                           ("!✓", ["b", "c"]), ("completed", ["a"]), ("/^✗ fail/", ["b"])]:
        assert model.set_filter(text) is None
        assert model.view == expected, text


def test_a_big_sort_by_a_column_of_few_values_gives_the_order_of_a_stable_sort() -> None:
    """(Few distinct values among many rows go by buckets: the order must be the sort's, ties in insertion
    order and None last, either way; a column of many values still sorts.)"""
    rng = random.Random(3)
    rows = [row(f"t{i:05d}", rng.choice(["active", "running", "completed", "failed"]),
                rng.choice([None, 0, 1, 2, 137])) for i in range(12_000)]
    model = model_with(*rows)
    reference = {r.key: r for r in rows}
    for column in ("state", "exit", "id"):
        for reverse in (False, True):
            model.sort_by(column, reverse=reverse)
            assert model.view == fresh_order(model, reference), (column, reverse)


# -- the bulk paths (every row read in its own order, then the display order kept) ------------------------


@pytest.mark.parametrize("text", ["b", "!b", "re:^k-1", "!re:^k-1", "k-1 ", "!k-1 "])
def test_a_filter_of_every_row_agrees_with_one_row_at_a_time(text: str) -> None:
    rng = random.Random(7)
    rows = [row(f"k-{i}", rng.choice(["a", "b", "c"]), rng.choice([0, 1, None])) for i in range(300)]
    model = model_with(*rows)
    model.sort_by("exit", True)  # the display order is not the rows' own
    matcher, _ = compile_filter(text)
    assert matcher is not None
    expected = [k for k in model.view if matcher(model.rows[k])]
    assert matcher.select(model.view, model.rows) == expected  # every row: read in the rows' order
    some = model.view[:50]
    assert matcher.select(some, model.rows) == [k for k in some if matcher(model.rows[k])]  # some rows: by key


def test_a_sort_of_every_row_agrees_with_a_sort_of_some() -> None:
    rng = random.Random(3)
    model = model_with(*[row(f"k-{i}", rng.choice(["a", "b"]), rng.choice([2, 1, None])) for i in range(200)])
    model.sort_by("exit")
    every = list(model.view)
    want = sorted((k for k in model.rows), key=lambda k: (model.rows[k].sort_keys[2] is None,
                                                          model.rows[k].sort_keys[2] or 0))
    assert every == want  # stable: ties in insertion order, None last
