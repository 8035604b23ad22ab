"""ResourceTable: a virtualised, sortable, filterable Line API table."""

from __future__ import annotations

import random

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.app import App, ComposeResult

from batchtui.ui.widgets.resource_table import Column, ResourceTable, TableRow

COLUMNS = [
    Column("id", "ID", 12, flex=True),
    Column("state", "STATE", 9),
    Column("exit", "EXIT", 4, "right"),
]
STATE_STYLE = {"active": "cyan", "running": "green", "completed": "blue", "failed": "red"}


def row(key: str, state: str = "active", exit_code: int | None = None, *, search_text: str = "") -> TableRow:
    return TableRow(
        key=key,
        cells=(key, Text(state, style=STATE_STYLE.get(state, "")), "" if exit_code is None else str(exit_code)),
        sort_keys=(key, state, exit_code),
        search_text=search_text,
    )


def numbered(n: int) -> list[TableRow]:
    states = ["active", "running", "completed", "failed"]
    return [row(f"task-{i:03d}", states[i % 4], i % 5 if i % 4 >= 2 else None) for i in range(n)]


class TableApp(App):
    def __init__(self, rows: list[TableRow] = (), columns: list[Column] = COLUMNS) -> None:
        super().__init__()
        self._initial_rows = list(rows)
        self._columns = columns
        self.highlighted: list[str | None] = []
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield ResourceTable(self._columns, id="table")

    def on_mount(self) -> None:
        table = self.query_one(ResourceTable)
        table.set_rows(self._initial_rows)
        table.focus()

    def on_resource_table_row_highlighted(self, message: ResourceTable.RowHighlighted) -> None:
        self.highlighted.append(message.key)

    def on_resource_table_row_selected(self, message: ResourceTable.RowSelected) -> None:
        self.selected.append(message.key)


def lines(table: ResourceTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def screen_keys(table: ResourceTable) -> list[str]:
    """Row keys shown on screen, read back from the rendered text (first cell)."""
    keys = []
    for text in lines(table)[1:]:
        first = text[1:].split(" ", 1)[0]
        if first:
            keys.append(first)
    return keys


# ---------------------------------------------------------------- rendering


async def test_renders_header_and_rows_with_cursor_on_first_row():
    app = TableApp(numbered(5))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        header = table.render_line(0).text
        assert header.split() == ["ID", "STATE", "EXIT"]
        assert header.startswith(" ID ")
        first = table.render_line(1).text
        assert first.split() == ["task-000", "active"]
        assert table.render_line(3).text.split() == ["task-002", "completed", "2"]
        assert table.cursor_key == "task-000"
        assert app.highlighted == ["task-000"]
        # Every line is exactly as wide as the widget.
        assert {cell_len(text) for text in lines(table)} == {80}
        # Right-aligned EXIT column: the digit ends where the header label ends.
        assert table.render_line(3).text.rstrip().__len__() == header.rstrip().__len__()


async def test_cursor_and_header_use_component_styles():
    app = TableApp(numbered(3))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        cursor_bg = table.get_component_rich_style("resource-table--cursor").bgcolor
        header_style = table.get_component_rich_style("resource-table--header")
        assert header_style.bold
        cursor_line = table.render_line(1)
        other_line = table.render_line(2)
        assert all(seg.style.bgcolor == cursor_bg for seg in cursor_line if seg.text.strip())
        assert all(seg.style.bgcolor != cursor_bg for seg in other_line)
        assert table.render_line(0)._segments[0].style.bold
        # Cells keep their own colour, except under the cursor, whose colour
        # wins (as in DataTable) so a coloured cell stays readable.
        cursor_color = table.get_component_rich_style("resource-table--cursor").color
        assert all(seg.style.color == cursor_color for seg in cursor_line)
        state = [seg for seg in other_line if seg.text.strip() == "running"][0]
        assert state.style.color.name == "green"


async def test_cells_are_cropped_to_their_column_and_wide_chars_keep_alignment():
    columns = [Column("name", "NAME", 8), Column("state", "STATE", 6), Column("note", "NOTE", 10, flex=True)]
    rows = [
        TableRow("a", ("a-very-long-name", "running-long", "ok"), ("a", "r", "ok")),
        TableRow("b", ("日本語日本語", "✅ok", "x"), ("b", "o", "x")),
        TableRow("c", ("emoji😀😀😀😀", Text("multi\nline", style="red"), "tab\there"), ("c", "m", "t")),
        TableRow("d", ("short", "s", "n"), ("d", "s", "n")),
    ]
    app = TableApp(rows, columns)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        rendered = lines(table)[:5]
        assert all(cell_len(text) == 40 for text in rendered)
        # Columns start at the same cell offset on every line: 1 (gutter) + 8 + 1 = 10, then 10 + 6 + 1 = 17.
        for text in rendered:
            cells = _split_cells(text, [8, 6, 40 - 17])
            assert len(cells) == 3
        name, state, note = _split_cells(rendered[1], [8, 6, 23])
        assert name == "a-very-…" and state == "runni…"
        name, state, _ = _split_cells(rendered[2], [8, 6, 23])
        assert cell_len(name) == 8 and name.startswith("日本語")
        name, state, note = _split_cells(rendered[3], [8, 6, 23])
        assert state.startswith("multi") and "\n" not in state
        assert note.startswith("tab here")


def _split_cells(text: str, widths: list[int]) -> list[str]:
    """Split a rendered line into cells by *cell* width: a 1-cell mark gutter,
    then each column followed by a 1-cell separator. Fails if a cell boundary
    falls inside a character or a separator is not a space."""
    chars = list(text)
    index = 1  # the gutter is one narrow character
    out = []
    for width in widths:
        cell, used = "", 0
        while used < width and index < len(chars):
            cell += chars[index]
            used += cell_len(chars[index])
            index += 1
        assert used == width, (text, cell, used, width)
        out.append(cell)
        if index < len(chars):
            assert chars[index] == " ", (text, index)
            index += 1
    return out


async def test_flex_column_takes_leftover_width_and_narrow_widget_scrolls_horizontally():
    columns = [Column("id", "ID", 10, flex=True), Column("a", "A", 30), Column("b", "B", 30), Column("z", "ZZZ", 5)]
    rows = [TableRow(f"r{i}", (f"r{i}", "a" * 40, "b" * 40, "end"), (i, i, i, i)) for i in range(3)]
    app = TableApp(rows, columns)
    async with app.run_test(size=(50, 10)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        # Too narrow: ID (cells "r0": 2) and ZZZ (3) give up the room they do not use, then the table scrolls.
        assert table.virtual_size.width == 1 + 2 + 30 + 30 + 3 + 3
        assert "ZZZ" not in table.render_line(0).text
        table.scroll_to(x=table.max_scroll_x, animate=False)
        await pilot.pause()
        assert table.render_line(0).text.rstrip().endswith("ZZZ")
        assert table.render_line(1).text.rstrip().endswith("end")
        # The first column stays put while the others scroll behind it.
        assert table.render_line(0).text.startswith(" ID ") and table.render_line(1).text.startswith(" r0 ")
    short = [TableRow("r0", ("r0", "note", "x"), (0, 0, 0))]
    app = TableApp(short, [Column("id", "ID", 4), Column("note", "NOTE", 6, flex=True), Column("x", "X", 3)])
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        header = table.render_line(0).text
        # ID(4) + NOTE(flex 6, grows to twice its width, 12, when its cells need no more) + X(3)
        assert header.index("X") == 1 + 4 + 1 + 12 + 1
    app = TableApp(rows[:1], [Column("id", "ID", 4), Column("note", "NOTE", 6, flex=True), Column("x", "X", 3)])
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        # Its cells need 40: it takes all the leftover (30 cells).
        assert table.render_line(0).text.index("X") == 1 + 4 + 1 + 30 + 1


async def test_columns_give_up_the_room_their_cells_leave_before_the_id_is_cut():
    columns = [Column("id", "ID", 30, flex=True), Column("a", "A", 10), Column("z", "ZZZ", 5)]
    rows = [TableRow("r0", ("x" * 30, "a", "end"), (0, 0, 0))]
    app = TableApp(rows, columns)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        # 1 + 30 + 10 + 5 + 2 = 48 preferred; column A ("a") gives up 8 of its 10 cells, the id keeps all 30.
        assert table.virtual_size.width == 40
        header = table.render_line(0).text
        assert "ZZZ" in header and table.max_scroll_x == 0
        assert "x" * 30 in table.render_line(1).text and "…" not in table.render_line(1).text
    long_ids = [TableRow("r0", ("x" * 30, "a" * 10, "end"), (0, 0, 0))]
    app = TableApp(long_ids, columns)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        # No room to spare: the id gives up what is over 60% of the width (24 cells).
        assert table.render_line(1).text.startswith(" " + "x" * 23 + "… " + "a" * 10)
        assert table.max_scroll_x == 0


async def test_left_and_right_scroll_a_column_at_a_time():
    columns = [Column("id", "ID", 6, flex=True), Column("a", "AAA", 20), Column("b", "BBB", 20),
               Column("c", "CCC", 20)]
    rows = [TableRow("r0", ("r0", "a" * 20, "b" * 20, "c" * 20), (0, 0, 0, 0))]
    app = TableApp(rows, columns)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        header = lambda: table.render_line(0).text  # noqa: E731
        assert header().split()[:3] == ["ID", "AAA", "BBB"]
        await pilot.press("right")
        assert header().split()[:3] == ["ID", "BBB", "CCC"]  # one whole column, the id stays
        await pilot.press("right")
        assert table.scroll_offset.x == table.max_scroll_x and header().rstrip().endswith("CCC")
        await pilot.press("right")
        assert table.scroll_offset.x == table.max_scroll_x
        await pilot.press("left")
        assert header().split()[:3] == ["ID", "BBB", "CCC"]
        await pilot.press("left", "left")
        assert table.scroll_offset.x == 0 and header().split()[:3] == ["ID", "AAA", "BBB"]


async def test_empty_text_is_centred_and_filter_has_its_own_message():
    app = TableApp([])
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.empty_text = "No tasks"
        await pilot.pause()
        rendered = lines(table)
        found = [y for y, text in enumerate(rendered) if "No tasks" in text]
        assert len(found) == 1 and 8 <= found[0] <= 14
        text = rendered[found[0]]
        left = len(text) - len(text.lstrip())
        assert abs(left - (80 - len("No tasks")) // 2) <= 1
        assert table.cursor_key is None
        table.set_rows(numbered(3))
        table.set_filter("nothing-matches-this")
        await pilot.pause()
        assert any("No rows match" in text for text in lines(table))
        assert table.row_count == 0 and table.total_count == 3


# ------------------------------------------------------------------ cursor


async def test_cursor_keys_move_and_post_highlighted():
    app = TableApp(numbered(50))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.press("down", "j", "j")
        await pilot.pause()
        assert table.cursor_key == "task-003"
        await pilot.press("k", "up")
        assert table.cursor_key == "task-001"
        await pilot.press("up", "up")
        assert table.cursor_key == "task-000"
        await pilot.press("G")
        assert table.cursor_key == "task-049"
        await pilot.press("g")
        assert table.cursor_key == "task-000"
        await pilot.press("end")
        assert table.cursor_key == "task-049"
        await pilot.press("home")
        assert table.cursor_key == "task-000"
        await pilot.press("pagedown")
        page = table.size.height - 1
        assert table.cursor_row == page
        await pilot.press("pagedown", "pagedown", "pagedown")
        assert table.cursor_key == "task-049"
        await pilot.press("pageup")
        assert table.cursor_row == 49 - page
        await pilot.pause()
        assert app.highlighted[:4] == ["task-000", "task-001", "task-002", "task-003"]
        assert app.highlighted[-1] == table.cursor_key
        # No duplicate consecutive messages for "no move" presses.
        assert all(a != b for a, b in zip(app.highlighted, app.highlighted[1:], strict=False))


async def test_enter_posts_row_selected_with_key():
    app = TableApp(numbered(10))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "j", "enter")
        await pilot.pause()
        assert app.selected == ["task-002"]


async def test_bindings_have_descriptions():
    keys = {}
    for binding in ResourceTable.BINDINGS:
        for key in binding.key.split(","):
            keys[key] = binding.description
    for key in ["up", "down", "k", "j", "pageup", "pagedown", "home", "end", "g", "G", "enter", "space"]:
        assert keys.get(key), key


async def test_header_stays_fixed_while_rows_scroll():
    app = TableApp(numbered(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        header = table.render_line(0).text
        await pilot.press("G")
        await pilot.pause()
        assert table.scroll_offset.y > 0
        assert table.render_line(0).text == header
        keys = screen_keys(table)
        assert keys[-1] == "task-099"
        assert len(keys) == 23 and keys[0] == "task-077"
        # The cursor row is the last line on screen, and highlighted.
        cursor_bg = table.get_component_rich_style("resource-table--cursor").bgcolor
        assert list(table.render_line(23))[0].style.bgcolor == cursor_bg
        await pilot.press("k")
        assert table.scroll_offset.y == 77  # moving inside the window does not scroll
        await pilot.press("g")
        await pilot.pause()
        assert table.scroll_offset.y == 0 and screen_keys(table)[0] == "task-000"


async def test_mouse_click_moves_cursor_and_clicking_header_sorts():
    app = TableApp(numbered(10))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.click(ResourceTable, offset=(3, 4))
        await pilot.pause()
        assert table.cursor_key == "task-003"
        await pilot.click(ResourceTable, offset=(3, 4))
        await pilot.pause()
        assert app.selected == ["task-003"]
        state_x = table.render_line(0).text.index("STATE")
        await pilot.click(ResourceTable, offset=(state_x, 0))
        await pilot.pause()
        assert table.sort_column == "state" and table.sort_reverse is False


async def test_100k_rows_load_and_scroll_to_end():
    rows = [TableRow(f"t{i:06d}", (f"t{i:06d}", "running", str(i % 10)), (i, "running", i % 10))
            for i in range(100_000)]
    app = TableApp(rows)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        assert table.row_count == 100_000
        assert table.virtual_size.height == 100_001
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor_key == "t099999"
        assert table.scroll_offset.y == 100_001 - 24
        assert screen_keys(table)[-1] == "t099999"
        await pilot.press("pageup", "k")
        await pilot.pause()
        assert table.cursor_row == 99_999 - 23 - 1
        table.sort_by("id", reverse=True)
        await pilot.pause()
        assert table.cursor_key == f"t{99_999 - 24:06d}"
        assert table.cursor_key in screen_keys(table)


# ------------------------------------------------------------------ sorting


async def test_sort_by_column_toggles_and_puts_none_last():
    rows = [
        row("a", "running", 2),
        row("b", "failed", None),
        row("c", "active", 0),
        row("d", "completed", 1),
        row("e", "running", None),
    ]
    app = TableApp(rows)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.sort_by("exit")
        await pilot.pause()
        assert table.visible_keys == ["c", "d", "a", "b", "e"]
        assert table.sort_column == "exit" and table.sort_reverse is False
        assert "▲" in table.render_line(0).text
        assert screen_keys(table) == ["c", "d", "a", "b", "e"]
        table.sort_by("exit")  # same column again: toggles
        await pilot.pause()
        assert table.sort_reverse is True
        assert table.visible_keys == ["a", "d", "c", "b", "e"]  # None still last
        assert "▼" in table.render_line(0).text
        table.sort_by("exit", reverse=True)  # explicit: no toggle
        assert table.sort_reverse is True
        table.sort_by("state")  # new column: ascending
        assert table.sort_reverse is False
        # Ties keep insertion order (a before e).
        assert table.visible_keys == ["c", "d", "b", "a", "e"]
        table.sort_by("state", reverse=True)
        assert table.visible_keys == ["a", "e", "b", "d", "c"]
        table.sort_by(None)
        assert table.visible_keys == ["a", "b", "c", "d", "e"]
        assert table.sort_column is None
        with pytest.raises(KeyError):
            table.sort_by("nope")


async def test_sort_keeps_cursor_on_same_key_and_scrolls_to_it():
    app = TableApp(numbered(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.press("j", "j", "j")
        assert table.cursor_key == "task-003"
        table.sort_by("id", reverse=True)
        await pilot.pause()
        assert table.cursor_key == "task-003"
        assert table.cursor_row == 96
        assert "task-003" in screen_keys(table)


async def test_mixed_type_sort_keys_do_not_crash():
    rows = [TableRow(k, (k, "", ""), (k, v, None)) for k, v in [("a", 3), ("b", "x"), ("c", None), ("d", 1.5)]]
    app = TableApp(rows)
    async with app.run_test(size=(80, 24)):
        table = app.query_one(ResourceTable)
        table.sort_by("state")
        assert table.visible_keys == ["d", "a", "b", "c"]
        table.upsert_rows([TableRow("e", ("e", "", ""), ("e", 2, None))])
        assert table.visible_keys == ["d", "e", "a", "b", "c"]


# ---------------------------------------------------------------- filtering


async def test_filter_substring_regex_invert_and_invalid_regex():
    rows = [
        row("build-1", "running"),
        row("build-2", "failed", 3),
        row("TEST-1", "completed", 0),
        row("deploy", "active", search_text="deploy prod EU"),
    ]
    app = TableApp(rows)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        assert table.set_filter("BUILD") is None
        assert table.visible_keys == ["build-1", "build-2"]
        assert table.filter_text == "BUILD"
        assert table.row_count == 2 and table.total_count == 4
        await pilot.pause()
        assert screen_keys(table) == ["build-1", "build-2"]
        assert table.set_filter("test-1 completed") is None  # default search text: cells joined by spaces
        assert table.visible_keys == ["TEST-1"]
        assert table.set_filter("prod") is None  # explicit search_text
        assert table.visible_keys == ["deploy"]
        assert table.set_filter("re:^build-\\d$") is None  # a regex is searched in each cell: ^ $ anchor there
        assert table.visible_keys == ["build-1", "build-2"]
        assert table.set_filter("re:^(running|failed)$") is None
        assert table.visible_keys == ["build-1", "build-2"]
        assert table.set_filter("re:build-1 running") is None  # no match across two cells
        assert table.visible_keys == []
        assert table.set_filter("/-1/") is None
        assert table.visible_keys == ["build-1", "TEST-1"]
        assert table.set_filter("!build") is None
        assert table.visible_keys == ["TEST-1", "deploy"]
        assert table.set_filter("!re:^(build|test)") is None
        assert table.visible_keys == ["deploy"]
        error = table.set_filter("re:build-(")
        assert error is not None and "regex" in error.lower()
        assert table.filter_text == "!re:^(build|test)"  # previous filter kept
        assert table.visible_keys == ["deploy"]
        assert table.set_filter("/[/") is not None
        assert table.set_filter("!") is None  # nothing after the "!": no filter
        assert table.row_count == 4
        assert table.set_filter("failed") is None
        assert table.set_filter("") is None
        assert table.filter_text == "" and table.row_count == 4


async def test_filter_and_sort_compose_and_cursor_follows_key():
    app = TableApp(numbered(40))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.move_cursor_to_key("task-013")  # running
        table.sort_by("id", reverse=True)
        table.set_filter("running")
        await pilot.pause()
        assert table.visible_keys == [f"task-{i:03d}" for i in range(37, -1, -4)]
        assert table.cursor_key == "task-013"
        # Filtering the cursor row away: the cursor stays at the same index.
        index = table.cursor_row
        table.set_filter("!task-013")
        assert table.cursor_key == table.visible_keys[index]
        table.set_filter("zzz")
        await pilot.pause()
        assert table.cursor_key is None
        assert app.highlighted[-1] is None
        table.set_filter("")
        assert table.cursor_key is not None


# ---------------------------------------------------------- upsert / remove


async def test_set_rows_keeps_cursor_on_same_key():
    app = TableApp(numbered(20))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.move_cursor_to_key("task-010")
        table.set_rows(list(reversed(numbered(20))))
        await pilot.pause()
        assert table.cursor_key == "task-010" and table.cursor_row == 9
        table.set_rows(numbered(5))  # cursor key gone: clamp
        assert table.cursor_key == "task-004"


async def test_upsert_updates_in_place_and_keeps_cursor_on_key():
    app = TableApp(numbered(30))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.sort_by("state")
        table.move_cursor_to_key("task-005")  # running
        await pilot.pause()
        before = table.cursor_row
        # The cursor row changes state: it moves, and the cursor follows it.
        table.upsert_rows([row("task-005", "failed", 9)])
        await pilot.pause()
        assert table.cursor_key == "task-005"
        assert table.cursor_row != before
        assert table.visible_keys == _expected_order(table)
        line = table.render_line(table.cursor_row - table.scroll_offset.y + 1).text
        assert line.split() == ["task-005", "failed", "9"]
        # New rows land where the sort puts them.
        table.upsert_rows([row("task-100", "active"), row("task-101", "running")])
        assert table.total_count == 32
        assert table.visible_keys == _expected_order(table)
        assert table.cursor_key == "task-005"


def _expected_order(table: ResourceTable) -> list[str]:
    """A fresh full sort of the table's rows (insertion order breaks ties)."""
    index = [c.key for c in table.columns].index(table.sort_column)
    rows = [table.get_row(key) for key in table._rows]
    present = [r for r in rows if r.sort_keys[index] is not None]
    absent = [r for r in rows if r.sort_keys[index] is None]
    present.sort(key=lambda r: r.sort_keys[index], reverse=table.sort_reverse)
    return [r.key for r in present + absent]


def capture_redraws(table: ResourceTable) -> tuple[list[int], list[tuple]]:
    """From now on, the lines `table` redraws one by one, and its whole redraws (their regions)."""
    refreshed_lines: list[int] = []
    full_refreshes: list[tuple] = []
    table.refresh_line = refreshed_lines.append  # type: ignore[method-assign]
    original_refresh = table.refresh

    def refresh(*regions, **kwargs):
        full_refreshes.append(regions)
        return original_refresh(*regions, **kwargs)

    table.refresh = refresh  # type: ignore[method-assign]
    return refreshed_lines, full_refreshes


async def test_upsert_redraws_only_changed_visible_rows():
    app = TableApp(numbered(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        refreshed_lines, full_refreshes = capture_redraws(table)
        rows = {r.key: r for r in numbered(100)}
        table.upsert_rows([rows["task-003"], rows["task-050"]])  # identical: nothing redrawn
        assert refreshed_lines == [] and full_refreshes == []
        table.upsert_rows([row("task-003", "active", 7), row("task-050", "active", 7)])  # 50 is off screen
        assert refreshed_lines == [4] and full_refreshes == []
        assert table.render_line(4).text.split() == ["task-003", "active", "7"]
        # A style-only change (same text, different colour) is a change too.
        refreshed_lines.clear()
        changed = TableRow("task-003", ("task-003", Text("active", style="red"), "7"), ("task-003", "active", 7))
        table.upsert_rows([changed])
        assert refreshed_lines == [4]
        red = [seg for seg in table.render_line(4) if seg.text.strip() == "active"][0]
        assert red.style.color.name == "red"


async def test_rows_arriving_below_the_window_redraw_only_what_changed_on_screen():
    """A big job's fill: each page lands below the rows on screen, which stay as they are drawn."""
    app = TableApp(numbered(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        refreshed_lines, full_refreshes = capture_redraws(table)
        table.upsert_rows([row(f"task-{i:03d}") for i in range(100, 200)])
        assert full_refreshes == [] and refreshed_lines == [] and table.total_count == 200
        table.upsert_rows([row("task-002", "failed", 9), *(row(f"task-{i:03d}") for i in range(200, 300))])
        assert full_refreshes == [] and refreshed_lines == [3]
        assert table.render_line(3).text.split() == ["task-002", "failed", "9"]
        table.sort_by("exit", reverse=True)
        table.move_cursor(0)
        full_refreshes.clear()
        table.upsert_rows([row("task-300", "failed", 99)])  # it sorts first, into the window: all redrawn
        assert full_refreshes and table.visible_keys[0] == "task-300"


async def test_upsert_with_filter_moves_rows_in_and_out():
    app = TableApp(numbered(12))
    async with app.run_test(size=(80, 24)):
        table = app.query_one(ResourceTable)
        table.set_filter("failed")
        assert table.visible_keys == ["task-003", "task-007", "task-011"]
        table.upsert_rows([row("task-000", "failed", 1), row("task-007", "completed", 0)])
        assert table.visible_keys == ["task-000", "task-003", "task-011"]
        table.sort_by("exit", reverse=True)
        table.upsert_rows([row("task-200", "failed", 2), row("task-201", "running")])
        # exit codes: 003 -> 3, 200 -> 2, 000 -> 1, 011 -> 1 (ties keep insertion order)
        assert table.visible_keys == ["task-003", "task-200", "task-000", "task-011"]
        assert table.total_count == 14


async def test_random_upserts_and_removals_match_a_fresh_sort():
    """Binary insertion, batch re-sorts and removals agree with sorting from scratch."""
    rng = random.Random(7)
    states = ["active", "running", "completed", "failed", None]

    def random_row(i: int) -> TableRow:
        state = rng.choice(states)
        exit_code = rng.choice([None, 0, 1, 2])
        return TableRow(f"k{i}", (f"k{i}", state or "", str(exit_code)), (f"k{i}", state, exit_code))

    app = TableApp([random_row(i) for i in range(300)])
    async with app.run_test(size=(80, 24)):
        table = app.query_one(ResourceTable)
        model = {r.key: r for r in (table.get_row(k) for k in table.visible_keys)}
        for step in range(60):
            if step % 10 == 0:
                table.sort_by(rng.choice(["state", "exit", "id", None]), reverse=rng.choice([True, False]))
            if step % 7 == 0:
                table.set_filter(rng.choice(["", "run", "!active", "re:^k1", "0"]))
            size = rng.choice([1, 3, 20, 400])
            batch = [random_row(rng.randrange(500)) for _ in range(size)]
            table.upsert_rows(batch)
            for r in batch:
                model[r.key] = r
            if step % 3 == 0:
                gone = rng.sample(sorted(model), rng.choice([1, 5, 30]))
                table.remove_rows(gone)
                for key in gone:
                    model.pop(key)
            assert list(table._rows) == list(model)
            expected = _fresh_order(model, table)
            assert table.visible_keys == expected, step
            assert table.row_count == len(expected) and table.total_count == len(model)


def _fresh_order(model: dict[str, TableRow], table: ResourceTable) -> list[str]:
    from batchtui.ui.widgets.resource_table import compile_filter

    matcher, _ = compile_filter(table.filter_text)
    rows = list(model.values())
    if table.sort_column is not None:
        index = [c.key for c in table.columns].index(table.sort_column)
        present = [r for r in rows if r.sort_keys[index] is not None]
        absent = [r for r in rows if r.sort_keys[index] is None]
        present.sort(key=lambda r: r.sort_keys[index], reverse=table.sort_reverse)
        rows = present + absent
    return [r.key for r in rows if matcher is None or matcher(r)]


async def test_remove_rows_moves_cursor_to_neighbour_and_drops_marks():
    app = TableApp(numbered(10))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.move_cursor_to_key("task-004")
        await pilot.press("space")
        assert table.marked == {"task-004"}
        table.remove_rows(["task-004", "task-009", "unknown"])
        await pilot.pause()
        assert table.cursor_key == "task-005"
        assert table.total_count == 8
        assert table.marked == frozenset()
        assert "task-004" not in screen_keys(table)
        table.remove_rows([f"task-{i:03d}" for i in range(10)])
        await pilot.pause()
        assert table.cursor_key is None and app.highlighted[-1] is None


# -------------------------------------------------------------------- marks


async def test_space_marks_rows_with_marker_and_style():
    app = TableApp(numbered(10))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.press("j", "space", "j", "space")  # space marks the cursor row, then the cursor moves on
        await pilot.pause()
        assert table.marked == {"task-001", "task-003"} and table.cursor_key == "task-004"
        assert table.render_line(2).text.startswith("▌task-001")
        assert table.render_line(3).text.startswith(" task-002")
        marked_bg = table.get_component_rich_style("resource-table--marked").bgcolor
        assert list(table.render_line(2))[-1].style.bgcolor == marked_bg
        await pilot.press("k", "space")  # toggles off
        assert table.marked == {"task-001"}
        table.toggle_mark()
        table.clear_marks()
        assert table.marked == frozenset()
        await pilot.pause()
        assert not any(text.startswith("▌") for text in lines(table))


async def test_range_all_and_clear_mark_keys():
    app = TableApp(numbered(10))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.press("j", "space", "j", "j", "j", "ctrl+@")  # from the last mark (task-001) to the cursor
        assert table.marked == {f"task-00{i}" for i in range(1, 6)}
        await pilot.pause()
        assert [text[0] for text in lines(table)[1:8]] == [" ", "▌", "▌", "▌", "▌", "▌", " "]
        await pilot.press("ctrl+backslash")
        assert table.marked == frozenset()
        table.set_filter("failed")
        await pilot.press("ctrl+a")  # every row the filter shows, no other
        assert table.marked == {"task-003", "task-007"}
        assert table.hidden_marks == 0
        table.set_filter("")
        assert table.hidden_marks == 0 and len(table.marked) == 2
        table.set_filter("running")
        assert table.hidden_marks == 2
        assert table.mark_where("state", "RUNNING") == 3 and len(table.marked) == 5


# ----------------------------------------------------------------- snapshot


class SnapshotApp(App):
    """A small task table: sorted by state (descending), one marked row."""

    def compose(self) -> ComposeResult:
        yield ResourceTable(
            [
                Column("id", "ID", 14),
                Column("state", "STATE", 10),
                Column("exit", "EXIT", 4, "right"),
                Column("node", "NODE", 8),
                Column("command", "COMMAND", 20, flex=True),
            ]
        )

    def on_mount(self) -> None:
        table = self.query_one(ResourceTable)
        data = [
            ("task-1", "running", None, "node-a", "python train.py --epochs 10"),
            ("task-2", "failed", 3, "node-b", "bash -c 'exit 3'"),
            ("task-3", "completed", 0, "node-a", "echo 日本語 ✅ done"),
            ("task-4", "active", None, "", ""),
            ("task-5", "completed", 0, "node-c", "cmd /c dir"),
            ("task-6-with-a-very-long-name", "running", None, "node-b-long-name", "x" * 200),
        ]
        table.set_rows(
            TableRow(
                key,
                (key, Text(state, style=STATE_STYLE[state]), "" if code is None else str(code), node, command),
                (key, state, code, node, command),
            )
            for key, state, code, node, command in data
        )
        table.sort_by("state", reverse=True)
        table.move_cursor_to_key("task-2")
        table.toggle_mark()
        table.move_cursor_to_key("task-3")
        table.focus()


def test_snapshot(snap_compare):
    assert snap_compare(SnapshotApp(), terminal_size=(80, 24))


async def test_upsert_of_incomparable_sort_key_falls_back_to_mixed_order():
    rows = [TableRow(f"r{i}", (f"r{i}", "", ""), (i, i, None)) for i in range(20)]
    app = TableApp(rows)
    async with app.run_test(size=(80, 24)):
        table = app.query_one(ResourceTable)
        table.sort_by("state", reverse=True)
        table.upsert_rows([TableRow("x", ("x", "", ""), ("x", "text", None))])
        assert table.visible_keys[0] == "x"  # text after numbers; reversed: first
        assert table.visible_keys[1:] == [f"r{i}" for i in range(19, -1, -1)]
        table.upsert_rows([TableRow(f"y{i}", (f"y{i}", "", ""), (f"y{i}", 100 + i, None)) for i in range(300)])
        assert table.visible_keys[0] == "x" and table.visible_keys[1] == "y299"
        assert table.row_count == 321


async def test_rows_set_before_mount_are_shown():
    class EarlyApp(App):
        def compose(self) -> ComposeResult:
            table = ResourceTable(COLUMNS, empty_text="No tasks")
            table.set_rows(numbered(5))
            table.sort_by("id", reverse=True)
            yield table

    app = EarlyApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        assert table.cursor_key == "task-000" and table.cursor_row == 4  # sorting keeps the cursor's key
        assert screen_keys(table) == [f"task-{i:03d}" for i in range(4, -1, -1)]
        table.clear()
        await pilot.pause()
        assert any("No tasks" in text for text in lines(table))


async def test_cursor_keeps_its_screen_line_when_rows_arrive_above_it():
    app = TableApp(numbered(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.sort_by("id")
        await pilot.press("pagedown", "j", "j", "j")  # cursor 26, scrolled to 23: on screen line 1 + 3
        await pilot.pause()
        line = table.cursor_row - table.scroll_offset.y
        assert table.cursor_key == "task-026" and line == 3
        table.upsert_rows([row(f"task-00{i}a") for i in range(10)])  # ten rows sort in above the cursor
        await pilot.pause()
        assert table.cursor_key == "task-026" and table.cursor_row == 36
        assert table.cursor_row - table.scroll_offset.y == line
        assert screen_keys(table)[line] == "task-026"


async def test_data_updates_do_not_yank_a_scrolled_away_view_but_sorting_does():
    app = TableApp(numbered(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.scroll_to(y=50, animate=False)  # mouse-wheel style: the cursor (row 0) is off screen
        await pilot.pause()
        table.set_rows(numbered(100))
        table.upsert_rows([row("task-000", "failed", 1), row("task-500")])
        await pilot.pause()
        assert table.scroll_offset.y == 50 and table.cursor_key == "task-000"
        table.sort_by("id", reverse=True)
        await pilot.pause()
        assert table.cursor_key == "task-000" and "task-000" in screen_keys(table)


async def test_no_sideways_scroll_when_the_columns_fit_beside_a_vertical_scrollbar():
    columns = [Column("id", "ID", 24, flex=True), Column("a", "A", 20), Column("b", "B", 20)]
    app = TableApp([], columns)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        # Many rows at once: the vertical scrollbar appears and the columns give up room to fit beside it.
        table.set_rows([TableRow(f"r{i:02d}", (f"r{i:02d}", "a", "b"), (i, 0, 0)) for i in range(50)])
        await pilot.pause()
        assert table.show_vertical_scrollbar
        assert table.max_scroll_x == 0 and table.virtual_size.width <= table.scrollable_content_region.width


async def test_a_line_cut_at_an_edge_says_so():
    columns = [Column("id", "ID", 6, flex=True), Column("a", "AAA", 20), Column("b", "BBB", 20),
               Column("c", "CCC", 20)]
    rows = [TableRow("r0", ("r0", "a" * 20, "b" * 20, "c" * 20), (0, 0, 0, 0))]
    app = TableApp(rows, columns)
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ResourceTable)
        await pilot.pause()
        width = table.scrollable_content_region.width
        # BBB goes on past the right edge: the last cell says so, in the header and in the rows.
        assert table.render_line(0).text[width - 1] == "…" and table.render_line(1).text[width - 1] == "…"
        # Scrolled to the end, not on a column's start: the column cut at the left says so too.
        table.scroll_to(x=table.max_scroll_x - 3, animate=False)
        await pilot.pause()
        pinned = table._lines.layout.pinned_width(width)
        assert table.render_line(1).text[pinned] == "…"
        # A column a whole step away (→) starts clean.
        table.scroll_to(x=0, animate=False)
        await pilot.pause()
        await pilot.press("right")
        assert table.render_line(0).text.split()[:3] == ["ID", "BBB", "CCC"]
