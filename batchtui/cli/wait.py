"""`batchtui wait JOB` and `batchtui wait pool POOL --steady`: wait for a job's tasks, or a pool, in a script.

A job is polled with its task counts (`GET /jobs/{id}/taskcounts`, one cheap
request) and its state; only at the end are its failed tasks listed (a
$filter on the result) and grouped by cause from the tails of their output
(`service.tails`). A pool is polled with its allocation state and its node
counts (`GET /nodecounts`, filtered to it).

Progress goes to stderr: one line, redrawn in place on a terminal, else a line
each time the counts change. The outcome (and the failure clusters) goes to
stdout; with --json, stdout has JSON lines instead: {"type": "progress", ...}
as the counts change, then one {"type": "result", ...}. Transient errors
(unreachable, throttled) are retried for up to GIVE_UP_AFTER seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import TYPE_CHECKING, Any

from ..account import ConfigError
from ..config import resolve_account
from .output import say
from .tail import ANY_ID
from .wait_watch import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_UNKNOWN,
    EXIT_USAGE,
    Finished,
    Reporter,
    TimedOut,
)

if TYPE_CHECKING:
    from ..account import Account

EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
MIN_INTERVAL = 0.5

EXIT_STATUS_HELP = (
    f"Exit status: {EXIT_OK} when every task of the job completed and succeeded (a pool: steady, every node "
    f"idle, running or offline); {EXIT_FAILED} when some task failed or the job ended with tasks not completed "
    "(the failures are printed, grouped by cause), or the job or pool is being deleted (a pool: steady with nodes "
    f"whose start task failed, unusable, preempted or unknown, or with resize errors); {EXIT_USAGE} for a usage "
    "or account problem (bad arguments, unknown account, unreadable or refused key, no such job or pool); "
    f"{EXIT_UNKNOWN} when the service could not tell (unreachable for long, an unexpected error); "
    f"{EXIT_TIMEOUT} when --timeout passed first; {EXIT_INTERRUPTED} on Ctrl-C."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `wait` command to the CLI."""
    p = sub.add_parser(
        "wait", help="wait until a job's tasks have all completed (or a pool is steady); the exit status says how",
        usage="batchtui wait JOB [--timeout S] [--fail-on-failure] [--json] [--interval S] [--account NAME]\n"
              "       batchtui wait pool POOL [--steady] [--timeout S] [--fail-on-failure] [--json] ...",
        description="Wait until every task of JOB has completed, or the job has ended, printing the task counts "
        "as they change; then exit 0 if all succeeded, or print the failed tasks grouped by cause (failure "
        "code, exit code and the meaningful line of each task's stderr or stdout) and exit 1. "
        "'wait pool POOL --steady' waits until the pool's allocation is steady and none of its nodes is "
        "starting, rebooting, reimaging or leaving.",
        epilog=EXIT_STATUS_HELP,
    )
    p.add_argument("target", nargs="+", metavar="JOB", help="the job id; or 'pool' and a pool id")
    p.add_argument("--timeout", type=_seconds(0.0), metavar="S",
                   help="give up after S seconds with exit status 124 (default: wait as long as it takes)")
    p.add_argument("--fail-on-failure", action="store_true",
                   help="exit 1 as soon as the first task has failed, without waiting for the others (they keep "
                   "running), printing the failures so far grouped by cause; for a pool, as soon as a node is "
                   "in a failed state (start task failed, unusable, preempted, unknown) or a resize error appears")
    p.add_argument("--steady", action="store_true",
                   help="for a pool: wait until it is steady (what a pool is waited for; the flag may be left out)")
    p.add_argument("--json", action="store_true",
                   help="write JSON lines to stdout: {\"type\": \"progress\", ...} each time the counts change, then "
                   "one {\"type\": \"result\", \"exitStatus\": N, ...} (with the failure clusters)")
    p.add_argument("--interval", type=_seconds(MIN_INTERVAL), default=2.0, metavar="S",
                   help=f"how often to ask the service (default 2, minimum {MIN_INTERVAL:g})")
    p.add_argument("--account", dest="wait_account", metavar="NAME",
                   help="the account (default: the only configured one)")
    p.set_defaults(func=_run)


def _seconds(minimum: float) -> Any:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
        if not (value >= minimum and value < float("inf")) or (minimum == 0 and value == 0):  # (refuses nan)
            floor = "more than 0" if minimum == 0 else f"at least {minimum:g}"
            raise argparse.ArgumentTypeError(f"{text!r}: the number of seconds must be {floor}")
        return value

    return parse


def _target(args: argparse.Namespace) -> tuple[str, str]:
    """("job" or "pool", its id); raises Finished(EXIT_USAGE) for anything else."""
    target = args.target
    if len(target) == 1:
        kind, ident = "job", target[0]
    elif len(target) == 2 and target[0] == "pool":
        kind, ident = "pool", target[1]
    else:
        raise Finished(EXIT_USAGE, "give one job id, or 'pool' and one pool id "
                                   f"(not {' '.join(repr(t) for t in target)})")
    if not ANY_ID.fullmatch(ident):
        raise Finished(EXIT_USAGE, f"{ident!r} is not a {kind} id: Batch ids are letters, digits, hyphens and "
                                   "underscores (and a colon in the id of a job a job schedule made)")
    if kind == "job" and args.steady:
        raise Finished(EXIT_USAGE, "--steady is for a pool: batchtui wait pool POOL --steady")
    return kind, ident


def _run(args: argparse.Namespace) -> int:
    try:
        kind, ident = _target(args)
    except Finished as usage:
        say("wait", usage.message)
        return usage.status
    reporter = Reporter(kind, ident, args.json)
    try:
        account = resolve_account(args.wait_account or getattr(args, "account", None))
        return asyncio.run(_wait(account, kind, ident, args, reporter))
    except ConfigError as exc:
        return reporter.finish(EXIT_USAGE, str(exc))
    except KeyboardInterrupt:
        reporter.progress.end()
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`| head -1`): stop quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_BROKEN_PIPE


async def _wait(account: Account, kind: str, ident: str, args: argparse.Namespace, reporter: Reporter) -> int:
    from ..service.connect import service_for  # (imports the SDK: not at startup)
    from .wait_watch import watch_job, watch_pool

    service = service_for(account)  # ConfigError when the key cannot be read
    async with service:
        watch = watch_job if kind == "job" else watch_pool
        try:
            return await watch(service, ident, args, reporter)
        except TimedOut as timeout:
            return reporter.finish(EXIT_TIMEOUT, f"{reporter.what}: timed out after {args.timeout:g} s{timeout.detail}",
                                   result="timeout")
        except Finished as done:
            return reporter.finish(done.status, done.message, data=done.data)

