"""`:grep` in the explorer, driven with the pilot against a live emulator running a job whose tasks print a
planted line (tests/grep_job.py), asserting on the lines the screen shows at 80x24 and 120x40."""

from __future__ import annotations

import asyncio

import pytest
from conftest import make_job, make_pool, wait_for
from grep_job import ALL_MATCHES, FAILED, PLANTED, TAIL_MATCHES, plant_grep_job
from textual.keys import _character_to_key
from textual.widgets import Button
from ui_helpers import account_for, service_for, until

from batchtui.ui.app import BatchApp
from batchtui.ui.model.grep_results import MATCH_STYLE
from batchtui.ui.screens import grep_view
from batchtui.ui.screens.grep_view import GrepScreen, ReadConfirm
from batchtui.ui.screens.log_view import LogScreen
from batchtui.ui.views import JOBS, TASKS, ViewKey

SIZES = [(80, 24), (120, 40)]
sizes = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")


@pytest.fixture(scope="module")
def grep_job(client):
    pool_id = make_pool(client, nodes=1, slots=4)
    job_id = make_job(client, pool_id)
    task_ids = plant_grep_job(client, job_id)
    wait_for(lambda: all(t.state == "completed" for t in client.list_tasks(job_id)), timeout=60,
             what="the grep job's tasks to complete")
    return job_id, task_ids


def make_app(emulator, view: ViewKey) -> BatchApp:
    account = account_for(emulator)
    return BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=30.0,
                    start=ViewKey(account.name, view.kind, view.parent))


def lines_of(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def type_line(pilot, text: str) -> None:
    """Type `text` key by key, then enter."""
    await pilot.press(*[c if c.isalnum() else _character_to_key(c) for c in text], "enter")


async def tasks_view(pilot, rows: int) -> BatchApp:
    app = pilot.app
    await until(pilot, lambda: app.table.total_count == rows and app._fresh_at is not None, what=f"{rows} rows")
    return app


async def grep(pilot, line: str) -> GrepScreen:
    await pilot.press("colon")
    await type_line(pilot, line)
    return await until(pilot, lambda: next((s for s in pilot.app.screen_stack if isinstance(s, GrepScreen)), None),
                       what="the grep view")


async def finished(pilot, screen: GrepScreen) -> None:
    await until(pilot, lambda: not screen.running, timeout=30, what="the search to finish")
    await pilot.pause(0.2)  # the last flush drawn


def result_rows(app) -> dict[str, list[str]]:
    """Task id → the rendered result lines that show it."""
    found: dict[str, list[str]] = {}
    for line in lines_of(app):
        words = line.split()
        if words and ("stdout.txt" in line or "stderr.txt" in line):
            found.setdefault(words[0], []).append(line)
    return found


@sizes
async def test_grep_finds_the_planted_line_in_exactly_the_tasks_that_printed_it(emulator, grep_job, size):
    job_id, task_ids = grep_job
    app = make_app(emulator, ViewKey("", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await tasks_view(pilot, len(task_ids))
        screen = await grep(pilot, "grep mark-7q")
        await finished(pilot, screen)
        lines = lines_of(app)
        assert lines[0].startswith(f" grep mark-7q · {len(task_ids)} tasks of job {job_id}")
        assert f"searched {len(task_ids)} tasks · " in lines[2]
        assert " · 6 matching lines in 6 tasks" in lines[2]
        rows = result_rows(app)
        assert sorted(rows) == TAIL_MATCHES
        for i in range(5):
            (row,) = rows[f"needle-{i:02d}"]
            assert row.split()[1:4] == ["stdout.txt:3", PLANTED, "shard"]
        (row,) = rows["needle-05"]  # a title sequence shown inert, brackets as they are
        assert "stderr.txt:2" in row and f"^[]0;owned^G {PLANTED} from stderr [/x]"[:size[0] - 36] in row
        # The match is highlighted (reverse: it shows without colour too).
        table = screen.table
        for y in range(1, 1 + len(TAIL_MATCHES)):
            styled = [seg for seg in table.render_line(y) if seg.text == PLANTED]
            assert styled and styled[0].style is not None and styled[0].style.reverse and styled[0].style.bold
        assert "Log at the line" in lines[-1] and "esc Back" in lines[-1]
        await pilot.press("escape")  # back to the tasks, as they were
        await until(pilot, lambda: not isinstance(app.screen, GrepScreen), what="the explorer")
        assert app.view == ViewKey("emu", TASKS, job_id)
    assert MATCH_STYLE == "bold reverse"


@sizes
async def test_only_the_rows_the_table_shows_are_searched(emulator, grep_job, size):
    job_id, task_ids = grep_job
    app = make_app(emulator, ViewKey("", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await tasks_view(pilot, len(task_ids))
        await pilot.press("slash")
        await type_line(pilot, "re:^(needle-0[03]|quiet-01)$")
        await until(pilot, lambda: app.table.row_count == 3, what="3 rows")
        screen = await grep(pilot, "grep mark-7q")
        await finished(pilot, screen)
        assert sorted(screen.task_ids) == ["needle-00", "needle-03", "quiet-01"]
        assert lines_of(app)[0].startswith(f" grep mark-7q · 3 tasks of job {job_id}")
        assert sorted(result_rows(app)) == ["needle-00", "needle-03"]
        await pilot.press("escape")
        # F: the failed tasks only (a $filter); then the search reads those only.
        await pilot.press("escape", "F")
        await until(pilot, lambda: sorted(app.table.visible_keys) == FAILED, what="the failed tasks only")
        screen = await grep(pilot, "grep mark-7q")
        await finished(pilot, screen)
        assert sorted(result_rows(app)) == ["needle-03", "needle-04", "needle-05"]
        assert "searched 5 tasks · " in lines_of(app)[2]


@sizes
async def test_enter_opens_the_log_at_the_line_with_the_search_set(emulator, grep_job, size):
    job_id, task_ids = grep_job
    app = make_app(emulator, ViewKey("", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await tasks_view(pilot, len(task_ids))
        screen = await grep(pilot, "grep --all mark-7q")
        await finished(pilot, screen)
        assert sorted(result_rows(app)) == ALL_MATCHES
        assert screen.table.cursor_key is not None and screen.table.cursor_key.startswith("deep-00\n")
        await pilot.press("enter")  # deep-00's line 3: far before the tail the log view opens with
        log = await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen, what="the log view")
        await until(pilot, lambda: log.goto is None and any(f"{PLANTED} deep in the file" in line
                                                             for line in lines_of(app)), what="the line")
        lines = lines_of(app)
        assert lines[0].startswith(f" stdout.txt of task deep-00 (job {job_id})")
        assert any(line.startswith(f"{PLANTED} deep in the file") for line in lines)
        await until(pilot, lambda: "/mark-7q: 1/1" in lines_of(app)[-2], what="the search in the status line")
        await pilot.press("escape")  # back to the results, still there
        await until(pilot, lambda: app.screen is screen, what="the results")
        assert sorted(result_rows(app)) == ALL_MATCHES
        await pilot.press("down", "down", "down", "down", "down", "down", "enter")  # needle-05's stderr
        log = await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen, what="the log view")
        await until(pilot, lambda: "/mark-7q: 1/1" in lines_of(app)[-2], what="the search in the status line")
        assert lines_of(app)[0].startswith(" stderr.txt of task needle-05")
        assert any(line.startswith(f"^[]0;owned^G {PLANTED} from stderr [/x]") for line in lines_of(app))


@sizes
async def test_a_big_search_says_how_many_bytes_it_reads_and_asks_first(emulator, client, grep_job, size,
                                                                      monkeypatch):
    job_id, task_ids = grep_job
    monkeypatch.setattr(grep_view, "CONFIRM_BYTES", 100_000)
    sizes = [int(f.properties.content_length) for t in task_ids
             for f in client.list_task_files(job_id, t) if f.name in ("stdout.txt", "stderr.txt")]
    total, files = sum(sizes), sum(1 for one in sizes if one)
    app = make_app(emulator, ViewKey("", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await tasks_view(pilot, len(task_ids))
        # A tail search that cannot read more than the threshold does not ask: 11 tasks × 2 files × 2 KiB.
        screen = await grep(pilot, "grep --tail 2K mark-7q")
        await finished(pilot, screen)
        assert sorted(result_rows(app)) == TAIL_MATCHES
        await pilot.press("escape")
        screen = await grep(pilot, "grep --all mark-7q")
        dialog = await until(pilot, lambda: isinstance(app.screen, ReadConfirm) and app.screen, what="the question")
        text = " ".join(line.strip(" █") for line in lines_of(app))
        assert f"This search reads {total / 1024:.1f} KiB ({total:,} bytes) from {files} files of" in text
        assert f"of {len(task_ids)} tasks (whole files)." in " ".join(text.split())
        assert "Read them?" in text and "Cancel (esc)" in text and "Read (y)" in text
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"  # enter cancels
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen and not screen.running, what="cancelled")
        assert screen.progress.state == "cancelled" and screen.bytes_seen == 0
        await pilot.pause(0.2)
        assert "Cancelled: nothing found" in " ".join(lines_of(app))
        assert lines_of(app)[2].startswith(" cancelled after 0/11 tasks · 0 B read")
        await pilot.press("escape")
        screen = await grep(pilot, "grep --all mark-7q")
        await until(pilot, lambda: isinstance(app.screen, ReadConfirm), what="the question again")
        await pilot.press("y")
        await finished(pilot, screen)
        assert sorted(result_rows(app)) == ALL_MATCHES and screen.bytes_seen == total
        assert dialog is not app.screen


async def test_esc_cancels_a_search_under_way_and_keeps_what_it_found(emulator, grep_job, monkeypatch):
    job_id, task_ids = grep_job
    app = make_app(emulator, ViewKey("", TASKS, job_id))
    service = app.services["emu"]
    real = service.read_range
    cancelled: list[str] = []

    async def slow(ref, start, end):  # every task's read but needle-00's waits (until cancelled)
        if ref.task_id != "needle-00":
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                cancelled.append(ref.task_id)
                raise
        return await real(ref, start, end)

    monkeypatch.setattr(service, "read_range", slow)
    async with app.run_test(size=(80, 24)) as pilot:
        await tasks_view(pilot, len(task_ids))
        screen = await grep(pilot, "grep mark-7q")
        await until(pilot, lambda: "needle-00" in result_rows(app), what="needle-00's line")
        assert screen.running and "esc Cancel" in lines_of(app)[-1]
        await pilot.press("escape")
        await until(pilot, lambda: len(cancelled) >= 1 and not screen.running, what="the reads cancelled")
        await pilot.pause(0.2)
        assert app.screen is screen
        assert lines_of(app)[2].startswith(" cancelled after 1/11 tasks")
        assert sorted(result_rows(app)) == ["needle-00"]
        assert "esc Back" in lines_of(app)[-1]
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, GrepScreen), what="the explorer")


@pytest.mark.parametrize("view, line, reason", [
    ("jobs", "grep x", ":grep searches the output of the tasks shown"),
    ("tasks", "grep re:(", "invalid regex"),
    ("tasks", "grep --tail lots x", "not a size"),
    ("tasks", "grep", ":grep needs a PATTERN"),
])
async def test_a_line_that_cannot_run_says_why_at_the_prompt(emulator, grep_job, view, line, reason):
    job_id, task_ids = grep_job
    app = make_app(emulator, ViewKey("", TASKS, job_id) if view == "tasks" else ViewKey("", JOBS))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.table.total_count > 0, what="rows")
        await pilot.press("colon")
        await type_line(pilot, line)
        await until(pilot, lambda: any(reason in text for text in lines_of(app)), what=reason)
        assert not isinstance(app.screen, GrepScreen)


async def test_a_pattern_with_markup_brackets_is_text(emulator, grep_job):
    job_id, task_ids = grep_job
    app = make_app(emulator, ViewKey("", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await tasks_view(pilot, len(task_ids))
        screen = await grep(pilot, "grep [/x]")
        await finished(pilot, screen)
        assert lines_of(app)[0].startswith(f" grep [/x] · {len(task_ids)} tasks of job {job_id}")
        assert sorted(result_rows(app)) == ["needle-05"]
        (row,) = result_rows(app)["needle-05"]
        assert row.rstrip().endswith(f"^[]0;owned^G {PLANTED} from stderr [/x]")
