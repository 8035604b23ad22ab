"""The step runner the client quickstarts share (they run in the client's own
venv, so this imports nothing but the standard library).

Each step prints one line, `OK <name>` or `FAIL <name>: <error>`; the process
exits 0 only when every step was OK. A failed step does not stop the steps that
do not depend on it (a step that needs an earlier one is skipped as FAIL)."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from typing import Any


class Steps:
    def __init__(self) -> None:
        self.failed: list[str] = []
        self.done: set[str] = set()
        self.count = 0

    def run(self, name: str, action: Callable[[], Any], needs: tuple[str, ...] = ()) -> Any:
        self.count += 1
        missing = [need for need in needs if need not in self.done]
        if missing:
            print(f"FAIL {name}: needs {', '.join(missing)}", flush=True)
            self.failed.append(name)
            return None
        try:
            result = action()
        except Exception as exc:  # noqa: BLE001 - every failure is reported as the step's
            detail = f"{type(exc).__name__}: {exc}".replace("\n", " | ")[:2000]
            print(f"FAIL {name}: {detail}", flush=True)
            traceback.print_exc(file=sys.stderr)
            self.failed.append(name)
            return None
        print(f"OK {name}", flush=True)
        self.done.add(name)
        return result

    def finish(self) -> None:
        print(f"{self.count - len(self.failed)} of {self.count} steps OK", flush=True)
        sys.exit(1 if self.failed else 0)


def wait_until(what: str, predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.3) -> Any:
    """Poll `predicate` until it returns something truthy (returned); TimeoutError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval)


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)
