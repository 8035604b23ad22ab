"""Big tables' rows and the emulator's loaded store are kept out of the cyclic garbage collector's walks
(`ui/heap.py`, `emulator/store.py`); small ones are not, and the collector is left on."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchtui.emulator import store as store_module
from batchtui.emulator.resources import new_job, new_task
from batchtui.emulator.store import Store
from batchtui.ui.heap import FREEZE_FROM, settle_rows


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """Each test starts and ends with nothing frozen (a freeze lasts for the whole process)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_big_table_is_frozen_after_a_batch_and_a_small_one_is_not() -> None:
    assert settle_rows(FREEZE_FROM - 1) is False and gc.get_freeze_count() == 0
    rows = [(f"task-{i}", [i]) for i in range(1000)]  # (containers the collector tracks)
    assert settle_rows(FREEZE_FROM) is True
    assert gc.get_freeze_count() >= len(rows) and gc.isenabled()


def _store_of(path: Path, tasks: int) -> None:
    store = Store(path)
    job = new_job({"id": "job-1", "poolInfo": {"poolId": "pool-1"}})
    store.put("job", job)
    for i in range(tasks):
        store.put("task", new_task({"id": f"t{i:05d}", "commandLine": "true"}, job), "job-1")
    store.flush()
    store.close()


@pytest.mark.parametrize("tasks", [10, 12_000])
def test_the_emulator_s_store_loads_with_the_collector_on_after_and_frozen_only_when_big(tmp_path: Path,
                                                                                        tasks: int) -> None:
    path = tmp_path / "state.sqlite"
    _store_of(path, tasks)
    gc.unfreeze()
    store = Store(path)
    assert gc.isenabled()
    assert len(store.job_tasks("job-1")) == tasks
    frozen = gc.get_freeze_count()
    if tasks + 1 >= store_module.FREEZE_FROM:
        assert frozen >= tasks  # (each task a dict at least)
    else:
        assert frozen == 0
    store.close()
