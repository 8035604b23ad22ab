"""The blobs of a storage account, as a tree: containers → virtual directories → blobs.

`StorageScreen(store, container=…, prefix=…)` is pushed with `app.push_screen`;
`escape` pops it. Each level is listed when its node is first expanded (one
delimiter listing, in a worker: a container with a million blobs costs one
level at a time, at most `limit` entries a level). `enter` on a blob opens it
in the log view (ranged reads from its tail, followed as it grows: follow,
search, wrap, save); `s` saves a blob to a local file (a dialog, a progress
bar, never over a file without asking); `r` lists again, keeping what was
expanded and where the cursor was. Opening with `container` (and `prefix`)
expands the way down to it: "the outputs of this task".

A failure (a missing container, no permission, the account unreachable) is
shown in the tree where the listing would have been and as a notification;
`enter` on it tries again. Nothing here ever takes the app down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from ...service.blob_follower import BlobFollower
from ...service.errors import OTHER, ServiceError
from ...service.storage import BlobFiles, BlobRef, BlobRow, BlobStore, ContainerRow
from ..model.blob_tree import (
    BLOB,
    CONTAINER,
    DIRECTORY,
    ERROR,
    NOTE,
    Entry,
    Key,
    TreeWishes,
    default_time_format,
)
from ..model.log_buffer import one_line
from ..widgets.key_footer import KeyFooter
from .file_browser import human_size
from .log_view import LogScreen
from .save_file import SaveScreen, default_save_name

__all__ = ["BLOB", "CONTAINER", "DIRECTORY", "ERROR", "NOTE", "Entry", "StorageScreen", "default_time_format"]

log = logging.getLogger(__name__)

NAME_WIDTH = 40  # names are padded to line up sizes, up to this many cells
LEVEL_LIMIT = 5000  # entries listed in one level (the rest: a note saying so)

class StorageScreen(ModalScreen[None]):
    """Browse a storage account's containers and blobs; open a blob in the log view, save it.

    `container`/`prefix`: expand the way down to there (a prefix that ends inside a name puts the cursor on
    its first match). `format_time`: how a modified time is shown (None: not at all). `limit`: entries
    listed in one level. The store is the caller's: it is not closed here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
        Binding("enter", "open", "Open"),
        Binding("s", "save", "Save blob"),
        Binding("r", "reload", "Reload"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
    DEFAULT_CSS = """
    StorageScreen { background: $surface; layout: vertical; }
    StorageScreen > #storage-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    StorageScreen > Tree { height: 1fr; }
    StorageScreen > #storage-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, store: BlobStore, *, title: str = "Storage", container: str | None = None,
                 prefix: str = "", format_time: Callable[[datetime], str] | None = default_time_format,
                 limit: int = LEVEL_LIMIT) -> None:
        super().__init__()
        self.store = store
        self.files = BlobFiles(store)
        self.heading = title
        self.container = container or None
        self.prefix = prefix if container else ""
        self.format_time = format_time
        self.limit = max(1, limit)
        self._generation = 0  # bumped by a reload: a listing of an older generation is dropped
        self._wishes = TreeWishes.way_down(self.container, self.prefix) if self.container else TreeWishes()

    # (what is still wished for; tests wait until all is settled)
    @property
    def _expand_wanted(self) -> set[Key]:
        return self._wishes.expand

    @property
    def _cursor_wanted(self) -> Key | None:
        return self._wishes.cursor

    @property
    def _jump(self) -> Key | None:
        return self._wishes.jump

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text(one_line(self.heading)), id="storage-title", markup=False)
        tree: Tree[Entry] = Tree(Text(one_line(self.heading)), id="storage-tree")
        tree.show_root = False
        tree.auto_expand = True
        yield tree
        yield Static(Text("listing the containers…", style="dim"), id="storage-status", markup=False)
        yield KeyFooter()

    @property
    def blob_tree(self) -> Tree[Entry]:
        return self.query_one("#storage-tree", Tree)

    def on_mount(self) -> None:
        self.blob_tree.focus()
        self._list_containers(self._generation)

    def _alive(self, generation: int) -> bool:
        return generation == self._generation and self.is_attached and self.app.is_running

    def _status(self, text: Text | str) -> None:
        self.query_one("#storage-status", Static).update(text if isinstance(text, Text) else Text(text))

    # -- containers --------------------------------------------------------------------------
    @work(exclusive=True, group="storage-containers", exit_on_error=False)
    async def _list_containers(self, generation: int) -> None:
        self._status(Text("listing the containers…", style="dim"))
        error: ServiceError | None = None
        rows: list[ContainerRow] = []
        try:
            rows = await self.store.list_containers(limit=self.limit + 1)
        except ServiceError as err:
            error = err
        except Exception as err:  # noqa: BLE001 - the view never takes the app down
            log.exception("listing the containers failed")
            error = ServiceError(OTHER, f"{type(err).__name__}: {err}")
        if not self._alive(generation):
            return
        tree = self.blob_tree
        tree.clear()
        root = tree.root
        more = len(rows) > self.limit
        rows = rows[: self.limit]
        if error is not None:
            root.add_leaf(Text(f"⚠ cannot list the containers: {one_line(str(error))}", style="bold red"),
                          data=Entry(ERROR, "", ""))
            self.notify(f"cannot list the containers: {one_line(str(error))}", severity="error", timeout=8)
        names = {row.name for row in rows}
        if self.container and self.container not in names:
            # Not listed (missing, or the credential may not list containers): try it all the same;
            # its listing says what is wrong.
            rows.insert(0, ContainerRow(self.container))
        for row in rows:
            self._add_container(root, row)
        if tree.cursor_line < 0 and root.children:
            tree.cursor_line = 0  # every list opens with its cursor on the first row (a jump moves it on)
        self._wishes.keep_containers({row.name for row in rows})
        if more:
            root.add_leaf(Text(f"… more than {self.limit:,} containers: the first {self.limit:,} are shown",
                               style="dim italic"), data=Entry(NOTE, ""))
        if error is None:
            count = len(names)
            what = f"{count:,}{'+' if more else ''} container{'s' if count != 1 else ''}"
            self._status(Text(f"{what}  ·  enter opens a blob in the log view, s saves it", style="dim"))
        else:
            self._status(Text(f"cannot list the containers: {one_line(str(error))}", style="bold red"))

    def _add_container(self, root: TreeNode[Entry], row: ContainerRow) -> None:
        label = Text(one_line(row.name), style="bold")
        if row.last_modified is not None and self.format_time is not None:
            label.append(f"  {self.format_time(row.last_modified)}", style="dim")
        node = root.add(label, data=Entry(CONTAINER, row.name, "", row), allow_expand=True)
        self._appeared(node)

    # -- levels ------------------------------------------------------------------------------
    @on(Tree.NodeExpanded, "#storage-tree")
    def _expanded(self, event: Tree.NodeExpanded[Entry]) -> None:
        entry = event.node.data
        if entry is not None and entry.is_level and not entry.loaded and not entry.loading:
            self._load(event.node)

    def _load(self, node: TreeNode[Entry]) -> None:
        entry = node.data
        assert entry is not None
        entry.loading = True
        node.remove_children()
        node.add_leaf(Text("loading…", style="dim italic"), data=Entry(NOTE, entry.container, entry.prefix))
        self._list_level(node, self._generation)

    @work(group="storage-level", exit_on_error=False)
    async def _list_level(self, node: TreeNode[Entry], generation: int) -> None:
        entry = node.data
        assert entry is not None
        error: ServiceError | None = None
        rows: list[BlobRow] = []
        try:
            rows = await self.store.list_blobs(entry.container, entry.prefix, limit=self.limit + 1)
        except ServiceError as err:
            error = err
        except Exception as err:  # noqa: BLE001
            log.exception("listing blobs failed")
            error = ServiceError(OTHER, f"{type(err).__name__}: {err}")
        if not self._alive(generation):
            return
        entry.loading = False
        node.remove_children()
        where = one_line(f"{entry.container}/{entry.prefix}")
        if error is not None:
            node.add_leaf(Text(f"⚠ {one_line(str(error))}  (enter: try again)", style="bold red"),
                          data=Entry(ERROR, entry.container, entry.prefix))
            self.notify(f"cannot list {where}: {one_line(str(error))}", severity="error", timeout=8)
            self._status(Text(f"cannot list {where}: {one_line(str(error))}", style="bold red"))
            self._settle(node)
            return
        entry.loaded = True
        more = len(rows) > self.limit
        rows = rows[: self.limit]
        self._add_rows(node, entry, rows)
        if more:
            node.add_leaf(Text(f"… more than {self.limit:,} entries: the first {self.limit:,} are shown",
                               style="dim italic"), data=Entry(NOTE, entry.container, entry.prefix))
        if not rows:
            node.add_leaf(Text("(empty)", style="dim italic"), data=Entry(NOTE, entry.container, entry.prefix))
        dirs = sum(1 for row in rows if row.is_prefix)
        blobs = len(rows) - dirs
        parts = [f"{dirs:,} director{'ies' if dirs != 1 else 'y'}"] if dirs else []
        parts.append(f"{blobs:,} blob{'s' if blobs != 1 else ''}")
        more_text = f"  (the first {self.limit:,} entries: there are more)" if more else ""
        self._status(Text(f"{where}: {', '.join(parts)}{more_text}", style="dim"))
        self._settle(node)

    def _add_rows(self, node: TreeNode[Entry], entry: Entry, rows: list[BlobRow]) -> None:
        dirs = [row for row in rows if row.is_prefix]
        blobs = [row for row in rows if not row.is_prefix]
        width = min(NAME_WIDTH, max((len(one_line(row.basename)) for row in blobs), default=0))
        for row in dirs:
            child = node.add(Text(one_line(row.basename), style="bold"),
                             data=Entry(DIRECTORY, entry.container, row.name, row), allow_expand=True)
            self._appeared(child)
        for row in blobs:
            child = node.add_leaf(self._blob_label(row, width), data=Entry(BLOB, entry.container, row.name, row))
            self._appeared(child)

    def _blob_label(self, row: BlobRow, width: int) -> Text:
        text = Text(one_line(row.basename).ljust(width))
        text.append(f"  {human_size(row.size):>10}", style="cyan")
        if row.last_modified is not None and self.format_time is not None:
            text.append(f"  {self.format_time(row.last_modified)}", style="dim")
        return text

    def _appeared(self, node: TreeNode[Entry]) -> None:
        """A node was added: expand it, or put the cursor on it, when a jump or a reload asked for that."""
        entry = node.data
        if entry is None:
            return
        expand, land = self._wishes.appeared(entry.key, entry.is_level)
        if expand:
            node.expand()
        if land:
            self._move_cursor(node)

    def _settle(self, node: TreeNode[Entry]) -> None:
        """After a level loaded (or failed to): see `TreeWishes.settle`."""
        entry = node.data
        assert entry is not None
        children: dict[str, TreeNode[Entry]] = {}
        for child in node.children:
            if child.data is not None and child.data.kind in (DIRECTORY, BLOB):
                children.setdefault(child.data.prefix, child)
        landing = self._wishes.settle(entry.container, entry.prefix, entry.loaded, children)
        if landing.on_level:
            self._move_cursor(node)
        elif landing.on_child is not None:
            self._move_cursor(children[landing.on_child])
        if landing.warning:
            self.notify(landing.warning, severity="warning", timeout=6)

    def _move_cursor(self, node: TreeNode[Entry]) -> None:
        tree = self.blob_tree
        if node.tree is not tree:
            return
        parent = node.parent
        while parent is not None and not parent.is_root:  # (the cursor can only be on a shown node)
            if not parent.is_expanded:
                return
            parent = parent.parent
        _ = tree.last_line  # (lays the lines out now, so a node added just now has its line)
        tree.move_cursor(node)

    def _all_nodes(self) -> list[TreeNode[Entry]]:
        found: list[TreeNode[Entry]] = []
        stack = list(self.blob_tree.root.children)
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(node.children)
        return found

    # -- actions -----------------------------------------------------------------------------
    @on(Tree.NodeSelected, "#storage-tree")
    def _selected(self, event: Tree.NodeSelected[Entry]) -> None:
        node = event.node
        entry = node.data
        if entry is None:
            return
        if entry.kind == BLOB:
            self.open_blob(entry.container, entry.prefix)
        elif entry.kind == ERROR:
            parent = node.parent
            if parent is None or parent.is_root or parent.data is None:
                self.action_reload()
            else:
                self._load(parent)

    def open_blob(self, container: str, name: str) -> LogScreen:
        """Open a blob in the log view: its tail, followed as it grows."""
        screen = LogScreen(
            self.files, BlobRef(container, name),
            follower_factory=partial(BlobFollower, self.store, container, name),
            downloader=partial(self.store.download, container, name),
        )
        self.app.push_screen(screen)
        return screen

    def _cursor_entry(self) -> Entry | None:
        node = self.blob_tree.cursor_node
        return node.data if node is not None else None

    def action_open(self) -> None:
        self.blob_tree.action_select_cursor()

    def action_save(self) -> None:
        entry = self._cursor_entry()
        if entry is None or entry.kind != BLOB:
            self.notify("s saves a blob: put the cursor on one", severity="warning", timeout=3)
            return
        ref = BlobRef(entry.container, entry.prefix)
        screen = SaveScreen(self.files, ref, default_save_name(ref),
                            downloader=partial(self.store.download, entry.container, entry.prefix))
        self.app.push_screen(screen, self._saved)

    def _saved(self, result: tuple[str, int] | None) -> None:
        if result is not None:
            path, size = result
            self.notify(f"saved {size:,} bytes to {one_line(path)}", timeout=6)

    def action_reload(self) -> None:
        """List again; what was expanded is expanded again and the cursor goes back where it was."""
        wanted = {node.data.key for node in self._all_nodes()
                  if node.data is not None and node.data.is_level and node.is_expanded}
        entry = self._cursor_entry()
        landing = entry.key if entry is not None and entry.kind in (CONTAINER, DIRECTORY, BLOB) else None
        self._wishes = TreeWishes(wanted, landing)
        self._generation += 1
        self.workers.cancel_group(self, "storage-level")
        self._list_containers(self._generation)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_cursor_down(self) -> None:
        self.blob_tree.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.blob_tree.action_cursor_up()
