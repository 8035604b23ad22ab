"""The storage browser's tree as plain data: what each node stands for (`Entry`), and where the tree should
go as its levels are listed (`TreeWishes`: levels to expand, an entry to land the cursor on, the way down
to a container's prefix).

Levels are listed one at a time, as they are expanded, so "open at container c, prefix a/b/x" and "reload,
keeping what was expanded and where the cursor was" are wishes kept until the levels they need appear —
or are found not to be there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from ...service.storage import BlobRow, ContainerRow
from .log_buffer import one_line

__all__ = ["BLOB", "CONTAINER", "DIRECTORY", "ERROR", "NOTE", "Entry", "Landing", "TreeWishes",
           "default_time_format", "dirs_of", "step_toward"]

CONTAINER, DIRECTORY, BLOB, NOTE, ERROR = "container", "directory", "blob", "note", "error"

Key = tuple[str, str]  # (container, prefix)


def default_time_format(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Entry:
    """What a tree node stands for. `prefix`: a directory's full prefix ("a/b/"), a blob's name, "" for a
    container. An ERROR note's `prefix` is its level's, so `enter` on it lists that level again."""

    kind: str
    container: str
    prefix: str = ""
    row: BlobRow | ContainerRow | None = None
    loaded: bool = False
    loading: bool = False

    @property
    def key(self) -> Key:
        return (self.container, self.prefix)

    @property
    def is_level(self) -> bool:
        return self.kind in (CONTAINER, DIRECTORY)


def step_toward(level: str, name: str) -> str:
    """The entry of the level `level` on the way to `name`: ("a/", "a/b/c.txt") → "a/b/"."""
    rest = name[len(level):]
    cut = rest.find("/")
    return level + rest[: cut + 1] if cut >= 0 else name


def dirs_of(prefix: str) -> list[str]:
    """The directory prefixes on the way to `prefix`: "a/b/c" → ["a/", "a/b/"]."""
    parts = prefix.split("/")[:-1]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


class Landing(NamedTuple):
    """Where the cursor goes after a level was listed: the level's own node, one of its children (by
    prefix), or nowhere (stays); and a warning to show, if any."""

    on_level: bool = False
    on_child: str | None = None
    warning: str | None = None


@dataclass
class TreeWishes:
    """Levels to `expand` as they appear, the entry to put the `cursor` on as it appears, and the `jump`
    (container, prefix) being expanded the way down to."""

    expand: set[Key] = field(default_factory=set)
    cursor: Key | None = None
    jump: Key | None = None

    @classmethod
    def way_down(cls, container: str, prefix: str) -> TreeWishes:
        """Expand the container and the directories on the way to `prefix`; land on the deepest of them."""
        dirs = dirs_of(prefix)
        return cls({(container, ""), *((container, d) for d in dirs)}, (container, dirs[-1] if dirs else ""),
                   (container, prefix))

    def appeared(self, key: Key, is_level: bool) -> tuple[bool, bool]:
        """An entry appeared: (expand it, put the cursor on it). Each wish is granted once."""
        expand = is_level and key in self.expand
        if expand:
            self.expand.discard(key)
        land = key == self.cursor
        if land:
            self.cursor = None
        return expand, land

    def keep_containers(self, names: set[str]) -> None:
        """The containers were listed: forget the wishes in containers that are not there."""
        self.expand = {key for key in self.expand if key[0] in names}
        if self.cursor is not None and self.cursor[0] not in names:
            self.cursor = None

    def settle(self, container: str, level: str, loaded: bool,
               children: Iterable[str]) -> Landing:
        """Level `level` of `container` was listed (`loaded`; False: the listing failed) with the directory
        and blob entries `children` (their prefixes, in order): forget the wishes that cannot come true, and
        say where the cursor goes. On the way of a jump, the next directory down missing is a warning; at
        its end, a prefix that ends inside a name lands on its first match."""
        ordered = list(children)
        present = set(ordered)

        def gone(key: Key | None) -> bool:
            if key is None or key[0] != container or key[1] == level or not key[1].startswith(level):
                return False
            return not loaded or step_toward(level, key[1]) not in present

        self.expand = {key for key in self.expand if not gone(key)}
        if gone(self.cursor):
            self.cursor = None
        if self.jump is None or self.jump[0] != container:
            return Landing()
        prefix = self.jump[1]
        dirs = dirs_of(prefix)
        if level and level not in dirs:
            return Landing()
        if not loaded:  # the listing failed: the tree and a notification say why
            self.jump = None
            return Landing()
        depth = dirs.index(level) + 1 if level else 0
        if depth < len(dirs):
            if dirs[depth] not in present:
                self.jump = None
                return Landing(True, None, _nothing_under(dirs[depth], container))
            return Landing()
        self.jump = None
        if prefix and not prefix.endswith("/"):
            match = next((child for child in ordered if child.startswith(prefix)), None)
            if match is not None:
                return Landing(False, match)
            return Landing(True, None, _nothing_under(prefix, container))
        return Landing()


def _nothing_under(prefix: str, container: str) -> str:
    return f"nothing under {one_line(prefix)} in container {one_line(container)}"
