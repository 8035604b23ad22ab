"""Snapshots of the failure clusters view and the exit code and duration histograms at 80x24 and 120x40,
over the planted job (tests/planted.py) on an emulator of their own with a frozen clock (every time is
FROZEN, node ids are predictable, the checksum lines print a fixed time), one node running one task at a
time, so the pictures are stable."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone

import pytest
from azure.batch import models as m
from conftest import wait_for
from planted import plant
from test_ui_snapshots import FROZEN, SIZES, frozen_app, settled
from textual.app import App

from batchtui.emulator_process import start_emulator
from batchtui.service.models import TaskRow
from batchtui.ui.screens.failures import FailuresScreen
from batchtui.ui.screens.histograms import HistogramScreen
from batchtui.ui.views import TASKS, ViewKey

COUNTS = {"checksum": 5, "keyerror": 3, "notfound": 2, "ok": 4}
sizes = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")


@pytest.fixture(scope="module")
def planted_frozen(tmp_path_factory):
    os.environ["TZ"] = "UTC"
    time.tzset()
    emu = start_emulator(tmp_path_factory.mktemp("frozen-triage"), step_seconds=0.05, frozen_clock=FROZEN)
    client = emu.client()
    image = m.VirtualMachineConfiguration(
        image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
        node_agent_sku_id="batch.node.ubuntu 24.04")
    client.create_pool(m.BatchPoolCreateOptions(id="analysis", vm_size="standard_d2s_v3", target_dedicated_nodes=1,
                                                virtual_machine_configuration=image))
    wait_for(lambda: [n.state for n in client.list_nodes("analysis")] == ["idle"], what="an idle node")
    client.create_job(m.BatchJobCreateOptions(id="train", pool_info=m.BatchPoolInfo(pool_id="analysis")))
    plant(client, "train", COUNTS, at="2026-11-23T09:58:00Z")
    wait_for(lambda: client.get_job_task_counts("train").task_counts.completed == 14, timeout=60, what="tasks done")
    yield emu
    emu.stop()


def opened(key: str, screen_type: type):
    """The planted job's tasks listed, then `key`, then every tail or page read and the workers settled."""
    before = settled(14)

    async def run_before(pilot) -> None:
        await before(pilot)
        app = pilot.app
        await pilot.press(key)
        deadline = time.monotonic() + 15
        while not (isinstance(app.screen, screen_type) and (app.screen.done if screen_type is HistogramScreen
                                                            else app.screen.progress.done)):
            assert time.monotonic() < deadline, "the view did not fill"
            await pilot.pause(0.05)
        while any(worker.is_running for worker in app.workers):
            assert time.monotonic() < deadline, "workers did not settle"
            await pilot.pause(0.05)
        await pilot.pause()

    return run_before


@sizes
def test_failure_clusters_view(snap_compare, planted_frozen, size):
    app = frozen_app(planted_frozen, ViewKey("emulator", TASKS, "train"))
    assert snap_compare(app, terminal_size=size, run_before=opened("exclamation_mark", FailuresScreen))


@sizes
def test_exit_code_and_duration_histograms(snap_compare, planted_frozen, size):
    app = frozen_app(planted_frozen, ViewKey("emulator", TASKS, "train"))
    assert snap_compare(app, terminal_size=size, run_before=opened("percent_sign", HistogramScreen))


class _Pages:
    """A service that lists designed completed tasks: most take 40 s to 3 min, a few stragglers take hours,
    exit codes 0, 1, 3, 137 and one without."""

    def __init__(self) -> None:
        start = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
        spans = [40 + (i * 37) % 140 for i in range(300)] + [3 * 3600 + 60 * i for i in range(4)] + [1500, 2400]
        codes = [0] * 250 + [1] * 30 + [3] * 20 + [137] * 5 + [None]
        self.tasks = [TaskRow(f"task-{i:04d}", "render", "completed", codes[i % len(codes)], None, None, "tvm-1",
                              start, start + timedelta(seconds=s), start, start + timedelta(seconds=s), 0, 0)
                      for i, s in enumerate(spans)]

    async def task_pages(self, job_id, odata_filter=None):
        for first in range(0, len(self.tasks), 100):
            yield self.tasks[first:first + 100]


class _Host(App):
    def on_mount(self) -> None:
        self.push_screen(HistogramScreen(_Pages(), "render"))


async def _filled(pilot) -> None:
    deadline = time.monotonic() + 15
    while not (isinstance(pilot.app.screen, HistogramScreen) and pilot.app.screen.done):
        assert time.monotonic() < deadline, "the view did not fill"
        await pilot.pause(0.05)
    await pilot.pause()


@sizes
def test_histograms_of_a_long_tail(snap_compare, size):
    """Durations with stragglers: bins growing 1-2-5, the gap between the bulk and the tail shown empty."""
    assert snap_compare(_Host(), terminal_size=size, run_before=_filled)
