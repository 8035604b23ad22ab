"""What the explorer says while the service keeps a read waiting (the top bar, the log view's status line).

A read unanswered for WAIT_NOTICE seconds or more is worth saying, with how long it has waited, so a hung
endpoint does not look like a slow "Loading…". The seconds come from `BatchService.waiting_for()`.
"""

from __future__ import annotations

__all__ = ["WAIT_NOTICE", "waiting_notice"]

WAIT_NOTICE = 3.0  # seconds without an answer before the wait is shown


def waiting_notice(endpoint: str, seconds: float | None) -> str | None:
    """"waiting for ENDPOINT: no answer for N s" once `seconds` (None: nothing is waiting) reach WAIT_NOTICE;
    else None. `endpoint` as shown (e.g. redacted)."""
    if seconds is None or seconds < WAIT_NOTICE:
        return None
    return f"waiting for {endpoint}: no answer for {int(seconds)} s"
