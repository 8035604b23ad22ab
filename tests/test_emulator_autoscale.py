"""Autoscale pools in the emulator, through the official SDK: create with a formula, evaluate,
enable/disable, the interval on a fast clock (--clock-rate 60: a 5-minute interval is 5 s), a
$PendingTasks formula following the queue, errors as Batch gives them, and restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from azure.batch import BatchClient
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError

from tests.conftest import EmulatorProcess, add_task, make_job, start_emulator, unique, wait_for

IMAGE = m.VirtualMachineConfiguration(
    image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
    node_agent_sku_id="batch.node.ubuntu 24.04",
)
# One dedicated node per pending task, at most 3 (reads the latest sample: fine for a test).
QUEUE_FORMULA = ("$tasks = $PendingTasks;\n$TargetDedicatedNodes = min(3, $tasks);\n"
                 "$NodeDeallocationOption = taskcompletion;")


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    emu = start_emulator(tmp_path_factory.mktemp("autoscale"), extra_args=("--clock-rate", "60"))
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def fclient(fast: EmulatorProcess) -> BatchClient:
    return fast.client()


def create_autoscale_pool(client: BatchClient, formula: str, interval: timedelta = timedelta(minutes=5)) -> str:
    pool_id = unique("auto")
    client.create_pool(m.BatchPoolCreateOptions(
        id=pool_id, vm_size="standard_d2s_v3", virtual_machine_configuration=IMAGE,
        enable_auto_scale=True, auto_scale_formula=formula, auto_scale_evaluation_interval=interval))
    return pool_id


def error_of(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as info:
        call()
    return info.value


def test_create_evaluates_at_once_and_reports_the_run(fclient: BatchClient) -> None:
    pool_id = create_autoscale_pool(fclient, "$TargetDedicatedNodes = 2;")
    pool = fclient.get_pool(pool_id)
    assert pool.enable_auto_scale is True
    assert pool.auto_scale_formula == "$TargetDedicatedNodes = 2;"
    assert pool.auto_scale_evaluation_interval == timedelta(minutes=5)
    assert pool.auto_scale_run.results == ("$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;"
                                           "$NodeDeallocationOption=requeue")
    assert pool.auto_scale_run.error is None
    assert pool.target_dedicated_nodes == 2
    wait_for(lambda: fclient.get_pool(pool_id).current_dedicated_nodes == 2, what="2 nodes")


def test_evaluate_returns_the_results_string_and_applies_nothing(fclient: BatchClient) -> None:
    pool_id = create_autoscale_pool(fclient, "$TargetDedicatedNodes = 0;")
    run = fclient.evaluate_pool_auto_scale(
        pool_id, m.BatchPoolEvaluateAutoScaleOptions(auto_scale_formula="$TargetDedicatedNodes = 3; $x = 1.5;"))
    assert run.results == "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;$x=1.5"
    assert run.error is None and run.timestamp is not None
    assert fclient.get_pool(pool_id).target_dedicated_nodes == 0


def test_a_broken_formula_returns_its_error(fclient: BatchClient) -> None:
    pool_id = create_autoscale_pool(fclient, "$TargetDedicatedNodes = 1;")
    run = fclient.evaluate_pool_auto_scale(
        pool_id, m.BatchPoolEvaluateAutoScaleOptions(auto_scale_formula="$TargetDedicatedNodes = $something_useless;"))
    assert run.error.code == "AutoScalingFormulaEvaluationError"
    assert run.error.error_values[0].name == "Message" and "something_useless" in run.error.error_values[0].value
    assert run.results.startswith("$TargetDedicatedNodes=")
    # A syntax error is refused by enable with 400 and the formula's error.
    err = error_of(lambda: fclient.enable_pool_auto_scale(
        pool_id, m.BatchPoolEnableAutoScaleOptions(auto_scale_formula="$TargetDedicatedNodes = (1;")))
    assert err.status_code == 400 and err.error.code == "AutoScalingFormulaSyntaxError"


def test_create_checks_the_autoscale_properties(fclient: BatchClient) -> None:
    def create(**options):
        return lambda: fclient.create_pool(m.BatchPoolCreateOptions(
            id=unique("bad"), vm_size="standard_d2s_v3", virtual_machine_configuration=IMAGE, **options))

    err = error_of(create(enable_auto_scale=True))
    assert (err.status_code, err.error.code) == (400, "MissingRequiredProperty")
    err = error_of(create(enable_auto_scale=True, auto_scale_formula="$TargetDedicatedNodes=1;",
                          target_dedicated_nodes=1))
    assert (err.status_code, err.error.code) == (400, "InvalidPropertyValue")
    err = error_of(create(enable_auto_scale=True, auto_scale_formula="$TargetDedicatedNodes=1;",
                          auto_scale_evaluation_interval=timedelta(minutes=4)))
    assert (err.status_code, err.error.code) == (400, "InvalidPropertyValue")
    err = error_of(create(enable_auto_scale=True, auto_scale_formula="$TargetDedicatedNodes = ;"))
    assert (err.status_code, err.error.code) == (400, "AutoScalingFormulaSyntaxError")


def test_resize_of_an_autoscale_pool_is_refused_and_disable_allows_it(fclient: BatchClient) -> None:
    pool_id = create_autoscale_pool(fclient, "$TargetDedicatedNodes = 0;")
    err = error_of(lambda: fclient.begin_resize_pool(
        pool_id, m.BatchPoolResizeOptions(target_dedicated_nodes=1), polling_interval=0.1).result())
    assert err.status_code == 409
    fclient.disable_pool_auto_scale(pool_id)
    pool = fclient.get_pool(pool_id)
    assert pool.enable_auto_scale is False and pool.auto_scale_formula is None and pool.auto_scale_run is None
    fclient.begin_resize_pool(pool_id, m.BatchPoolResizeOptions(target_dedicated_nodes=1), polling_interval=0.1)
    wait_for(lambda: fclient.get_pool(pool_id).current_dedicated_nodes == 1, what="the manual resize")
    # Evaluating needs autoscale on (Batch's rule).
    err = error_of(lambda: fclient.evaluate_pool_auto_scale(
        pool_id, m.BatchPoolEvaluateAutoScaleOptions(auto_scale_formula="$TargetDedicatedNodes = 1;")))
    assert err.status_code == 409


def test_enable_on_a_fixed_pool_then_a_new_interval(fclient: BatchClient) -> None:
    pool_id = unique("fixed")
    fclient.create_pool(m.BatchPoolCreateOptions(id=pool_id, vm_size="standard_d2s_v3",
                                                 virtual_machine_configuration=IMAGE, target_dedicated_nodes=0))
    err = error_of(lambda: fclient.enable_pool_auto_scale(pool_id, m.BatchPoolEnableAutoScaleOptions()))
    assert err.error.code == "MissingRequiredProperty"
    fclient.enable_pool_auto_scale(pool_id, m.BatchPoolEnableAutoScaleOptions(
        auto_scale_formula="$TargetDedicatedNodes = 1;", auto_scale_evaluation_interval=timedelta(minutes=6)))
    pool = fclient.get_pool(pool_id)
    assert pool.enable_auto_scale and pool.auto_scale_evaluation_interval == timedelta(minutes=6)
    assert pool.target_dedicated_nodes == 1
    # Already on: the interval alone may change.
    fclient.enable_pool_auto_scale(pool_id, m.BatchPoolEnableAutoScaleOptions(
        auto_scale_evaluation_interval=timedelta(minutes=10)))
    pool = fclient.get_pool(pool_id)
    assert pool.auto_scale_evaluation_interval == timedelta(minutes=10)
    assert pool.auto_scale_formula == "$TargetDedicatedNodes = 1;"


def test_the_formula_is_evaluated_every_interval(fclient: BatchClient) -> None:
    """time() changes each evaluation: with a 5-minute interval at 60x, a new run comes about every 5 s."""
    pool_id = create_autoscale_pool(fclient, "$t = time(); $TargetDedicatedNodes = 0;")
    first = fclient.get_pool(pool_id).auto_scale_run.timestamp
    second = wait_for(lambda: (t := fclient.get_pool(pool_id).auto_scale_run.timestamp) != first and t,
                      timeout=15, what="a second evaluation")
    assert timedelta(minutes=4, seconds=50) <= second - first <= timedelta(minutes=6)


def test_a_pending_tasks_formula_follows_the_queue(fclient: BatchClient) -> None:
    pool_id = create_autoscale_pool(fclient, QUEUE_FORMULA)
    assert fclient.get_pool(pool_id).target_dedicated_nodes == 0
    job_id = make_job(fclient, pool_id)
    for i in range(3):
        add_task(fclient, job_id, f"t{i}", "sleep 4")
    wait_for(lambda: fclient.get_pool(pool_id).target_dedicated_nodes == 3, timeout=15, what="the pool to grow")
    run = fclient.get_pool(pool_id).auto_scale_run
    assert "$tasks=3" in run.results and "$NodeDeallocationOption=taskcompletion" in run.results
    wait_for(lambda: fclient.get_pool(pool_id).current_dedicated_nodes == 3, timeout=15, what="3 nodes")
    wait_for(lambda: all(t.state == "completed" for t in fclient.list_tasks(job_id)), timeout=30, what="the tasks")
    wait_for(lambda: fclient.get_pool(pool_id).target_dedicated_nodes == 0, timeout=15, what="the pool to shrink")
    wait_for(lambda: fclient.get_pool(pool_id).current_dedicated_nodes == 0, timeout=15, what="no nodes")


def test_autoscale_survives_a_restart(tmp_path) -> None:
    emu = start_emulator(tmp_path, extra_args=("--clock-rate", "60"))
    try:
        pool_id = create_autoscale_pool(emu.client(), "$TargetDedicatedNodes = 1;")
        before = emu.client().get_pool(pool_id).auto_scale_run.results
    finally:
        emu.stop()
    emu = start_emulator(tmp_path, extra_args=("--clock-rate", "60"))
    try:
        pool = emu.client().get_pool(pool_id)
        assert pool.enable_auto_scale and pool.auto_scale_formula == "$TargetDedicatedNodes = 1;"
        assert pool.auto_scale_run.results == before
        first = pool.auto_scale_run.timestamp
        wait_for(lambda: emu.client().get_pool(pool_id).auto_scale_run.timestamp != first, timeout=15,
                 what="an evaluation after the restart")
    finally:
        emu.stop()
