"""States read correctly at 16 colours (TERM=screen), 256 and true colour, and without colour (NO_COLOR)
(issue 12 item 9). What is checked is what the app writes: the screen rendered through Textual's filters
and written with each colour system."""

from __future__ import annotations

import colorsys

import pytest
from azure.batch import models as m
from conftest import make_job, make_pool, wait_for, wait_task
from rich.color import Color, ColorSystem
from ui_helpers import account_for, service_for, until
from ui_screen import colour_of, screen_ansi, screen_text, written_colours

from batchtui.ui.app import BatchApp
from batchtui.ui.format import STATE_GLYPHS, STATE_STYLES, state_label
from batchtui.ui.palette import ANSI_DARK, ANSI_LIGHT, ANSI_NAMES
from batchtui.ui.views import TASKS, ViewKey
from batchtui.ui.widgets.resource_table import ResourceTable

# The ANSI colour (normal or bright) each task state must be written in at 16 colours.
EXPECTED_16 = {"▶ running": {"33", "93"}, "✗ failed": {"31", "91"}, "✓ completed": {"32", "92"},
               "○ active": {"36", "96"}}


def _hue(rgb: tuple[int, int, int]) -> float:
    return colorsys.rgb_to_hls(*(c / 255 for c in rgb))[0] * 360


@pytest.mark.parametrize("theme", [ANSI_DARK, ANSI_LIGHT], ids=["dark", "light"])
def test_every_ansi_colour_is_itself_again_at_16_colours(theme):
    for number, name in enumerate(ANSI_NAMES):
        rgb = theme.ansi_colors[number]
        assert Color.from_rgb(*rgb).downgrade(ColorSystem.STANDARD).number == number, name


@pytest.mark.parametrize("theme", [ANSI_DARK, ANSI_LIGHT], ids=["dark", "light"])
def test_every_colour_keeps_its_hue_at_256_colours(theme):
    for number, name in enumerate(ANSI_NAMES):
        if name.endswith(("black", "white")):
            continue
        rgb = tuple(theme.ansi_colors[number])
        eight_bit = Color.from_rgb(*rgb).downgrade(ColorSystem.EIGHT_BIT).get_truecolor()
        difference = abs(_hue(rgb) - _hue(tuple(eight_bit))) % 360
        assert min(difference, 360 - difference) < 25, (name, rgb, eight_bit)


def test_every_state_has_a_glyph_and_the_main_ones_differ():
    assert set(STATE_STYLES) == set(STATE_GLYPHS)
    glyphs = [state_label(s).split()[0] for s in ("active", "running", "completed", "failed", "disabled")]
    assert len(set(glyphs)) == len(glyphs)
    assert state_label("failed") == "✗ failed" and state_label("") == ""
    assert "bold" in STATE_STYLES["failed"]  # failures stand out by weight too


@pytest.fixture(scope="module")
def four_states(client):
    """A job with a completed, a failed, a running and a queued (active) task, and one more queued for the
    cursor: one node, one slot."""
    pool_id = make_pool(client, nodes=1, slots=1)
    job_id = make_job(client, pool_id)
    client.create_task(job_id, m.BatchTaskCreateOptions(id="ok", command_line="true"))
    client.create_task(job_id, m.BatchTaskCreateOptions(id="bad", command_line="/bin/sh -c 'exit 1'"))
    wait_task(client, job_id, "ok")
    wait_task(client, job_id, "bad")
    client.create_task(job_id, m.BatchTaskCreateOptions(id="sleeper", command_line="sleep 120"))
    wait_task(client, job_id, "sleeper", state="running")
    client.create_task(job_id, m.BatchTaskCreateOptions(id="queued", command_line="true"))
    client.create_task(job_id, m.BatchTaskCreateOptions(id="zz-cursor", command_line="true"))
    wait_for(lambda: client.get_task(job_id, "queued").state == "active", what="a queued task")
    yield job_id
    client.terminate_task(job_id, "sleeper")


async def _tasks_app(emulator, job_id: str):
    account = account_for(emulator)
    return BatchApp([account], {account.name: service_for(emulator)}, refresh_seconds=60,
                    start=ViewKey(account.name, TASKS, job_id))


async def _loaded(app, pilot) -> None:
    table = app.query_one(ResourceTable)
    await until(pilot, lambda: table.total_count == 5, what="five tasks")
    table.move_cursor_to_key("zz-cursor")  # the last row: the cursor's colours are not a state's
    await until(pilot, lambda: all(state in screen_text(app) for state in EXPECTED_16), what="the states")


async def test_states_are_written_in_their_own_colours_at_16_and_256_colours(emulator, four_states):
    app = await _tasks_app(emulator, four_states)
    async with app.run_test(size=(120, 30)) as pilot:
        await _loaded(app, pilot)
        sixteen = screen_ansi(app, "standard")
        for state, codes in EXPECTED_16.items():
            fg, bold = colour_of(sixteen, state)
            assert fg in codes, (state, fg)
        assert colour_of(sixteen, "✗ failed")[1]  # bold
        eight_bit = screen_ansi(app, "256")
        for state, hue in (("▶ running", 50), ("✗ failed", 0), ("✓ completed", 95), ("○ active", 185)):
            fg, _ = colour_of(eight_bit, state)
            assert fg is not None and fg.startswith("38;5;"), (state, fg)
            rgb = Color.from_ansi(int(fg.split(";")[2])).get_truecolor()
            difference = abs(_hue(tuple(rgb)) - hue) % 360
            assert min(difference, 360 - difference) < 30, (state, rgb)


async def test_without_colour_states_differ_by_glyph(emulator, four_states, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = await _tasks_app(emulator, four_states)
    assert app.no_color
    async with app.run_test(size=(120, 30)) as pilot:
        await _loaded(app, pilot)
        rows = {state: line for line in screen_text(app).splitlines() for state in EXPECTED_16 if state in line}
        assert set(rows) == set(EXPECTED_16)
        chromatic = {str(c) for c in (*range(31, 37), *range(91, 97))}
        # The lines that show a state (a toast or the top bar's freshness on a loaded machine are not states).
        plain, ansi = screen_text(app).splitlines(), screen_ansi(app, "standard").splitlines()
        shown = "\n".join(line for index, line in enumerate(ansi)
                          if index < len(plain) and any(state in plain[index] for state in EXPECTED_16))
        written = [fg for _, fg, _ in written_colours(shown) if fg in chromatic]
        assert shown and written == []  # greys at most: no state is told apart by colour alone
