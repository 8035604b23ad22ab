"""Failures never hidden (jobs table counts, pools' running tasks, summaries that
fit), the footer laid out by priority, and a tree that tells the truth (issue 12,
items 2, 4 and 10). Assertions are on the rendered screen at 80x24 and 120x40."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from azure.batch import BatchClient
from conftest import EmulatorProcess, add_task, make_job, make_pool, own_emulator, wait_task
from rich.cells import cell_len
from screen_probe import line_with, screen_lines
from ui_helpers import account_for, service_for, until

from batchtui.service.errors import NOT_FOUND, OTHER, ServiceError
from batchtui.service.models import JobRow, TaskCounts
from batchtui.ui.app import BatchApp
from batchtui.ui.controllers.tree_sync import LIST_EVERY
from batchtui.ui.fetch import COUNTS_CONCURRENCY, COUNTS_PER_REFRESH, JobCounts
from batchtui.ui.model.key_hints import Hint, layout
from batchtui.ui.summaries import job_summary
from batchtui.ui.views import JOBS, NODES, POOLS, TASKS, ViewKey
from batchtui.ui.widgets.nav_tree import NavItem, NavTree
from batchtui.ui.widgets.resource_table import ResourceTable


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """An emulator of this module's own: the session's holds hundreds of jobs from earlier modules
    by now, and with at most 100 jobs' counts fetched a refresh, which row's counts come first is
    then a matter of timing (the tests here read one job's counts and columns on screen)."""
    yield from own_emulator(tmp_path_factory)


@pytest.fixture(scope="module")
def client(emulator: EmulatorProcess) -> BatchClient:
    """The official SDK's client, on this module's own emulator."""
    return emulator.client()

SIZES = [(80, 24), (120, 40)]
GLYPH = r"(?:\S )?"  # a state may be drawn after a glyph (ui.palette)
SIZE_IDS = ["80x24", "120x40"]


@pytest.fixture(scope="module")
def failing(client):
    """A job with two succeeded tasks and a failed one, on a pool of one idle node with two slots."""
    pool_id = make_pool(client, nodes=1, slots=2)
    job_id = make_job(client, pool_id)
    for task, code in (("t0", 0), ("t1", 1), ("t2", 0)):
        add_task(client, job_id, task, f"/bin/sh -c 'exit {code}'")
    for task in ("t0", "t1", "t2"):
        wait_task(client, job_id, task)
    return pool_id, job_id


def on_screen(app: BatchApp, pattern: str) -> bool:
    """Whether a row of the screen matches the regular expression `pattern`."""
    return any(re.search(pattern, line) for line in screen_lines(app))


def make_app(emulator, start: ViewKey | None = None, refresh_seconds: float = 1.0, **options) -> BatchApp:
    account = account_for(emulator)
    return BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=refresh_seconds, start=start,
                    **options)


# -- item 2: failures never hidden -------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_jobs_table_shows_each_jobs_task_counts(emulator, failing, size):
    _, job_id = failing
    app = make_app(emulator)
    async with app.run_test(size=size) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: job_id in table.visible_keys, what="the job listed")
        table.move_cursor_to_key(job_id)
        await until(pilot, lambda: on_screen(app, rf"{job_id}\s+{GLYPH}active\s+0\s+0\s+2\s+1\b"),
                    what="the job's counts on screen")
        assert on_screen(app, r"ID\s+STATE\s+ACTIVE\s+RUNNING\s+OK\s+FAILED")
        assert re.search(r"with failed tasks  1 job\b", line_with(app, "with failed tasks"))  # (one: "1 job")


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_summary_of_a_job_with_failures_keeps_the_failed_count(emulator, failing, size):
    _, job_id = failing
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: "3/3" in str(app.query_one("#summary").render()), what="the summary")
        line = line_with(app, "3/3")
        assert "failed 1" in line and "succeeded 2" in line and "running 0" in line and "active 0" in line
        assert line.index("failed 1") < line.index("succeeded 2")  # failures first


def test_job_summary_fits_every_width_and_cuts_only_with_an_ellipsis():
    fit = job_summary(TaskCounts(active=120, running=40, completed=9840, succeeded=9837, failed=3))
    assert "██" in fit.at(200).plain  # room enough: the bar too
    for width in range(8, 140):
        plain = fit.at(width).plain
        assert cell_len(plain) <= width
        if width >= len("9,840/10,000  failed 3"):
            assert "failed 3" in plain, (width, plain)
        else:
            assert plain.endswith("…"), (width, plain)
    # (thousands separated: a million-task job's figures read at a glance)
    assert fit.at(68).plain == "9,840/10,000 done  failed 3  running 40  active 120  succeeded 9,837"
    assert fit.at(50).plain == "9,840/10,000  failed 3  run 40  act 120  ok 9,837"


async def test_pools_show_running_tasks_and_slots(emulator, client):
    pool_id = make_pool(client, nodes=1, slots=2)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "busy", "sleep 30")
    wait_task(client, job_id, "busy", "running")
    app = make_app(emulator, start=ViewKey("emu", POOLS))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            table = app.query_one(ResourceTable)
            await until(pilot, lambda: pool_id in table.visible_keys, what="the pool")
            table.move_cursor_to_key(pool_id)
            await until(pilot, lambda: on_screen(app, rf"{pool_id}\s+{GLYPH}active\s+{GLYPH}steady\s+1\s+1/2\b"),
                        what="1 running task, 1 of 2 slots used")
            assert on_screen(app, r"RUNNING\s+SLOTS")
    finally:
        client.terminate_task(job_id, "busy")


class FakeCounts:
    """task_counts of a fake service: records calls and how many ran at once."""

    def __init__(self, failing: dict[str, ServiceError] | None = None) -> None:
        self.calls: list[str] = []
        self.running = self.peak = 0
        self.failing = failing or {}

    async def task_counts(self, job_id: str) -> TaskCounts:
        self.calls.append(job_id)
        self.running += 1
        self.peak = max(self.peak, self.running)
        await asyncio.sleep(0.001)
        self.running -= 1
        if job_id in self.failing:
            raise self.failing[job_id]
        return TaskCounts(succeeded=1, completed=1)


def job(job_id: str, state: str = "active") -> JobRow:
    return JobRow(job_id, state, "p", 0, None, None, None, None)


async def test_job_counts_are_fetched_with_bounded_concurrency_and_cached_for_completed_jobs():
    service = FakeCounts()
    counts = JobCounts()
    jobs = [job(f"a{i}") for i in range(20)] + [job("done", "completed")]
    known = await counts.refresh(service, jobs)  # type: ignore[arg-type]
    assert len(known) == 21 and len(service.calls) == 21 and service.peak <= COUNTS_CONCURRENCY
    service.calls.clear()
    await counts.refresh(service, jobs)  # type: ignore[arg-type]
    assert "done" not in service.calls and len(service.calls) == 20  # a completed job's counts are final
    jobs[0] = job("a0", "completed")  # completed since: fetched once more, then no more
    service.calls.clear()
    await counts.refresh(service, jobs)  # type: ignore[arg-type]
    assert "a0" in service.calls
    service.calls.clear()
    known = await counts.refresh(service, jobs[1:])  # type: ignore[arg-type]
    assert "a0" not in service.calls and "a0" not in known  # a deleted job is forgotten


async def test_job_counts_per_refresh_are_capped_and_take_turns():
    service = FakeCounts()
    counts = JobCounts()
    jobs = [job(f"j{i:03d}") for i in range(COUNTS_PER_REFRESH + 30)]
    first = await counts.refresh(service, jobs)  # type: ignore[arg-type]
    assert len(first) == COUNTS_PER_REFRESH
    service.calls.clear()
    second = await counts.refresh(service, jobs)  # type: ignore[arg-type]
    assert len(second) == len(jobs)
    assert set(service.calls[:30]) == {j.id for j in jobs[COUNTS_PER_REFRESH:]}  # those never fetched go first


async def test_job_counts_of_active_jobs_come_first_and_completed_ones_keep_a_quarter():
    service = FakeCounts()
    counts = JobCounts()
    done = [job(f"done{i:04d}", "completed") for i in range(3 * COUNTS_PER_REFRESH)]
    active = [job(f"live{i:03d}") for i in range(COUNTS_PER_REFRESH + 10)]
    jobs = done + active  # (the completed jobs listed first, as an old account lists them)
    finals: set[str] = set()
    for _ in range(2):
        service.calls.clear()
        await counts.refresh(service, jobs)  # type: ignore[arg-type]
        assert set(counts.last_fetched) == set(service.calls) and len(service.calls) == COUNTS_PER_REFRESH
        these = {c for c in service.calls if c.startswith("done")}
        assert len(these) == COUNTS_PER_REFRESH // 4 and not these & finals  # a completed job is asked once
        finals |= these
    assert all(counts.known(j.id) is not None for j in active)  # 75 + 75 turns: every active job's counts


async def test_job_counts_skip_a_vanished_job_and_raise_other_errors():
    service = FakeCounts({"gone": ServiceError(NOT_FOUND, "JobNotFound")})
    known = await JobCounts().refresh(service, [job("gone"), job("here")])  # type: ignore[arg-type]
    assert set(known) == {"here"}
    service = FakeCounts({"bad": ServiceError(OTHER, "boom")})
    with pytest.raises(ServiceError, match="boom"):
        await JobCounts().refresh(service, [job("bad"), job("here")])  # type: ignore[arg-type]


# -- item 4: the footer ---------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_footer_puts_the_views_keys_first_and_keeps_help(emulator, failing, size):
    pool_id, job_id = failing
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: table.total_count == 3, what="tasks")
        footer = screen_lines(app)[-1]
        assert footer.startswith(" l Logs  e Stderr  b Files  F Failed only  A Rerun failed"), footer
        assert footer.rstrip().endswith("? Help"), footer
        if size[0] == 80:
            assert "…  ? Help" in footer  # some keys did not fit: the ellipsis says so, help lists them
        await pilot.press("colon", *f"nodes {pool_id}", "enter")
        assert app.view == ViewKey("emu", NODES, pool_id)
        await until(pilot, lambda: screen_lines(app)[-1].startswith(" l Logs  e Stderr  b Files"), what="node keys")


def test_footer_layout_drops_whole_hints_from_the_end_and_keeps_help():
    hints = [Hint("l", "l", "Logs", "open_log"), Hint("b", "b", "Files", "browse_files"),
             Hint("t", "t", "Terminate", "act"), Hint("question_mark", "?", "Help", "help")]
    everything = 1 + sum(h.width for h in hints) + 2 * 3
    assert layout(hints, everything, keep=("help",)) == (hints, False)
    shown, dropped = layout(hints, everything - 1, keep=("help",))
    assert dropped and [h.description for h in shown] == ["Logs", "Files", "Help"]
    shown, dropped = layout(hints, 10, keep=("help",))
    assert dropped and [h.description for h in shown] == ["Help"]


# -- item 10: the tree ----------------------------------------------------------------------------

def tree_label(app: BatchApp, item: NavItem) -> str:
    """The whole label of the tree's node for `item` (the rendered line may end in "…")."""
    node = app.query_one(NavTree).find(item)
    return node.label.plain if node is not None else ""


def tree_line(app: BatchApp, item: NavItem) -> tuple[str, bool]:
    """The rendered line of the tree's node for `item`, and whether it is drawn as the cursor."""
    tree = app.query_one(NavTree)
    node = tree.find(item)
    assert tree.last_line >= 0  # (lays the tree's lines out anew if it changed, so node.line is current)
    assert node is not None and node.line >= 0, f"{item} is not in the tree"
    strip = tree.render_line(node.line - tree.scroll_offset.y)
    cursor = tree.get_component_rich_style("tree--cursor")
    label = str(node.label.plain)[:4]
    styles = [seg.style for seg in strip if label and label in seg.text]
    return strip.text, bool(styles) and all(s is not None and s.bgcolor == cursor.bgcolor for s in styles)


async def test_tree_highlights_the_current_view_and_follows_job_states(emulator, client, failing):
    pool_id, _ = failing
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "t", "true")
    app = make_app(emulator)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(ResourceTable)
        await until(pilot, lambda: job_id in table.visible_keys, what="the job listed")
        await until(pilot, lambda: app.query_one(NavTree).find(NavItem("job", "emu", job_id)), what="job in the tree")
        assert tree_line(app, NavItem("jobs", "emu"))[1]  # the jobs view: the Jobs branch is the cursor's
        table.move_cursor_to_key(job_id)
        await pilot.press("enter")
        assert app.view == ViewKey("emu", TASKS, job_id)
        await pilot.pause()
        text, is_cursor = tree_line(app, NavItem("job", "emu", job_id))
        assert is_cursor and re.search(rf"{job_id} {GLYPH}active", text)
        assert not tree_line(app, NavItem("jobs", "emu"))[1]
        # its state changes while its tasks are shown: the tree follows
        client.begin_terminate_job(job_id, {"terminateReason": "enough"}, polling_interval=0.05).result()
        job = NavItem("job", "emu", job_id)
        await until(pilot, lambda: re.fullmatch(rf"{job_id} {GLYPH}completed", tree_label(app, job)),
                    timeout=LIST_EVERY * 1.0 + 10, what="the tree's label to follow")
        assert re.search(rf"{job_id} {GLYPH}compl", tree_line(app, job)[0])  # (at 120 columns it may end in …)
        await pilot.press("escape")
        assert app.view.kind == JOBS
        await pilot.pause()
        assert tree_line(app, NavItem("jobs", "emu"))[1]



async def test_top_bar_puts_staleness_before_the_endpoint_and_cuts_with_an_ellipsis(emulator):
    app = make_app(emulator, start=ViewKey("emu", JOBS), refresh_seconds=60)  # one refresh in this test
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app._fresh_at is not None, what="a refresh")
        await until(pilot, lambda: not any(w.is_running for w in app.workers), what="the refresh to end")
        app.refresher.stale = ServiceError(OTHER, "cannot reach the Batch endpoint: " + "connection refused " * 4)
        app.refresher.update_topbar()
        await pilot.pause()
        top = screen_lines(app)[0].rstrip()
        assert "⚠ stale, last refreshed" in top and top.endswith("…"), top
        assert top.index("stale") < 40


async def test_tree_task_labels_follow_the_tasks_view(emulator, client, failing):
    pool_id, _ = failing
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "slow", "/bin/sh -c 'sleep 3; exit 5'")
    wait_task(client, job_id, "slow", "running")
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.query_one(NavTree)
        await until(pilot, lambda: tree.find(NavItem("job", "emu", job_id)), what="the job in the tree")
        tree.find(NavItem("job", "emu", job_id)).expand()  # its first tasks show under it
        task = NavItem("task", "emu", "slow", job_id)
        await until(pilot, lambda: re.fullmatch(rf"slow {GLYPH}running", tree_label(app, task)), what="running")
        # the tasks view's refreshes carry the task's new state to the tree (a failure shows as one)
        await until(pilot, lambda: re.fullmatch(rf"slow {GLYPH}failed", tree_label(app, task)), timeout=20,
                    what="failed in the tree")
        assert re.search(rf"slow {GLYPH}failed", tree_line(app, task)[0])
