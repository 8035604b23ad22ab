"""`batchtui demo`: a local Batch service with a realistic workload, and the explorer opened on it.

Quitting the explorer stops the service and removes its data. The workload and
the throwaway emulator: `batchtui.workload`.
"""

from __future__ import annotations

import argparse

from . import explorer
from .output import say


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `demo` command to the CLI."""
    p = sub.add_parser("demo", help="start a local Batch service with a realistic workload and open the explorer on it",
                       description="Start the emulator on a free port with its own data dir, seed a workload "
                       "(pools, a finished job, a running job, a queued job) and open the explorer. "
                       "Quitting stops the emulator.")
    explorer.add_options(p)
    p.set_defaults(func=lambda args: command(args.refresh, args.read_only, args.timeout))


def command(refresh: float, read_only: bool, timeout: float | None = None) -> int:
    """Run the demo until the explorer quits: 0, or 1 when the emulator does not start."""
    from ..workload import Demo

    say("demo", "starting a local Batch service…")
    try:
        demo = Demo(with_storage=True, say=lambda text: say("demo", text))
    except RuntimeError as error:
        say("demo", error)
        return 1
    if demo.storage_problem:
        say("demo", f"storage features are off: {demo.storage_problem}")
    try:
        demo.seed()
        explorer.run_explorer([demo.emulator.as_account()], refresh=refresh, read_only=read_only, timeout=timeout)
    finally:
        demo.close()
    return 0
