"""Azurite, Microsoft's storage emulator, as the local blob store.

The emulator's storage features (resource files, output files, application
packages) need a blob service; Azurite is the one Microsoft ships. It is an
npm package, so it needs Node.js: `find_azurite()` looks for an
`azurite-blob` on PATH, then for a copy installed under batchtui's cache dir;
`install_azurite()` puts one there with npm; `ensure_azurite()` does both.

    with Azurite().start(folder) as storage:
        BlobServiceClient.from_connection_string(storage.connection_string)

Azurite's account and key are the documented, public development ones.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from . import paths

PACKAGE = "azurite@3"
ACCOUNT_NAME = "devstoreaccount1"
# Azurite's well-known development key (documented by Microsoft; protects nothing).
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
INSTALL_TIMEOUT = 600.0
MB = 1024 * 1024
# What Azurite 3.35 takes in node_modules (`du -s --apparent-size ~/.cache/batchtui/azurite/node_modules`:
# 125 MB), for the progress shown while it installs.
INSTALLED_SIZE = 125 * MB
QUIET_EVERY = 15.0  # seconds between "still installing" lines when the progress is not drawn on a terminal
_LISTENING_RE = re.compile(r"listens on https?://\S+?:(\d+)")


class AzuriteUnavailable(RuntimeError):
    """Azurite cannot be found, installed or started; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def install_dir() -> Path:
    """Where `install_azurite()` puts its npm prefix."""
    return paths.cache_dir() / "azurite"


def _installed_script() -> Path | None:
    package = install_dir() / "node_modules" / "azurite"
    try:
        bin_entry = json.loads((package / "package.json").read_text())["bin"]["azurite-blob"]
    except (OSError, ValueError, KeyError, TypeError):
        bin_entry = "dist/src/blob/main.js"
    script = package / bin_entry
    return script if script.is_file() else None


def find_azurite() -> list[str] | None:
    """The command that runs Azurite's blob service, or None when there is none."""
    on_path = shutil.which("azurite-blob")
    if on_path:
        return [on_path]
    script = _installed_script()
    node = shutil.which("node")
    if script and node:
        return [node, str(script)]
    return None


def install_azurite(say: Callable[[str], None] | None = None, live: TextIO | None = None) -> list[str]:
    """npm-install Azurite into the cache dir; its command. AzuriteUnavailable when node or npm is
    missing or the install fails (or takes longer than INSTALL_TIMEOUT).

    `say` gets a line when it starts (with the size to expect), now and then while npm works (every
    QUIET_EVERY seconds: how much is installed so far) and when it is done. When `live` is a terminal,
    one line there shows the progress instead, redrawn every second, and is cleared at the end.
    """
    say = say or (lambda text: None)
    npm, node = shutil.which("npm"), shutil.which("node")
    if not node or not npm:
        missing = " and ".join(name for name, found in (("node", node), ("npm", npm)) if not found)
        raise AzuriteUnavailable(f"Azurite needs Node.js: {missing} not found on PATH")
    prefix = install_dir()
    prefix.mkdir(parents=True, exist_ok=True)
    argv = [npm, "install", "--prefix", str(prefix), PACKAGE, "--no-audit", "--no-fund", "--loglevel=error"]
    say(f"installing Azurite from npm (about {INSTALLED_SIZE // MB} MB, first run only) into {prefix} …")
    started = time.monotonic()
    with tempfile.TemporaryFile("w+", errors="replace") as log:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        except OSError as exc:
            raise AzuriteUnavailable(f"npm could not be run: {exc.strerror or exc}") from None
        try:
            code = _wait_for_install(proc, prefix, started, say, live if live is not None and live.isatty() else None)
        finally:
            if proc.poll() is None:  # interrupted (Ctrl-C): npm and its children go too
                _kill_group(proc)
        log.seek(0)
        output = log.read()
    if code is None:
        raise AzuriteUnavailable(f"npm install {PACKAGE} took longer than {INSTALL_TIMEOUT:.0f} s")
    if code != 0:
        tail = " ".join(output.strip().splitlines()[-3:])
        raise AzuriteUnavailable(f"npm install {PACKAGE} failed (exit {code}): {tail or 'no output'}")
    script = _installed_script()
    if script is None:
        raise AzuriteUnavailable(f"npm install {PACKAGE} finished but Azurite's blob service is not in {prefix}")
    say(f"Azurite installed ({_installed_bytes(prefix) / MB:.0f} MB in {time.monotonic() - started:.0f} s)")
    return [node, str(script)]


def _wait_for_install(proc: subprocess.Popen[bytes], prefix: Path, started: float, say: Callable[[str], None],
                      live: TextIO | None) -> int | None:
    """npm's exit status, showing progress meanwhile; None when it took too long (it is killed then)."""
    spinner = itertools.cycle("|/-\\")
    said = started
    try:
        while True:
            try:
                return proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if now - started > INSTALL_TIMEOUT:
                _kill_group(proc)
                return None
            if live is not None:
                done = _installed_bytes(prefix)
                live.write(f"\r\x1b[K  {next(spinner)} {done / MB:.0f} of about {INSTALLED_SIZE // MB} MB "
                           f"({min(99, 100 * done // INSTALLED_SIZE)}%), {now - started:.0f} s")
                live.flush()
            elif now - said >= QUIET_EVERY:
                said = now
                say(f"still installing Azurite: {_installed_bytes(prefix) / MB:.0f} MB so far, "
                    f"{now - started:.0f} s")
    finally:
        if live is not None:
            live.write("\r\x1b[K")  # (the progress line goes; what is said next starts on a clean line)
            live.flush()


def _installed_bytes(prefix: Path) -> int:
    """Bytes in the npm prefix's node_modules so far (file sizes, as `du --apparent-size`)."""
    total = 0
    for folder, _, files in os.walk(prefix / "node_modules"):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def ensure_azurite(auto_install: bool = True, say: Callable[[str], None] | None = None,
                   live: TextIO | None = None) -> list[str]:
    """Azurite's command, installing it first when it is missing and `auto_install` (`say`, `live`:
    see install_azurite)."""
    command = find_azurite()
    if command:
        return command
    if not auto_install:
        raise AzuriteUnavailable(
            "Azurite is not installed: put azurite-blob on PATH (npm install -g azurite) or let batchtui install it"
        )
    return install_azurite(say, live)


_flag_cache: dict[tuple[str, ...], str] = {}


def _options_text(command: list[str]) -> str:
    """Text that names the options `command` takes: the options module beside
    the script (cheap), or else its --help output (a node start, ~1 s)."""
    key = tuple(command)
    if key not in _flag_cache:
        beside = Path(os.path.realpath(command[-1])).parent / "BlobEnvironment.js"
        try:
            _flag_cache[key] = beside.read_text(errors="replace")
        except OSError:
            try:
                done = subprocess.run(
                    [*command, "--help"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
                )
                _flag_cache[key] = done.stdout + done.stderr
            except (OSError, subprocess.TimeoutExpired):
                _flag_cache[key] = ""
    return _flag_cache[key]


class Azurite:
    """One Azurite blob service process on a loopback port.

    `start()` returns self, so `with Azurite().start(folder) as storage:` runs
    it for the block; `stop()` ends its whole process group.
    """

    account_name = ACCOUNT_NAME
    account_key = ACCOUNT_KEY

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command
        self.process: subprocess.Popen[str] | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self.data_dir: Path | None = None
        self._output: deque[str] = deque(maxlen=40)
        self._reader: threading.Thread | None = None

    # -- connection details ----------------------------------------------------
    @property
    def blob_endpoint(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/{ACCOUNT_NAME}"

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={self.blob_endpoint};"
        )

    # -- lifecycle -------------------------------------------------------------
    def start(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0, timeout: float = 60.0) -> "Azurite":
        """Run Azurite's blob service on `host`:`port` (0: a free port) with its
        data in `data_dir`; return once the port answers."""
        if self.process is not None:
            raise RuntimeError("Azurite is already running")
        command = self.command or ensure_azurite()
        self.command = command
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.host = host
        argv = [
            *command,
            "--blobHost", host,
            "--blobPort", str(port),
            "--location", str(self.data_dir),
            "--skipApiVersionCheck",
            "--loose",
            "--silent",
        ]
        if "disableTelemetry" in _options_text(command):
            argv.append("--disableTelemetry")
        try:
            self.process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                cwd=str(self.data_dir),
                start_new_session=True,
            )
        except OSError as exc:
            raise AzuriteUnavailable(f"Azurite could not be started: {exc.strerror or exc}") from None
        atexit.register(self.stop)
        listening = threading.Event()
        found: list[int] = []

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self._output.append(line.rstrip())
                match = _LISTENING_RE.search(line)
                if match and not found:
                    found.append(int(match.group(1)))
                    listening.set()
            listening.set()  # the process ended

        self._reader = threading.Thread(target=read, name="azurite-output", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        listening.wait(timeout)
        if not found:
            self._fail("did not report its port", deadline)
        self.port = port or found[0]
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._fail(f"does not answer on {host}:{self.port}", deadline)
            time.sleep(0.05)
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1):
                return True
        except OSError:
            return False

    def _fail(self, what: str, deadline: float) -> None:
        exited = self.process.poll() if self.process else None
        self.stop()
        output = " | ".join(list(self._output)[-5:]) or "no output"
        state = f"exited with {exited}" if exited is not None else (
            "timed out" if time.monotonic() > deadline else "stopped"
        )
        raise AzuriteUnavailable(f"Azurite {what} ({state}): {output}")

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate Azurite's process group (SIGTERM, then SIGKILL)."""
        proc, self.process = self.process, None
        atexit.unregister(self.stop)
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
            except ProcessLookupError:
                proc.wait()
        else:
            # The leader is gone; take anything it left in its group with it.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self._reader is not None:
            self._reader.join(timeout=2)
        if proc.stdout is not None:
            proc.stdout.close()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> "Azurite":
        if self.process is None:
            raise RuntimeError("call start(data_dir) first: with Azurite().start(folder) as storage: …")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main() -> int:
    """`python -m batchtui.azurite`: install Azurite when missing; say where it is."""
    import sys

    from .textsafe import inert

    def say(text: str) -> None:
        print(f"batchtui: {inert(text)}", file=sys.stderr, flush=True)

    try:
        command = ensure_azurite(say=say, live=sys.stderr)
    except AzuriteUnavailable as exc:
        say(f"Azurite unavailable: {exc.reason}")  # (npm's words, made inert)
        return 1
    print(inert(f"batchtui: Azurite ready: {' '.join(command)}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
