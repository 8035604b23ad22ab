"""Helpers for driving the explorer with Textual's pilot against a live emulator."""

from __future__ import annotations

import time

from azure.core.credentials import AzureNamedKeyCredential

from batchtui.account import AUTH_SHARED_KEY, Account
from batchtui.service.client import BatchService


def account_for(emulator, name: str = "emu") -> Account:
    import os

    os.environ["BATCHTUI_TEST_KEY"] = emulator.key
    return Account(name=name, endpoint=emulator.endpoint, account_name=emulator.account, auth=AUTH_SHARED_KEY,
                   key_env="BATCHTUI_TEST_KEY", source="demo")


def service_for(emulator, **options) -> BatchService:
    return BatchService(emulator.endpoint, AzureNamedKeyCredential(emulator.account, emulator.key), **options)


async def until(pilot, predicate, timeout: float = 15.0, what: str = "condition"):
    """Let the app run until predicate() is truthy; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def row_texts(table) -> list[str]:
    """The table's rendered lines (header excluded) as plain text."""
    return [table.render_line(y).text for y in range(1, table.size.height)]
