"""The emulator's times and ETags as Batch writes them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from batchtui.emulator.formats import iso, new_etag, parse_iso


def test_times_have_seven_fractional_digits_in_utc_whatever_the_zone_given() -> None:
    utc = datetime(2026, 11, 30, 1, 2, 3, 45, tzinfo=timezone.utc)
    assert iso(utc) == "2026-11-30T01:02:03.0000450Z"
    assert iso(utc.astimezone(timezone(timedelta(hours=-5)))) == "2026-11-30T01:02:03.0000450Z"
    assert iso(datetime(999, 1, 2, tzinfo=timezone.utc)) == "0999-01-02T00:00:00.0000000Z"
    assert parse_iso(iso(utc)) == utc


def test_etags_are_shaped_like_batch_s_and_never_repeat() -> None:
    tags = [new_etag() for _ in range(20_000)]
    assert len(set(tags)) == len(tags)
    assert all(re.fullmatch(r"0x8D[0-9A-F]{11}", tag) for tag in tags)
