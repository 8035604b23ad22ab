"""What an SSH session on an emulated node runs: the command the client asked
for (`/bin/sh -c COMMAND`), or a login shell ($SHELL, else /bin/sh) when it asked
for none, in the node's directory with the node's environment (SHELL set to the shell).

With a terminal requested (`ssh -t`, or an interactive `ssh`), the process gets
a pseudo-terminal of the client's size, resized as the client's window changes;
without one, its stdin/stdout/stderr are pipes to the channel. The process leads
its own session and dies with the emulator (executor.prepare_child); when the
client goes, its process group is hung up. The session ends with the process's
exit status (a signal N as 128+N, as a shell reports it)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import signal
import struct
import termios
from collections.abc import Awaitable
from pathlib import Path

import asyncssh

from .executor import prepare_child

CHUNK = 64 * 1024
HANG_UP_SECONDS = 2.0  # after a hang-up, how long the process's output may still take to end


def login_shell(env: dict[str, str]) -> str:
    """$SHELL of the node's environment, else bash (a Batch Linux node's shell), else /bin/sh."""
    for shell in (env.get("SHELL") or "", "/bin/bash", "/bin/sh"):
        if shell and os.path.isfile(shell) and os.access(shell, os.X_OK):
            return shell
    return "/bin/sh"


def _argv(command: str | None, env: dict[str, str]) -> list[str]:
    return ["/bin/sh", "-c", command] if command else [login_shell(env), "-l"]


def _status(code: int) -> int:
    return 128 - code if code < 0 else code


async def run_session(process: asyncssh.SSHServerProcess[bytes], cwd: Path, env: dict[str, str]) -> None:
    """Run the session's process to its end and exit the channel with its status."""
    env = {**env, "SHELL": login_shell(env)}
    argv = _argv(process.command, env)
    terminal = process.get_terminal_type()
    if terminal:
        code = await _run_in_pty(process, argv, cwd, {**env, "TERM": terminal})
    else:
        code = await _run_in_pipes(process, argv, cwd, env)
    process.exit(code)


async def _copy_in(process: asyncssh.SSHServerProcess[bytes], write: asyncio.StreamWriter) -> None:
    try:
        while chunk := await process.stdin.read(CHUNK):
            write.write(chunk)
            await write.drain()
    except (asyncssh.BreakReceived, asyncssh.SignalReceived, asyncssh.TerminalSizeChanged,
            ConnectionError, asyncssh.Error):
        pass  # the client's input ends; the process sees EOF
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            write.close()


async def _copy_out(read: asyncio.StreamReader, write: asyncssh.SSHWriter[bytes]) -> None:
    with contextlib.suppress(ConnectionError, asyncssh.Error):
        while chunk := await read.read(CHUNK):
            write.write(chunk)
            await write.drain()


async def _run_in_pipes(process: asyncssh.SSHServerProcess[bytes], argv: list[str], cwd: Path,
                        env: dict[str, str]) -> int:
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=str(cwd), env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True, preexec_fn=prepare_child)
    except OSError as exc:
        process.stderr.write(f"batchtui emulator: cannot start {argv[0]}: {exc.strerror}\n".encode())
        return 127
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    feeding = asyncio.ensure_future(_copy_in(process, proc.stdin))
    try:
        return await _until_done(process, proc, asyncio.gather(
            _copy_out(proc.stdout, process.stdout), _copy_out(proc.stderr, process.stderr)))
    finally:
        feeding.cancel()
        _hang_up(proc)


async def _until_done(process: asyncssh.SSHServerProcess[bytes], proc: asyncio.subprocess.Process,
                      output: Awaitable[object]) -> int:
    """The process's status once its output is all sent; when the client goes
    first, the process is hung up and its output given HANG_UP_SECONDS to end."""
    sending = asyncio.ensure_future(output)
    gone = asyncio.ensure_future(process.channel.wait_closed())
    try:
        await asyncio.wait({sending, gone}, return_when=asyncio.FIRST_COMPLETED)
        if not sending.done():
            _hang_up(proc)
            await asyncio.wait({sending}, timeout=HANG_UP_SECONDS)
        return _status(await proc.wait())
    finally:
        gone.cancel()
        sending.cancel()


def _set_size(fd: int, width: int, height: int) -> None:
    if width > 0 and height > 0:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


def _controlling_tty() -> None:  # in the child between fork and exec: stdin (the pty) becomes its terminal
    prepare_child()
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


async def _run_in_pty(process: asyncssh.SSHServerProcess[bytes], argv: list[str], cwd: Path,
                      env: dict[str, str]) -> int:
    master, slave = pty.openpty()
    width, height, _, _ = process.get_terminal_size()
    _set_size(master, width, height)
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=str(cwd), env=env, stdin=slave, stdout=slave, stderr=slave, preexec_fn=_controlling_tty)
    except OSError as exc:
        os.close(master)
        process.stderr.write(f"batchtui emulator: cannot start {argv[0]}: {exc.strerror}\r\n".encode())
        return 127
    finally:
        os.close(slave)
    os.set_blocking(master, False)
    feeding = asyncio.ensure_future(_feed_pty(process, master))
    try:
        return await _until_done(process, proc, _drain_pty(master, process.stdout))
    finally:
        feeding.cancel()
        _hang_up(proc)
        os.close(master)


async def _feed_pty(process: asyncssh.SSHServerProcess[bytes], master: int) -> None:
    """The client's keystrokes to the terminal; its window size changes too."""
    while True:
        try:
            chunk = await process.stdin.read(CHUNK)
        except asyncssh.TerminalSizeChanged as change:
            _set_size(master, change.width, change.height)
            continue
        except (asyncssh.BreakReceived, asyncssh.SignalReceived):
            continue
        except (ConnectionError, asyncssh.Error):
            return
        if not chunk:
            return
        while chunk:
            try:
                chunk = chunk[os.write(master, chunk):]
            except BlockingIOError:
                await asyncio.sleep(0.01)
            except OSError:
                return


async def _drain_pty(master: int, out: asyncssh.SSHWriter[bytes]) -> None:
    """The terminal's output to the client, until every process holding it is gone (EIO)."""
    loop = asyncio.get_running_loop()
    readable = asyncio.Event()
    loop.add_reader(master, readable.set)
    try:
        while True:
            await readable.wait()
            readable.clear()
            try:
                chunk = os.read(master, CHUNK)
            except BlockingIOError:
                continue
            except OSError:  # EIO: the other side is closed
                return
            if not chunk:
                return
            try:
                out.write(chunk)
                await out.drain()
            except (ConnectionError, asyncssh.Error):
                return
    finally:
        loop.remove_reader(master)


def _hang_up(proc: asyncio.subprocess.Process) -> None:
    """A process still running when the session ends (the client went) is hung up, with its group."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGHUP)
