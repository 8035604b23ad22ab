"""The service's clock rate (`batchtui emulator --clock-rate`): timestamps run that many times faster."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from batchtui.emulator import formats


@pytest.fixture
def restore_rate():
    yield
    formats.set_clock_rate(1.0)


def test_a_clock_rate_makes_emulated_time_pass_faster(restore_rate):
    formats.set_clock_rate(120.0)
    first = formats.utcnow()
    time.sleep(0.05)
    elapsed = (formats.utcnow() - first).total_seconds()
    assert elapsed >= 0.05 * 120 * 0.9  # at least 5.4 emulated seconds for 0.05 real ones
    assert formats.real_seconds(60.0) == 0.5


def test_rate_one_is_the_wall_clock(restore_rate):
    formats.set_clock_rate(1.0)
    assert abs((formats.utcnow() - datetime.now(timezone.utc)).total_seconds()) < 1
    with pytest.raises(ValueError):
        formats.set_clock_rate(0)


def test_the_emulator_refuses_a_bad_rate(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "batchtui", "emulator", "--data-dir", str(tmp_path),
                           "--clock-rate", "0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--clock-rate must be more than 0" in done.stderr
