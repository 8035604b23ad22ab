"""The `batchtui` command line: clear messages, no tracebacks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys


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
