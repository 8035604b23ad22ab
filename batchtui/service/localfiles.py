"""Putting a finished download in place."""

from __future__ import annotations

import os


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
