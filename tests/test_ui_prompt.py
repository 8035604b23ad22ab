"""The `:` and `/` prompt, filters and marks, driven with Textual's pilot against a live emulator, asserting on
the lines the screen shows (issue 12, items 1, 5, 11 and 15) at 80x24 and 120x40.

`burst` sends keys the way a terminal delivers a fast typist's (or tmux's) input: every key into the app's
queue at once, no pause between them (the pilot's `press` waits for the app to go idle after each key,
which hides races).
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass

import pytest
from azure.batch import models as m
from conftest import make_pool, wait_for
from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from ui_helpers import account_for, row_texts, service_for, until

from batchtui.ui.app import BatchApp
from batchtui.ui.views import JOBS, POOLS, TASKS, ViewKey
from batchtui.ui.widgets.view_title import ViewTitle

SIZES = [(80, 24), (120, 40)]
sizes = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")


@dataclass
class Jobs:
    pool: str
    nightly: str  # 12 finished tasks step-00 … step-11, step-03 failed
    render: str  # one task that runs for a long time: the job must never be terminated by typing


@pytest.fixture(scope="module")
def jobs(client):
    tag = os.urandom(3).hex()
    pool_id = make_pool(client, nodes=2, slots=2)
    nightly, render = f"nightly-etl-{tag}", f"render-frames-{tag}"
    for job_id in (nightly, render):
        client.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id)))
    client.create_tasks(nightly, [
        m.BatchTaskCreateOptions(id=f"step-{i:02d}", command_line=f"/bin/sh -c 'exit {1 if i == 3 else 0}'")
        for i in range(12)
    ])
    client.create_task(render, m.BatchTaskCreateOptions(id="frame-0001", command_line="sleep 300"))
    wait_for(lambda: client.get_job_task_counts(nightly).task_counts.completed == 12, what="12 tasks done")
    yield Jobs(pool_id, nightly, render)
    client.terminate_task(render, "frame-0001")


def make_app(emulator, start: ViewKey | None = None) -> BatchApp:
    account = account_for(emulator)
    return BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0, start=start)


def burst(app: BatchApp, *keys: str) -> None:
    """Every key into the app's queue at once (single characters may be given as they are typed)."""
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        app.post_message(events.Key(key, char))


def screen_lines(app: BatchApp) -> list[str]:
    """The screen as the terminal shows it, a string per line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def line_with(app: BatchApp, text: str) -> int | None:
    """The number of the first screen line holding `text`."""
    return next((i for i, line in enumerate(screen_lines(app)) if text in line), None)


async def shows(pilot, app: BatchApp, text: str, what: str = "") -> int:
    """Wait until a screen line holds `text`; its number. The screen is in the message if it never does."""
    try:
        return await until(pilot, lambda: line_with(app, text), what=what or repr(text))
    except AssertionError as error:
        raise AssertionError(f"{error}; the screen:\n" + "\n".join(screen_lines(app))) from None


def prompt_of(app: BatchApp):
    return app.prompt.line


def title_shown(app: BatchApp) -> str:
    """The title as the screen shows it (a long one takes two lines: joined by a space)."""
    region = app.query_one(ViewTitle).region
    lines = screen_lines(app)
    return " ".join(lines[y][region.x:region.right].strip() for y in range(region.y, region.bottom))


async def title_shows(pilot, app: BatchApp, text: str) -> None:
    try:
        await until(pilot, lambda: text in title_shown(app), what=repr(text))
    except AssertionError as error:
        raise AssertionError(f"{error} in the title: {title_shown(app)!r}") from None


# -- item 1: a visible prompt, nothing lost ------------------------------------------------------------------


@sizes
async def test_keys_typed_at_once_after_a_colon_reach_the_prompt(emulator, client, jobs, size):
    app = make_app(emulator)
    async with app.run_test(size=size) as pilot:
        table = app.table
        await until(pilot, lambda: jobs.render in table.visible_keys, what="jobs listed")
        table.move_cursor_to_key(jobs.render)  # on the running job: a `t` reaching the table would offer to end it
        burst(app, ":", *f"tasks {jobs.render}", "enter")
        await until(pilot, lambda: app.view == ViewKey("emu", TASKS, jobs.render), what="the tasks view")
        await shows(pilot, app, f"Tasks of job {jobs.render}")
        await until(pilot, lambda: "frame-0001" in table.visible_keys, what="its task")
        assert len(app.screen_stack) == 1  # no dialog opened
        # Keys typed right after Enter belong to the new view, in their order: here `/` and a filter.
        burst(app, ":", *"jobs", "enter", "/", *jobs.render)
        await until(pilot, lambda: table.visible_keys == [jobs.render], what="the filter typed after :jobs")
        assert prompt_of(app).kind == "filter" and prompt_of(app).value == jobs.render
        burst(app, "enter")
        await title_shows(pilot, app, f"Jobs  /{jobs.render}")
    assert client.get_job(jobs.render).state == "active"
    assert client.get_task(jobs.render, "frame-0001").state == "running"


async def test_a_burst_of_keys_acts_in_the_order_it_was_typed(emulator, jobs):
    app = make_app(emulator, start=ViewKey("emu", TASKS, jobs.nightly))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.table
        await until(pilot, lambda: table.total_count == 12, what="tasks")
        burst(app, "/", *"step-0", "enter")
        await until(pilot, lambda: table.row_count == 10, what="filtered")
        # Esc (clear the filter) then `:` at once: the Esc is the table's, not the prompt's opened after it.
        burst(app, "escape", ":", *"po")
        await shows(pilot, app, ": po")
        assert table.filter_text == "" and prompt_of(app).kind == "command"
        burst(app, "escape", "down", "down", "/", *"step-0")
        await shows(pilot, app, "/ step-0")
        assert table.cursor_key == "step-02"  # the cursor moved twice before the filter was typed


@sizes
async def test_the_prompt_shows_its_prefix_text_and_cursor_above_the_table(emulator, jobs, size):
    app = make_app(emulator, start=ViewKey("emu", TASKS, jobs.nightly))
    async with app.run_test(size=size) as pilot:
        table = app.table
        await until(pilot, lambda: table.total_count == 12, what="tasks")
        burst(app, ":", *"tasks xyz")
        number = await shows(pilot, app, ": tasks xyz", what="the typed command")
        lines = screen_lines(app)
        header = line_with(app, " ID ")
        assert header is not None and number < header < len(lines) - 1  # above the table, not under the footer
        field = prompt_of(app).input
        assert app.focused is field and field.cursor_position == len("tasks xyz")
        strip = app.screen._compositor.render_strips()[number]
        cursor_x = lines[number].index(": tasks xyz") + len(": tasks xyz")
        cursor_style = field.get_component_rich_style("input--cursor")
        cells = [(text, style) for text, style, _ in strip for _ in text]
        assert cells[cursor_x][1].bgcolor == cursor_style.bgcolor  # the cursor, after the text
        burst(app, "escape")
        await until(pilot, lambda: line_with(app, ": tasks xyz") is None, what="the prompt closed")
        assert app.focused is table and app.view.kind == TASKS
        # `/` holds the current filter, selected: what is typed replaces it (no hidden old filter appended).
        burst(app, "/", *"step-1", "enter")
        await until(pilot, lambda: table.row_count == 2, what="step-1x")
        burst(app, "/")
        await shows(pilot, app, "/ step-1", what="the old filter, shown")
        burst(app, *"step-0")
        await until(pilot, lambda: table.row_count == 10, what="step-0x, not step-1step-0")
        await shows(pilot, app, "/ step-0")


async def test_history_is_per_prompt_kind_and_kept_for_the_session(emulator, jobs):
    app = make_app(emulator, start=ViewKey("emu", TASKS, jobs.nightly))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.table
        await until(pilot, lambda: table.total_count == 12, what="tasks")
        await pilot.press("slash", *"failed", "enter")
        await pilot.press("colon", *"pools", "enter")
        await pilot.press("colon", *f"tasks {jobs.nightly}", "enter")
        await until(pilot, lambda: app.view.kind == TASKS, what="back on the tasks")
        line = prompt_of(app)
        await pilot.press("colon", *"jo", "up")
        assert line.value == f"tasks {jobs.nightly}"
        await pilot.press("up")
        assert line.value == "pools"
        await pilot.press("up")
        assert line.value == "pools"  # the oldest
        await pilot.press("down", "down")
        assert line.value == "jo"  # back to what was typed
        await pilot.press("escape", "slash", "up")
        assert line.kind == "filter" and line.value == "failed"
        await shows(pilot, app, "/ failed")


async def test_tab_completes_commands_job_ids_and_table_ids(emulator, jobs):
    app = make_app(emulator, start=ViewKey("emu", POOLS))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: jobs.pool in app.table.visible_keys, what="pools")
        line = prompt_of(app)
        await pilot.press("colon", *"ta", "tab")
        assert line.value == "tasks "
        # The jobs are not on screen: their ids come from a listing made when the prompt opened.
        await until(pilot, lambda: jobs.nightly in app.prompt.commands.ids(JOBS), what="job ids fetched")
        await pilot.press(*jobs.nightly[:9], "tab")
        assert line.value == f"tasks {jobs.nightly}"
        await pilot.press("ctrl+u", *"tasks ", *jobs.nightly[:4], "tab")
        assert line.value == f"tasks {jobs.nightly}"  # "nigh" is unique among this session's jobs too
        await pilot.press("enter")
        await until(pilot, lambda: app.table.total_count == 12, what="tasks")
        await pilot.press("slash", *"step-0", "tab")  # no common prefix to add: the first match, and the list
        await shows(pilot, app, "10 matches (tab: next): step-00  step-01")
        assert line.value == "step-00"
        await pilot.press("tab")
        assert line.value == "step-01"
        await pilot.press("escape")
        assert app.table.filter_text == ""


@sizes
async def test_errors_show_at_the_prompt_which_stays_open(emulator, jobs, size):
    app = make_app(emulator)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: jobs.nightly in app.table.visible_keys, what="jobs")
        burst(app, ":", *"frobnicate", "enter")
        message = await shows(pilot, app, "unknown command :frobnicate")
        assert line_with(app, ": frobnicate") == message - 1  # right under the typed line
        burst(app, "ctrl+u", *"tasks night-etl", "enter")  # a typo
        await shows(pilot, app, "no job named night-etl; did you mean")
        assert app.view == ViewKey("emu", JOBS)  # the view stays
        assert "no longer exists" not in "\n".join(screen_lines(app))
        burst(app, "ctrl+u", *"tasks [/x]", "enter")  # foreign text is never markup
        await shows(pilot, app, "no job named [/x]")
        assert line_with(app, ": tasks [/x]") is not None and app.is_running
        burst(app, "ctrl+u", *"acct nope", "enter")
        await shows(pilot, app, "no account named nope; configured: emu")
        burst(app, "escape")
        await until(pilot, lambda: line_with(app, "no account named") is None, what="closed")
        assert app.view == ViewKey("emu", JOBS) and not app.prompt.is_open


async def test_a_slash_typed_in_the_command_line_is_text(emulator, jobs):
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        burst(app, ":", *"storage a/b")
        await shows(pilot, app, ": storage a/b")
        assert prompt_of(app).kind == "command"


# -- item 5: a $filter the service refuses ------------------------------------------------------------------


@sizes
async def test_a_bad_odata_filter_is_explained_at_the_prompt_and_changes_nothing(emulator, jobs, size):
    view = ViewKey("emu", TASKS, jobs.nightly)
    app = make_app(emulator, start=view)
    async with app.run_test(size=size) as pilot:
        table = app.table
        await until(pilot, lambda: table.total_count == 12 and app._fresh_at is not None, what="tasks")
        burst(app, "/", *"$state eq 'bogus", "enter")
        await shows(pilot, app, "the service refused this $filter", what="the service's reason")
        assert "InvalidQueryParameterValue" in prompt_of(app).message and "position" in prompt_of(app).message
        assert table.total_count == 12 and view not in app.refresher.server_filter
        await pilot.pause(2.5)  # a couple of refreshes: the endpoint is not stale
        assert app.refresher.stale is None and "stale" not in screen_lines(app)[0]
        burst(app, "escape")
        await until(pilot, lambda: not app.prompt.is_open, what="closed")
        # Leaving the job and coming back: no $filter.
        await pilot.press("escape")
        await until(pilot, lambda: app.view.kind == JOBS, what="jobs")
        burst(app, ":", *f"tasks {jobs.nightly}", "enter")
        await until(pilot, lambda: table.total_count == 12, what="all tasks again")
        assert line_with(app, "$state") is None
        # A good one applies; esc clears it before leaving the job.
        burst(app, "/", *"$executionInfo/exitCode eq 1", "enter")
        await until(pilot, lambda: table.visible_keys == ["step-03"], what="the $filter applied")
        await title_shows(pilot, app, "$executionInfo/exitCode eq 1")
        await pilot.press("escape")
        await until(pilot, lambda: table.total_count == 12, what="the $filter cleared")
        assert app.view == view and "$" not in title_shown(app)
        await pilot.press("escape")
        assert app.view.kind == JOBS


@sizes
async def test_esc_clears_a_local_filter_before_going_back(emulator, jobs, size):
    app = make_app(emulator, start=ViewKey("emu", TASKS, jobs.nightly))
    async with app.run_test(size=size) as pilot:
        table = app.table
        await until(pilot, lambda: table.total_count == 12, what="tasks")
        burst(app, "/", *"re:^step-0[12]$", "enter")  # a regex per cell: $ anchors at the cell's end
        await until(pilot, lambda: table.visible_keys == ["step-01", "step-02"], what="regex")
        await title_shows(pilot, app, "  /re:^step-0[12]$")
        await pilot.press("escape")
        assert table.row_count == 12 and app.view.kind == TASKS
        await until(pilot, lambda: "/re:" not in title_shown(app), what="the title without the filter")
        await pilot.press("escape")
        assert app.view.kind == JOBS


# -- item 11: marks -----------------------------------------------------------------------------------------


@sizes
async def test_marks_show_at_once_and_the_title_counts_them(emulator, jobs, size):
    app = make_app(emulator, start=ViewKey("emu", TASKS, jobs.nightly))
    async with app.run_test(size=size) as pilot:
        table = app.table
        await until(pilot, lambda: table.total_count == 12, what="tasks")
        burst(app, "space")  # step-00 marked, the cursor on step-01
        await shows(pilot, app, "1 marked")
        assert row_texts(table)[0].startswith("▌step-00") and table.cursor_key == "step-01"
        burst(app, "space")  # under the cursor a moment ago: the mark shows on its row at once
        await shows(pilot, app, "2 marked")
        assert [text[0] for text in row_texts(table)[:3]] == ["▌", "▌", " "]
        burst(app, "down", "down", "ctrl+@")  # a range: from the last mark (step-01) to step-04
        await shows(pilot, app, "5 marked")
        burst(app, "ctrl+backslash")
        await until(pilot, lambda: line_with(app, "marked") is None, what="marks cleared")
        burst(app, "/", *"step-1", "enter", "ctrl+a")  # all rows the filter passes
        await shows(pilot, app, "2 marked")
        assert table.marked == {"step-10", "step-11"}
        burst(app, "escape")
        await shows(pilot, app, "2 marked")
        burst(app, ":", *"mark failed", "enter")
        await shows(pilot, app, "3 marked")
        assert "step-03" in table.marked
        burst(app, ":", *"mark deleting", "enter")
        await shows(pilot, app, "no row shown is deleting; states shown: completed, failed")
        burst(app, "escape", ":", *"unmark", "enter")
        await until(pilot, lambda: line_with(app, "marked") is None, what="unmarked")


async def test_marks_hidden_by_the_filter_are_counted(emulator, jobs):
    app = make_app(emulator, start=ViewKey("emu", TASKS, jobs.nightly))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.table
        await until(pilot, lambda: table.total_count == 12, what="tasks")
        burst(app, "space", "space", "/", *"step-1", "enter")
        await shows(pilot, app, "2 marked (2 hidden by the filter)")


# -- item 15: the id column, sideways scrolling -----------------------------------------------------------


async def test_the_id_column_is_not_cut_at_80_columns_and_stays_while_scrolling(emulator, jobs):
    app = make_app(emulator)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.table
        await until(pilot, lambda: jobs.render in table.visible_keys, what="jobs")
        table.move_cursor_to_key(jobs.render)
        await pilot.pause()
        row = next(text for text in row_texts(table) if jobs.render[:10] in text)
        assert jobs.render in row and f"{jobs.render[:10]}…" not in row
        header = table.render_line(0).text
        await pilot.press("right")
        assert table.render_line(0).text != header  # a whole column moved
        assert table.render_line(0).text.split()[0] == "ID"
        row = next(text for text in row_texts(table) if jobs.render[:10] in text)
        assert jobs.render in row


async def test_help_lists_the_prompt_keys_and_the_mark_keys(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        await until(pilot, lambda: app.screen.__class__.__name__ == "HelpScreen", what="help")
        seen: list[str] = []  # every line shown while scrolling down (the help is longer than the screen)
        wanted = ("In the prompt", "ctrl+space", ":mark STATE", "regular expression: ^ and $ anchor at")
        for _ in range(300):
            await pilot.press("down")
            seen.extend(screen_lines(app))
            if all(w in "\n".join(seen[-200:]) or w in "\n".join(seen) for w in wanted):
                break
        text = "\n".join(seen)
        assert "In the prompt" in text and "ctrl+space" in text and ":mark STATE" in text
        assert "regular expression: ^ and $ anchor at" in text


async def test_tab_right_after_typing_keeps_its_message_and_filters_with_the_completion(emulator, jobs):
    app = make_app(emulator, start=ViewKey("emu", TASKS, jobs.nightly))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.table
        await until(pilot, lambda: table.total_count == 12, what="tasks")
        burst(app, ":", *"mark fail", "tab")  # the Changed messages of the typing arrive after the Tab
        await shows(pilot, app, ": mark failed")
        burst(app, "ctrl+u", *"mark zzz", "tab")
        await shows(pilot, app, "no completion")
        await pilot.pause(0.2)
        assert prompt_of(app).message == "no completion"
        burst(app, "escape", "/", *"step-1", "tab")
        await until(pilot, lambda: table.visible_keys == ["step-10"], what="the completed filter applied")
        await shows(pilot, app, "2 matches (tab: next): step-10  step-11")
