"""Fixtures: a real emulator process on a free loopback port, and official
SDK clients (sync and async) signed with its shared key."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from azure.batch import BatchClient
from azure.core.credentials import AzureNamedKeyCredential

from batchtui.emulator import DEFAULT_ACCOUNT, DEFAULT_KEY

LINE_RE = re.compile(r"endpoint (\S+) account (\S+) key (\S+)")


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


def start_emulator(data_dir: Path, port: int = 0, step: float = 0.1) -> EmulatorProcess:
    proc = subprocess.Popen(
        [sys.executable, "-m", "batchtui", "emulator", "--port", str(port), "--data-dir", str(data_dir),
         "--node-step-seconds", str(step)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line = proc.stdout.readline()
    m = LINE_RE.search(line)
    if not m:
        proc.kill()
        raise RuntimeError(f"emulator did not start: {line!r} {proc.stderr.read()}")
    return EmulatorProcess(m.group(1), m.group(2), m.group(3), data_dir, proc)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    emu = start_emulator(tmp_path_factory.mktemp("emulator"))
    assert emu.account == DEFAULT_ACCOUNT and emu.key == DEFAULT_KEY
    yield emu
    assert emu.stop() == 0


@pytest.fixture(scope="session")
def client(emulator: EmulatorProcess) -> BatchClient:
    return emulator.client()


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
