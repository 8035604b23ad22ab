"""The `batchtui` command line: clear messages, no tracebacks."""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys

import pytest


def run(*args: str, timeout: float = 20, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "batchtui", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_help_lists_emulator():
    result = run("--help")
    assert result.returncode == 0
    assert "emulator" in result.stdout


def test_bad_key_is_a_usage_error():
    result = run("emulator", "--port", "0", env={"BATCHTUI_EMULATOR_KEY": "not base64!!"})
    assert result.returncode == 2
    assert "the key must be base64" in result.stderr
    assert "Traceback" not in result.stderr
    result = run("emulator", "--key", "not base64!!", "--port", "0")  # only the public key goes on a command line
    assert result.returncode == 2
    assert "BATCHTUI_EMULATOR_KEY" in result.stderr and "Traceback" not in result.stderr


def test_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run("emulator", "--port", str(port), "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_command_is_a_usage_error():
    result = run("frobnicate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


# -- internal errors: one line, the traceback in the state dir's crash.log ------------------------------------


def test_a_crashing_command_says_one_line_and_logs_the_traceback(tmp_path, monkeypatch, capsys):
    from batchtui import cli, config

    def boom(*args, **kwargs):
        raise RuntimeError("[/x] went wrong \x1b]0;pwned\x07")

    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(config, "configured_accounts", boom)
    assert cli.main(["accounts", "list"]) == 1
    out, err = capsys.readouterr()
    log = tmp_path / "state" / "crash.log"
    assert out == ""
    assert err == f"batchtui: internal error: RuntimeError: [/x] went wrong ^[]0;pwned^G (details in {log})\n"
    assert (log.stat().st_mode & 0o777) == 0o600
    text = log.read_text()
    assert "command: accounts" in text and "Traceback (most recent call last)" in text and "in boom" in text


def test_the_crash_log_is_kept_small(tmp_path, monkeypatch):
    from batchtui.cli.output import CRASH_LOG_LIMIT, write_crash_log

    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(tmp_path))
    (tmp_path / "crash.log").write_text("x" * (CRASH_LOG_LIMIT + 1))
    assert write_crash_log(ValueError("new")) == tmp_path / "crash.log"
    assert (tmp_path / "crash.log.1").stat().st_size == CRASH_LOG_LIMIT + 1
    assert "ValueError: new" in (tmp_path / "crash.log").read_text()


CRASHING_EXPLORER = """
import sys
from rich.errors import MarkupError
from batchtui.ui import app

def crash(self):
    raise MarkupError("closing tag '[/x]' at position 3 doesn't match any open tag")

app.BatchApp.on_mount = crash
from batchtui.cli import main
sys.exit(main([]))
"""


def test_a_crashing_explorer_exits_1_with_one_line_and_logs_the_traceback(tmp_path):
    (tmp_path / "accounts.toml").write_text('[accounts.a]\nendpoint = "http://127.0.0.1:9"\naccount_name = "a"\n'
                                            'key_env = "BATCHTUI_TEST_KEY"\n')
    env = {**os.environ, "BATCHTUI_CONFIG_DIR": str(tmp_path), "BATCHTUI_STATE_DIR": str(tmp_path / "state"),
           "BATCHTUI_TEST_KEY": "a2V5", "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver"}
    result = subprocess.run([sys.executable, "-c", CRASHING_EXPLORER], env=env, capture_output=True, text=True,
                            timeout=60)
    log = tmp_path / "state" / "crash.log"
    assert result.returncode == 1
    assert result.stderr == ("batchtui: internal error: MarkupError: closing tag '[/x]' at position 3 doesn't "
                             f"match any open tag (details in {log})\n")
    text = log.read_text()
    assert "command: explorer" in text and "in crash" in text and "MarkupError" in text


# -- help ------------------------------------------------------------------------------------------------------


def _parsers(parser, path=("batchtui",)):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def test_every_option_has_help_and_a_metavar_of_its_own():
    from batchtui.cli import build_parser

    seen = []
    for path, parser in _parsers(build_parser()):
        seen.append(" ".join(path))
        assert parser.description or len(path) == 1, path
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
                continue
            assert action.help, (path, action.dest)
            # an option that takes a value has a metavar, not its dest upper-cased (CREATE_ACCOUNT)
            if action.nargs != 0 and action.help != argparse.SUPPRESS:
                assert action.metavar or action.choices, (path, action.dest)
    assert {"batchtui tail", "batchtui create", "batchtui accounts add", "batchtui emulator"} <= set(seen)


@pytest.mark.parametrize("command", ["", "emulator", "demo", "accounts", "accounts list", "accounts add",
                                     "accounts remove", "tail", "create"])
def test_help_is_clean(command):
    result = run(*command.split(), "--help")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith(f"usage: batchtui {command}".rstrip())
    assert not re.search(r"\b[A-Z]+_[A-Z_]+\b(?<!CONNECTION_STRING)", result.stdout.split("\n\n")[0]), result.stdout


def test_brackets_in_messages_are_printed_literally(tmp_path):
    env = {**os.environ, "BATCHTUI_CONFIG_DIR": str(tmp_path)}
    for name in ("AZURE_BATCH_ENDPOINT", "AZURE_BATCH_ACCOUNT", "AZURE_BATCH_ACCESS_KEY"):
        env.pop(name, None)

    def batchtui(*args):
        return subprocess.run([sys.executable, "-m", "batchtui", *args], capture_output=True, text=True, env=env,
                              timeout=60)

    added = batchtui("accounts", "add", "lab[/x]", "--endpoint", "https://lab.westeurope.batch.azure.com",
                     "--key-env", "LAB_KEY_[/b]")
    assert added.returncode == 2
    assert added.stderr == "batchtui accounts: --key-env: 'LAB_KEY_[/b]' is not an environment variable name\n"
    added = batchtui("accounts", "add", "lab[/x]", "--endpoint", "https://lab.westeurope.batch.azure.com",
                     "--key-env", "LAB_KEY")
    assert added.returncode == 0 and "'lab[/x]'" in added.stdout
    assert batchtui("accounts", "list").stdout.splitlines()[1].startswith("lab[/x]  https://lab.westeurope")
    missing_key = batchtui("tail", "job", "task", "--account", "lab[/x]")
    assert missing_key.returncode == 2
    assert missing_key.stderr == ("batchtui tail: account 'lab[/x]': environment variable LAB_KEY is not set "
                                  "(it should hold the account key)\n")
    unknown = batchtui("--account", "[/x]")
    assert unknown.returncode == 2 and unknown.stderr == ("batchtui: no account named '[/x]'; "
                                                          "see 'batchtui accounts list'\n")
