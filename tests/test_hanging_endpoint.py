"""An endpoint that accepts connections and never answers: the explorer says it is waiting and for how long,
keys stay live, reads give up on the bound the user set (--timeout, or an account's `timeout`), and
`batchtui tail` gives up with one line."""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.core.credentials import AzureNamedKeyCredential
from test_log_view import Host as LogHost
from test_log_view import status
from ui_helpers import until

from batchtui.account import AUTH_SHARED_KEY, Account, ConfigError
from batchtui.accounts_toml import parse_accounts, render_accounts
from batchtui.service.client import DEFAULT_TIMEOUT, BatchService
from batchtui.service.connect import service_for
from batchtui.service.errors import UNREACHABLE, ServiceError
from batchtui.service.models import FileRef
from batchtui.ui.app import BatchApp
from batchtui.ui.screens.help import HelpScreen
from batchtui.ui.screens.log_help import LogHelpScreen
from batchtui.ui.screens.log_view import LogScreen

KEY = base64.b64encode(b"not a real key").decode()
KEY_ENV = "BATCHTUI_HANG_TEST_KEY"


@pytest.fixture(scope="module")
def hanging() -> Iterator[str]:
    """The URL of a server that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # (closed: the tests are over)
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for conn in held:
        conn.close()


def account(endpoint: str, **fields) -> Account:
    os.environ[KEY_ENV] = KEY
    return Account(name="hung", endpoint=endpoint, account_name="hung", auth=AUTH_SHARED_KEY, key_env=KEY_ENV,
                   **fields)


def topbar(app) -> str:
    return str(app.query_one("#topbar").render())


def waited(app) -> int:
    """The seconds the top bar says it has waited."""
    found = re.search(r"no answer for (\d+) s", topbar(app))
    return int(found[1]) if found else 0


async def test_the_top_bar_says_it_is_waiting_and_keys_stay_live(hanging):
    service = service_for(account(hanging))
    assert service.timeout == DEFAULT_TIMEOUT
    app = BatchApp([account(hanging)], {"hung": service}, refresh_seconds=5)
    async with app.run_test(size=(120, 30)) as pilot:
        start = time.monotonic()
        await until(pilot, lambda: "no answer for" in topbar(app), timeout=10, what="the waiting notice")
        seen = time.monotonic() - start
        assert seen < 7, seen  # (3 s, and a loaded machine's slack)
        first = waited(app)
        assert f"waiting for {hanging}: no answer for {first} s" in topbar(app) and 3 <= first <= 7
        assert "live" not in topbar(app)
        await until(pilot, lambda: waited(app) > first, timeout=5, what="the count going on")
        began = time.monotonic()
        await pilot.press("question_mark")  # keys stay live while the service does not answer
        assert isinstance(app.screen, HelpScreen) and time.monotonic() - began < 2
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_log_view_says_it_is_waiting_too(hanging):
    service = service_for(account(hanging))
    app = LogHost(lambda: LogScreen(service, FileRef.task("job", "task"), follow_task=("job", "task")), [service])
    async with app.run_test(size=(100, 20)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log view")
        await until(pilot, lambda: "no answer for" in status(app), timeout=8, what="the waiting notice")
        assert f"waiting for {hanging}: no answer for" in status(app)
        await pilot.press("question_mark")  # keys stay live
        assert isinstance(app.screen, LogHelpScreen)


async def test_a_read_gives_up_on_the_timeout_and_the_view_says_why(hanging):
    service = service_for(account(hanging, timeout=60.0), timeout=2)  # (--timeout wins over the account's)
    assert service.timeout == 2
    app = BatchApp([account(hanging)], {"hung": service}, refresh_seconds=30)
    async with app.run_test(size=(120, 30)) as pilot:
        start = time.monotonic()
        await until(pilot, lambda: "stale" in topbar(app), timeout=10, what="the timeout")
        assert time.monotonic() - start < 5
        assert f"no answer from {hanging} within 2 s" in topbar(app)


async def test_the_service_bounds_each_read_and_counts_the_wait(hanging):
    async with BatchService(hanging, AzureNamedKeyCredential("hung", KEY), timeout=1.5) as service:
        assert service.waiting_for() is None
        start = time.monotonic()
        with pytest.raises(ServiceError) as caught:
            await service.get_json("/jobs")
        took = time.monotonic() - start
        assert 1.4 < took < 3, took  # the bound holds with the retries (not 3 reads of 30 s)
        assert caught.value.kind == UNREACHABLE and str(caught.value) == f"no answer from {hanging} within 1.5 s"
        assert service.waiting_for() is None


def test_an_accounts_timeout_is_read_checked_and_written(tmp_path: Path):
    path = tmp_path / "accounts.toml"
    text = '[accounts.a]\nendpoint = "https://a.westeurope.batch.azure.com"\nkey_env = "K"\ntimeout = 12\n'
    (first,) = parse_accounts(text, path)
    assert first.timeout == 12.0 and "timeout = 12" in render_accounts([first])
    assert parse_accounts(render_accounts([first]), path) == [first]
    for bad, words in (('"x"', "must be a number of seconds"), ("0", "1 to 3600"), ("true", "number")):
        with pytest.raises(ConfigError) as caught:
            parse_accounts(text.replace("timeout = 12", f"timeout = {bad}"), path)
        assert "'timeout'" in str(caught.value) and words in str(caught.value) and "line 4" in str(caught.value)


# -- batchtui tail -----------------------------------------------------------------------------------------


def tail(hanging: str, tmp_path: Path, *args: str, account_timeout: str = "") -> tuple[subprocess.CompletedProcess,
                                                                                        float]:
    (tmp_path / "accounts.toml").write_text(f'[accounts.hung]\nendpoint = "{hanging}"\naccount_name = "hung"\n'
                                            f'key_env = "{KEY_ENV}"\n{account_timeout}')
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_BATCH_")}
    env.update({"BATCHTUI_CONFIG_DIR": str(tmp_path), KEY_ENV: KEY})
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "batchtui", "tail", *args, "job", "task"], env=env,
                          capture_output=True, timeout=60)
    return proc, time.monotonic() - start


def test_tail_gives_up_after_the_timeout_with_one_line(hanging, tmp_path):
    proc, took = tail(hanging, tmp_path, "--timeout", "2")
    err = proc.stderr.decode()
    assert proc.returncode == 1 and proc.stdout == b""
    assert err == f"batchtui tail: no answer from {hanging} within 2 s\n"
    assert took < 8, took  # 2 s, and Python's start
    proc, took = tail(hanging, tmp_path, "--follow", account_timeout="timeout = 2\n")  # the account's bound
    assert proc.returncode == 1 and proc.stderr.decode() == f"batchtui tail: no answer from {hanging} within 2 s\n"
    assert took < 8, took
    proc, _ = tail(hanging, tmp_path, "--timeout", "0")
    assert proc.returncode == 2 and b"the timeout is 1 to 3600 seconds" in proc.stderr
