"""Where the emulator's log goes: one file under its data dir, bounded and
rotated, readable by its owner only; stderr is left to startup failures.

    <data>/emulator.log, emulator.log.1 … emulator.log.4   (1 MiB each, mode 0600)

A message that repeats (the same logger, level and format string) is written
at most `BURST` times a minute; the last one allowed says that more are being
suppressed, and the first one of the next minute says how many were. So no
stream of requests, however hostile, grows the log faster than a few lines a
minute per kind of message, and the rotation bounds the disk in any case.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import sys
import threading
import time
from pathlib import Path

from aiohttp import http_exceptions

LOG_NAME = "emulator.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 4
BURST = 10  # messages of one kind a window
WINDOW_SECONDS = 60.0


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose files are created 0600 (they may name
    resources, paths and commands), whatever the umask."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        os.fchmod(fd, 0o600)  # a file left by an older emulator may be wider
        return os.fdopen(fd, "a", encoding=self.encoding or "utf-8", errors="backslashreplace")


class RepeatLimiter(logging.Filter):
    """Lets through at most `burst` records of one kind (logger, level, format
    string) in each `window` seconds, and says what it held back."""

    def __init__(self, burst: int = BURST, window: float = WINDOW_SECONDS) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self._seen: dict[tuple[str, int, str], list[float]] = {}  # key -> [window start, passed, suppressed]

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = time.monotonic()
        state = self._seen.get(key)
        if state is None or now - state[0] >= self.window:
            if len(self._seen) > 1000:  # kinds are few; never let the table itself grow
                self._seen.clear()
            held = int(state[2]) if state else 0
            self._seen[key] = [now, 1, 0]
            if held:
                record.msg = f"{record.msg} [{held} more like this were suppressed in the last minute]"
            return True
        if state[1] >= self.burst:
            state[2] += 1
            return False
        state[1] += 1
        if state[1] == self.burst:
            record.msg = f"{record.msg} [further messages like this are suppressed for a minute]"
        return True


def quiet_client_errors(record: logging.LogRecord) -> bool:
    """A request aiohttp could not even parse (a bad header, a bad request
    line) is the client's error, not an incident: one line, no traceback."""
    exc = record.exc_info[1] if record.exc_info else None
    if isinstance(exc, http_exceptions.HttpProcessingError) and (exc.code or 400) < 500:
        detail = f"{exc.code} {exc.message}".split("\n")[0][:200].replace("%", "%%")
        record.msg = f"{record.msg} ({detail})"
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = None
        record.exc_text = None
    return True


def setup(data_dir: Path, level: int = logging.INFO) -> Path:
    """Send every log record of this process (the emulator's, aiohttp's,
    asyncio's, warnings, uncaught exceptions in threads) to
    `data_dir`/emulator.log and nowhere else; returns
    the log's path. Creates `data_dir` (0700) when it does not exist."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / LOG_NAME
    handler = PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RepeatLimiter())  # first: it knows a message by its format string, before any detail is added
    handler.addFilter(quiet_client_errors)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("batchtui").setLevel(level)
    logging.captureWarnings(True)
    threading.excepthook = _log_thread_exception
    sys.unraisablehook = _log_unraisable
    return path


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is not SystemExit:
        exc_info = (args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)
        logging.getLogger("batchtui.emulator").error("uncaught exception in a thread", exc_info=exc_info)


def _log_unraisable(args: sys.UnraisableHookArgs) -> None:
    logging.getLogger("batchtui.emulator").error("ignored exception in %r: %r", args.object, args.exc_value)
