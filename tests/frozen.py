"""What the snapshot tests share: the frozen time their emulators run at, an account on such an emulator
shown under a fixed endpoint (so the top bar is the same on every run), the explorer on it, and a pool of
idle nodes to stage work on."""

from __future__ import annotations

import os
from datetime import datetime

from azure.batch import models as m
from conftest import wait_for
from ui_helpers import service_for

from batchtui.account import AUTH_SHARED_KEY, Account
from batchtui.ui.app import BatchApp
from batchtui.ui.views import ViewKey

FROZEN = "2026-11-23T10:00:00Z"
IMAGE = m.VirtualMachineConfiguration(
    image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
    node_agent_sku_id="batch.node.ubuntu 24.04")


def snapshot_app(emu, view: ViewKey, refresh_seconds: float = 60) -> BatchApp:
    """The explorer on `emu` (an emulator started with frozen_clock=FROZEN), opened on `view`, its clock at
    FROZEN, the account named "emulator" at http://127.0.0.1:8200 whatever port the emulator has."""
    os.environ["BATCHTUI_SNAPSHOT_KEY"] = emu.key
    account = Account(name="emulator", endpoint="http://127.0.0.1:8200", account_name=emu.account,
                      auth=AUTH_SHARED_KEY, key_env="BATCHTUI_SNAPSHOT_KEY", source="demo")
    clock = lambda: datetime.fromisoformat(FROZEN)  # noqa: E731
    return BatchApp([account], {"emulator": service_for(emu)}, refresh_seconds=refresh_seconds, clock=clock,
                    start=view)


def idle_pool(client, pool_id: str, nodes: int, **options) -> None:
    """Create pool `pool_id` of `nodes` dedicated standard_d2s_v3 nodes (`options`: more of the pool's
    properties, e.g. start_task) and wait until every node is idle."""
    client.create_pool(m.BatchPoolCreateOptions(id=pool_id, vm_size="standard_d2s_v3", target_dedicated_nodes=nodes,
                                                virtual_machine_configuration=IMAGE, **options))
    wait_for(lambda: [n.state for n in client.list_nodes(pool_id)] == ["idle"] * nodes,
             what=f"{nodes} idle node{'s' if nodes > 1 else ''}")
