"""`b`: the files of a task or a compute node, as a tree; `enter` on a file opens it in the log view.

The Batch API lists files from the root (`recursive=true` gives everything
under it), so the screen lists once and builds the tree lazily from that
list: a directory's children become tree nodes when it is first expanded.
`r` lists again. `d` deletes the cursor's file (Batch's DELETE on a task's or
node's file) after a confirmation; a read-only account refuses with a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from ...service.errors import ServiceError
from ...service.file_operations import delete_file
from ...service.models import FileEntry, FileRef, FileRoot
from ..widgets.key_footer import KeyFooter
from ..widgets.log_lines import clean_line
from .confirm import ConfirmScreen
from .log_view import LogScreen

__all__ = ["FileBrowserScreen", "build_listing", "human_size"]

NAME_WIDTH = 40  # names are padded to line up sizes, up to this many cells


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


@dataclass
class _Item:
    path: str  # under the root, "/"-separated; "" for the root
    entry: FileEntry | None
    is_directory: bool
    loaded: bool = False
    children: list[_Item] = field(default_factory=list)


def build_listing(entries: list[FileEntry]) -> dict[str, list[_Item]]:
    """Directory path → its children (directories first, then files, each by name). Directories that are
    only implied by a file's path are added."""
    items: dict[str, _Item] = {"": _Item("", None, True)}
    for entry in entries:
        name = entry.name.strip("/")
        if not name:
            continue
        parts = name.split("/")
        for depth in range(1, len(parts)):  # the parents, even when not listed themselves
            parent = "/".join(parts[:depth])
            if parent not in items:
                items[parent] = _Item(parent, None, True)
        existing = items.get(name)
        if existing is None or existing.entry is None:
            items[name] = _Item(name, entry, entry.is_directory)
    children: dict[str, list[_Item]] = {path: [] for path, item in items.items() if item.is_directory}
    for path, item in items.items():
        if not path:
            continue
        parent = path.rpartition("/")[0]
        children.setdefault(parent, []).append(item)
    for kids in children.values():
        kids.sort(key=lambda i: (not i.is_directory, i.path.rpartition("/")[2].lower(), i.path))
    return children


def _basename(item: _Item) -> str:
    return item.path.rpartition("/")[2]


class FileBrowserScreen(ModalScreen[None]):
    """The files of a task (job_id + task_id) or of a node (pool_id + node_id)."""

    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("enter", "open", "Open"),
        Binding("r", "reload", "Reload"),
        Binding("d", "delete", "Delete file"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
    DEFAULT_CSS = """
    FileBrowserScreen { background: $surface; layout: vertical; }
    FileBrowserScreen > #files-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    FileBrowserScreen > Tree { height: 1fr; }
    FileBrowserScreen > #files-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, service, *, job_id: str | None = None, task_id: str | None = None,
                 pool_id: str | None = None, node_id: str | None = None, read_only: bool = False,
                 why_read_only: str = "the account is read-only") -> None:
        super().__init__()
        self.service = service
        self.read_only = read_only
        self.why_read_only = why_read_only
        self.root = FileRoot(job_id=job_id, task_id=task_id, pool_id=pool_id, node_id=node_id)
        self.listing: dict[str, list[_Item]] = {}

    @property
    def heading(self) -> str:
        root = self.root
        if root.is_task:
            return f"files of task {root.task_id} (job {root.job_id})"
        return f"files of node {root.node_id} (pool {root.pool_id})"

    def compose(self) -> ComposeResult:
        yield Static(Text(clean_line(self.heading)), id="files-title", markup=False)
        tree: Tree[_Item] = Tree(Text(clean_line(self.heading)), id="files-tree")
        tree.show_root = False
        tree.auto_expand = True
        yield tree
        yield Static(Text("listing…", style="dim"), id="files-status", markup=False)
        yield KeyFooter()

    @property
    def files_tree(self) -> Tree[_Item]:
        return self.query_one("#files-tree", Tree)

    def on_mount(self) -> None:
        self.files_tree.focus()
        self._list()

    def _status(self, text: Text) -> None:
        self.query_one("#files-status", Static).update(text)

    @work(exclusive=True, group="files-list")
    async def _list(self) -> None:
        self._status(Text("listing…", style="dim"))
        try:
            entries = await self.service.list_files(self.root, recursive=True)
        except ServiceError as err:
            if self.is_attached:
                self._status(Text(f"cannot list the files: {clean_line(str(err))}", style="bold red"))
            return
        if not self.is_attached:
            return
        self.listing = build_listing(entries)
        files = sum(1 for kids in self.listing.values() for i in kids if not i.is_directory)
        folders = sum(1 for kids in self.listing.values() for i in kids if i.is_directory)
        tree = self.files_tree
        tree.clear()
        root = tree.root
        root.data = _Item("", None, True)
        self._add_listing(root, "")
        root.expand()
        if root.children:
            tree.cursor_line = 0  # every list opens with its cursor on the first row
        what = f"{files} files in {folders} directories" if folders else f"{files} files"
        self._status(Text(what + "  ·  enter opens a file in the log view", style="dim"))

    def _add_listing(self, node: TreeNode[_Item], path: str) -> None:
        kids = self.listing.get(path, [])
        width = min(NAME_WIDTH, max((len(_basename(i)) for i in kids), default=0))
        for item in kids:
            if item.is_directory:
                label = Text(clean_line(_basename(item)) + "/", style="bold")
                node.add(label, data=item, allow_expand=True)
            else:
                node.add_leaf(self._label(item, width), data=item)
        if node.data is not None:
            node.data.loaded = True

    def _label(self, item: _Item, width: int) -> Text:
        entry = item.entry
        text = Text(clean_line(_basename(item)).ljust(width))
        if entry is not None:
            text.append(f"  {human_size(entry.size):>10}", style="cyan")
            if entry.modified is not None:
                text.append(f"  {entry.modified.astimezone().strftime('%Y-%m-%d %H:%M:%S')}", style="dim")
        return text

    @on(Tree.NodeExpanded, "#files-tree")
    def _expanded(self, event: Tree.NodeExpanded) -> None:
        item = event.node.data
        if item is not None and item.is_directory and not item.loaded:
            self._add_listing(event.node, item.path)

    @on(Tree.NodeSelected, "#files-tree")
    def _selected(self, event: Tree.NodeSelected) -> None:
        item = event.node.data
        if item is not None and not item.is_directory:
            self.open(item.path)

    def ref(self, path: str) -> FileRef:
        """The file at `path` under the root."""
        root = self.root
        if root.is_task:
            return FileRef.task(root.job_id or "", root.task_id or "", path)
        return FileRef.node(root.pool_id or "", root.node_id or "", path)

    def open(self, path: str) -> None:
        """Open a file (its path under the root) in the log view."""
        root = self.root
        follow = (root.job_id or "", root.task_id or "") if root.is_task else None
        self.app.push_screen(LogScreen(self.service, self.ref(path), follow_task=follow))

    def action_delete(self) -> None:
        node = self.files_tree.cursor_node
        item = node.data if node is not None else None
        if self.read_only:
            self.notify(f"delete: not here ({self.why_read_only})", severity="warning", timeout=5)
            return
        if item is None or item.is_directory or not item.path:
            self.notify("d deletes a file: put the cursor on one", severity="warning", timeout=3)
            return
        ref = self.ref(item.path)
        owner = self.heading.removeprefix("files of ")
        message = f"Delete {item.path} of {owner}?\nThis cannot be undone."

        def confirmed(values: dict[str, object] | None) -> None:
            if values is not None:
                self._delete(ref)

        self.app.push_screen(ConfirmScreen("Delete file", message, confirm_label="Delete"), confirmed)

    @work(group="files-delete")
    async def _delete(self, ref: FileRef) -> None:
        try:
            await delete_file(self.service, ref)
        except ServiceError as err:
            self.notify(f"not deleted: {clean_line(str(err))}", severity="error", timeout=8)
            return
        self.notify(f"deleted {clean_line(ref.path)}", timeout=5)
        self._list()

    def action_open(self) -> None:
        self.files_tree.action_select_cursor()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self._list()

    def action_cursor_down(self) -> None:
        self.files_tree.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.files_tree.action_cursor_up()
