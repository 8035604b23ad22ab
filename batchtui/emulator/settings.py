"""How one emulator instance is set up."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import DEFAULT_ACCOUNT, DEFAULT_KEY, DEFAULT_PORT


class StartError(Exception):
    """The emulator cannot start; str() is one line for the user, naming the file or value at fault."""


@dataclass
class Settings:
    data_dir: Path
    account: str = DEFAULT_ACCOUNT
    key: str = DEFAULT_KEY
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    # Seconds a node spends in each provisioning step (creating, starting) and
    # a removed node in leavingpool. Real Batch takes minutes; the demo wants
    # the steps visible, the tests want them quick.
    node_step_seconds: float = 1.0
    tick_seconds: float = 0.1
    # ISO time every timestamp is frozen at, with predictable node ids: for
    # reproducible screenshots and UI snapshots. None: the real clock.
    frozen_clock: str | None = None
    # Emulated seconds per real second of the service's clock (formats.set_clock_rate): 60 makes a
    # 1-minute schedule recurrence or autoscale interval pass in one second. 1: the wall clock.
    clock_rate: float = 1.0
    # The account's auto-storage account (an Azure Storage connection string,
    # e.g. Azurite's): autoStorageContainerName resource files and application
    # packages come from it. None: the account has none.
    storage_connection_string: str | None = None
    # Host header values accepted besides the address it listens on (--allow-host).
    allow_hosts: list[str] = field(default_factory=list)
    # The account's core quotas (quota.py): Batch's documented defaults for a
    # Batch-service-mode account are "0-900" dedicated and "0-100" low-priority
    # cores; the emulator takes the top of each range.
    dedicated_core_quota: int = 900
    low_priority_core_quota: int = 100
