"""Saving a download: into a temporary file beside the target, then into place."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import BinaryIO


@asynccontextmanager
async def staged_file(path: str, overwrite: bool = False) -> AsyncIterator[BinaryIO]:
    """A file to write a download into. When the block ends normally, the data is
    synced and the file moved to `path` (see `place`); when it fails, the
    partial file is removed. FileExistsError up front if `path` exists and not
    `overwrite`. The file gets the usual mode (0666 less the umask)."""
    target = os.path.abspath(path)
    if not overwrite and os.path.lexists(target):
        raise FileExistsError(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part", dir=os.path.dirname(target))
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            await asyncio.to_thread(os.fsync, out.fileno())
        place(tmp, target, overwrite)
        tmp = ""
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def place(tmp: str, target: str, overwrite: bool) -> None:
    """Move the complete temporary file `tmp` to `target`. Without `overwrite`,
    an existing target is never clobbered (FileExistsError), even if the name
    was taken while the download ran."""
    if overwrite:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # fails if the name is taken: never clobbers
    except FileExistsError:
        raise
    except OSError:  # no hard links on this file system: check, then rename
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        os.replace(tmp, target)
    else:
        os.unlink(tmp)
