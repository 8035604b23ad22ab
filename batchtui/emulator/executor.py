"""Runs a task's command line as a real local process.

As on Batch, the command line is split into arguments (cmdline.py: shlex's
rules in linear time) and run without a shell
(users write `/bin/sh -c '…'` when they want one). stdout and stderr go to
stdout.txt and stderr.txt in the task directory; the process starts in the
task's wd/ with the AZ_BATCH_* environment. Each process leads its own process
group, so a kill (terminate, wall-clock limit, node removal) takes its children
too, and it dies with the emulator (PR_SET_PDEATHSIG) instead of outliving it.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict

from .cmdline import split_command_line

# Variables of the emulator's own environment a task inherits; nothing else
# (keys and tokens in the emulator's environment stay out of tasks).
INHERITED = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "HOME", "SYSTEMROOT")
INLINE_SPLIT_CHARS = 16 * 1024  # longer command lines are split in a worker thread


def prepare_child() -> None:  # runs in the child between fork and exec (tasks, node ssh sessions)
    os.umask(0o022)  # a task's files as on a Batch node (the emulator's own umask is 077; its tree is private)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass


class NameValue(TypedDict):
    name: str
    value: str


class FailureInfo(TypedDict):
    """Batch's TaskFailureInformation, as a task's or start task's failureInfo."""

    category: str  # usererror or servererror
    code: str
    message: str
    details: NotRequired[list[NameValue]]


@dataclass
class Outcome:
    exit_code: int | None
    failure: FailureInfo | None = None  # a Batch failureInfo, when there is one


def failure(code: str, message: str, category: str = "usererror", details: dict[str, str] | None = None) -> FailureInfo:
    info = FailureInfo(category=category, code=code, message=message)
    if details:
        info["details"] = [{"name": k, "value": v} for k, v in details.items()]
    return info


def internal_failure(exc: BaseException) -> FailureInfo:
    """The failureInfo of a run the emulator itself could not carry out (Batch's servererror
    Unknown; DiskFull when the disk is full)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return failure("DiskFull", "There is not enough disk space on the node to run the task", "servererror")
    detail = f"{type(exc).__name__}: {str(exc)[:300]}"
    return failure("Unknown", f"The batchtui emulator could not run the task ({detail})", "servererror")


def failure_for_exit(exit_code: int) -> FailureInfo | None:
    if exit_code == 0:
        return None
    return failure(
        "FailureExitCode",
        "The task exited with an exit code representing a failure",
        details={
            "Message": "The task process exited with an unexpected exit code",
            "AdditionalErrorCode": "FailureExitCode",
        },
    )


def base_environment() -> dict[str, str]:
    return {k: os.environ[k] for k in INHERITED if k in os.environ}


class Process:
    """One running task process."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.killed_for: FailureInfo | None = None
        self._started: float | None = None  # loop time when wait() began
        self._limit: asyncio.TimerHandle | None = None

    def kill(self, reason: FailureInfo | None = None) -> None:
        if self.killed_for is None:
            self.killed_for = reason
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def set_wall_clock(self, seconds: float) -> None:
        """The process may run `seconds` (inf: no limit) from when wait() began,
        then it is killed as MaxWallClockTimeExceeded. Can change while it runs
        (a task's constraints updated): a limit already passed kills it at once."""
        if self._limit is not None:
            self._limit.cancel()
            self._limit = None
        if self._started is None or seconds == float("inf"):
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._started + seconds - loop.time())
        reason = failure("MaxWallClockTimeExceeded", "The task exceeded the maximum wall clock time")
        self._limit = loop.call_later(delay, self.kill, reason)

    async def wait(self, wall_clock_seconds: float) -> Outcome:
        self._started = asyncio.get_running_loop().time()
        self.set_wall_clock(wall_clock_seconds)
        try:
            code = await self.proc.wait()
        except asyncio.CancelledError:
            self.kill()
            raise
        finally:
            if self._limit is not None:
                self._limit.cancel()
        if code < 0:  # killed by a signal: report it as a shell would
            code = 128 - code
        if self.killed_for is not None:
            return Outcome(code, self.killed_for)
        return Outcome(code, failure_for_exit(code))


async def launch(command_line: str, task_dir: Path, env: dict[str, str]) -> Process | Outcome:
    """Start the command in task_dir/wd; an Outcome when it cannot start at all."""
    workdir = task_dir / "wd"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if len(command_line) > INLINE_SPLIT_CHARS:
            argv = await asyncio.to_thread(split_command_line, command_line)
        else:
            argv = split_command_line(command_line)
    except ValueError as exc:
        return _launch_failed(f"the command line could not be split into arguments: {exc}")
    if not argv:
        return _launch_failed("the command line is empty")
    program = argv[0]
    if "/" not in program:
        resolved = _which(program, env.get("PATH", ""))
        if resolved is None:
            return _not_found(program)
        argv[0] = resolved
    elif not os.path.isabs(program):
        argv[0] = str(workdir / program)
    with open(task_dir / "stdout.txt", "wb") as out, open(task_dir / "stderr.txt", "wb") as err:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=str(workdir),
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                preexec_fn=prepare_child,
            )
        except FileNotFoundError:
            return _not_found(program)
        except OSError as exc:
            return _launch_failed(exc.strerror or str(exc))
        except (ValueError, TypeError) as exc:  # a NUL in an argument, "=" in a variable's name, a value not text
            return _launch_failed(str(exc)[:300])
    return Process(proc)


def _launch_failed(reason: str) -> Outcome:
    return Outcome(None, failure("CommandLaunchFailed", f"Failed to launch the specified command line: {reason}"))


def _not_found(program: str) -> Outcome:
    return Outcome(None, failure("CommandProgramNotFound", f"The specified command program is not found: {program}"))


def _which(program: str, path: str) -> str | None:
    for folder in path.split(os.pathsep):
        candidate = os.path.join(folder, program)
        if folder and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def kill_leftover(pid: int, expected_cwd: Path) -> None:
    """Kill a process group left by an emulator that died, if it is still ours."""
    try:
        if os.path.realpath(f"/proc/{pid}/cwd") == os.path.realpath(expected_cwd):
            os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
