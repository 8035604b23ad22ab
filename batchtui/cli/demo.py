"""`batchtui demo`: a local Batch service with a realistic workload, and the explorer opened on it.

Quitting the explorer stops the service and removes its data. The workload and
the throwaway emulator: `batchtui.workload`.
"""

from __future__ import annotations

import argparse
import os
import signal

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
    hangup = Hangup()
    try:
        demo.seed()
        explorer.run_explorer([demo.emulator.as_account()], refresh=refresh, read_only=read_only, timeout=timeout)
    finally:
        demo.close()
        hangup.done()
    return 0


class Hangup:
    """While it is on, SIGHUP (the terminal or the tmux pane closed) and SIGTERM end the demo as quitting
    does, so that the emulator and Azurite stop and the data dir goes (by default they would kill this
    process alone and leave both running). `done()` puts the handlers back, and after a hangup exits at
    once with 128 + the signal's number: the terminal is gone, and a thread still reading it would keep
    the process from ending."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._before = {number: signal.signal(number, self._hang_up) for number in (signal.SIGHUP, signal.SIGTERM)}

    def _hang_up(self, number: int, _frame: object) -> None:
        for other in self._before:  # a second signal (tmux sends more than one) must not cut the cleanup short
            signal.signal(other, signal.SIG_IGN)
        self.signal = number
        raise SystemExit(128 + number)

    def done(self) -> None:
        for number, handler in self._before.items():
            signal.signal(number, handler)
        if self.signal is not None:
            os._exit(128 + self.signal)
