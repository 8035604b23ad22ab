"""The SSH public key a node login is made with: the user's own, else a key
pair batchtui makes once for itself.

In order: ~/.ssh/id_ed25519.pub, ~/.ssh/id_rsa.pub, the first key `ssh-add -L`
offers (the agent's), else <state dir>/ssh/id_ed25519 (+ .pub), generated the
first time with asyncssh, the private key written 0600 in a 0700 folder. Only
the last one needs `ssh -i` (the others are the ones ssh tries by itself). No
private key is ever read; the generated one is written once and never logged."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

OWN_KEYS = ("id_ed25519.pub", "id_rsa.pub")
GENERATED = "id_ed25519"
AGENT_TIMEOUT = 5.0  # seconds `ssh-add -L` may take


@dataclass(frozen=True)
class LoginKey:
    """A public key in OpenSSH form ("ssh-ed25519 AAAA… comment"), where it came
    from (a path, or "ssh-agent"), and the private key file ssh must be given with
    -i (only for the key batchtui generated; None when ssh finds it by itself)."""

    public_key: str
    origin: str
    identity_file: Path | None = None


def _agent_keys() -> str:
    """`ssh-add -L`'s output ("" when there is no agent, no key or no ssh-add)."""
    try:
        done = subprocess.run(["ssh-add", "-L"], capture_output=True, text=True, timeout=AGENT_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout if done.returncode == 0 else ""


def _first_key(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip().startswith(("ssh-", "ecdsa-", "sk-")):
            return line.strip()
    return None


def find_login_key(home: Path, state_dir: Path, agent: Callable[[], str] = _agent_keys) -> LoginKey:
    """The key to log in to a node with (see the module's docstring for the order).
    OSError when none is found and the state dir cannot hold a generated one."""
    for name in OWN_KEYS:
        path = home / ".ssh" / name
        try:
            key = _first_key(path.read_text())
        except (OSError, UnicodeDecodeError):
            continue
        if key:
            return LoginKey(key, str(path))
    key = _first_key(agent())
    if key:
        return LoginKey(key, "ssh-agent")
    return generated_key(state_dir)


def generated_key(state_dir: Path) -> LoginKey:
    """batchtui's own key pair under `state_dir`/ssh, made the first time. OSError."""
    folder = state_dir / "ssh"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    private, public = folder / GENERATED, folder / f"{GENERATED}.pub"
    if not (private.exists() and public.exists()):
        import asyncssh  # here, not at the top: the explorer starts without it (0.3-0.6 s)

        key = asyncssh.generate_private_key("ssh-ed25519", comment="batchtui node login")
        private.unlink(missing_ok=True)
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key.export_private_key())
        public.write_bytes(key.export_public_key())
    os.chmod(private, 0o600)
    text = _first_key(public.read_text())
    if text is None:
        raise OSError(f"{public}: not an OpenSSH public key")
    return LoginKey(text, str(public), private)
