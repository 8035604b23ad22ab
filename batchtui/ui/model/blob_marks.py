"""Marked entries of the storage browser (blobs, and directories: every blob under them), and the words
the write dialogs use about them. Plain data: no Textual."""

from __future__ import annotations

from .blob_tree import BLOB, CONTAINER, DIRECTORY, Entry, Key

__all__ = ["BlobMarks", "target_of"]


def target_of(entry: Entry | None) -> Key | None:
    """Where an upload at this entry goes: a container's root, a directory, or a blob's directory."""
    if entry is None or entry.kind not in (CONTAINER, DIRECTORY, BLOB):
        return None
    if entry.kind == BLOB:
        return (entry.container, entry.prefix.rpartition("/")[0] + "/" if "/" in entry.prefix else "")
    return entry.key


class BlobMarks:
    """Blobs and directories marked with `space`, in one container at a time (marking in another
    container starts again)."""

    def __init__(self) -> None:
        self.container = ""
        self.names: list[str] = []

    def toggle(self, entry: Entry) -> bool:
        """Mark or unmark a blob or directory; whether it is marked now."""
        if entry.kind not in (BLOB, DIRECTORY):
            return False
        if entry.container != self.container:
            self.container, self.names = entry.container, []
        if entry.prefix in self.names:
            self.names.remove(entry.prefix)
            return False
        self.names.append(entry.prefix)
        return True

    def is_marked(self, entry: Entry) -> bool:
        return entry.container == self.container and entry.prefix in self.names

    def clear(self) -> None:
        self.names = []

    def chosen(self, cursor: Entry | None) -> tuple[str, list[str]]:
        """What `d` deletes: the marked entries, else the cursor's blob or directory."""
        if self.names:
            return self.container, list(self.names)
        if cursor is not None and cursor.kind in (BLOB, DIRECTORY):
            return cursor.container, [cursor.prefix]
        return "", []

    @staticmethod
    def describe(names: list[str]) -> str:
        """'2 blobs and 1 directory (every blob under it)'."""
        dirs = sum(1 for n in names if n.endswith("/"))
        blobs = len(names) - dirs
        parts = [f"{blobs} blob{'s' if blobs != 1 else ''}"] if blobs else []
        if dirs:
            parts.append(f"{dirs} director{'ies' if dirs != 1 else 'y'} (every blob under "
                         f"{'them' if dirs != 1 else 'it'})")
        return " and ".join(parts)
