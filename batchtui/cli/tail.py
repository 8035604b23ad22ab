"""`batchtui tail JOB TASK [FILE]`: print a task's file, or follow it until the task ends.

The bytes go to stdout unchanged (pipe or redirect them and you get the file
byte for byte); everything else is one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import TYPE_CHECKING, BinaryIO

from ..account import Account, ConfigError
from ..config import resolve_account
from ..service.errors import NOT_FOUND, THROTTLED, UNREACHABLE, ServiceError
from ..service.models import FileRef
from ..service.tail import Chunk, Follower, task_finished

if TYPE_CHECKING:
    from ..service.client import BatchService

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a command killed by a closed pipe
EXIT_INTERRUPTED = 130
GIVE_UP_AFTER = 120.0  # seconds of failing to reach the service while following
MAX_BACKOFF = 15.0


class _Failure(Exception):
    """A one-line message for stderr and an exit status."""

    def __init__(self, message: object, status: int = EXIT_ERROR) -> None:
        super().__init__(str(message))
        self.status = status


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `tail` command to the CLI."""
    p = sub.add_parser(
        "tail", help="print a task's file (stdout.txt by default); --follow streams it until the task ends",
        description="Print a task's file, byte for byte, to stdout. With --follow, keep printing what the "
        "task appends until it completes, fetching only the new bytes.",
        epilog="Exit status: without --follow, 0 once the file is printed (whatever the task's state). "
        "With --follow, the task's exit code once it completes (1 if it failed without one, e.g. it could "
        "not start). 1 for a service error (no such job, task or file; endpoint unreachable), "
        "2 for a usage or account configuration problem, 130 on Ctrl-C.",
    )
    p.add_argument("job", help="the job id")
    p.add_argument("task", help="the task id")
    p.add_argument("file", nargs="?", default="stdout.txt",
                   help="the file's path in the task directory (default: stdout.txt; e.g. stderr.txt, wd/out.log)")
    p.add_argument("-f", "--follow", action="store_true",
                   help="keep printing new output until the task completes, then exit with its exit code")
    p.add_argument("--account", dest="tail_account", metavar="NAME",
                   help="the account (default: the only configured one)")
    p.add_argument("--interval", type=_interval, default=1.0, metavar="SECONDS",
                   help="with --follow, how often to check while the file grows (default 1, minimum 1); "
                   "slower while it is idle")
    p.set_defaults(func=_run)


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 1:  # (also refuses nan)
        raise argparse.ArgumentTypeError("the interval is at least 1 second")
    return value


def _run(args: argparse.Namespace) -> int:
    out = sys.stdout.buffer
    try:
        account = resolve_account(args.tail_account or getattr(args, "account", None))
        return asyncio.run(_tail(account, args, out))
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
        return EXIT_INTERRUPTED


def _fail(message: object, status: int) -> int:
    print(f"batchtui tail: {message}", file=sys.stderr)
    return status


async def _tail(account: Account, args: argparse.Namespace, out: BinaryIO) -> int:
    from ..service.connect import service_for  # (imports the SDK: not at startup)

    service = service_for(account)  # ConfigError when the key cannot be read
    async with service:
        try:
            await task_finished(service, args.job, args.task)  # is there such a job and task?
        except ServiceError as err:
            raise _Failure(_task_error(err, args.job, args.task)) from None
        follower = Follower(service, FileRef.task(args.job, args.task, args.file), min_delay=args.interval,
                            max_delay=max(5.0, args.interval))
        if not args.follow:
            await _print_file(follower, out)
            return EXIT_OK
        return await _follow(service, follower, args, out)


async def _print_file(follower: Follower, out: BinaryIO) -> None:
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
        _write(out, chunk)
        size = chunk.size if size is None else size
        if not chunk.behind or chunk.end >= size:
            return


async def _follow(service: BatchService, follower: Follower, args: argparse.Namespace, out: BinaryIO) -> int:
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
                _write(out, chunk)
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
        _write(out, chunk)
        if chunk.gone and (done or follower.offset > 0):
            raise _Failure(chunk.gone)
        if done:
            if chunk.pending:
                raise _Failure(f"task {args.task} completed without running; it has no {args.file}")
            return _exit_status(code)
        if (chunk.gone or chunk.pending) and not said_waiting:  # not started, or the file not created yet
            said_waiting = True
            print(f"batchtui tail: waiting for {follower.ref.describe()}", file=sys.stderr, flush=True)
        await asyncio.sleep(follower.next_delay())


def _write(out: BinaryIO, chunk: Chunk) -> None:
    if chunk.truncated:
        print("batchtui tail: the file was truncated or replaced; printing it again from its start",
              file=sys.stderr, flush=True)
    view = memoryview(chunk.data)
    while view:  # a write a signal interrupts can return short, without an error
        view = view[out.write(view) or 0:]
    out.flush()


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
