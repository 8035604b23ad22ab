"""The failure clusters view (`!`, `:failures`) and the exit code and duration histograms (`%`, `:histogram`),
driven with Textual's pilot against a real emulator running a job whose tasks fail in three planted ways
(tests/planted.py). Assertions are on the rendered screen (what the user reads), at 80x24 and 120x40."""

from __future__ import annotations

import re

import pytest
from conftest import add_task, make_job, make_pool, wait_for
from planted import plant, sh
from ui_helpers import account_for, service_for, until
from ui_screen import screen_lines

from batchtui.ui.app import BatchApp
from batchtui.ui.screens.failures import FailuresScreen
from batchtui.ui.screens.histograms import HistogramScreen
from batchtui.ui.screens.log_view import LogScreen
from batchtui.ui.views import JOBS, TASKS, ViewKey

COUNTS = {"checksum": 5, "keyerror": 3, "notfound": 2, "ok": 4}
SIZES = [(80, 24), (120, 40)]
sizes = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")


@pytest.fixture(scope="module")
def pool_id(client):
    return make_pool(client, nodes=2, slots=4)


def planted_job(client, pool_id) -> tuple[str, dict[str, list[str]]]:
    job_id = make_job(client, pool_id)
    ids = plant(client, job_id, COUNTS)
    wait_for(lambda: all(t.state == "completed" for t in client.list_tasks(job_id)), timeout=60,
             what="the planted tasks to complete")
    return job_id, ids


@pytest.fixture(scope="module")
def planted(client, pool_id):
    return planted_job(client, pool_id)


def make_app(emulator, view: ViewKey) -> BatchApp:
    account = account_for(emulator)
    return BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0, start=view)


async def tasks_listed(pilot, app, count: int) -> None:
    await until(pilot, lambda: app.table.total_count >= count and app._fresh_at is not None, what="tasks listed")


async def clusters_in(pilot, app) -> FailuresScreen:
    await until(pilot, lambda: isinstance(app.screen, FailuresScreen) and app.screen.progress.done,
                what="every tail read")
    await pilot.pause()
    return app.screen


def flat(lines: list[str]) -> str:
    """The screen's text with wrapped lines joined (one space between lines)."""
    return " ".join(line.strip() for line in lines)


def shown_in(app, selector: str) -> str:
    """The text a widget shows on screen (its lines joined as `flat` does)."""
    region = app.screen.query_one(selector).region
    lines = screen_lines(app)[region.y:region.bottom]
    return flat([line[region.x:region.right] for line in lines])


def table_lines(app) -> list[str]:
    """The tasks table's lines as shown (its header first)."""
    region = app.table.region
    return [line[region.x:region.right] for line in screen_lines(app)[region.y:region.bottom]]


def line_with(lines: list[str], *parts: str) -> str:
    found = [line for line in lines if all(part in line for part in parts)]
    assert found, f"no line holds {parts}:\n" + "\n".join(lines)
    return found[0]


@sizes
async def test_one_key_shows_the_three_causes_with_their_counts(emulator, planted, size):
    job_id, ids = planted
    app = make_app(emulator, ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await tasks_listed(pilot, app, 14)
        await pilot.press("exclamation_mark")
        await clusters_in(pilot, app)
        lines = screen_lines(app)
        assert line_with(lines, "Failure clusters of job", job_id[:10])
        assert line_with(lines, "10 failed tasks, 3 causes", "every tail read")
        assert line_with(lines, "5", "exit 3, FailureExitCode (usererror)")
        assert line_with(lines, "3", "exit 1, FailureExitCode (usererror): KeyError: 'label'")
        assert line_with(lines, "2", "exit 127, FailureExitCode")
        text = flat(lines)
        assert "ERROR shard <n>: checksum mismatch in <path> at <time>" in text
        assert "<path>: <n>: nosuchtool: not found" in text
        order = [line.split()[0] for line in lines if "FailureExitCode" in line]
        assert order == ["5", "3", "2"]  # biggest first


@sizes
async def test_histograms_show_the_planted_exit_codes_and_enter_filters(emulator, planted, size):
    job_id, ids = planted
    app = make_app(emulator, ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await tasks_listed(pilot, app, 14)
        await pilot.press("percent_sign")
        await until(pilot, lambda: isinstance(app.screen, HistogramScreen) and app.screen.done, what="histograms")
        await pilot.pause()
        lines = screen_lines(app)
        flat_text = flat(lines)
        assert line_with(lines, "Exit codes and durations of job", job_id[:10])
        assert line_with(lines, "14 completed tasks")
        assert line_with(lines, "Exit codes of 14 tasks")
        for code, count in ((0, 4), (1, 3), (3, 5), (127, 2)):
            line = line_with(lines, f"exit {code} ")
            assert line.split()[-2:] == [str(count), f"{round(100 * count / 14)}%"], line
        assert "Durations of 14 tasks:  p50 " in flat_text and " p95 " in flat_text and " max " in flat_text
        # enter on the bar of exit 3: the tasks table, filtered on the service to exactly the checksum tasks
        await pilot.press("down", "down")
        await pilot.press("enter")
        assert app.screen is app.screen_stack[0]
        assert app.view == ViewKey("emu", TASKS, job_id)
        assert app.refresher.server_filter[app.view] == "executionInfo/exitCode eq 3"
        await until(pilot, lambda: sorted(app.table.visible_keys) == ids["checksum"], what="the exit 3 tasks")
        assert "$executionInfo/exitCode eq 3" in screen_lines(app)[1] + screen_lines(app)[2]
        # a duration bar: exactly its tasks, by their ids
        await pilot.press("percent_sign")
        await until(pilot, lambda: isinstance(app.screen, HistogramScreen) and app.screen.done, what="histograms")
        screen = app.screen
        await pilot.press("end")
        bar = screen.bars[screen.bar_list.highlighted_option.id]
        assert bar.label.endswith("s") and bar.count
        await pilot.press("enter")
        assert app.view == ViewKey("emu", TASKS, job_id) and app.view not in app.refresher.server_filter
        await until(pilot, lambda: sorted(app.table.visible_keys) == sorted(bar.task_ids), what="the bar's tasks")
        assert line_with(screen_lines(app), f"/{bar.count} task", f"that ran {bar.label}")


def start_times(client, job_id: str) -> dict[str, object]:
    return {t.id: t.execution_info.start_time for t in client.list_tasks(job_id)}


@sizes
async def test_from_a_cluster_mark_its_tasks_and_rerun_them(emulator, client, pool_id, size):
    job_id, ids = planted_job(client, pool_id)
    before = start_times(client, job_id)
    app = make_app(emulator, ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await tasks_listed(pilot, app, 14)
        await pilot.press("exclamation_mark")
        await clusters_in(pilot, app)
        await pilot.press("down")  # the second cause: the KeyError tracebacks
        assert line_with(screen_lines(app), "example", "keyerror-0000")
        await pilot.press("m")
        await until(pilot, lambda: len(app.table.marked) == 3, what="the cause's tasks marked")
        await pilot.pause()
        title = shown_in(app, "#view-title")
        assert "/3 tasks of: exit 1, FailureExitCode" in title and "3 marked" in title
        rows = [line for line in table_lines(app)[1:] if "-000" in line]
        assert sorted(row[1:].split()[0] for row in rows) == ids["keyerror"]  # exactly its tasks
        assert all(row.startswith("▌") for row in rows)  # each marked
        await pilot.press("a")  # the bulk action on the marked rows: reactivate (rerun), after a confirmation
        await until(pilot, lambda: "Reactivate 3 tasks" in flat(screen_lines(app)), what="the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: not app.table.marked, what="the action to run")
    rerun = wait_for(lambda: (lambda now: now if all(now[i] != before[i] for i in ids["keyerror"]) else None)(
        start_times(client, job_id)), timeout=30, what="the three tasks to run again")
    assert {i for i in rerun if rerun[i] != before[i]} == set(ids["keyerror"])  # only they ran again


async def test_enter_lists_a_cluster_s_tasks_and_esc_clears_the_filter(emulator, planted):
    job_id, ids = planted
    app = make_app(emulator, ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await tasks_listed(pilot, app, 14)
        await pilot.press("exclamation_mark")
        await clusters_in(pilot, app)
        await pilot.press("end", "enter")  # the smallest cause: nosuchtool
        assert app.screen is app.screen_stack[0]
        await until(pilot, lambda: sorted(app.table.visible_keys) == ids["notfound"], what="its tasks")
        assert not app.table.marked
        assert line_with(screen_lines(app), "/2 tasks of: exit 127")
        await pilot.press("escape")
        assert app.table.row_count == 14 and app.view == ViewKey("emu", TASKS, job_id)


async def test_example_log_copy_and_save_the_ids(emulator, planted, tmp_path):
    job_id, ids = planted
    app = make_app(emulator, ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await tasks_listed(pilot, app, 14)
        await pilot.press("exclamation_mark")
        cluster = (await clusters_in(pilot, app)).highlighted
        assert cluster.example.id in ids["checksum"] and "checksum mismatch in /data/in/part-" in cluster.example_line
        await pilot.press("l")  # the example's log: the file its line came from
        await until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log view")
        await until(pilot, lambda: cluster.example_line in flat(screen_lines(app)), what="the example's line")
        assert (app.screen.ref.task_id, app.screen.ref.path) == (cluster.example.id, "stderr.txt")
        await pilot.press("escape")
        assert isinstance(app.screen, FailuresScreen)
        await pilot.press("c")
        assert app.clipboard == "".join(f"{i}\n" for i in ids["checksum"])
        target = tmp_path / "ids.txt"
        await pilot.press("s")
        await until(pilot, lambda: "Export task ids" in flat(screen_lines(app)), what="the save dialog")
        app.screen.query_one("Input").value = str(target)
        await pilot.press("enter")
        await until(pilot, target.exists, what="the ids saved")
        assert target.read_text() == "".join(f"{i}\n" for i in ids["checksum"])
        await until(pilot, lambda: isinstance(app.screen, FailuresScreen), what="back to the clusters")


async def test_tails_are_read_once_a_session_and_failures_takes_a_job(emulator, planted):
    job_id, _ = planted
    app = make_app(emulator, ViewKey("emu", JOBS))
    service = app.services["emu"]
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: job_id in app.table.all_keys(), what="the job listed")
        app.table.move_cursor_to_key(job_id)
        await pilot.press("colon", *"failures", "enter")  # the cursor's job
        screen = await clusters_in(pilot, app)
        assert screen.job_id == job_id and screen.progress.cached == 0 and len(app.triage.cache) == 10
        await pilot.press("escape")
        reads = []

        def counting(read):
            def counted(*args, **kwargs):
                reads.append(args)
                return read(*args, **kwargs)
            return counted

        service.file_properties = counting(service.file_properties)
        service.read_range = counting(service.read_range)
        await pilot.press("colon", *f"fail {job_id}", "enter")
        screen = await clusters_in(pilot, app)
        assert screen.progress.cached == 10 and reads == []  # no file read again
        assert "every tail read (10 cached)" in flat(screen_lines(app))
        await pilot.press("escape", "colon", *"failures no-such-job", "enter")
        await until(pilot, lambda: isinstance(app.screen, FailuresScreen) and app.screen.progress.problem,
                    what="the problem")
        assert line_with(screen_lines(app), "cannot list the failed tasks: JobNotFound")


async def test_the_keys_work_on_the_jobs_view_for_the_cursor_s_job(emulator, planted):
    job_id, _ = planted
    app = make_app(emulator, ViewKey("emu", JOBS))
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: job_id in app.table.all_keys(), what="the job listed")
        app.table.move_cursor_to_key(job_id)
        await pilot.pause()
        footer = shown_in(app, "KeyFooter")
        assert "! Failures" in footer or footer.endswith("…  ? Help")
        await pilot.press("exclamation_mark")
        screen = await clusters_in(pilot, app)
        assert screen.job_id == job_id
        await pilot.press("escape", "percent_sign")
        await until(pilot, lambda: isinstance(app.screen, HistogramScreen), what="the histograms")
        assert app.screen.job_id == job_id


async def test_the_keys_are_in_the_footer_and_the_help(emulator, planted):
    job_id, _ = planted
    app = make_app(emulator, ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(200, 50)) as pilot:
        await tasks_listed(pilot, app, 14)
        await pilot.pause()
        footer = shown_in(app, "KeyFooter")
        # The footer keeps the view's keys first and drops whole hints when short; `?` lists them all.
        assert "! Failures" in footer and ("% Histograms" in footer or footer.endswith("…  ? Help"))
        await pilot.press("question_mark")
        await until(pilot, lambda: re.search(r"│ !  +Failures", "\n".join(screen_lines(app))), what="the key's row")
        assert re.search(r"│ %  +Histograms", "\n".join(screen_lines(app)))
        app.screen.query_one("VerticalScroll").scroll_end(animate=False)
        await until(pilot, lambda: ":histogram [JOB]" in flat(screen_lines(app)), what="the commands")
        assert ":failures [JOB]" in flat(screen_lines(app))


async def test_output_lines_are_never_markup_nor_control_sequences(emulator, client, pool_id):
    job_id = make_job(client, pool_id)
    line = r"printf 'ERROR [/bold] [red]boom\a \033]0;pwned\007 \033[31mred\033[0m at /x/7\n' >&2; exit 9"
    add_task(client, job_id, "markup", sh(line))
    wait_for(lambda: client.get_task(job_id, "markup").state == "completed", timeout=30, what="the task")
    app = make_app(emulator, ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await tasks_listed(pilot, app, 1)
        await pilot.press("exclamation_mark")
        await clusters_in(pilot, app)
        lines = screen_lines(app)
        text = flat(lines)
        assert "exit 9, FailureExitCode (usererror): ERROR [<path>] [red]boom^G red at <path>" in text  # literal
        assert "ERROR [/bold] [red]boom^G  red at /x/7" in line_with(lines, "example", "markup")  # as printed, BEL
        assert "pwned" not in text and not any(c != "\n" and not c.isprintable() for c in "\n".join(lines))


async def test_the_smallest_causes_share_the_last_line_and_list_together(emulator, planted, monkeypatch):
    job_id, ids = planted
    monkeypatch.setattr("batchtui.ui.screens.failures.MAX_CARDS", 1)
    app = make_app(emulator, ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await tasks_listed(pilot, app, 14)
        await pilot.press("exclamation_mark")
        await clusters_in(pilot, app)
        lines = screen_lines(app)
        assert line_with(lines, "5 exit 3, FailureExitCode")
        assert line_with(lines, "5 tasks of 2 smaller causes (enter lists them, m marks them)")
        assert "KeyError" not in flat(lines)
        await pilot.press("down", "l")  # no example log for many causes at once
        assert isinstance(app.screen, FailuresScreen)
        await pilot.press("enter")
        await until(pilot, lambda: sorted(app.table.visible_keys) == sorted(ids["keyerror"] + ids["notfound"]),
                    what="the smaller causes' tasks")
        assert "/5 tasks of 2 smaller causes" in shown_in(app, "#view-title")
