"""`batchtui demo`: a local Batch service with a workload that looks like real
use, and the explorer opened on it. Quitting the explorer stops the service.

The workload: a pool of nodes with a start task; a finished ETL job with
succeeded and failed tasks; a render job whose tasks print progress for a
minute or two; a training job queued on a pool that has no nodes yet.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from azure.batch import BatchClient
from azure.batch import models as m
from azure.core.credentials import AzureNamedKeyCredential

from .config import AUTH_SHARED_KEY, Account

DEMO_KEY_ENV = "BATCHTUI_DEMO_KEY"
_LINE = re.compile(r"endpoint (\S+) account (\S+) key (\S+)")


@dataclass
class RunningEmulator:
    endpoint: str
    account: str
    key: str
    process: subprocess.Popen
    data_dir: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def client(self) -> BatchClient:
        return BatchClient(self.endpoint, AzureNamedKeyCredential(self.account, self.key))

    def as_account(self, name: str = "demo") -> Account:
        os.environ[DEMO_KEY_ENV] = self.key  # the emulator's public development key
        return Account(name=name, endpoint=self.endpoint, account_name=self.account, auth=AUTH_SHARED_KEY,
                       key_env=DEMO_KEY_ENV, source="demo")


def start_emulator(data_dir: Path, *, step_seconds: float = 1.0, frozen_clock: str | None = None) -> RunningEmulator:
    """Start `batchtui emulator` as a child process on a free loopback port."""
    command = [sys.executable, "-m", "batchtui", "emulator", "--port", "0", "--data-dir", str(data_dir),
               "--node-step-seconds", str(step_seconds)]
    if frozen_clock:
        command += ["--frozen-clock", frozen_clock]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = process.stdout.readline() if process.stdout else ""
    match = _LINE.search(line)
    if not match:
        process.kill()
        error = process.stderr.read() if process.stderr else ""
        raise RuntimeError(f"the emulator did not start: {(error or line).strip()}")
    return RunningEmulator(match.group(1), match.group(2), match.group(3), process, data_dir)


IMAGE = m.VirtualMachineConfiguration(
    image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
    node_agent_sku_id="batch.node.ubuntu 24.04",
)


def _task(task_id: str, script: str, **options) -> m.BatchTaskCreateOptions:
    return m.BatchTaskCreateOptions(id=task_id, command_line=f"/bin/sh -c '{script}'", **options)


def _add_in_order(client: BatchClient, job_id: str, tasks: list[m.BatchTaskCreateOptions]) -> None:
    """Add tasks in their order (the SDK's create_tasks submits them last first)."""
    for start in range(0, len(tasks), 100):
        client.create_task_collection(job_id, m.BatchTaskGroup(task_values=tasks[start:start + 100]))


def seed(client: BatchClient, render_seconds: float = 1.5) -> None:
    """Create the demo workload (returns at once; the work runs on)."""
    client.create_pool(m.BatchPoolCreateOptions(
        id="render-pool", vm_size="standard_d4s_v3", virtual_machine_configuration=IMAGE,
        target_dedicated_nodes=4, target_low_priority_nodes=1, task_slots_per_node=2,
        start_task=m.BatchStartTask(
            command_line="/bin/sh -c 'echo installing the renderer; sleep 1; echo renderer 4.2 ready'",
            wait_for_success=True),
    ))
    client.create_pool(m.BatchPoolCreateOptions(
        id="gpu-pool", vm_size="standard_nc6s_v3", virtual_machine_configuration=IMAGE,
        target_dedicated_nodes=0, task_slots_per_node=1))

    client.create_job(m.BatchJobCreateOptions(id="nightly-etl", pool_info=m.BatchPoolInfo(pool_id="render-pool"),
                                              all_tasks_complete_mode="terminatejob", priority=100))
    etl = []
    for i in range(40):
        code = {7: 2, 19: 1, 33: 137}.get(i, 0)
        etl.append(_task(f"etl-{i:03d}", f'echo "extract shard {i}"; echo "load shard {i}: {100 + i} rows"; '
                                         + (f'echo "shard {i}: checksum mismatch" >&2; ' if code else "") + f"exit {code}"))
    _add_in_order(client, "nightly-etl", etl)

    client.create_job(m.BatchJobCreateOptions(id="render-frames", pool_info=m.BatchPoolInfo(pool_id="render-pool")))
    _add_in_order(client, "render-frames", [
        _task(f"frame-{i:04d}", f'for step in $(seq 1 {40 + 5 * (i % 8)}); do echo "frame {i}: pass $step"; '
                               f"sleep {render_seconds}; done; echo \"frame {i} written to output/frame-{i:04d}.exr\"")
        for i in range(24)
    ])

    client.create_job(m.BatchJobCreateOptions(id="train-model", pool_info=m.BatchPoolInfo(pool_id="gpu-pool")))
    _add_in_order(client, "train-model", [
        _task(f"epoch-{i:02d}", f'echo "training epoch {i}"; sleep 30', required_slots=1) for i in range(8)
    ])


class Demo:
    """The demo's emulator and data dir, removed when it ends."""

    def __init__(self, **emulator_options) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="batchtui-demo-"))
        self.emulator = start_emulator(self.data_dir, **emulator_options)

    def close(self) -> None:
        self.emulator.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Demo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
