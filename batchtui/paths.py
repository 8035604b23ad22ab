"""Where batchtui keeps its files (platformdirs' per-user folders)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "batchtui"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def emulator_data_dir() -> Path:
    return data_dir() / "emulator"
