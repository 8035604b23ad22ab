"""`batchtui create pool|job|jobschedule|tasks FILE.json`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..account import ConfigError
from ..textsafe import inert
from .output import detail, say

if TYPE_CHECKING:
    from ..create import Body
    from ..service.client import BatchService

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
SHOWN_PROBLEMS = 20  # problems of a file listed; then how many more there are


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `create` command to the CLI."""
    p = sub.add_parser(
        "create",
        help="create a pool, a job, a job schedule or tasks from a JSON file (the REST request body)",
        description="Create a pool, a job, a job schedule or tasks from a JSON file holding the Batch REST "
        "request body (the JSON 'az batch … --json-file' takes). The file is checked first, every property at every "
        "level (names, types, ids); nothing is sent when it has a problem. Tasks: one task, a list, or "
        "{\"value\": [...]}, added 100 per call.",
        epilog="Exit status: 0 when everything was created, 1 when the service refused something "
        "(e.g. some tasks), 2 for a problem with the file, the options or the account.",
    )
    p.add_argument("kind", metavar="KIND", choices=("pool", "job", "jobschedule", "tasks"),
                   help="pool, job, jobschedule or tasks")
    p.add_argument("file", metavar="FILE", type=Path, help="the JSON file")
    p.add_argument("--job", dest="job_id", metavar="JOB", help="the job to add tasks to (for 'tasks')")
    p.add_argument("--account", dest="create_account", metavar="NAME", default=None,
                   help="the account (default: the only configured one)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..config import resolve_account
    from ..create import InvalidFile, load
    from ..service.connect import service_for

    if args.kind == "tasks" and not args.job_id:
        say("create", "tasks need --job JOB")
        return EXIT_USAGE
    try:
        bodies = load(args.file, args.kind)
    except InvalidFile as invalid:
        say("create", f"{invalid.path} is not a valid {args.kind} body:")
        for problem in invalid.problems[:SHOWN_PROBLEMS]:
            detail(problem)
        if len(invalid.problems) > SHOWN_PROBLEMS:
            detail(f"… and {len(invalid.problems) - SHOWN_PROBLEMS:,} more")
        return EXIT_USAGE
    try:
        account = resolve_account(args.create_account or getattr(args, "account", None))
        if account.read_only:
            say("create", f"account {account.name} is read-only")
            return EXIT_USAGE
        service = service_for(account)
    except ConfigError as problem:
        say("create", problem)
        return EXIT_USAGE
    return asyncio.run(_send(service, args, bodies))


class _Progress:
    """Tasks added so far, on stderr: a bar redrawn in place on a terminal, else a line per call."""

    WIDTH = 30

    def __init__(self) -> None:
        self.terminal = sys.stderr.isatty()
        self.drawn = False  # a bar is on the screen, its line not ended yet

    def __call__(self, done: int, total: int) -> None:
        if self.terminal:
            filled = self.WIDTH * done // total
            print(f"\radding tasks [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}",
                  end="", file=sys.stderr, flush=True)
            self.drawn = True
        else:
            print(f"batchtui create: adding tasks: {done}/{total}", file=sys.stderr, flush=True)

    def end(self) -> None:
        """End the bar's line, so that what comes next starts on its own line (and no line is blank)."""
        if self.drawn:
            print(file=sys.stderr, flush=True)
            self.drawn = False


async def _send(service: BatchService, args: argparse.Namespace, bodies: list[Body]) -> int:
    from ..create import ServiceError, add_tasks, create_job, create_job_schedule, create_pool

    progress = _Progress()
    async with service:
        try:
            if args.kind == "pool":
                await create_pool(service, bodies[0])
                print(f"pool {inert(bodies[0]['id'])} created")
            elif args.kind == "job":
                await create_job(service, bodies[0])
                print(f"job {inert(bodies[0]['id'])} created")
            elif args.kind == "jobschedule":
                await create_job_schedule(service, bodies[0])
                print(f"job schedule {inert(bodies[0]['id'])} created")
            else:
                results = await add_tasks(service, args.job_id, bodies, progress)
                progress.end()
                print(inert(results.summary()))
                return EXIT_FAILED if results.failed else EXIT_OK
        except ServiceError as refused:
            progress.end()
            say("create", refused)
            return EXIT_FAILED
    return EXIT_OK
