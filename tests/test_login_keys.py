"""Which public key a node login uses, and the ssh command line it runs."""

from __future__ import annotations

import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from batchtui.service.login_keys import find_login_key
from batchtui.service.node_login import NodeLogin, ssh_argv

ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOv0wn/WbbcXDYpDVzzbNLQlHQWF+zF4VKZ6vUmYW4m/ me@ed"
RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDx me@rsa"
AGENT = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAgentKeyAgentKeyAgentKeyAgentKeyAgentKey agent"


def _home(tmp_path: Path, *keys: tuple[str, str]) -> Path:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    for name, text in keys:
        (home / ".ssh" / name).write_text(text + "\n")
    return home


def test_ed25519_first_then_rsa_then_agent(tmp_path: Path):
    state = tmp_path / "state"
    both = find_login_key(_home(tmp_path, ("id_ed25519.pub", ED), ("id_rsa.pub", RSA)), state, agent=lambda: AGENT)
    assert (both.public_key, both.identity_file) == (ED, None) and both.origin.endswith("id_ed25519.pub")
    (tmp_path / "home" / ".ssh" / "id_ed25519.pub").unlink()
    assert find_login_key(tmp_path / "home", state, agent=lambda: AGENT).public_key == RSA
    (tmp_path / "home" / ".ssh" / "id_rsa.pub").unlink()
    from_agent = find_login_key(tmp_path / "home", state, agent=lambda: f"{AGENT}\n{RSA}\n")
    assert (from_agent.public_key, from_agent.origin, from_agent.identity_file) == (AGENT, "ssh-agent", None)
    assert not state.exists()


def test_generated_once_private_0600(tmp_path: Path):
    state = tmp_path / "state"
    first = find_login_key(tmp_path / "nohome", state, agent=lambda: "")
    assert first.identity_file == state / "ssh" / "id_ed25519" and first.public_key.startswith("ssh-ed25519 ")
    assert stat.S_IMODE(first.identity_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((state / "ssh").stat().st_mode) == 0o700
    again = find_login_key(tmp_path / "nohome", state, agent=lambda: "no keys here")
    assert again == first


@pytest.mark.parametrize("identity", [None, Path("/s/id_ed25519")])
def test_ssh_argv(identity: Path | None, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BATCHTUI_SSH", "/opt/ssh")
    login = NodeLogin("p", "n", "batchtui-abc123", "10.0.0.4", 50022, datetime(2026, 1, 1, tzinfo=timezone.utc))
    argv = ssh_argv(login, identity)
    assert argv[:3] == ["/opt/ssh", "-p", "50022"]
    assert argv[-5:] == ["-o", "StrictHostKeyChecking=accept-new", "-l", "batchtui-abc123", "10.0.0.4"]
    assert ("-i" in argv) == (identity is not None)
