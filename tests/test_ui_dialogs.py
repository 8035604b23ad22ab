"""Issue 12, items 6, 7 and 12, and the jumps: safe confirmations (Cancel is the
default, only the confirm key confirms), actions that cannot work say why before
they are tried, read-only says so, focus moves both ways, and `J` / `[` `]` `-`
move between related views. Driven with the pilot against a live emulator, and
checked on what is drawn on screen."""

from __future__ import annotations

import pytest
from azure.batch import models as m
from conftest import add_task, make_job, make_pool, wait_for, wait_task
from test_emulator_protocol import signed_get
from ui_helpers import account_for, row_texts, screen_text, screen_words, service_for, until

from batchtui.ui.app import BatchApp
from batchtui.ui.views import JOBS, NODES, POOLS, TASKS, ViewKey
from batchtui.ui.widgets.resource_table import ResourceTable

MUTATING = ("POST", "DELETE", "PUT", "PATCH")


def make_app(emulator, start: ViewKey | None = None, **options) -> BatchApp:
    account = account_for(emulator)
    options.setdefault("refresh_seconds", 1.0)
    return BatchApp([account], {account.name: service_for(emulator)}, start=start, **options)


def mutations(emulator) -> dict[str, int]:
    counts = signed_get(emulator, "/_emulator/requests").json()
    return {method: counts.get(method, 0) for method in MUTATING}


def footer_keys(app) -> dict[str, str]:
    """The keys the footer shows (key → label): the shown bindings Textual hands the Footer."""
    return {key: active.binding.description for key, active in app.screen.active_bindings.items()
            if active.binding.show and active.enabled}


def screen_name(app) -> str:
    return app.screen.__class__.__name__


async def on_row(pilot, key: str) -> ResourceTable:
    app = pilot.app
    table = app.query_one("#table", ResourceTable)
    await until(pilot, lambda: key in table.visible_keys, what=f"row {key}")
    table.move_cursor_to_key(key)
    return table


async def press_for(pilot, key: str, screen: str) -> None:
    """Press `key`, then wait for `screen` to be up and, for a dialog, drawn (its buttons on screen)."""
    app = pilot.app
    await pilot.press(key)
    await until(pilot, lambda: screen_name(app) == screen and app.screen.is_mounted, what=screen)
    if screen in ("ConfirmScreen", "NoticeScreen"):
        await until(pilot, lambda: "(esc)" in screen_text(app), what=f"{screen} drawn")


def cursor_text(table: ResourceTable) -> str:
    """The drawn line of the table's cursor row."""
    return row_texts(table)[table.cursor_row - table.scroll_offset.y]


@pytest.fixture(scope="module")
def pool_and_jobs(client):
    """A pool with one idle node; an active job with a running and a failed task;
    a completed job with a failed task."""
    pool_id = make_pool(client, nodes=1, slots=4)
    active = make_job(client, pool_id)
    add_task(client, active, "runs", "sleep 600")
    add_task(client, active, "fails", "/bin/sh -c 'exit 3'")
    wait_task(client, active, "fails")
    wait_task(client, active, "runs", "running")
    done = make_job(client, pool_id)
    add_task(client, done, "broke", "/bin/sh -c 'exit 1'")
    wait_task(client, done, "broke")
    client.begin_terminate_job(done, {"terminateReason": "done"}, polling_interval=0.05).result()
    wait_for(lambda: client.get_job(done).state == "completed", what="job completed")
    yield pool_id, active, done
    client.terminate_task(active, "runs")


# -- item 6: confirmations ------------------------------------------------------------------------
async def test_ctrl_d_then_enter_deletes_nothing(emulator, client, pool_and_jobs):
    pool_id, _, _ = pool_and_jobs
    victim = make_job(client, pool_id)
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, victim)
        before = mutations(emulator)
        await press_for(pilot, "ctrl+d", "ConfirmScreen")
        text = screen_text(app)
        assert "Delete 1 job?" in text and victim in text and "Cancel (esc)" in text and "Yes (y)" in text
        assert app.screen.focused is not None and app.screen.focused.id == "cancel"  # the default button
        await pilot.press("enter")
        await until(pilot, lambda: screen_name(app) == "ExplorerScreen", what="closed")
        await pilot.pause(0.3)
        assert mutations(emulator) == before
        assert client.get_job(victim).state == "active"
        # n cancels too; an explicit tab to the confirm button, then enter, confirms.
        await press_for(pilot, "ctrl+d", "ConfirmScreen")
        await pilot.press("n")
        assert screen_name(app) != "ConfirmScreen"
        await press_for(pilot, "ctrl+d", "ConfirmScreen")
        await pilot.press("tab")
        assert app.screen.focused is not None and app.screen.focused.id == "confirm"
        await pilot.press("enter")
        await until(pilot, lambda: victim not in [j.id for j in client.list_jobs()], what="job deleted")


async def test_enter_on_a_choice_opens_its_list(emulator, client, pool_and_jobs):
    pool_id, _, _ = pool_and_jobs
    node_id = next(iter(client.list_nodes(pool_id))).id
    app = make_app(emulator, start=ViewKey("emu", NODES, pool_id))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, node_id)
        before = mutations(emulator)
        for key in ("o", "i", "p", "ctrl+d"):  # reboot, reimage, disable scheduling, remove: each has a choice
            await press_for(pilot, key, "ConfirmScreen")
            await pilot.press("shift+tab")  # Cancel → the choice
            select = app.screen.query_one("Select")
            assert app.screen.focused is select or select.has_focus_within
            await pilot.press("enter")
            await until(pilot, lambda select=select: select.expanded, what="the list open")
            text = screen_text(app)
            assert "taskcompletion" in text and screen_name(app) == "ConfirmScreen"
            await pilot.press("escape")  # closes the list, not the dialog
            assert screen_name(app) == "ConfirmScreen" and not select.expanded
            await pilot.press("escape")
            assert screen_name(app) != "ConfirmScreen"
        assert mutations(emulator) == before


async def test_enter_in_the_resize_fields_never_confirms(emulator, client, pool_and_jobs):
    pool_id, _, _ = pool_and_jobs
    app = make_app(emulator, start=ViewKey("emu", POOLS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, pool_id)
        await until(pilot, lambda: (app._details_doc or {}).get("id") == pool_id, what="details")
        before = mutations(emulator)
        await press_for(pilot, "z", "ConfirmScreen")
        assert "Yes (ctrl+s)" in screen_text(app)
        assert app.screen.focused is not None and app.screen.focused.id == "cancel"  # Cancel, even here
        await pilot.press("tab", "tab")  # the confirm button, then the first field
        assert app.screen.focused is not None and app.screen.focused.id == "field-dedicated"
        await pilot.press("ctrl+u", "5", "enter", "enter")  # dedicated → low-priority → the choice
        select = app.screen.query_one("Select")
        assert screen_name(app) == "ConfirmScreen" and app.screen.focused is select
        await pilot.press("enter")  # opens the list
        await until(pilot, lambda: select.expanded, what="the list open")
        await pilot.press("enter", "tab")  # picks the option, then on to Cancel
        assert app.screen.focused is not None and app.screen.focused.id == "cancel"
        await pilot.press("enter")
        assert screen_name(app) != "ConfirmScreen"
        await pilot.pause(0.3)
        assert mutations(emulator) == before and client.get_pool(pool_id).target_dedicated_nodes == 1


async def test_y_is_text_in_a_field_and_confirms_elsewhere(emulator, client, pool_and_jobs):
    pool_id, _, _ = pool_and_jobs
    job_id = make_job(client, pool_id)
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, job_id)
        await press_for(pilot, "t", "ConfirmScreen")
        await pilot.press("tab", "tab", "ctrl+u", *"day over", "y")  # typed into the reason
        field = app.screen.query_one("#field-reason")
        assert field.value == "day overy" and screen_name(app) == "ConfirmScreen"
        assert "day overy" in screen_text(app)
        await pilot.press("backspace", "tab", "y")  # out of the field (on Cancel), y confirms
        await until(pilot, lambda: client.get_job(job_id).state == "completed", what="terminated")
    assert client.get_job(job_id).execution_info.termination_reason == "day over"


# -- item 7: actions that cannot work say why -----------------------------------------------------
async def test_rerun_failed_on_a_completed_job_says_why(emulator, pool_and_jobs):
    _, _, done = pool_and_jobs
    before = mutations(emulator)
    app = make_app(emulator, start=ViewKey("emu", TASKS, done))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, "broke")
        await press_for(pilot, "A", "NoticeScreen")
        text = screen_words(app)
        assert "Cannot rerun failed tasks" in text
        assert f"Job {done}: it is completed" in text and "never reactivates" in text and "What would work" in text
        await pilot.press("enter")  # closes; nothing to confirm
        assert screen_name(app) != "NoticeScreen"
        await press_for(pilot, "a", "NoticeScreen")  # the one task: the same reason
        assert "it is completed" in screen_words(app)
        await pilot.press("escape")
        await pilot.press("colon", *"jobs", "enter")
        for key, words in (("A", "never reactivates"), ("t", "already completed"), ("p", "can be neither")):
            await on_row(pilot, done)
            await press_for(pilot, key, "NoticeScreen")
            assert words in screen_words(app), key
            await pilot.press("escape")
    assert mutations(emulator) == before


async def test_an_action_on_marked_rows_leaves_alone_those_it_cannot_work_on(emulator, client, pool_and_jobs):
    pool_id, _, _ = pool_and_jobs
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "long", "sleep 600")
    add_task(client, job_id, "short", "true")
    wait_task(client, job_id, "short")
    wait_task(client, job_id, "long", "running")
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        table = await on_row(pilot, "long")
        table.toggle_mark()
        table.move_cursor_to_key("short")
        table.toggle_mark()
        assert table.marked == {"long", "short"}
        await press_for(pilot, "t", "ConfirmScreen")
        text = screen_words(app)
        assert "Terminate 1 task of job" in text and "Left alone" in text
        assert "Task short: it has already completed" in text
        await pilot.press("y")
        await until(pilot, lambda: client.get_task(job_id, "long").state == "completed", what="terminated")


async def test_stale_table_state_is_checked_again_before_refusing(emulator, client, pool_and_jobs):
    pool_id, _, _ = pool_and_jobs
    job_id = make_job(client, pool_id)
    app = make_app(emulator, start=ViewKey("emu", JOBS), refresh_seconds=60)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, job_id)
        await until(pilot, lambda: any(job_id in line and "active" in line for line in row_texts(app.table)),
                    what="active")
        client.begin_disable_job(job_id, m.BatchJobDisableOptions(disable_tasks="requeue"),
                                 polling_interval=0.05).result()
        wait_for(lambda: client.get_job(job_id).state == "disabled", what="disabled")
        await press_for(pilot, "P", "ConfirmScreen")  # the table still says active; the service says disabled
        await pilot.press("y")
        await until(pilot, lambda: client.get_job(job_id).state == "active", what="enabled")


async def test_resize_and_reboot_refused_in_transitional_states(emulator, client):
    # A pool shrinking to 0 while its node finishes a long task: resizing, the node leavingpool.
    pool_id = make_pool(client, nodes=1)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "long", "sleep 600")
    wait_task(client, job_id, "long", "running")
    client.begin_resize_pool(pool_id, m.BatchPoolResizeOptions(target_dedicated_nodes=0,
                                                               node_deallocation_option="taskcompletion"),
                             polling_interval=60)
    wait_for(lambda: [n.state for n in client.list_nodes(pool_id)] == ["leavingpool"], what="leaving")
    before = mutations(emulator)
    app = make_app(emulator, start=ViewKey("emu", POOLS))
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await on_row(pilot, pool_id)
            await until(pilot, lambda: any(pool_id in line and "resizing" in line for line in row_texts(app.table)),
                        what="resizing shown")
            await press_for(pilot, "z", "NoticeScreen")
            text = screen_words(app)
            assert "Cannot resize" in text and "it is resizing" in text and "stop the resize first (x)" in text
            await pilot.press("escape")
            await pilot.press("enter")  # the pool's nodes: one, leaving
            await until(pilot, lambda: app.table.total_count == 1, what="a node")
            await press_for(pilot, "o", "NoticeScreen")
            text = screen_words(app)
            assert "it is leavingpool; only an idle or running node can be" in text and "rebooted" in text
            await pilot.press("escape")
            await press_for(pilot, "ctrl+d", "NoticeScreen")
            assert "it is already leaving the pool" in screen_words(app)
            await pilot.press("escape")
        assert mutations(emulator) == before
    finally:
        client.terminate_task(job_id, "long")


async def test_read_only_says_so_when_a_mutating_key_is_pressed(emulator, pool_and_jobs):
    _, active, _ = pool_and_jobs
    before = mutations(emulator)
    app = make_app(emulator, start=ViewKey("emu", JOBS), read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, active)
        footer = screen_text(app)
        assert "Delete" not in footer and "Rerun failed" not in footer  # the keys stay out of the footer
        await pilot.press("ctrl+d")
        await until(pilot, lambda: "read-only: cannot delete it" in screen_text(app), what="read-only said")
        await pilot.press("A")
        await until(pilot, lambda: "read-only: cannot rerun failed tasks" in screen_text(app), what="A too")
        assert screen_name(app) not in ("ConfirmScreen", "NoticeScreen")
    assert mutations(emulator) == before


# -- item 12: focus -------------------------------------------------------------------------------
async def test_f6_and_tab_move_between_tree_and_table_both_ways(emulator, pool_and_jobs):
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: app.table.total_count > 0, what="jobs")
        tree, table = app.query_one("#nav"), app.table
        assert table.has_focus
        await pilot.press("f6")
        # A cursor shows where the keys go: on the current view's node (the account's Jobs).
        assert tree.has_focus and tree.cursor_line >= 0
        assert tree.cursor_node is not None and str(tree.cursor_node.label) == "Jobs"
        line = tree.cursor_line
        cursor, other = tree.render_line(line), tree.render_line(0 if line else 1)
        assert {s.style.bgcolor for s in cursor if s.text.strip()} != {s.style.bgcolor for s in other if s.text.strip()}
        await pilot.press("f6")
        assert table.has_focus
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            seen.append(app.focused.id if app.focused else None)
        assert seen == ["nav", "table", "nav", "table"]  # the details pane takes no keys: tab skips it
        await pilot.press("shift+tab")
        assert tree.has_focus


async def test_file_browser_opens_with_its_cursor_on_the_first_row(emulator, client, pool_and_jobs):
    _, active, _ = pool_and_jobs
    app = make_app(emulator, start=ViewKey("emu", TASKS, active))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, "fails")
        await press_for(pilot, "b", "FileBrowserScreen")
        tree = app.screen.query_one("#files-tree")
        await until(pilot, lambda: tree.cursor_line == 0 and tree.cursor_node is not None, what="cursor on row 0")
        first, second = tree.render_line(0), tree.render_line(1)
        assert first.text.strip() == "▶ wd/"
        assert {s.style.bgcolor for s in first if s.text.strip()} != {s.style.bgcolor for s in second if s.text.strip()}
        await pilot.press("enter")  # on a directory: opens it, no log screen
        assert screen_name(app) == "FileBrowserScreen"


# -- jumps and history ----------------------------------------------------------------------------
async def test_jump_from_task_to_node_to_its_tasks_and_back(emulator, client, pool_and_jobs):
    pool_id, active, _ = pool_and_jobs
    node_id = client.get_task(active, "fails").node_info.node_id
    app = make_app(emulator, start=ViewKey("emu", TASKS, active))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        table = await on_row(pilot, "fails")
        assert footer_keys(app)["J"] == "Its node"  # what the footer is given to show (it lays them out)
        await pilot.press("J")
        await until(pilot, lambda: app.view == ViewKey("emu", NODES, pool_id) and table.cursor_key == node_id,
                    what="the node, the cursor on it")
        assert f"Nodes of pool {pool_id}" in screen_text(app)
        assert node_id[:11] in cursor_text(table)  # the cursor row drawn (the ID may be cut)
        await pilot.press("J")
        await until(pilot, lambda: screen_name(app) == "NodeTasksScreen", what="the node's recent tasks")
        recent = app.screen.query_one(ResourceTable)
        await until(pilot, lambda: "fails" in " ".join(row_texts(recent)), what="fails listed")
        assert f"Tasks that ran on node {node_id}" in screen_text(app)
        assert recent.cursor_row == 0 and recent.cursor_key is not None  # a cursor on the first row
        recent.move_cursor_to_key(f"{active}/fails")
        await pilot.press("enter")
        await until(pilot, lambda: app.view == ViewKey("emu", TASKS, active) and table.cursor_key == "fails",
                    what="back on the task")
        assert f"Tasks of job {active}" in screen_text(app) and "fails" in cursor_text(table)
        # History: [ back to the nodes (cursor where it was), [ to the tasks, ] forward, - toggles.
        await pilot.press("left_square_bracket")
        assert app.view == ViewKey("emu", NODES, pool_id)
        await until(pilot, lambda: table.cursor_key == node_id, what="cursor kept")
        assert f"Nodes of pool {pool_id}" in screen_text(app) and node_id[:11] in cursor_text(table)
        await pilot.press("left_square_bracket")
        assert app.view == ViewKey("emu", TASKS, active)
        await pilot.press("left_square_bracket")
        assert app.view == ViewKey("emu", TASKS, active)  # nothing earlier
        await until(pilot, lambda: "no earlier view" in screen_text(app), what="said so")
        await pilot.press("right_square_bracket")
        assert app.view == ViewKey("emu", NODES, pool_id)
        await pilot.press("minus")
        assert app.view == ViewKey("emu", TASKS, active)
        await pilot.press("minus")
        assert app.view == ViewKey("emu", NODES, pool_id)


async def test_jump_from_job_to_its_pool(emulator, pool_and_jobs):
    pool_id, active, _ = pool_and_jobs
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        table = await on_row(pilot, active)
        assert footer_keys(app)["J"] == "Its pool"
        await pilot.press("J")
        assert app.view == ViewKey("emu", POOLS)
        await until(pilot, lambda: table.cursor_key == pool_id, what="cursor on the pool")
        await pilot.press("minus")
        assert app.view == ViewKey("emu", JOBS)
        await until(pilot, lambda: table.cursor_key == active, what="cursor back on the job")


async def test_jump_from_a_task_that_never_ran_says_so(emulator, client):
    pool_id = make_pool(client, nodes=0, wait_idle=False)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "queued", "true")
    app = make_app(emulator, start=ViewKey("emu", TASKS, job_id))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, "queued")
        await pilot.press("J")
        await until(pilot, lambda: "has not run on a node yet" in screen_text(app), what="said so")
        assert app.view == ViewKey("emu", TASKS, job_id)


async def test_help_lists_the_new_keys(emulator):
    app = make_app(emulator)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await press_for(pilot, "question_mark", "HelpScreen")
        listed = app.screen._key_rows
        keys = {key for key, _ in listed}
        assert {"J", "[", "]", "-", "f6"} <= keys
        described = " ".join(description for _, description in listed)
        assert "jump to the node the task ran on" in described and "the last view shown" in described


async def test_a_view_opens_on_its_first_row_and_a_jump_on_its_row(emulator, client, pool_and_jobs):
    pool_id, active, _ = pool_and_jobs
    make_job(client, pool_id)  # three jobs at least
    make_pool(client, nodes=0, wait_idle=False)  # and two pools
    app = make_app(emulator, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        table = await on_row(pilot, active)
        await until(pilot, lambda: table.total_count >= 3, what="jobs")
        await pilot.press("colon", *"pools", "enter")
        await until(pilot, lambda: pool_id in table.visible_keys and table.total_count >= 2, what="pools")
        table.move_cursor(table.total_count - 1)  # left on its last row
        await pilot.press("colon", *"jobs", "enter")  # shown at once from the rows seen last time
        assert table.total_count >= 3 and table.cursor_row == 0  # on the first row, not the old row number
        table.move_cursor_to_key(active)
        await pilot.press("J")
        await until(pilot, lambda: table.cursor_key == pool_id, what="the pool's row")
        assert pool_id in cursor_text(table)


async def test_resize_starts_at_the_pools_targets_even_with_the_details_hidden(emulator, client, pool_and_jobs):
    pool_id, _, _ = pool_and_jobs
    app = make_app(emulator, start=ViewKey("emu", POOLS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("d")  # no details pane: no document loaded for the cursor row
        await on_row(pilot, pool_id)
        await pilot.pause(0.3)
        assert app._details_doc is None
        await press_for(pilot, "z", "ConfirmScreen")
        assert app.screen.query_one("#field-dedicated").value == "1"  # not 0
        assert "Dedicated nodes" in screen_text(app)
        await pilot.press("escape")


async def test_read_only_account_with_brackets_in_its_name(emulator, pool_and_jobs):
    from dataclasses import replace

    _, active, _ = pool_and_jobs
    account = replace(account_for(emulator, name="lab[/x]"), read_only=True)
    app = BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=1.0,
                   start=ViewKey(account.name, JOBS))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, active)
        await pilot.press("ctrl+d")
        await until(pilot, lambda: "read-only: cannot delete it (account lab[/x] is" in screen_text(app),
                    what="said, brackets and all")
        assert app.is_running
