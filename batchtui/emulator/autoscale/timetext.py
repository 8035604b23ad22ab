"""Reading the dateTime string of `time("...")`.

"Supported dateTime formats are W3C-DTF and RFC 1123." (the reference's Functions table).
W3C-DTF (https://www.w3.org/TR/NOTE-datetime) is `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, and
`YYYY-MM-DDThh:mm[:ss[.s]]TZD` with TZD `Z` or `+hh:mm`/`-hh:mm`; RFC 1123 is
`Sun, 06 Nov 1994 08:49:37 GMT` (what .NET's `ToString("r")` writes, as the reference's
Example 4 does). Decided here: a W3C-DTF time without a TZD is read as UTC; the RFC 1123 form is
read with the standard library's RFC 2822 reader, so its obsolete variants are read too.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_W3C = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?",
    re.ASCII,
)


def parse_time(text: str) -> datetime:
    """The UTC time `text` names. Raises ValueError when it is neither W3C-DTF nor RFC 1123."""
    text = text.strip()
    m = _W3C.fullmatch(text)
    try:
        if m is not None:
            return _w3c(m)
        at = parsedate_to_datetime(text)
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        return at.astimezone(timezone.utc)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise ValueError("not a W3C-DTF or RFC 1123 time") from exc


def _w3c(m: re.Match[str]) -> datetime:
    year, month, day, hour, minute, second, frac, zone = m.groups()
    micro = int(((frac or "") + "000000")[:6])
    at = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                  int(second or 0), micro, tzinfo=timezone.utc)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        at -= sign * offset
    return at
