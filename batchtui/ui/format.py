"""How values look on screen: the glyph and colour of each state, times,
durations, and URLs with their secrets taken out.

Plain strings only (no widgets, no Rich): `widgets.safe_text` turns service
strings and states into inert, coloured text.

States read without colour too (NO_COLOR, a monochrome terminal, a colour-blind
eye): each has a glyph before its name, one per kind of state, and failures are
bold. The colours are ANSI names; `ui.palette` makes each one come out as that
same ANSI colour on a 16-colour terminal."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from math import floor
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REDACTED = "REDACTED"

STATE_STYLES = {
    # tasks and jobs
    "active": "cyan",
    "preparing": "yellow",
    "running": "yellow",
    "completed": "green",
    "failed": "bold red",
    "disabling": "magenta",
    "disabled": "magenta",
    "enabling": "magenta",
    "terminating": "magenta",
    "deleting": "red",
    # nodes
    "idle": "green",
    "creating": "bright_blue",
    "starting": "bright_blue",
    "waitingforstarttask": "bright_blue",
    "rebooting": "magenta",
    "reimaging": "magenta",
    "leavingpool": "magenta",
    "starttaskfailed": "bold red",
    "unusable": "bold red",
    "offline": "red",
    "preempted": "red",
    "unknown": "red",
    "deallocating": "magenta",
    "deallocated": "magenta",
    "upgradingos": "magenta",
    # pools
    "steady": "green",
    "resizing": "yellow",
    "stopping": "magenta",
    "upgrading": "magenta",
}

# The glyph shown before a state's name: what kind of state it is, readable without colour.
QUEUED, RUNNING, DONE, FAILED, CHANGING, OFF, TROUBLE, OTHER = "○", "▶", "✓", "✗", "◐", "⊘", "!", "·"
STATE_GLYPHS = {
    "active": QUEUED, "preparing": CHANGING, "running": RUNNING, "completed": DONE, "failed": FAILED,
    "disabling": CHANGING, "disabled": OFF, "enabling": CHANGING, "terminating": CHANGING, "deleting": CHANGING,
    "idle": DONE, "creating": CHANGING, "starting": CHANGING, "waitingforstarttask": CHANGING,
    "rebooting": CHANGING, "reimaging": CHANGING, "leavingpool": CHANGING, "starttaskfailed": FAILED,
    "unusable": FAILED, "offline": TROUBLE, "preempted": TROUBLE, "unknown": TROUBLE,
    "deallocating": CHANGING, "deallocated": OFF, "upgradingos": CHANGING,
    "steady": DONE, "resizing": CHANGING, "stopping": CHANGING, "upgrading": CHANGING,
}


def state_label(state: str) -> str:
    """A state as shown: its glyph, a space, its name ("✗ failed", "▶ running"; "" stays "")."""
    if not state:
        return ""
    return f"{STATE_GLYPHS.get(state.lower(), OTHER)} {state}"


def clock_time(dt: datetime | None, now: datetime) -> str:
    """A timestamp in the time zone of `now` (pass a local time, see local_now):
    HH:MM:SS on the same day, else the date too."""
    if dt is None:
        return ""
    # A big job's rows share few distinct seconds: each is formatted once per day and time zone (a dict
    # lookup is a third of the formatting's cost; one string per second, not one per row).
    seconds = floor(dt.timestamp())
    if now is not _clock[0]:  # (one `now` serves a whole page of rows)
        key = (now.utcoffset(), now.date())
        book = _CLOCK_BOOKS.get(key)
        if book is None or len(book) > _CLOCK_BOOK_MAX:
            book = _CLOCK_BOOKS[key] = {}
            if len(_CLOCK_BOOKS) > 4:  # (the days and zones in use: today's, and yesterday's for a moment)
                _CLOCK_BOOKS.pop(next(iter(_CLOCK_BOOKS)))
        _clock[:] = [now, book]
    book = _clock[1]
    text = book.get(seconds)
    if text is None:
        text = book[seconds] = _clock_text(dt, now)
    return text


_CLOCK_BOOKS: dict[tuple[Any, Any], dict[int, str]] = {}
_CLOCK_BOOK_MAX = 200_000
_clock: list[Any] = [None, {}]  # the last `now` seen, and its day's and zone's book


def _clock_text(dt: datetime, now: datetime) -> str:
    local = dt.astimezone(now.tzinfo)
    if local.date() == now.date():
        return f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"


def local_now(now: datetime) -> datetime:
    """`now` in the local time zone, as a fixed offset: cheap to convert into."""
    return now.astimezone()


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


_ISO_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")
UNLIMITED_DAYS = 10675199  # Batch's "unlimited" is the largest .NET TimeSpan: P10675199DT2H48M5.4775807S


def limit(value: Any) -> str | None:
    """A Batch time limit (ISO-8601 duration, e.g. a task's maxWallClockTime or retentionTime) as people
    read it: "unlimited" for Batch's largest duration, else "2h00m"; text that is no duration as it is."""
    if not isinstance(value, str):
        return None if value is None else str(value)
    match = _ISO_DURATION.fullmatch(value)
    if not match or value == "P":
        return value
    days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    if days >= UNLIMITED_DAYS:
        return "unlimited"
    return duration(days * 86400 + hours * 3600 + minutes * 60 + seconds)


def retries(value: Any) -> str | None:
    """A maxTaskRetryCount: -1 is Batch's "retry without limit"."""
    return "unlimited" if value == -1 else None if value is None else str(value)


def elapsed(start: datetime | None, end: datetime | None, now: datetime) -> float | None:
    if start is None:
        return None
    return ((end or now) - start).total_seconds()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def redact_url(url: str) -> str:
    """`url` as the explorer shows it: the password of `user:password@` dropped
    (`user@` stays) and the signature of a SAS token (`sig=…`) shown as REDACTED;
    the rest (a SAS token's expiry and permissions) kept. Text that is not a URL
    comes back unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    userinfo, at, host = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}@{host}"
    query = "&".join(
        f"{item.split('=', 1)[0]}={REDACTED}" if item.split("=", 1)[0].lower() == "sig" else item
        for item in parts.query.split("&")
    )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def redact_urls(value: Any) -> Any:
    """A copy of a JSON document with redact_url applied to every string that holds a URL."""
    if isinstance(value, dict):
        return {key: redact_urls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_urls(item) for item in value]
    if isinstance(value, str) and "://" in value:
        return redact_url(value)
    return value
