"""Fixtures: a real emulator process on a free loopback port, and official
SDK clients (sync and async) signed with its shared key."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from azure.batch import BatchClient
from azure.core.credentials import AzureNamedKeyCredential

from batchtui.emulator import DEFAULT_ACCOUNT, DEFAULT_KEY


@dataclass
class EmulatorProcess:
    endpoint: str
    account: str
    key: str
    data_dir: Path
    proc: subprocess.Popen

    def client(self, key: str | None = None) -> BatchClient:
        return BatchClient(self.endpoint, AzureNamedKeyCredential(self.account, key or self.key))

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=20)


def start_emulator(data_dir: Path, port: int = 0, step: float = 0.1,
                   storage_connection_string: str | None = None, extra_args: tuple[str, ...] = ()) -> EmulatorProcess:
    from batchtui.emulator_process import start_emulator as start

    emu = start(data_dir, port=port, step_seconds=step, storage_connection_string=storage_connection_string,
                extra_args=extra_args)
    return EmulatorProcess(emu.endpoint, emu.account, emu.key, data_dir, emu.process)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    emu = start_emulator(tmp_path_factory.mktemp("emulator"))
    assert emu.account == DEFAULT_ACCOUNT and emu.key == DEFAULT_KEY
    yield emu
    assert emu.stop() == 0


@pytest.fixture(scope="module")
def slow_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """Nodes take 1.5 s a provisioning step, so transitional states can be seen."""
    emu = start_emulator(tmp_path_factory.mktemp("slow-emulator"), step=1.5)
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def client(emulator: EmulatorProcess) -> BatchClient:
    return emulator.client()


def own_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """The body of a module's own `emulator` fixture (`yield from own_emulator(tmp_path_factory)`), for
    modules whose tests read what a quiet account shows: by then the session's emulator holds hundreds of
    jobs and pools from earlier modules. The module's `client` fixture then returns `emulator.client()`."""
    emu = start_emulator(tmp_path_factory.mktemp("own-emulator"))
    yield emu
    emu.stop()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` until it returns something truthy (and return it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def unique(prefix: str) -> str:
    return f"{prefix}-{os.urandom(3).hex()}"


def make_pool(client: BatchClient, nodes: int = 1, slots: int = 1, start_task=None, low_priority: int = 0,
              wait_idle: bool = True) -> str:
    from azure.batch import models as m

    pool_id = unique("pool")
    client.create_pool(
        m.BatchPoolCreateOptions(
            id=pool_id,
            vm_size="standard_d2s_v3",
            virtual_machine_configuration=m.VirtualMachineConfiguration(
                image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
                node_agent_sku_id="batch.node.ubuntu 24.04",
            ),
            target_dedicated_nodes=nodes,
            target_low_priority_nodes=low_priority,
            task_slots_per_node=slots,
            start_task=start_task,
        )
    )
    if wait_idle:
        wait_for(
            lambda: [n.state for n in client.list_nodes(pool_id)] == ["idle"] * (nodes + low_priority),
            what=f"{nodes + low_priority} idle nodes in {pool_id}",
        )
    return pool_id


def make_job(client: BatchClient, pool_id: str, **options) -> str:
    from azure.batch import models as m

    job_id = unique("job")
    client.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id), **options))
    return job_id


def add_task(client: BatchClient, job_id: str, task_id: str, command: str, **options) -> None:
    from azure.batch import models as m

    client.create_task(job_id, m.BatchTaskCreateOptions(id=task_id, command_line=command, **options))


def wait_task(client: BatchClient, job_id: str, task_id: str, state: str = "completed", timeout: float = 20.0):
    return wait_for(
        lambda: (t := client.get_task(job_id, task_id)).state == state and t,
        timeout=timeout,
        what=f"task {task_id} to be {state}",
    )
