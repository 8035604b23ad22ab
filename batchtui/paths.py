"""Where batchtui keeps its files (platformdirs' per-user folders).

The state folder (preferences, crash.log) can be moved with ``BATCHTUI_STATE_DIR``,
as ``BATCHTUI_CONFIG_DIR`` moves the accounts file (see `config`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP = "batchtui"
STATE_DIR_ENV = "BATCHTUI_STATE_DIR"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """What batchtui remembers between runs (preferences, crash.log): `$BATCHTUI_STATE_DIR`,
    else the user state dir (~/.local/state/batchtui on Linux)."""
    override = (os.environ if environ is None else environ).get(STATE_DIR_ENV, "")
    return Path(override).expanduser() if override else Path(platformdirs.user_state_dir(APP, appauthor=False))


def emulator_data_dir() -> Path:
    return data_dir() / "emulator"
