"""The storage browser with writes: `u` uploads a local file or folder to the cursor's container or
directory, `D` downloads the cursor's directory (or container, or blob) into a local folder, `space`
marks blobs and directories and `d` deletes the marked ones (or the cursor's) after a confirmation,
`n` creates a container. Uploads and downloads go through `TransferScreen` (a path asked for, a progress
bar, and nothing overwritten without a second `enter` after saying how many would be). A read-only
account refuses each of these with a message. The writing itself is service.blob_writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from ...service import blob_writes
from ...service.storage import BlobStore
from ...wording import plural
from ..model.blob_marks import BlobMarks, target_of
from ..model.blob_tree import Entry
from ..model.log_buffer import one_line
from .confirm import ConfirmScreen
from .storage_view import StorageScreen
from .transfer import Ask, Plan, Progress, TransferScreen

__all__ = ["StorageWritesScreen"]

MARK = "● "


class StorageWritesScreen(StorageScreen):
    """StorageScreen, plus uploads, deletes, folder downloads and new containers (`read_only`: refused)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "upload", "Upload"),
        Binding("D", "download_folder", "Download folder"),
        Binding("space", "mark", "Mark", show=False, priority=True),  # (before the tree's own space: toggle)
        Binding("d", "delete", "Delete"),
        Binding("n", "new_container", "New container"),
    ]

    def __init__(self, store: BlobStore, *, title: str = "Storage", container: str | None = None, prefix: str = "",
                 read_only: bool = False, why_read_only: str = "the account is read-only") -> None:
        super().__init__(store, title=title, container=container, prefix=prefix)
        self.read_only = read_only
        self.why_read_only = why_read_only
        self.marks = BlobMarks()

    def _refused(self, what: str) -> bool:
        if self.read_only:
            self.notify(f"{what}: not here ({self.why_read_only})", severity="warning", timeout=5)
        return self.read_only

    def _written(self, answer: str | None) -> None:
        if answer is not None:
            self.notify(one_line(answer), timeout=6)
            self.marks.clear()
            self.action_reload()

    # -- upload ------------------------------------------------------------------------------
    def action_upload(self) -> None:
        if self._refused("upload"):
            return
        target = target_of(self._cursor_entry())
        if target is None:
            self.notify("u uploads into a container or directory: put the cursor on one", severity="warning")
            return
        container, prefix = target
        store = self.store

        async def prepare(values: dict[str, str]) -> Plan:
            local = values["path"]
            if not local:
                raise ValueError("a local file or folder, please")
            items = blob_writes.plan_upload(local, prefix)
            if not items:
                raise ValueError(f"{local}: no files to upload")
            size = sum(item.size for item in items)
            existing = await blob_writes.existing_blobs(store, container, [item.blob for item in items])
            summary = f"uploading {plural(len(items), 'file')} ({plural(size, 'byte')})"
            return Plan(summary, existing, items)

        async def run(plan: Plan, overwrite: bool, progress: Progress) -> str:
            sent = await blob_writes.upload(store, container, plan.data, overwrite=overwrite, progress=progress)
            return f"uploaded {plural(len(plan.data), 'file')}, {plural(sent, 'byte')}, to {container}/{prefix}"

        self.app.push_screen(TransferScreen(
            "Upload", f"Upload to {container}/{prefix}: a file, a folder (all in it) or a pattern (*.csv):",
            [Ask("path", "Local file, folder or pattern", "./")], prepare, run, what="blob"), self._written)

    # -- download ----------------------------------------------------------------------------
    def action_download_folder(self) -> None:
        entry = self._cursor_entry()
        if entry is None or target_of(entry) is None:
            self.notify("D downloads a container, directory or blob: put the cursor on one", severity="warning")
            return
        container, prefix = entry.container, entry.prefix
        store = self.store

        async def prepare(values: dict[str, str]) -> Plan:
            folder = Path(values["folder"] or ".").expanduser()
            if folder.exists() and not folder.is_dir():
                raise ValueError(f"{folder} is not a folder")
            items = await blob_writes.plan_download(store, container, prefix, folder)
            if not items:
                raise ValueError(f"nothing under {container}/{prefix}")
            size = sum(item.size for item in items)
            existing = [str(p) for p in blob_writes.existing_files(items)]
            summary = f"downloading {plural(len(items), 'blob')} ({plural(size, 'byte')}) into {folder}"
            return Plan(summary, existing, items)

        async def run(plan: Plan, overwrite: bool, progress: Progress) -> str:
            got = await blob_writes.download_prefix(store, container, plan.data, overwrite=overwrite,
                                                    progress=progress)
            return f"downloaded {plural(len(plan.data), 'blob')}, {plural(got, 'byte')}"

        self.app.push_screen(TransferScreen(
            "Download", f"Download {container}/{prefix} (each blob under its name) into the folder:",
            [Ask("folder", "Local folder", ".")], prepare, run, what="file"), self._written)

    # -- marks and deletes -------------------------------------------------------------------
    def action_mark(self) -> None:
        node = self.blob_tree.cursor_node
        entry: Entry | None = node.data if node is not None else None
        if node is None or entry is None:
            return
        before = self.marks.container
        marked = self.marks.toggle(entry)
        if before and before != self.marks.container:
            self._unmark_labels()
        label = Text.assemble(node.label) if isinstance(node.label, Text) else Text(str(node.label))
        plain = label.plain
        if marked and not plain.startswith(MARK):
            node.set_label(Text(MARK, style="bold yellow") + label)
        elif not marked and plain.startswith(MARK):
            node.set_label(label[len(MARK):])
        self.blob_tree.action_cursor_down()

    def _unmark_labels(self) -> None:
        for node in self._all_nodes():
            label = node.label
            if isinstance(label, Text) and label.plain.startswith(MARK) and not (
                    node.data is not None and self.marks.is_marked(node.data)):
                node.set_label(label[len(MARK):])

    def action_delete(self) -> None:
        if self._refused("delete"):
            return
        container, names = self.marks.chosen(self._cursor_entry())
        if not names:
            self.notify("d deletes blobs: mark them with space, or put the cursor on one", severity="warning")
            return
        shown = "\n".join(f"  {one_line(n)}" for n in names[:8])
        if len(names) > 8:
            shown += f"\n  … {len(names) - 8} more"
        message = f"Delete {BlobMarks.describe(names)} from container {container}?\n{shown}\nThis cannot be undone."

        def confirmed(values: dict[str, object] | None) -> None:
            if values is not None:
                self._delete(container, names)

        self.app.push_screen(ConfirmScreen("Delete blobs", message, confirm_label="Delete"), confirmed)

    def _delete(self, container: str, names: list[str]) -> None:
        async def go() -> None:
            try:
                count = await blob_writes.delete_blobs(self.store, container, names)
            except Exception as err:  # noqa: BLE001 - the view never takes the app down
                self.notify(f"not deleted: {one_line(str(err))}", severity="error", timeout=8)
                return
            self._written(f"deleted {count:,} blob{'s' if count != 1 else ''} from {container}")

        self.run_worker(go(), group="storage-write", exit_on_error=False)

    # -- containers --------------------------------------------------------------------------
    def action_new_container(self) -> None:
        if self._refused("new container"):
            return
        store = self.store

        async def prepare(values: dict[str, str]) -> Plan:
            if not values["name"]:
                raise ValueError("a container name, please")
            return Plan(f"creating container {values['name']}", [], values["name"])

        async def run(plan: Plan, overwrite: bool, progress: Progress) -> str:
            await blob_writes.create_container(store, plan.data)
            return f"created container {plan.data}"

        self.app.push_screen(TransferScreen(
            "New container", "A container name: 3-63 lowercase letters, digits and single hyphens.",
            [Ask("name", "Container name")], prepare, run), self._written)
