"""`batchtui tail JOB TASK [FILE]`: print a task's file, or follow it until the task ends.

Piped or redirected (or with --raw), the bytes go to stdout unchanged: you get
the file byte for byte. On a terminal, the text is made safe first, as the
log view shows it (`textsafe.TerminalFilter`): every control sequence a task
prints (window title, OSC 52 clipboard, cursor moves, terminal queries) is
shown inert, as ``^[]0;title^G``; colours pass (dropped under NO_COLOR).
Everything else is one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
from typing import TYPE_CHECKING, BinaryIO

from ..account import Account, ConfigError
from ..config import resolve_account
from ..service.errors import NOT_FOUND, THROTTLED, UNREACHABLE, ServiceError
from ..service.models import FileRef
from ..service.tail import Chunk, Follower, task_finished
from ..textsafe import TerminalFilter
from .explorer import add_timeout_option
from .output import say

if TYPE_CHECKING:
    from ..service.client import BatchService

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a command killed by a closed pipe
EXIT_INTERRUPTED = 130
GIVE_UP_AFTER = 120.0  # seconds of failing to reach the service while following
MAX_BACKOFF = 15.0
ANY_ID = re.compile(r"[A-Za-z0-9_:-]+")  # an id Batch may have made (a scheduled job's: SCHEDULE:job-N)


class _Failure(Exception):
    """A one-line message for stderr and an exit status."""

    def __init__(self, message: object, status: int = EXIT_ERROR) -> None:
        super().__init__(str(message))
        self.status = status


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `tail` command to the CLI."""
    p = sub.add_parser(
        "tail", help="print a task's file (stdout.txt by default); --follow streams it until the task ends",
        description="Print a task's file to stdout. With --follow, keep printing what the task appends "
        "until it completes, fetching only the new bytes. Into a pipe or a file, the bytes are written "
        "unchanged. On a terminal, control sequences in the file (window titles, clipboard, cursor "
        "moves, terminal queries) are shown inert, e.g. ^[]0;title^G, and colours pass (not under "
        "NO_COLOR); --raw writes the bytes unchanged there too.",
        epilog="Exit status: without --follow, 0 once the file is printed (whatever the task's state). "
        "With --follow, the task's exit code once it completes (1 if it failed without one, e.g. it could "
        "not start). 1 for a service error (no such job, task or file; endpoint unreachable), "
        "2 for a usage or account configuration problem, 130 on Ctrl-C.",
    )
    p.add_argument("job", metavar="JOB", help="the job id")
    p.add_argument("task", metavar="TASK", help="the task id")
    p.add_argument("file", metavar="FILE", nargs="?", default="stdout.txt",
                   help="the file's path in the task directory (default: stdout.txt; e.g. stderr.txt, wd/out.log)")
    p.add_argument("-f", "--follow", action="store_true",
                   help="keep printing new output until the task completes, then exit with its exit code")
    p.add_argument("--raw", action="store_true",
                   help="write the file's bytes unchanged even to a terminal (a task can then retitle the "
                   "window or type into your shell)")
    p.add_argument("--account", dest="tail_account", metavar="NAME",
                   help="the account (default: the only configured one)")
    p.add_argument("--interval", type=_interval, default=1.0, metavar="SECONDS",
                   help="with --follow, how often to check while the file grows (default 1, minimum 1); "
                   "slower while it is idle")
    add_timeout_option(p, dest="tail_timeout")
    p.set_defaults(func=_run)


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 1:  # (also refuses nan)
        raise argparse.ArgumentTypeError("the interval is at least 1 second")
    return value


class _Output:
    """Where the file goes: stdout, as it is, or made safe for the terminal it is (see the module notes)."""

    def __init__(self, out: BinaryIO, safe: bool) -> None:
        self.out = out
        self.filter = TerminalFilter("drop" if os.environ.get("NO_COLOR") else "pass") if safe else None

    @classmethod
    def to_stdout(cls, raw: bool) -> _Output:
        out = sys.stdout.buffer
        try:
            terminal = out.isatty()
        except ValueError:  # (closed)
            terminal = False
        return cls(out, terminal and not raw)

    def write(self, chunk: Chunk) -> None:
        if chunk.truncated:
            self.end()
            say("tail", "the file was truncated or replaced; printing it again from its start")
        if self.filter is None:
            self._write(chunk.data)
        elif chunk.text:
            self._write(self.filter.feed(chunk.text).encode("utf-8", "replace"))

    def end(self, follower: Follower | None = None) -> None:
        """The end of the output (or of one version of the file): flush what the terminal filter holds."""
        if self.filter is not None:
            text = self.filter.feed(follower.flush()) if follower is not None else ""
            self._write((text + self.filter.finish()).encode("utf-8", "replace"))

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:  # a write a signal interrupts can return short, without an error
            view = view[self.out.write(view) or 0:]
        self.out.flush()


def _run(args: argparse.Namespace) -> int:
    for what, value in (("job", args.job), ("task", args.task)):
        if not ANY_ID.fullmatch(value):  # (a "/" in one would even reach another URL)
            return _fail(f"{value!r} is not a {what} id: Batch ids are letters, digits, hyphens and "
                         "underscores (and a colon in the id of a job a job schedule made)", EXIT_USAGE)
    output = _Output.to_stdout(args.raw)
    out = output.out
    try:
        account = resolve_account(args.tail_account or getattr(args, "account", None))
        return asyncio.run(_tail(account, args, output))
    except ConfigError as exc:
        return _fail(exc, EXIT_USAGE)
    except _Failure as exc:
        return _fail(exc, exc.status)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining when it flushes stdout at exit.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        _end_quietly(output)
        return EXIT_INTERRUPTED


def _end_quietly(output: _Output) -> None:
    try:
        output.end()
    except (OSError, ValueError):
        pass


def _fail(message: object, status: int) -> int:
    say("tail", message)
    return status


async def _tail(account: Account, args: argparse.Namespace, out: _Output) -> int:
    from ..service.connect import service_for  # (imports the SDK: not at startup)

    timeout = args.tail_timeout or getattr(args, "timeout", None)  # (`batchtui --timeout N tail …` too)
    service = service_for(account, timeout=timeout)  # ConfigError when the key cannot be read
    async with service:
        try:
            await task_finished(service, args.job, args.task)  # is there such a job and task?
        except ServiceError as err:
            raise _Failure(_task_error(err, args.job, args.task)) from None
        follower = Follower(service, FileRef.task(args.job, args.task, args.file), min_delay=args.interval,
                            max_delay=max(5.0, args.interval))
        try:
            if not args.follow:
                await _print_file(follower, out)
                return EXIT_OK
            return await _follow(service, follower, args, out)
        finally:
            out.end(follower)


async def _print_file(follower: Follower, out: _Output) -> None:
    """Print what the file holds now (up to its size at the first look, even if it keeps growing)."""
    size = None
    while True:
        try:
            chunk = await follower.poll()
        except ServiceError as err:
            raise _Failure(err) from None
        if chunk.gone:
            raise _Failure(chunk.gone)
        if chunk.pending:
            raise _Failure(f"task {follower.ref.task_id} has not started yet, so {follower.ref.path} does not "
                           "exist (use --follow to wait for it)")
        out.write(chunk)
        size = chunk.size if size is None else size
        if not chunk.behind or chunk.end >= size:
            return


async def _follow(service: BatchService, follower: Follower, args: argparse.Namespace, out: _Output) -> int:
    """Print the file as it grows; once the task has completed, read it one last time and exit with its code."""
    failing_since: float | None = None
    backoff = follower.min_delay
    said_waiting = False
    while True:
        try:
            # Ask about the task before reading: if it had completed, this read sees all its output.
            done, code = await task_finished(service, args.job, args.task)
            chunk = await follower.poll()
            while chunk.behind:
                out.write(chunk)
                chunk = await follower.poll()
        except ServiceError as err:
            if err.kind == NOT_FOUND:
                raise _Failure(_task_error(err, args.job, args.task)) from None
            if err.kind not in (UNREACHABLE, THROTTLED):
                raise _Failure(err) from None
            now = time.monotonic()
            failing_since = failing_since or now
            if now - failing_since > GIVE_UP_AFTER:
                raise _Failure(f"{err} (gave up after {GIVE_UP_AFTER:.0f} s)") from None
            await asyncio.sleep(backoff)
            backoff = min(MAX_BACKOFF, backoff * 2)
            continue
        failing_since, backoff = None, follower.min_delay
        out.write(chunk)
        if chunk.gone and (done or follower.offset > 0):
            raise _Failure(chunk.gone)
        if done:
            if chunk.pending:
                raise _Failure(f"task {args.task} completed without running; it has no {args.file}")
            return _exit_status(code)
        if (chunk.gone or chunk.pending) and not said_waiting:  # not started, or the file not created yet
            said_waiting = True
            say("tail", f"waiting for {follower.ref.describe()}")
        await asyncio.sleep(follower.next_delay())


def _exit_status(code: int | None) -> int:
    """The task's exit code as our status: 1 without one, or when it does not fit in 0..255."""
    if code is None or not 0 <= code <= 255:
        return EXIT_ERROR
    return code


def _task_error(err: ServiceError, job_id: str, task_id: str) -> str:
    if err.code == "JobNotFound":
        return f"job {job_id!r} does not exist"
    if err.code == "TaskNotFound":
        return f"job {job_id!r} has no task {task_id!r}"
    return str(err)
