"""Wire formats of the Batch service: timestamps, durations, ETags."""

from __future__ import annotations

import itertools
import re
import secrets
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

# Batch's "no limit" duration (TimeSpan.MaxValue in .NET).
UNLIMITED_DURATION = "P10675199DT2H48M5.4775807S"
UNLIMITED_SECONDS = float("inf")


_frozen: datetime | None = None


def freeze_clock(at: datetime | None) -> None:
    """Make every timestamp the service writes `at` (for reproducible screenshots and snapshots)."""
    global _frozen
    _frozen = at


def clock_frozen() -> bool:
    return _frozen is not None


# The service's clock may run faster than the wall clock (`--clock-rate`): emulated seconds per real
# second, counted from when the rate was set. Timestamps, autoscale evaluation intervals and job
# schedule recurrences follow it; the processes of tasks run in real time.
_rate = 1.0
_origin = datetime.now(timezone.utc)


def set_clock_rate(rate: float) -> None:
    """Run the service's clock at `rate` emulated seconds per real second (> 0; 1: the wall clock)."""
    global _rate, _origin
    if not rate > 0:
        raise ValueError("the clock rate must be more than 0")
    _origin, _rate = datetime.now(timezone.utc), rate


def clock_rate() -> float:
    return _rate


def real_seconds(emulated_seconds: float) -> float:
    """The wall-clock seconds that `emulated_seconds` of the service's clock take."""
    return emulated_seconds / _rate


def utcnow() -> datetime:
    if _frozen is not None:
        return _frozen
    now = datetime.now(timezone.utc)
    return now if _rate == 1.0 else _origin + (now - _origin) * _rate


def iso(dt: datetime) -> str:
    """ISO-8601 with 7 fractional digits and Z, as Batch writes times in JSON."""
    if dt.tzinfo is not timezone.utc:
        dt = dt.astimezone(timezone.utc)
    # (fields, not strftime: a task add writes several of these, and strftime was a tenth of its time)
    return (f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}."
            f"{dt.microsecond:06d}0Z")


def now_iso() -> str:
    return iso(utcnow())


_ISO_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$"
)


def parse_iso(text: str) -> datetime:
    m = _ISO_RE.match(text.strip())
    if not m:
        raise ValueError(f"not an ISO-8601 time: {text!r}")
    day, clock, frac, zone = m.groups()
    micro = int(((frac or "") + "000000")[:6])
    offset = "+00:00" if zone in (None, "Z") else zone
    return datetime.fromisoformat(f"{day}T{clock}{offset}").replace(microsecond=micro)


def rfc1123(dt: datetime) -> str:
    return format_datetime(dt.astimezone(timezone.utc), usegmt=True)


def rfc1123_from_iso(text: str) -> str:
    return rfc1123(parse_iso(text))


def new_etag() -> str:
    """An opaque, unquoted ETag shaped like Batch's (0x8DBCEEDDE3E0ACE): never the same twice in a process
    (a counter from a random start; a random draw a document was a system call a task added)."""
    return f"0x8D{next(_ETAGS) & 0xFFFFFFFFFFF:011X}"


_ETAGS = itertools.count(int.from_bytes(secrets.token_bytes(5), "big"))


_DURATION_RE = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> float:
    """Seconds in an ISO-8601 duration (days, hours, minutes, seconds)."""
    if text == UNLIMITED_DURATION:
        return UNLIMITED_SECONDS
    m = _DURATION_RE.fullmatch(text or "")
    if not m or text in ("P", "PT"):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    parts = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    return parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


def format_duration(seconds: float) -> str:
    td = timedelta(seconds=seconds)
    days, rest = td.days, td.seconds + td.microseconds / 1e6
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    out = "P" + (f"{days}D" if days else "") + "T"
    if hours:
        out += f"{int(hours)}H"
    if minutes:
        out += f"{int(minutes)}M"
    return out + f"{secs:.3f}".rstrip("0").rstrip(".") + "S"
