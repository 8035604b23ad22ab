"""Real Batch clients against a real emulator process: each runs its own
quickstart, installed from the package registry into its own venv (cached under
batchtui's user cache dir, see tests/client_venvs.py; skipped only when the
registry cannot be reached to install a missing one).

- the Azure CLI 2.91 (`az batch`, azure-batch 15.0.0b1, api-version 2024-02-01.19.0)
- azure-batch 14.2.0, track 1 (`BatchServiceClient`, 2024-02-01.19.0): tests/clients/track1_quickstart.py
- azure-batch 15.0.0b2 (`BatchClient`, 2024-07-01.20.0): tests/clients/sdk15_quickstart.py
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from client_venvs import RegistryUnreachable, ensure_client
from conftest import EmulatorProcess, start_emulator

CLIENTS_DIR = Path(__file__).parent / "clients"
STEP_TIMEOUT = 120
# A cold cache installs the client first (the Azure CLI: about 90 s on a fast link).
pytestmark = pytest.mark.timeout(1500)


@pytest.fixture(scope="module")
def client_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    emu = start_emulator(tmp_path_factory.mktemp("clients-emulator"), step=0.1)
    yield emu
    emu.stop()


def client_venv(key: str) -> Path:
    try:
        return ensure_client(key)
    except RegistryUnreachable as exc:
        pytest.skip(f"{key} is not installed and cannot be: {exc}")


def run_quickstart(venv: Path, script: str, emu: EmulatorProcess) -> None:
    result = subprocess.run(
        [str(venv / "bin" / "python"), script, emu.endpoint, emu.account, emu.key],
        cwd=CLIENTS_DIR, capture_output=True, text=True, timeout=600,
    )
    lines = result.stdout.splitlines()
    failed = [line for line in lines if line.startswith("FAIL")]
    assert result.returncode == 0 and not failed, "\n".join(lines + ["--- stderr ---", result.stderr[-6000:]])
    assert lines[-1].endswith("steps OK") and not failed
    print(lines[-1])


def test_track1_sdk_14_2_quickstart(client_emulator):
    run_quickstart(client_venv("azure-batch-14"), "track1_quickstart.py", client_emulator)


def test_sdk_15_0_0b2_quickstart(client_emulator):
    run_quickstart(client_venv("azure-batch-15b2"), "sdk15_quickstart.py", client_emulator)


# --- the Azure CLI ------------------------------------------------------------------------------

class AzureCli:
    """`az` of a venv, signed in to the emulator by AZURE_BATCH_* variables, with a
    throwaway AZURE_CONFIG_DIR; each step records OK or FAIL like the quickstart scripts."""

    def __init__(self, venv: Path, emu: EmulatorProcess, config_dir: Path) -> None:
        self.az = str(venv / "bin" / "az")
        self.env = {
            **os.environ,
            "AZURE_CONFIG_DIR": str(config_dir),
            "AZURE_BATCH_ACCOUNT": emu.account,
            "AZURE_BATCH_ACCESS_KEY": emu.key,
            "AZURE_BATCH_ENDPOINT": emu.endpoint,
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_SURVEY_MESSAGE": "false",
            "AZURE_CORE_NO_COLOR": "true",
        }
        self.env.pop("PYTHONPATH", None)  # the CLI runs on its own venv only
        self.results: list[str] = []

    def __call__(self, *args: str) -> str:
        done = subprocess.run([self.az, *args], env=self.env, capture_output=True, text=True, timeout=STEP_TIMEOUT)
        if done.returncode != 0:
            raise AssertionError(f"az {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "-o", "json") or "null")

    def step(self, name: str, action) -> None:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - reported as the step's failure
            self.results.append(f"FAIL {name}: {exc}")
        else:
            self.results.append(f"OK {name}")

    def wait(self, what: str, predicate, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.3)


def test_azure_cli_2_91_quickstart(client_emulator, tmp_path):
    az = AzureCli(client_venv("azure-cli"), client_emulator, tmp_path / "azure-config")
    pool_file = tmp_path / "pool.json"
    pool_file.write_text(json.dumps({
        "id": "cli-pool", "vmSize": "standard_d2s_v3", "targetDedicatedNodes": 1,
        "virtualMachineConfiguration": {
            "imageReference": {"publisher": "canonical", "offer": "0001-com-ubuntu-server-jammy",
                               "sku": "22_04-lts", "version": "latest"},
            "nodeAgentSKUId": "batch.node.ubuntu 22.04"},
    }))

    def steady() -> bool:
        return az("batch", "pool", "show", "--pool-id", "cli-pool", "--query", "allocationState", "-o", "tsv").strip() \
            == "steady"

    def resize() -> None:
        az.wait("the pool to be steady", steady)
        az("batch", "pool", "resize", "--pool-id", "cli-pool", "--target-dedicated-nodes", "2")
        az.wait("2 nodes", lambda: steady() and len(az.json("batch", "node", "list", "--pool-id", "cli-pool")) == 2)

    def create_job() -> None:
        az("batch", "job", "create", "--id", "cli-job", "--pool-id", "cli-pool", "--priority", "5",
           "--job-max-task-retry-count", "2")
        job = az.json("batch", "job", "show", "--job-id", "cli-job")
        assert job["priority"] == 5 and job["constraints"]["maxTaskRetryCount"] == 2, job

    def create_tasks() -> None:
        az("batch", "task", "create", "--job-id", "cli-job", "--task-id", "hello",
           "--command-line", "/bin/sh -c 'echo hello from the cli'")
        az("batch", "task", "create", "--job-id", "cli-job", "--task-id", "fails",
           "--command-line", "/bin/sh -c 'exit 3'")

    def completed_tasks() -> list:
        found = az.json("batch", "task", "list", "--job-id", "cli-job", "--filter", "state eq 'completed'")
        return found if isinstance(found, list) and len(found) == 2 else []

    def list_filtered() -> None:
        az.wait("both tasks to complete", completed_tasks)
        failed = {t["id"]: t["executionInfo"] for t in completed_tasks()}["fails"]
        assert failed["exitCode"] == 3 and failed["retryCount"] == 2, failed  # the job's retry count applied

    def download() -> None:
        target = tmp_path / "stdout.txt"
        az("batch", "task", "file", "download", "--job-id", "cli-job", "--task-id", "hello",
           "--file-path", "stdout.txt", "--destination", str(target))
        assert target.read_text() == "hello from the cli\n"

    def nodes() -> None:
        states = az.json("batch", "node", "list", "--pool-id", "cli-pool", "--query", "[].state")
        assert sorted(states) == ["idle", "idle"], states

    def task_counts() -> None:
        counts = az.json("batch", "job", "task-counts", "show", "--job-id", "cli-job")
        assert counts["taskCounts"]["succeeded"] == 1 and counts["taskCounts"]["failed"] == 1, counts

    def job_set() -> None:
        az("batch", "job", "set", "--job-id", "cli-job", "--priority", "9")
        assert az.json("batch", "job", "show", "--job-id", "cli-job", "--query", "priority") == 9

    def pool_set() -> None:
        az("batch", "pool", "set", "--pool-id", "cli-pool", "--metadata", "owner=cli")
        metadata = az.json("batch", "pool", "show", "--pool-id", "cli-pool", "--query", "metadata")
        assert metadata == [{"name": "owner", "value": "cli"}], metadata

    def delete() -> None:
        az("batch", "job", "delete", "--job-id", "cli-job", "--yes")
        az("batch", "pool", "delete", "--pool-id", "cli-pool", "--yes")

    az.step("pool create --json-file", lambda: az("batch", "pool", "create", "--json-file", str(pool_file)))
    az.step("pool resize", resize)
    az.step("job create (priority, retry count)", create_job)
    az.step("task create", create_tasks)
    az.step("task list --filter", list_filtered)
    az.step("task file download", download)
    az.step("node list", nodes)
    az.step("job task-counts show", task_counts)
    az.step("job set", job_set)
    az.step("pool set", pool_set)
    az.step("job delete, pool delete", delete)
    failed = [line for line in az.results if line.startswith("FAIL")]
    summary = f"{len(az.results) - len(failed)} of {len(az.results)} steps OK"
    assert not failed, "\n".join([*az.results, summary])
    print(summary)
