"""Secrets handed to the emulator in its environment, taken out of it.

`take(NAME)` returns the variable's value and removes it: from os.environ (so
no child process inherits it) and, on Linux, from the process's initial
environment block too, which /proc/PID/environ shows to every process of the
same user — task processes, which the emulator starts as that user, included.
"""

from __future__ import annotations

import ctypes
import os
import sys


def take(name: str) -> str | None:
    """The value of environment variable `name` (None when unset), now unset everywhere."""
    value = os.environ.pop(name, None)
    if value is not None:
        _blank_initial(name)
    return value


def _blank_initial(name: str) -> None:
    """Overwrite NAME=VALUE in the environment block the kernel gave the process
    (env_start..env_end, fields 50 and 51 of /proc/self/stat) with NULs. After
    os.environ.pop (unsetenv) nothing in the process points at it any more."""
    if not sys.platform.startswith("linux"):
        return
    try:
        with open("/proc/self/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()  # fields 3 onwards
        start, end = int(fields[47]), int(fields[48])
    except (OSError, ValueError, IndexError):
        return
    if not 0 < start < end:
        return
    block = ctypes.string_at(start, end - start)
    prefix = name.encode() + b"="
    at = block.find(prefix)
    while at != -1:
        if at == 0 or block[at - 1] == 0:
            stop = block.find(b"\0", at)
            stop = len(block) if stop == -1 else stop
            ctypes.memset(start + at, 0, stop - at)
        at = block.find(prefix, at + 1)
