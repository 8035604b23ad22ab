"""The first Azurite install says what it installs, how big it is, and how far it got (a fake npm here)."""

from __future__ import annotations

import io
import re
import sys

import pytest

from batchtui import azurite

FAKE_NPM = """#!{python}
import os, sys, time
prefix = sys.argv[sys.argv.index("--prefix") + 1]
if os.environ.get("FAKE_NPM_FAIL"):
    print("npm ERR! code E404", file=sys.stderr)
    print("npm ERR! 404 Not Found - GET https://registry.npmjs.org/azurite", file=sys.stderr)
    sys.exit(1)
package = os.path.join(prefix, "node_modules", "azurite")
os.makedirs(os.path.join(package, "dist", "src", "blob"))
with open(os.path.join(package, "package.json"), "w") as f:
    f.write('{{"bin": {{"azurite-blob": "dist/src/blob/main.js"}}}}')
with open(os.path.join(package, "big.bin"), "wb") as f:
    f.write(b"x" * 3 * 1024 * 1024)
time.sleep(2.5)
open(os.path.join(package, "dist", "src", "blob", "main.js"), "w").close()
"""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def fake_npm(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("npm", "node"):
        (bin_dir / name).write_text(FAKE_NPM.format(python=sys.executable))
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(azurite, "install_dir", lambda: tmp_path / "prefix")
    return tmp_path / "prefix"


def test_install_on_a_terminal_shows_size_and_progress(fake_npm):
    said: list[str] = []
    terminal = Terminal()
    command = azurite.install_azurite(say=said.append, live=terminal)
    assert command[-1] == str(fake_npm / "node_modules" / "azurite" / "dist" / "src" / "blob" / "main.js")
    assert said[0] == f"installing Azurite from npm (about 125 MB, first run only) into {fake_npm} …"
    assert re.fullmatch(r"Azurite installed \(3 MB in \d+ s\)", said[1]) and len(said) == 2
    drawn = terminal.getvalue()
    assert re.search(r"\r\x1b\[K  [-|/\\] 3 of about 125 MB \(2%\), \d+ s", drawn), drawn
    assert drawn.endswith("\r\x1b[K")  # the progress line is cleared
    assert azurite.ensure_azurite(say=said.append) == command  # installed: nothing more to say
    assert len(said) == 2


def test_install_elsewhere_says_a_line_per_step(fake_npm, monkeypatch):
    monkeypatch.setattr(azurite, "QUIET_EVERY", 1.0)
    said: list[str] = []
    not_a_terminal = io.StringIO()
    azurite.ensure_azurite(say=said.append, live=not_a_terminal)
    assert said[0].startswith("installing Azurite from npm (about 125 MB")
    assert any(re.fullmatch(r"still installing Azurite: 3 MB so far, \d+ s", line) for line in said), said
    assert re.fullmatch(r"Azurite installed \(3 MB in \d+ s\)", said[-1])
    assert not_a_terminal.getvalue() == ""


def test_a_failed_install_says_why(fake_npm, monkeypatch):
    monkeypatch.setenv("FAKE_NPM_FAIL", "1")
    with pytest.raises(azurite.AzuriteUnavailable) as info:
        azurite.install_azurite()
    assert info.value.reason == ("npm install azurite@3 failed (exit 1): npm ERR! code E404 "
                                 "npm ERR! 404 Not Found - GET https://registry.npmjs.org/azurite")
