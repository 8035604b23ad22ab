"""Reading and deleting files in a node's tree without trusting what a task put
there. Blocking calls throughout: the handlers run them in worker threads.

Reading serves regular files only. A FIFO would block the reader until a
writer comes (forever), a character device such as /dev/zero never ends, a
socket cannot be read: each is refused before it is opened. The file is then
opened with O_NONBLOCK | O_NOFOLLOW and checked again through its descriptor
(fstat, and on Linux the path the descriptor really has), so a task that swaps
the file for a FIFO or a symlink in between gains nothing. A regular file with
more than one hard link is refused too: its other names cannot be seen from
here, and a task could have linked a file from outside its tree (when the
kernel's protected_hardlinks allows it). Bytes are read with pread, a bounded
chunk at a time.

Deleting removes the entry the path names: a symlink is unlinked, never its
target; a directory goes with everything under it (no link inside followed).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from .nodefs import PathRefused, resolve_inside, split_rel

CHUNK_BYTES = 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


class NotReadable(Exception):
    """The path names something that is not served as a file's content: `reason` says why."""

    def __init__(self, reason: str, is_directory: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.is_directory = is_directory


def kind(mode: int) -> str:
    """What a file of st_mode `mode` is, in words ("a regular file", "a FIFO (named pipe)", …)."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


def _refuse_unless_regular(st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        what = kind(st.st_mode)
        raise NotReadable(f"The path is {what}; only regular files can be read.", stat.S_ISDIR(st.st_mode))
    if st.st_nlink > 1:
        raise NotReadable(
            f"The file has {st.st_nlink} hard links; the emulator serves only files with a single link, "
            "since another link could be outside the node's directory."
        )


def open_for_reading(root: Path, path: Path) -> tuple[int, os.stat_result]:
    """An open descriptor (the caller closes it) and the fstat of the regular
    file at `path` (resolved inside `root`). FileNotFoundError when it is gone,
    NotReadable when it is not a regular file with one link, PathRefused when
    the opened file turns out to be outside `root`."""
    _refuse_unless_regular(os.stat(path))  # before opening: opening a device can have effects
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        _refuse_unless_regular(st)  # the path may have been swapped since the stat
        _check_inside(root, fd)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _check_inside(root: Path, fd: int) -> None:
    """PathRefused when the descriptor's real path is outside `root` (a
    directory on the way swapped for a symlink after resolving). Linux only:
    elsewhere O_NOFOLLOW on the last step is the whole check."""
    try:
        real = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return
    real_root = os.path.realpath(root)
    if not real.startswith(real_root + os.sep):
        raise PathRefused(real)


def read_chunk(fd: int, offset: int, stop: int) -> bytes:
    """Up to CHUNK_BYTES from `offset`, not past `stop`; b"" at the end of the file."""
    return os.pread(fd, min(CHUNK_BYTES, stop - offset), offset)


def remove(root: Path, rel: str, recursive: bool) -> None:
    """Delete the entry `rel` names under `root` (not `root` itself: the
    caller refuses an empty path). PathRefused when it is outside `root`;
    FileNotFoundError when there is none; IsADirectoryError for a non-empty
    directory without `recursive`."""
    parts = split_rel(rel)
    parent = resolve_inside(root, "/".join(parts[:-1]))  # the directories on the way may be links inside the tree
    entry = parent / parts[-1]
    st = entry.lstat()
    if stat.S_ISDIR(st.st_mode):
        if not recursive and any(entry.iterdir()):
            raise IsADirectoryError(rel)
        shutil.rmtree(entry)
    else:
        entry.unlink()  # a file, or a symlink itself (its target stays)
