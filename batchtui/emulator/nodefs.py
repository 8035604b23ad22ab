"""Compute-node directory trees on local disk, shaped like a Linux Batch node's.

    <data>/nodes/<node-id>/            AZ_BATCH_NODE_ROOT_DIR
        shared/                        AZ_BATCH_NODE_SHARED_DIR
        startup/{stdout.txt,stderr.txt,wd/}
        workitems/<job>/job-1/<task>/{stdout.txt,stderr.txt,wd/}
        applications/

Every path a client names is resolved inside one root; anything that leaves it
(`..`, an absolute path, a symlink pointing out) is refused. Listings describe
each entry as what it is (a symlink as a link) and follow no link; reading a
file and deleting an entry go through file_access.py.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

NODE_DIRS = ("shared", "startup", "workitems", "applications")


class PathRefused(ValueError):
    """The path names something outside the tree it must stay in."""


def node_root(data_dir: Path, node_id: str) -> Path:
    return data_dir / "nodes" / node_id


def task_rel_dir(job_id: str, task_id: str) -> str:
    return f"workitems/{job_id}/job-1/{task_id}"


def make_node_tree(root: Path) -> None:
    for name in NODE_DIRS:
        (root / name).mkdir(parents=True, exist_ok=True)


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def split_rel(rel: str) -> list[str]:
    """The names along the relative path `rel` ("" and "." dropped); PathRefused
    for an absolute path, a NUL or a `..`."""
    if rel.startswith(("/", "\\")) or "\x00" in rel:
        raise PathRefused(rel)
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise PathRefused(rel)
    return parts


def resolve_inside(root: Path, rel: str) -> Path:
    """The real path of `rel` under `root`, or PathRefused."""
    parts = split_rel(rel)
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, *parts)) if parts else real_root
    if real != real_root and not real.startswith(real_root + os.sep):
        raise PathRefused(rel)
    return Path(real)


@dataclass
class FileInfo:
    name: str  # relative to the listed root, "/"-separated
    is_directory: bool
    size: int
    created: datetime
    modified: datetime
    mode: str  # octal, as Batch reports ocp-batch-file-mode (e.g. "0100644")


# Linux's os.stat has no birth time, and ctime moves on every write. A file's
# creation time is therefore the earliest time this process saw its inode:
# stable while the file grows, new when the file is replaced by another.
_first_seen: dict[tuple[int, int], float] = {}
_FIRST_SEEN_MAX = 200_000


def _created(st: os.stat_result) -> float:
    key = (st.st_dev, st.st_ino)
    seen = _first_seen.get(key)
    if seen is None:
        if len(_first_seen) >= _FIRST_SEEN_MAX:
            _first_seen.clear()
        seen = _first_seen[key] = min(st.st_ctime, st.st_mtime)
    return seen


def file_info(root: Path, path: Path) -> FileInfo:
    """What `path` (inside `root`) is, following a symlink (the caller resolved it inside the tree)."""
    return info_from_stat(_name(root, path), path.stat())


def entry_info(root: Path, path: Path) -> FileInfo:
    """What the entry `path` is itself: a symlink is described as a link (its
    own size and mode 0120777), never by its target, which may be outside the
    tree or missing."""
    return info_from_stat(_name(root, path), path.lstat())


def _name(root: Path, path: Path) -> str:
    rel = os.path.relpath(path, os.path.realpath(root)).replace(os.sep, "/")
    return "" if rel == "." else rel


def info_from_stat(name: str, st: os.stat_result) -> FileInfo:
    return FileInfo(
        name=name,
        is_directory=stat.S_ISDIR(st.st_mode),
        size=0 if stat.S_ISDIR(st.st_mode) else st.st_size,
        created=datetime.fromtimestamp(_created(st), timezone.utc),
        modified=datetime.fromtimestamp(st.st_mtime, timezone.utc),
        mode=f"0{st.st_mode:o}",
    )


def list_files(root: Path, recursive: bool) -> list[FileInfo]:
    """Entries under root: its immediate children, or all descendants, each as
    what it is (entry_info); symlinks are listed, never followed. Entries that
    vanish while being listed are left out."""
    real_root = Path(os.path.realpath(root))
    if not real_root.is_dir():
        return []
    out: list[FileInfo] = []
    if recursive:
        paths = [Path(d) / name for d, dirs, files in os.walk(real_root) for name in dirs + files]
    else:
        paths = list(real_root.iterdir())
    for path in paths:  # os.walk does not descend into a symlink to a directory
        try:
            out.append(entry_info(real_root, path))
        except OSError:
            continue
    out.sort(key=lambda f: f.name)
    return out
