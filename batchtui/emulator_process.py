"""`batchtui emulator` as a child process: started on loopback (a free port by
default), its endpoint, account and key read from the line it prints, and
stopped again. The demo, the tests, bench/ and screenshots/ run emulators this way.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from azure.batch import BatchClient
from azure.core.credentials import AzureNamedKeyCredential

from .account import AUTH_SHARED_KEY, Account
from .emulator import KEY_ENV, STORAGE_ENV

DEMO_KEY_ENV = "BATCHTUI_DEMO_KEY"
DEMO_STORAGE_ENV = "BATCHTUI_DEMO_STORAGE"
_LINE = re.compile(r"endpoint (\S+) account (\S+) key (\S+)")


@dataclass
class RunningEmulator:
    """An emulator started by `start_emulator`: where it listens, its account and key, its process."""

    endpoint: str
    account: str
    key: str
    process: subprocess.Popen[str]
    data_dir: Path
    storage_connection_string: str | None = None

    def stop(self) -> None:
        """Terminate the process (killed after 10 s); nothing when it has ended already."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def client(self) -> BatchClient:
        """A synchronous SDK client on it (for seeding)."""
        return BatchClient(self.endpoint, AzureNamedKeyCredential(self.account, self.key))

    def as_account(self, name: str = "demo") -> Account:
        """It as a batchtui Account; puts its key (and Azurite's connection string) in this process's environment."""
        os.environ[DEMO_KEY_ENV] = self.key  # the emulator's public development key
        storage_env = None
        if self.storage_connection_string:
            os.environ[DEMO_STORAGE_ENV] = self.storage_connection_string  # Azurite's public well-known key
            storage_env = DEMO_STORAGE_ENV
        return Account(name=name, endpoint=self.endpoint, account_name=self.account, auth=AUTH_SHARED_KEY,
                       key_env=DEMO_KEY_ENV, source="demo", storage_connection_string_env=storage_env)


def start_emulator(data_dir: Path, *, step_seconds: float = 1.0, frozen_clock: str | None = None,
                   storage_connection_string: str | None = None, port: int = 0, key: str | None = None,
                   allow_hosts: Sequence[str] = (), extra_args: Sequence[str] = ()) -> RunningEmulator:
    """Start `batchtui emulator` as a child process on loopback (port 0: a free one); returns once it listens.
    The key (default: the public development key) and the storage connection string reach it in its
    environment, never on its command line. RuntimeError (with its stderr) when it does not start.
    `extra_args` go to `batchtui emulator` as they are (e.g. `--core-quota 8`).

    No pipe is left unread, so the child can never block writing to one: its stderr (where only a startup
    failure goes; it logs to <data_dir>/emulator.log) is an unnamed temporary file, read when it fails to
    start; its stdout gives the startup line, then a daemon thread drains it."""
    command = [sys.executable, "-m", "batchtui", "emulator", "--port", str(port), "--data-dir", str(data_dir),
               "--node-step-seconds", str(step_seconds), *extra_args]
    if frozen_clock:
        command += ["--frozen-clock", frozen_clock]
    for host in allow_hosts:
        command += ["--allow-host", host]
    env = {k: v for k, v in os.environ.items() if k not in (KEY_ENV, STORAGE_ENV)}
    env["PYTHONUNBUFFERED"] = "1"
    if key:
        env[KEY_ENV] = key
    if storage_connection_string:
        env[STORAGE_ENV] = storage_connection_string
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                   stdin=subprocess.DEVNULL, env=env)
        line = process.stdout.readline() if process.stdout else ""
        match = _LINE.search(line)
        if not match:
            process.kill()
            process.wait()
            stderr.seek(0)
            error = stderr.read(64 * 1024).decode(errors="replace")
            raise RuntimeError(f"the emulator did not start: {(error or line).strip()}")
    threading.Thread(target=_drain, args=(process.stdout,), name="emulator-stdout", daemon=True).start()
    return RunningEmulator(match.group(1), match.group(2), key or match.group(3), process, data_dir,
                           storage_connection_string)


def _drain(stream: IO[str] | None) -> None:
    """Read the child's stdout to its end, so that it never blocks on a full pipe."""
    if stream is not None:
        for _ in stream:
            pass
