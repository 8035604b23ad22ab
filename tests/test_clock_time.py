"""`format.clock_time`: a timestamp as the clock of the user's day and zone reads it, from its cache or not."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from batchtui.ui.format import clock_time

UTC = timezone.utc


def test_the_same_instant_reads_by_the_day_and_zone_of_now() -> None:
    at = datetime(2026, 11, 30, 23, 30, 5, 900000, tzinfo=UTC)
    assert clock_time(at, datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == "23:30:05"
    assert clock_time(at, datetime(2026, 12, 1, 0, 1, tzinfo=UTC)) == "2026-11-30 23:30"  # the next day
    plus_one = timezone(timedelta(hours=1))
    assert clock_time(at, datetime(2026, 12, 1, 0, 40, tzinfo=plus_one)) == "00:30:05"  # same day there
    assert clock_time(at, datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == "23:30:05"  # and back again
    assert clock_time(None, datetime(2026, 11, 30, tzinfo=UTC)) == ""


def test_seconds_are_not_rounded_up_and_rows_of_one_second_share_a_string() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    base = datetime(2026, 11, 30, 10, 0, 0, tzinfo=UTC)
    texts = [clock_time(base + timedelta(milliseconds=ms), now) for ms in (0, 999, 1000)]
    assert texts == ["10:00:00", "10:00:00", "10:00:01"]
    assert texts[0] is texts[1]
    before_1970 = datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)
    assert clock_time(before_1970, datetime(1969, 12, 31, 23, 59, 59, 900000, tzinfo=UTC)) == "23:59:59"
