"""`batchtui create pool|job|tasks FILE.json`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..account import ConfigError

if TYPE_CHECKING:
    from ..create import Body
    from ..service.client import BatchService


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `create` command to the CLI."""
    p = sub.add_parser(
        "create",
        help="create a pool, a job or tasks from a JSON file (the REST request body)",
        description="Create a pool, a job or tasks from a JSON file holding the Batch REST request body "
        "(the JSON 'az batch … --json-file' takes). The file is checked first; nothing is sent when it "
        "has a problem. Tasks: one task, a list, or {\"value\": [...]}, added 100 per call.",
    )
    p.add_argument("kind", choices=("pool", "job", "tasks"))
    p.add_argument("file", type=Path)
    p.add_argument("--job", dest="job_id", help="the job to add tasks to (for 'tasks')")
    p.add_argument("--account", dest="create_account", default=None, help="the account (default: the only one)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..config import resolve_account
    from ..create import InvalidFile, load
    from ..service.connect import service_for

    if args.kind == "tasks" and not args.job_id:
        print("batchtui create: tasks need --job JOB", file=sys.stderr)
        return 2
    try:
        bodies = load(args.file, args.kind)
    except InvalidFile as error:
        print(f"batchtui create: {error.path} is not a valid {args.kind} body:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    try:
        account = resolve_account(args.create_account or getattr(args, "account", None))
        if account.read_only:
            print(f"batchtui create: account {account.name} is read-only", file=sys.stderr)
            return 2
        service = service_for(account)
    except ConfigError as error:
        print(f"batchtui create: {error}", file=sys.stderr)
        return 2
    return asyncio.run(_send(service, args, bodies))


async def _send(service: BatchService, args: argparse.Namespace, bodies: list[Body]) -> int:
    from ..create import ServiceError, add_tasks, create_job, create_pool

    async with service:
        try:
            if args.kind == "pool":
                await create_pool(service, bodies[0])
                print(f"pool {bodies[0]['id']} created")
            elif args.kind == "job":
                await create_job(service, bodies[0])
                print(f"job {bodies[0]['id']} created")
            else:
                def progress(done: int, total: int) -> None:
                    width = 30
                    filled = width * done // total
                    print(f"\radding tasks [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
                          end="", file=sys.stderr, flush=True)

                results = await add_tasks(service, args.job_id, bodies, progress)
                print(file=sys.stderr)
                print(results.summary())
                return 1 if results.failed else 0
        except ServiceError as error:
            print(f"\nbatchtui create: {error}", file=sys.stderr)
            return 1
    return 0
