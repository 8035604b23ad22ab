"""What the commands write besides the data they were asked for.

Messages: one line on stderr, ``batchtui COMMAND: text``. Text that comes from
the user, a file or the service is printed literally (never parsed as markup:
``[/x]`` stays ``[/x]``) and with its control characters made inert
(`textsafe.inert`), so an error message cannot retitle the terminal either.

Progress: `Progress`, one line on stderr, redrawn in place on a terminal
(``batchtui wait``).

Internal errors: one line on stderr, exit status 1, and the traceback in
crash.log in batchtui's state dir (`paths.state_dir`), a private file (0600)
kept to about 1 MiB.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path
from typing import TextIO

from .. import __version__
from ..paths import state_dir
from ..textsafe import inert

EXIT_INTERNAL = 1
CRASH_LOG = "crash.log"
CRASH_LOG_LIMIT = 1024 * 1024  # bytes; a bigger log is moved to crash.log.1 before the next report


def say(command: str | None, message: object) -> None:
    """Print `batchtui[ COMMAND]: message` on stderr (an error, a note, progress), the message made inert."""
    prefix = f"batchtui {command}" if command else "batchtui"
    print(f"{prefix}: {inert(message)}", file=sys.stderr, flush=True)


def detail(message: object) -> None:
    """An indented line under an error (e.g. one problem of a file), made inert."""
    print(f"  {inert(message)}", file=sys.stderr, flush=True)


class Progress:
    """One line of progress on stderr, ``batchtui COMMAND: text``, made inert like `say`'s. On a terminal it
    is redrawn in place (cut to the terminal's width); otherwise each new text is a line of its own. The
    same text twice writes nothing. Call `end()` before anything else is written to stderr."""

    def __init__(self, command: str, stream: TextIO | None = None) -> None:
        self.prefix = f"batchtui {command}: "
        self.stream = stream or sys.stderr
        try:
            self.terminal = self.stream.isatty()
        except ValueError:  # (closed)
            self.terminal = False
        self._last: str | None = None
        self._open = False  # a redrawn line is on the screen, not yet ended

    def update(self, message: object) -> None:
        text = self.prefix + inert(message)
        if text == self._last:
            return
        self._last = text
        if not self.terminal:
            print(text, file=self.stream, flush=True)
            return
        try:
            width = os.get_terminal_size(self.stream.fileno()).columns or 80  # (0: a terminal that never said)
        except (OSError, ValueError):
            width = 80
        if len(text) >= width:
            text = text[: max(1, width - 2)] + "…"
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()
        self._open = True

    def end(self) -> None:
        """End the redrawn line (a newline), so that what follows starts on a line of its own."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False


def internal_error(exc: BaseException, command: str | None = None, extra: str = "") -> int:
    """Report an unexpected exception: one line on stderr, the traceback (and `extra`, e.g. what the UI
    printed) appended to crash.log. Returns the exit status, 1."""
    line = f"internal error: {type(exc).__name__}: {exc}"
    log = write_crash_log(exc, command, extra)
    if log is not None:
        line += f" (details in {log})"
    say(None, line)
    return EXIT_INTERNAL


def write_crash_log(exc: BaseException, command: str | None = None, extra: str = "") -> Path | None:
    """Append the traceback to crash.log (mode 0600); its path, or None when it cannot be written."""
    try:
        folder = state_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        log = folder / CRASH_LOG
        try:
            if log.stat().st_size > CRASH_LOG_LIMIT:
                os.replace(log, log.with_name(CRASH_LOG + ".1"))
        except FileNotFoundError:
            pass
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        header = f"=== {stamp} batchtui {__version__} (Python {sys.version.split()[0]}) " \
                 f"command: {command or 'explorer'}\n"
        body = "".join(traceback.format_exception(exc))
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with open(fd, "a", encoding="utf-8", errors="replace") as handle:
            handle.write(header + body + (extra.rstrip() + "\n" if extra.strip() else "") + "\n")
    except OSError:
        return None
    return log
