"""Snapshots of the prompt and of marks at 80x24 and 120x40 (the frozen emulator of test_ui_snapshots): the
command line open with typed text, an error under it, the filter prompt, and marked rows with their count."""

from __future__ import annotations

import time

import pytest
from test_ui_snapshots import (
    SIZES,
    frozen,  # noqa: F401 - the fixture, reached through `request`
    frozen_app,
    settled,
)

from batchtui.ui.views import JOBS, TASKS, ViewKey

sizes = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")


def then(before, *keys: str, until: str = ""):
    """`before`, then press `keys`, then (if given) wait until the prompt's message holds `until`."""
    async def run_before(pilot) -> None:
        await before(pilot)
        await pilot.press(*keys)
        deadline = time.monotonic() + 15
        while until and until not in pilot.app.prompt.line.message:
            assert time.monotonic() < deadline, f"never saw {until!r} at the prompt"
            await pilot.pause(0.05)
        while any(worker.is_running for worker in pilot.app.workers):
            assert time.monotonic() < deadline, "workers did not settle"
            await pilot.pause(0.05)
        await pilot.pause()

    return run_before


@sizes
def test_command_prompt_with_typed_text(snap_compare, request, size):
    app = frozen_app(request.getfixturevalue("frozen"), ViewKey("emulator", JOBS))
    assert snap_compare(app, terminal_size=size, run_before=then(settled(2), "colon", *"tasks nigh"))


@sizes
def test_error_at_the_prompt(snap_compare, request, size):
    app = frozen_app(request.getfixturevalue("frozen"), ViewKey("emulator", JOBS))
    keys = ("colon", *"tasks night-etl", "enter")
    assert snap_compare(app, terminal_size=size, run_before=then(settled(2), *keys, until="no job named"))


@sizes
def test_filter_prompt_over_a_filtered_table(snap_compare, request, size):
    app = frozen_app(request.getfixturevalue("frozen"), ViewKey("emulator", TASKS, "nightly"))
    assert snap_compare(app, terminal_size=size, run_before=then(settled(6), "slash", *"re:^shard-0[0-2]$"))


@sizes
def test_marked_rows_and_the_marked_count(snap_compare, request, size):
    app = frozen_app(request.getfixturevalue("frozen"), ViewKey("emulator", TASKS, "nightly"))
    # space marks shard-00 and moves on; down; space marks shard-02; the cursor ends on shard-03.
    assert snap_compare(app, terminal_size=size, run_before=then(settled(6), "space", "down", "space"))
