"""Bad nodes, stragglers, a job's pace and watched-job notices, against a real emulator.

A pool of three one-slot nodes, one made bad by its start task (a marker file its tasks check: they fail
at once there); a job of 36 short tasks and 3 slow ones (60 s, queued last, not checking the marker).
What is asserted is what the screen shows (rendered lines), at 80x24 and 120x40.
"""

from __future__ import annotations

import pytest
from azure.batch import models as m
from conftest import make_job, make_pool, wait_for
from planted import BAD_NODE_LINE, bad_node_start_task, node_task, plant, sh
from ui_helpers import account_for, row_texts, service_for, until
from ui_screen import screen_lines, toast_texts

from batchtui.ui.app import BatchApp
from batchtui.ui.screens.failures import FailuresScreen
from batchtui.ui.screens.nodes_health import NodesHealthScreen
from batchtui.ui.views import JOBS, TASKS, ViewKey

SIZES = [(80, 24), (120, 40)]
WORK, SLOW = 36, 3


def short(node_id: str) -> str:
    """A node id without its creation stamp (tvm-NNNN_serial): unique, and short enough to show at 80x24."""
    return node_id.rsplit("-", 1)[0]


@pytest.fixture(scope="module")
def bad_pool(client, tmp_path_factory):
    return make_bad_pool(client, tmp_path_factory)


def make_bad_pool(client, tmp_path_factory) -> tuple[str, str, list[str]]:
    """A pool of three one-slot nodes, one made bad: (pool id, the bad node, the good ones)."""
    lock = tmp_path_factory.mktemp("bad-node-lock")
    pool_id = make_pool(client, nodes=3, slots=1, start_task=bad_node_start_task(lock_dir=str(lock)))
    nodes = [n.id for n in client.list_nodes(pool_id)]
    bad = (lock / "bad" / "node").read_text().strip()
    assert bad in nodes
    return pool_id, bad, [n for n in nodes if n != bad]


@pytest.fixture(scope="module")
def triage_job(client, bad_pool):
    pool_id, _, _ = bad_pool
    job_id = make_job(client, pool_id)
    tasks = [m.BatchTaskCreateOptions(id=f"work-{i:02d}", command_line=node_task(0.3)) for i in range(WORK)]
    tasks += [m.BatchTaskCreateOptions(id=f"slow-{i}", command_line=node_task(60, check_node=False))
              for i in range(SLOW)]
    client.create_task_collection(job_id, m.BatchTaskGroup(task_values=tasks))
    wait_for(lambda: client.get_job_task_counts(job_id).task_counts.completed >= WORK, timeout=60,
             what="the short tasks done")
    yield job_id
    end(client, job_id)


def end(client, job_id: str) -> None:
    """Terminate the job (its running tasks' processes end with it)."""
    client.begin_terminate_job(job_id, {"terminateReason": "test over"}, polling_interval=0.05).result()


def make_app(emulator, start: ViewKey) -> BatchApp:
    account = account_for(emulator)
    return BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0, start=start)


def node_line(lines: list[str], node_id: str) -> str:
    found = [line for line in lines if short(node_id) in line]
    assert len(found) == 1, (node_id, lines)
    return found[0]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_bad_node_is_flagged_and_no_good_node_is(emulator, client, bad_pool, triage_job, size):
    pool_id, bad, good = bad_pool
    app = make_app(emulator, ViewKey("emu", TASKS, triage_job))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.table.total_count == WORK + SLOW, what="the tasks listed")
        await pilot.press("H")
        screen = app.screen
        assert isinstance(screen, NodesHealthScreen)
        await until(pilot, lambda: screen.health is not None and screen.table.total_count == 3, what="health")
        assert screen.health is not None
        assert [h.node_id for h in screen.health.flagged] == [bad]
        await pilot.pause()
        lines = row_texts(screen.table)
        assert "✗ failing" in node_line(lines, bad)
        for node_id in good:
            line = node_line(lines, node_id)
            assert "failing" not in line and "slow" not in line
        assert any("1 flagged" in line for line in screen_lines(app))
        screen.table.move_cursor_to_key(bad)
        await pilot.pause()
        why = "\n".join(screen_lines(app))
        assert "failing:" in why and "binomial" in why


async def test_from_the_flagged_node_its_tasks_and_disable_scheduling(emulator, client, bad_pool, triage_job):
    pool_id, bad, _ = bad_pool
    on_bad = {t.id for t in client.list_tasks(triage_job) if t.node_info and t.node_info.node_id == bad}
    app = make_app(emulator, ViewKey("emu", TASKS, triage_job))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.table.total_count == WORK + SLOW, what="the tasks listed")
        await pilot.press("colon", *"nodes-health", "enter")
        screen = app.screen
        assert isinstance(screen, NodesHealthScreen)
        await until(pilot, lambda: screen.health is not None and bool(screen.health.flagged), what="flagged")
        assert screen.table.cursor_key == bad  # flagged nodes come first
        await pilot.press("p")
        await until(pilot, lambda: "Disable scheduling" in "\n".join(screen_lines(app)), what="the confirmation")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: client.get_node(pool_id, bad).scheduling_state == "disabled",
                    what="scheduling disabled")
        assert app.screen is screen
        await pilot.press("t")
        assert app.screen is not screen and app.view == ViewKey("emu", TASKS, triage_job)
        await until(pilot, lambda: set(app.table.visible_keys) == on_bad, what="the node's tasks")
        rendered = [line for line in row_texts(app.table) if line.strip()]
        assert rendered and all(short(bad) in line for line in rendered)
        assert any(f"re:^{bad}$" in line for line in screen_lines(app))  # the filter, in the title
        assert all("failed" in line for line in rendered if "work-" in line)  # its short tasks all failed
    client.enable_node_scheduling(pool_id, bad)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_stragglers_are_exactly_the_slow_tasks_and_the_pace_shows(emulator, triage_job, size):
    slow = {f"slow-{i}" for i in range(SLOW)}
    app = make_app(emulator, ViewKey("emu", TASKS, triage_job))
    async with app.run_test(size=size) as pilot:
        table = app.table

        def flagged() -> set[str]:
            return {key for key in table.all_keys() if "straggler" in str(table.get_row(key).cells[1])}

        await until(pilot, lambda: flagged() == slow, what="the slow tasks flagged")
        progress = app.query_one("#progress")
        await until(pilot, lambda: "/min" in progress.plain and "ETA" in progress.plain, what="the pace")
        assert f"▶ {SLOW} stragglers" in progress.plain
        await pilot.press("colon", *"stragglers", "enter")
        assert sorted(table.visible_keys) == sorted(slow)
        rendered = [line for line in row_texts(table) if line.strip()]
        assert len(rendered) == SLOW and all("▶ straggler" in line for line in rendered)
        lines = screen_lines(app)
        assert any("/min" in line and "ETA" in line for line in lines)  # the progress line, on screen


@pytest.fixture()
def quiet_pool(client):
    return make_pool(client, nodes=1, slots=2)


async def test_a_rise_in_failures_is_told_once(emulator, client, quiet_pool, monkeypatch):
    monkeypatch.setenv("BATCHTUI_NOTIFY", "osc777")
    job_id = make_job(client, quiet_pool)
    client.create_task(job_id, m.BatchTaskCreateOptions(id="long", command_line=sh("sleep 60")))
    app = make_app(emulator, ViewKey("emu", TASKS, job_id))
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            written: list[str] = []
            monkeypatch.setattr(app._driver, "write", written.append)
            await until(pilot, lambda: app.watcher.book.seen(("emu", job_id)), what="the baseline")
            client.create_task(job_id, m.BatchTaskCreateOptions(id="boom", command_line=sh("exit 5")))
            told = f"job {job_id}: 1 more task failed (1 failed of 2)"
            await until(pilot, lambda: any(told in toast for toast in toast_texts(app)), what="the toast")
            await pilot.pause(3.5)  # three more refreshes: nothing new to tell
            assert written == [f"\x07\x1b]777;notify;batchtui;{told}\x07"]
            assert sum(told in toast for toast in toast_texts(app)) == 1
    finally:
        end(client, job_id)


async def test_a_watched_job_that_is_not_open_is_told_when_it_completes(emulator, client, quiet_pool, monkeypatch):
    monkeypatch.setenv("BATCHTUI_NOTIFY", "bell")
    job_id = make_job(client, quiet_pool)
    client.create_task(job_id, m.BatchTaskCreateOptions(id="wait", command_line=sh("sleep 3")))
    app = make_app(emulator, ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        written: list[str] = []
        monkeypatch.setattr(app._driver, "write", written.append)
        await until(pilot, lambda: job_id in app.table.visible_keys, what="the job listed")
        app.table.move_cursor_to_key(job_id)
        await pilot.press("W")
        assert any(f"watching job {job_id}" in toast for toast in toast_texts(app))
        await until(pilot, lambda: app.watcher.book.seen(("emu", job_id)), what="the baseline")
        told = f"job {job_id} completed: 1 succeeded, 0 failed of 1 task"
        await until(pilot, lambda: any(told in toast for toast in toast_texts(app)), timeout=20, what="the toast")
        await pilot.pause(2.5)
        assert written == ["\x07"]
        await pilot.press("W")  # stop watching
        assert ("emu", job_id) not in app.watcher.book.marked


async def test_nodes_health_from_the_jobs_view_lists_the_job_itself(emulator, bad_pool, triage_job):
    _, bad, _ = bad_pool
    app = make_app(emulator, ViewKey("emu", JOBS))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: triage_job in app.table.visible_keys, what="the job listed")
        app.table.move_cursor_to_key(triage_job)
        await pilot.press("H")
        screen = app.screen
        assert isinstance(screen, NodesHealthScreen)
        await until(pilot, lambda: screen.health is not None and screen.table.total_count == 3, what="health")
        assert app.monitor.fed_stats("emu", triage_job) is None  # (the explorer shows jobs: listed here)
        assert screen.health is not None and [h.node_id for h in screen.health.flagged] == [bad]
        assert "✗ failing" in node_line(row_texts(screen.table), bad)
        await pilot.press("escape")
        assert app.screen is not screen and app.view == ViewKey("emu", JOBS)


@pytest.fixture(scope="module")
def planted_on_bad_pool(client, tmp_path_factory):
    """The planted job of the clusters view (three causes: 5, 3 and 2 failed tasks, 4 that succeed) plus
    24 short tasks that fail at once on the bad node only: what `!` must show is the three causes, the bad
    node's own, and the bad node named. On a bad pool of its own (the other's nodes run the slow tasks)."""
    pool = make_bad_pool(client, tmp_path_factory)
    job_id = make_job(client, pool[0])
    plant(client, job_id, {"checksum": 5, "keyerror": 3, "notfound": 2, "ok": 4})
    client.create_task_collection(job_id, m.BatchTaskGroup(task_values=[
        m.BatchTaskCreateOptions(id=f"work-{i:02d}", command_line=node_task(0.3)) for i in range(24)]))
    wait_for(lambda: client.get_job_task_counts(job_id).task_counts.completed == 38, timeout=90,
             what="the planted tasks done")
    yield job_id, pool
    end(client, job_id)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_one_key_shows_the_causes_and_names_the_bad_node(emulator, client, planted_on_bad_pool, size):
    job_id, (_, bad, good) = planted_on_bad_pool
    on_bad = [t for t in client.list_tasks(job_id) if t.id.startswith("work-") and t.node_info.node_id == bad]
    app = make_app(emulator, ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.table.total_count == 38, what="the tasks listed")
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: isinstance(app.screen, FailuresScreen) and app.screen.progress.done
                    and app.screen.health is not None, what="tails read and nodes judged")
        screen = app.screen
        await pilot.pause()
        lines = screen_lines(app)
        text = "\n".join(lines)
        # The bad node named on the clusters screen, with why; no good node named.
        nodes_line = next((line for line in lines if "bad node" in line), text)
        assert short(bad) in nodes_line and "tasks failed, the other" in nodes_line
        assert not any(short(node) in nodes_line for node in good)
        # The three planted causes with their counts, and the bad node's own failures as a fourth.
        clusters = screen.clusterer.clusters()
        assert len(clusters) == 4, clusters
        bad_cause = next(c for c in clusters if c.example_line and BAD_NODE_LINE in c.example_line)
        assert bad_cause.count == len(on_bad) and set(bad_cause.nodes) == {bad}
        assert sorted(c.count for c in clusters if c is not bad_cause) == [2, 3, 5]
        if size == (120, 40):
            for count, words in ((5, "exit 3, FailureExitCode"), (3, "KeyError: 'label'"), (2, "exit 127"),
                                 (len(on_bad), "exit 9")):
                assert any(line.split()[:1] == [str(count)] and words in line for line in lines), (words, text)
        # H: from the bad node to its actions (the nodes health view).
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, NodesHealthScreen), what="the nodes health view")
        await until(pilot, lambda: app.screen.health is not None, what="health")
        assert [h.node_id for h in app.screen.health.flagged] == [bad]
