"""Issue 16, item 4 (autoscale): the pools table says a pool autoscales (and flags a failed
evaluation), its details show the formula and the last evaluation as a variables table, a manual
resize explains why it is not offered, and the autoscale editor evaluates a formula before
anything is applied, then enables or disables autoscale once confirmed. Driven with the pilot
against an emulator of this module's own (its clock at the wall's pace: no evaluation happens
on its own during a test, so what is drawn is what the test set up)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from azure.batch import models as m
from conftest import start_emulator, unique, wait_for
from ui_helpers import account_for, row_texts, screen_lines, screen_text, screen_words, service_for, until

from batchtui.ui.app import BatchApp
from batchtui.ui.views import POOLS, ViewKey
from batchtui.ui.widgets.details import DetailsPane
from batchtui.ui.widgets.resource_table import ResourceTable

IMAGE = m.VirtualMachineConfiguration(
    image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
    node_agent_sku_id="batch.node.ubuntu 24.04",
)
GROWING = "$extra = 1.5;\n$TargetDedicatedNodes = 2;"
BROKEN = "$TargetDedicatedNodes = $missing + 1;"


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    emulator = start_emulator(tmp_path_factory.mktemp("ui-autoscale"))
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def pools(emu):
    """(autoscaling pool, pool whose formula fails to evaluate, fixed pool)."""
    client = emu.client()
    ids = unique("auto"), unique("broken"), unique("fixed")
    for pool_id, formula in zip(ids[:2], (GROWING, BROKEN), strict=True):
        client.create_pool(m.BatchPoolCreateOptions(
            id=pool_id, vm_size="standard_d2s_v3", virtual_machine_configuration=IMAGE, enable_auto_scale=True,
            auto_scale_formula=formula, auto_scale_evaluation_interval=timedelta(minutes=5)))
    client.create_pool(m.BatchPoolCreateOptions(id=ids[2], vm_size="standard_d2s_v3",
                                                virtual_machine_configuration=IMAGE, target_dedicated_nodes=0))
    wait_for(lambda: client.get_pool(ids[0]).current_dedicated_nodes == 2, what="the autoscale pool's 2 nodes")
    return ids


def make_app(emu, **options) -> BatchApp:
    account = account_for(emu)
    return BatchApp([account], {account.name: service_for(emu)}, start=ViewKey("emu", POOLS), refresh_seconds=1.0,
                    **options)


async def on_row(pilot, key: str) -> ResourceTable:
    table = pilot.app.query_one("#table", ResourceTable)
    await until(pilot, lambda: key in table.visible_keys, what=f"row {key}")
    table.move_cursor_to_key(key)
    return table


def row_of(app, pool_id: str) -> str:
    return next((line for line in row_texts(app.table) if pool_id in line), "") + " "


async def open_editor(pilot) -> None:
    await pilot.press("A")
    await until(pilot, lambda: pilot.app.screen.__class__.__name__ == "AutoScaleEditor", what="the editor")
    await until(pilot, lambda: "Every (min)" in screen_text(pilot.app), what="the editor drawn")


async def test_pools_table_and_details_show_autoscale(emu, pools):
    auto, broken, fixed = pools
    app = make_app(emu)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_row(pilot, auto)
        # (the pool has its 2 nodes a moment before its allocation turns steady: wait for both)
        await until(pilot, lambda: "2/2" in row_of(app, auto) and " ✓ auto " in row_of(app, auto),
                    what="2 of 2 nodes, steady")  # (✓: the glyph every state has)
        assert " ✗ auto error " in row_of(app, broken)
        assert " auto" not in row_of(app, fixed) and "steady" in row_of(app, fixed)
        # The autoscale section ends the details: scrolled to, it shows the formula and the variables table.
        await until(pilot, lambda: "vm size" in screen_text(app), what="the details")
        assert "allocation    ✓ steady (autoscale)" in screen_text(app)  # (the table's word, the details' too)
        app.query_one(DetailsPane).scroll_end(animate=False)
        await until(pilot, lambda: "VARIABLE" in screen_text(app), what="the details' variables table")
        lines = screen_lines(app)
        assert any("autoscale     on, evaluated every 5 min" in line for line in lines)
        assert any("formula       $extra = 1.5;" in line for line in lines)
        assert any("$TargetDedicatedNodes = 2;" in line for line in lines)
        assert any("VARIABLE" in line and "VALUE" in line for line in lines)
        assert any(line.rstrip().endswith("$TargetDedicatedNodes    2") for line in lines)
        assert any(line.rstrip().endswith("$extra                   1.5") for line in lines)
        await on_row(pilot, broken)
        await until(pilot, lambda: (app.details.doc or {}).get("id") == broken, what="its details")
        await pilot.pause(0.1)
        app.query_one(DetailsPane).scroll_end(animate=False)
        await until(pilot, lambda: "AutoScalingFormulaEvaluationError" in screen_text(app), what="the error")
        text = screen_text(app)
        assert "autoscale err AutoScalingFormulaEvaluationError" in text
        assert "Line 1, Col 25: Undefined variable '$missing'" in text


async def test_resize_of_an_autoscale_pool_explains_why(emu, pools):
    auto = pools[0]
    app = make_app(emu)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_row(pilot, auto)
        await until(pilot, lambda: " auto " in row_of(app, auto), what="the row")
        await pilot.press("z")
        await until(pilot, lambda: app.screen.__class__.__name__ == "NoticeScreen", what="the notice")
        await until(pilot, lambda: "(esc)" in screen_text(app), what="the notice drawn")
        words = screen_words(app)
        assert "Cannot resize" in words and "it autoscales" in words and "refuses a manual resize" in words
        assert "autoscale editor (A)" in words
    assert emu.client().get_pool(auto).target_dedicated_nodes == 2


async def test_the_editor_evaluates_before_anything_is_applied(emu, pools):
    auto = pools[0]
    app = make_app(emu)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_row(pilot, auto)
        await open_editor(pilot)
        text = screen_text(app)
        assert "autoscale is on, evaluated every 5 min" in text and "$extra = 1.5;" in text
        editor = app.screen.query_one("#formula")
        editor.text = "$TargetDedicatedNodes = 3;\n$why = 42;"
        await pilot.press("ctrl+e")
        await until(pilot, lambda: "$why" in screen_text(app), what="the evaluation")
        lines = screen_lines(app)
        assert any("$TargetDedicatedNodes    3" in line for line in lines)
        assert any("$why                     42" in line for line in lines)
        editor.text = "$TargetDedicatedNodes = (1;"
        await pilot.press("ctrl+e")
        await until(pilot, lambda: "AutoScalingFormulaSyntaxError" in screen_text(app), what="the syntax error")
        assert "Not applied: the pool keeps its size." in screen_text(app)
        await pilot.press("escape")
    pool = emu.client().get_pool(auto)
    assert pool.auto_scale_formula == GROWING and pool.target_dedicated_nodes == 2


async def test_the_editor_enables_then_disables_autoscale(emu):
    client = emu.client()
    pool_id = unique("manual")
    client.create_pool(m.BatchPoolCreateOptions(id=pool_id, vm_size="standard_d2s_v3",
                                                virtual_machine_configuration=IMAGE, target_dedicated_nodes=0))
    app = make_app(emu)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await on_row(pilot, pool_id)
        await open_editor(pilot)
        assert "autoscale is off (fixed size)" in screen_text(app)
        assert "// Nodes for the queue" in screen_text(app)  # the commented sample
        await pilot.press("ctrl+e")
        await until(pilot, lambda: "only on a pool that has" in screen_words(app), what="evaluate refused")
        app.screen.query_one("#formula").text = "$TargetDedicatedNodes = 1;"
        app.screen.query_one("#interval").value = "6"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen", what="the confirmation")
        await until(pilot, lambda: "Yes (y)" in screen_text(app), what="the confirmation drawn")
        assert "Enable autoscale on pool" in screen_words(app) and "every 6 minutes" in screen_words(app)
        await pilot.press("y")
        await until(pilot, lambda: "autoscale is on, evaluated every 6 min" in screen_text(app), what="enabled")
        pool = client.get_pool(pool_id)
        assert pool.enable_auto_scale and pool.auto_scale_evaluation_interval == timedelta(minutes=6)
        assert pool.target_dedicated_nodes == 1
        await until(pilot, lambda: "$TargetDedicatedNodes    1" in screen_text(app), what="the pool's evaluation")
        await pilot.press("ctrl+d")
        await until(pilot, lambda: "Disable autoscale on pool" in screen_words(app), what="the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: "autoscale is off" in screen_text(app), what="disabled")
        assert client.get_pool(pool_id).enable_auto_scale is False
        await pilot.press("escape")


def side_pane(app) -> str:
    """The editor's results pane's words."""
    return " ".join(str(app.screen.query_one("#results").render()).split())


async def test_a_fixed_pool_s_editor_says_why_it_cannot_evaluate_and_keeps_a_draft(emu):
    client = emu.client()
    pool_id = unique("draft")
    client.create_pool(m.BatchPoolCreateOptions(id=pool_id, vm_size="standard_d2s_v3",
                                                virtual_machine_configuration=IMAGE, target_dedicated_nodes=0))
    app = make_app(emu)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, pool_id)
        await open_editor(pilot)
        words = side_pane(app)  # said before ctrl+e is tried
        assert "Batch evaluates a formula only on an autoscale pool: ctrl+s enables it" in words
        assert "then ctrl+e evaluates" in words and "ctrl+e asks the service" not in words
        assert "Not evaluated: this pool has a fixed size." in words
        assert "A draft kept" not in screen_words(app)
        app.screen.query_one("#formula").text = "$TargetDedicatedNodes = 0; // mine, not applied yet"
        await pilot.press("ctrl+e")
        await until(pilot, lambda: "only on a pool that has" in side_pane(app), what="evaluate refused")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Yes (y)" in screen_text(app), what="the confirmation drawn")
        words = screen_words(app)
        assert "It could not be evaluated here first: Batch evaluates a formula only on an autoscale pool, " \
               "and this pool has a fixed size." in words
        assert "has not been evaluated here (ctrl+e) yet" not in words
        await pilot.press("escape")  # the confirmation: nothing applied
        await until(pilot, lambda: app.screen.__class__.__name__ == "AutoScaleEditor", what="back in the editor")
        await pilot.press("escape")  # the editor: the draft is kept, and it says so
        await until(pilot, lambda: any("kept as a draft, not applied (A reopens it)" in str(note.message)
                                       for note in app._notifications), what="the note")
        await open_editor(pilot)
        assert app.screen.query_one("#formula").text == "$TargetDedicatedNodes = 0; // mine, not applied yet"
        assert "A draft kept from earlier in this session, not applied: ctrl+s applies it." in screen_words(app)
    assert client.get_pool(pool_id).enable_auto_scale is False


async def test_autoscale_command_and_read_only(emu, pools):
    broken = pools[1]
    app = make_app(emu)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.table.total_count >= 3, what="the pools")
        await pilot.press("colon")
        for key in f"autoscale {broken}":
            await pilot.press(key)
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.__class__.__name__ == "AutoScaleEditor", what="the editor")
        await until(pilot, lambda: "AutoScalingFormulaEvaluationError" in screen_text(app), what="its last run")
    app = make_app(emu, read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await on_row(pilot, broken)
        await pilot.press("A")
        await until(pilot, lambda: "read-only: cannot edit the pool's autoscale" in screen_text(app),
                    what="the read-only notice")
        assert app.screen.__class__.__name__ != "AutoScaleEditor"


LONG_COMMENT = ("// Nodes for the queue: the larger of (active + running), or the busiest of the last samples, "
                "once enough samples exist.\n$TargetDedicatedNodes = 1;")


async def test_a_long_formula_line_wraps_under_the_value_column_at_80x24(emu):
    """A formula line wider than the pane continues at the value's column (a hanging indent), never
    back under the labels: the reviewer's `▕ running),` / `▕ exist.` lines."""
    client = emu.client()
    pool_id = unique("wrap")
    client.create_pool(m.BatchPoolCreateOptions(
        id=pool_id, vm_size="standard_d2s_v3", virtual_machine_configuration=IMAGE, enable_auto_scale=True,
        auto_scale_formula=LONG_COMMENT, auto_scale_evaluation_interval=timedelta(minutes=5)))
    app = make_app(emu)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_row(pilot, pool_id)
        await until(pilot, lambda: (app.details.doc or {}).get("id") == pool_id, what="its details")
        body = app.query_one(DetailsPane).query_one("#details-body")
        # drawn, and wrapped at the width it is drawn at (before its first layout it shows unwrapped)
        await until(pilot, lambda: body.size.height > 12 and body._wrapped_at == body.size.width > 0,
                    what="the details drawn")
        lines = [body.render_line(y).text.rstrip() for y in range(body.size.height)]
        start = next(i for i, line in enumerate(lines) if line.startswith("formula       // Nodes"))
        end = next(i for i, line in enumerate(lines) if "$TargetDedicatedNodes = 1;" in line)
        assert end - start >= 2, lines  # the comment took two lines or more
        for line in lines[start + 1:end + 1]:
            assert line.startswith(" " * 14) and line[14] != " ", lines  # at the value column
        words = " ".join(line.strip() for line in lines[start:end]).split()
        assert words == ["formula", *LONG_COMMENT.split("\n")[0].split()]  # nothing lost in the wrap
