"""Client venvs for the client tests: each Batch client (the Azure CLI, the
track-1 azure-batch 14.2.0, azure-batch 15.0.0b2) is installed with pip from
the package registry into its own venv under batchtui's user cache dir,
``<cache>/test-clients/NAME-VERSION``, once; later runs reuse it.

Run as a script to install them ahead of a test run (``python
tests/client_venvs.py [NAME ...]``, NAME a key of CLIENTS). BATCHTUI_TEST_CLIENTS
names another cache root; PIP_INDEX_URL another package index."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

INDEX_URL = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/")


@dataclass(frozen=True)
class ClientSpec:
    name: str
    version: str
    requirements: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


CLIENTS = {
    "azure-cli": ClientSpec("azure-cli", "2.91.0", ("azure-cli==2.91.0",)),
    "azure-batch-14": ClientSpec("azure-batch", "14.2.0", ("azure-batch==14.2.0", "msrestazure")),
    "azure-batch-15b2": ClientSpec("azure-batch", "15.0.0b2", ("azure-batch==15.0.0b2",)),
}


def cache_root() -> Path:
    return Path(os.environ.get("BATCHTUI_TEST_CLIENTS", "")
                or Path(platformdirs.user_cache_dir("batchtui")) / "test-clients")


class RegistryUnreachable(RuntimeError):
    """pip's package index could not be reached (tests skip on this)."""


def registry_reachable(timeout: float = 10.0) -> bool:
    try:
        with urllib.request.urlopen(INDEX_URL + "pip/", timeout=timeout):  # noqa: S310 - fixed https URL
            return True
    except (urllib.error.URLError, OSError):
        return False


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_client(key: str, log: Callable[[str], object] = print) -> Path:
    """The venv of client `key` (a key of CLIENTS), installing it when missing.
    Raises RegistryUnreachable when it is missing and the index is unreachable,
    RuntimeError when pip fails."""
    spec = CLIENTS[key]
    venv = cache_root() / spec.key
    marker = venv / ".installed"
    if marker.exists():
        return venv
    if not registry_reachable():
        raise RegistryUnreachable(f"package index {INDEX_URL} unreachable; cannot install {spec.key}")
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    result = subprocess.run(
        [str(venv_python(venv)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *spec.requirements],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(spec.requirements)} failed:\n{result.stderr[-4000:]}")
    marker.write_text(f"{time.monotonic() - started:.0f} s\n")
    log(f"installed {spec.key} in {time.monotonic() - started:.0f} s into {venv}")
    return venv


if __name__ == "__main__":
    for name in sys.argv[1:] or list(CLIENTS):
        ensure_client(name)
