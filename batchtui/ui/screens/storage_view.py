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
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, Tree
from textual.widgets.tree import TreeNode

from ...service.blob_follower import BlobFollower
from ...service.errors import OTHER, ServiceError
from ...service.storage import BlobFiles, BlobRef, BlobRow, BlobStore, ContainerRow
from ..widgets.log_lines import clean_line
from .file_browser import human_size
from .log_view import LogScreen, SaveScreen, default_save_name

__all__ = ["BLOB", "CONTAINER", "DIRECTORY", "ERROR", "NOTE", "Entry", "StorageScreen", "default_time_format"]

log = logging.getLogger(__name__)

NAME_WIDTH = 40  # names are padded to line up sizes, up to this many cells
LEVEL_LIMIT = 5000  # entries listed in one level (the rest: a note saying so)

CONTAINER, DIRECTORY, BLOB, NOTE, ERROR = "container", "directory", "blob", "note", "error"


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
    def key(self) -> tuple[str, str]:
        return (self.container, self.prefix)

    @property
    def is_level(self) -> bool:
        return self.kind in (CONTAINER, DIRECTORY)


def _safe(text: str) -> str:
    return clean_line(text.replace("\n", " "))


def _step(level: str, name: str) -> str:
    """The entry of the level `level` on the way to `name`: ("a/", "a/b/c.txt") → "a/b/"."""
    rest = name[len(level):]
    cut = rest.find("/")
    return level + rest[: cut + 1] if cut >= 0 else name


def _dirs_of(prefix: str) -> list[str]:
    """The directory prefixes on the way to `prefix`: "a/b/c" → ["a/", "a/b/"]."""
    parts = prefix.split("/")[:-1]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


class StorageScreen(ModalScreen[None]):
    """Browse a storage account's containers and blobs; open a blob in the log view, save it.

    `container`/`prefix`: expand the way down to there (a prefix that ends inside a name puts the cursor on
    its first match). `format_time`: how a modified time is shown (None: not at all). `limit`: entries
    listed in one level. The store is the caller's: it is not closed here."""

    BINDINGS = [
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
        self._expand_wanted: set[tuple[str, str]] = set()  # levels to expand as they appear
        self._cursor_wanted: tuple[str, str] | None = None  # the node to put the cursor on as it appears
        self._jump: tuple[str, str] | None = None  # (container, prefix) being expanded the way down to
        if self.container:
            self._jump = (self.container, self.prefix)
            dirs = _dirs_of(self.prefix)
            self._expand_wanted = {(self.container, ""), *((self.container, d) for d in dirs)}
            self._cursor_wanted = (self.container, dirs[-1] if dirs else "")

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text(_safe(self.heading)), id="storage-title")
        tree: Tree[Entry] = Tree(Text(_safe(self.heading)), id="storage-tree")
        tree.show_root = False
        tree.auto_expand = True
        yield tree
        yield Static(Text("listing the containers…", style="dim"), id="storage-status")
        yield Footer()

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
            root.add_leaf(Text(f"⚠ cannot list the containers: {_safe(str(error))}", style="bold red"),
                          data=Entry(ERROR, "", ""))
            self.notify(f"cannot list the containers: {_safe(str(error))}", severity="error", timeout=8)
        names = {row.name for row in rows}
        if self.container and self.container not in names:
            # Not listed (missing, or the credential may not list containers): try it all the same;
            # its listing says what is wrong.
            rows.insert(0, ContainerRow(self.container))
        for row in rows:
            self._add_container(root, row)
        listed = {row.name for row in rows}
        self._expand_wanted = {key for key in self._expand_wanted if key[0] in listed}
        if self._cursor_wanted is not None and self._cursor_wanted[0] not in listed:
            self._cursor_wanted = None
        if more:
            root.add_leaf(Text(f"… more than {self.limit:,} containers: the first {self.limit:,} are shown",
                               style="dim italic"), data=Entry(NOTE, ""))
        if error is None:
            count = len(names)
            what = f"{count:,}{'+' if more else ''} container{'s' if count != 1 else ''}"
            self._status(Text(f"{what}  ·  enter opens a blob in the log view, s saves it", style="dim"))
        else:
            self._status(Text(f"cannot list the containers: {_safe(str(error))}", style="bold red"))

    def _add_container(self, root: TreeNode[Entry], row: ContainerRow) -> None:
        label = Text(_safe(row.name), style="bold")
        if row.last_modified is not None and self.format_time is not None:
            label.append(f"  {self.format_time(row.last_modified)}", style="dim")
        node = root.add(label, data=Entry(CONTAINER, row.name, "", row), allow_expand=True)
        self._appeared(node)

    # -- levels ------------------------------------------------------------------------------
    @on(Tree.NodeExpanded, "#storage-tree")
    def _expanded(self, event: Tree.NodeExpanded) -> None:
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
        where = _safe(f"{entry.container}/{entry.prefix}")
        if error is not None:
            node.add_leaf(Text(f"⚠ {_safe(str(error))}  (enter: try again)", style="bold red"),
                          data=Entry(ERROR, entry.container, entry.prefix))
            self.notify(f"cannot list {where}: {_safe(str(error))}", severity="error", timeout=8)
            self._status(Text(f"cannot list {where}: {_safe(str(error))}", style="bold red"))
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
        width = min(NAME_WIDTH, max((len(_safe(row.basename)) for row in blobs), default=0))
        for row in dirs:
            child = node.add(Text(_safe(row.basename), style="bold"),
                             data=Entry(DIRECTORY, entry.container, row.name, row), allow_expand=True)
            self._appeared(child)
        for row in blobs:
            child = node.add_leaf(self._blob_label(row, width), data=Entry(BLOB, entry.container, row.name, row))
            self._appeared(child)

    def _blob_label(self, row: BlobRow, width: int) -> Text:
        text = Text(_safe(row.basename).ljust(width))
        text.append(f"  {human_size(row.size):>10}", style="cyan")
        if row.last_modified is not None and self.format_time is not None:
            text.append(f"  {self.format_time(row.last_modified)}", style="dim")
        return text

    def _appeared(self, node: TreeNode[Entry]) -> None:
        """A node was added: expand it, or put the cursor on it, when a jump or a reload asked for that."""
        entry = node.data
        if entry is None:
            return
        if entry.is_level and entry.key in self._expand_wanted:
            self._expand_wanted.discard(entry.key)
            node.expand()
        if entry.key == self._cursor_wanted:
            self._cursor_wanted = None
            self._move_cursor(node)

    def _settle(self, node: TreeNode[Entry]) -> None:
        """After a level loaded (or failed to): forget the wishes (of a jump or a reload) to expand or land on
        what is not in it; on the way of a jump, say when the next directory down is not there; at the end of
        the way, a prefix that ends inside a name puts the cursor on its first match."""
        entry = node.data
        assert entry is not None
        container, level = entry.key
        present = {child.data.prefix for child in node.children
                   if child.data is not None and child.data.kind in (DIRECTORY, BLOB)}

        def gone(key: tuple[str, str] | None) -> bool:
            if key is None or key[0] != container or key[1] == level or not key[1].startswith(level):
                return False
            return not entry.loaded or _step(level, key[1]) not in present

        self._expand_wanted = {key for key in self._expand_wanted if not gone(key)}
        if gone(self._cursor_wanted):
            self._cursor_wanted = None
        if self._jump is None or self._jump[0] != container:
            return
        prefix = self._jump[1]
        dirs = _dirs_of(prefix)
        if level and level not in dirs:
            return
        if not entry.loaded:  # the listing failed: the tree and a notification say why
            self._jump = None
            return
        depth = dirs.index(level) + 1 if level else 0
        if depth < len(dirs):
            if dirs[depth] not in present:
                self._jump = None
                self._move_cursor(node)
                self.notify(f"nothing under {_safe(dirs[depth])} in container {_safe(container)}",
                            severity="warning", timeout=6)
            return
        self._jump = None
        if prefix and not prefix.endswith("/"):
            match = next((child for child in node.children if child.data is not None
                          and child.data.kind in (DIRECTORY, BLOB) and child.data.prefix.startswith(prefix)), None)
            if match is not None:
                self._move_cursor(match)
            else:
                self._move_cursor(node)
                self.notify(f"nothing under {_safe(prefix)} in container {_safe(container)}",
                            severity="warning", timeout=6)

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
    def _selected(self, event: Tree.NodeSelected) -> None:
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
            self.notify(f"saved {size:,} bytes to {_safe(path)}", timeout=6)

    def action_reload(self) -> None:
        """List again; what was expanded is expanded again and the cursor goes back where it was."""
        wanted = {node.data.key for node in self._all_nodes()
                  if node.data is not None and node.data.is_level and node.is_expanded}
        self._expand_wanted = wanted
        entry = self._cursor_entry()
        self._cursor_wanted = entry.key if entry is not None and entry.kind in (CONTAINER, DIRECTORY, BLOB) else None
        self._jump = None
        self._generation += 1
        self.workers.cancel_group(self, "storage-level")
        self._list_containers(self._generation)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_cursor_down(self) -> None:
        self.blob_tree.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.blob_tree.action_cursor_up()
