"""Which Host headers name this emulator.

A request must be addressed to the emulator by the address it was started
for: the host:port it listens on, `localhost:PORT` when that is a loopback
address (`127.0.0.1`, `[::1]`), the loopback names when it listens on every
interface, and whatever `--allow-host` adds. Anything else (a web page's
name, re-bound by DNS to 127.0.0.1) is refused with 400 before the request
is authenticated, and no Host the emulator did not accept is ever echoed in
a URL it answers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
EVERY_INTERFACE = ("0.0.0.0", "::", "")


def _bracketed(host: str) -> str:
    """An address as it appears in a Host header: IPv6 in brackets, names lower-cased."""
    host = host.strip().lower()
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_allowed(value: str, port: int) -> list[str]:
    """The Host values an `--allow-host` value stands for: NAME (on the emulator's
    port), NAME:PORT, [IPv6] or [IPv6]:PORT. Raises ValueError for anything else."""
    text = value.strip().lower()
    if text.startswith("["):
        name, _, rest = text.partition("]")
        name, tail = name + "]", rest
        if tail and not tail.startswith(":"):
            raise ValueError(f"not a host or host:port: {value!r}")
        given = tail[1:]
    elif text.count(":") > 1:
        name, given = _bracketed(text), ""
    else:
        name, _, given = text.partition(":")
    if not name.strip("[]") or any(c.isspace() or c in "/@?#" for c in name):
        raise ValueError(f"not a host or host:port: {value!r}")
    if given and (not given.isdigit() or not 0 < int(given) < 65536):
        raise ValueError(f"not a port: {given!r} in {value!r}")
    return _with_port(name, int(given) if given else port)


def _with_port(name: str, port: int) -> list[str]:
    return [f"{name}:{port}", name] if port == 80 else [f"{name}:{port}"]


def allowed_hosts(bound: str, port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """Every Host value accepted by an emulator listening on `bound`:`port`,
    with `--allow-host` values `extra`. Raises ValueError for a bad extra value."""
    names = {_bracketed(bound)} if bound not in EVERY_INTERFACE else set()
    if bound in EVERY_INTERFACE or _is_loopback(bound):
        names.update(LOOPBACK)
    out = {value for name in names for value in _with_port(name, port)}
    for value in extra:
        out.update(parse_allowed(value, port))
    return frozenset(out)


def host_allowed(host: str | None, allowed: frozenset[str]) -> bool:
    return host is not None and host.strip().lower() in allowed
