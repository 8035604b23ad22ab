"""The navigation tree: account → Pools → pool → nodes, account → Jobs → job → tasks, and, once the
account is known to have job schedules (or their view was shown), account → Job schedules → schedule → its
jobs; and leaves that open a screen: Applications (the applications view), Storage (the linked storage
account).

Children are loaded lazily: expanding a node posts Tree.NodeExpanded, the app
fetches in a worker and hands the result to `set_children`, which updates the
node in place (keyed by id) so expansion and the cursor survive a refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text, TextType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from .safe_text import inert, state_text

# Most children one tree node shows; the table shows the rest.
MAX_CHILDREN = 200


@dataclass(frozen=True)
class NavItem:
    kind: str  # account, pools, pool, node, jobs, job, task, schedules, schedule, applications, storage, more
    account: str
    ident: str = ""
    parent: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.account, self.ident, self.parent)


@dataclass(frozen=True)
class NavChild:
    item: NavItem
    label: str
    state: str = ""
    expandable: bool = False


def _label(child: NavChild) -> Text:
    text = Text(inert(child.label))
    if child.state:
        text.append(" ")
        text.append_text(state_text(child.state))
    return text


def _same_text(shown: object, new: Text) -> bool:
    return isinstance(shown, Text) and (shown.plain, shown.style, shown.spans) == (new.plain, new.style, new.spans)


class NavTree(Tree[NavItem]):
    """The tree; a label longer than the tree is wide ends in `…` (it does not scroll sideways)."""

    DEFAULT_CSS = """
    NavTree { width: 24%; min-width: 18; max-width: 34; border-right: vkey $foreground 20%; overflow-x: hidden; }
    """

    def __init__(self, accounts: list[str], with_storage: set[str] | None = None,
                 problems: dict[str, str] | None = None, *, with_applications: set[str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__("accounts", **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self._accounts = accounts
        self._with_storage = with_storage or set()
        self._problems = problems or {}  # account → why it cannot be reached (a missing key…)
        self._with_applications = with_applications or set()  # accounts that show the Applications leaf

    def on_mount(self) -> None:
        for name in self._accounts:
            node = self.root.add(Text(inert(name), style="bold"), NavItem("account", name), expand=True)
            if name in self._problems:  # nothing to load: say why, once, where the lists would be
                node.add_leaf(Text(f"⚠ {inert(self._problems[name])}", style="bold red"), NavItem("more", name))
                continue
            for label, kind in (("Pools", "pools"), ("Jobs", "jobs")):
                branch = node.add(label, NavItem(kind, name), allow_expand=True)
                branch.add_leaf("loading…", NavItem("more", name))
                branch.expand()  # posts NodeExpanded: the app loads the children
            if name in self._with_applications:
                node.add_leaf("Applications", NavItem("applications", name))
            if name in self._with_storage:
                node.add_leaf("Storage", NavItem("storage", name))
        self.root.expand()

    def process_label(self, label: TextType) -> Text:
        """A label given as a string is plain text, never markup (Tree's default parses it)."""
        return super().process_label(Text(inert(label)) if isinstance(label, str) else label)

    def render_label(self, node: TreeNode[NavItem], base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        depth, parent = 0, node.parent
        while parent is not None and (parent is not self.root or self.show_root):
            depth, parent = depth + 1, parent.parent
        room = self.scrollable_content_region.width - depth * self.guide_depth
        if room > 0 and label.cell_len > room:
            label.truncate(room, overflow="ellipsis")
        return label

    def ensure_schedules(self, account: str) -> TreeNode[NavItem] | None:
        """The account's "Job schedules" branch, added (collapsed, after Jobs) if it is not there yet;
        None for an account the tree does not list or cannot load."""
        found = self.find(NavItem("schedules", account))
        if found is not None:
            return found
        jobs = self.find(NavItem("jobs", account))
        if jobs is None or jobs.parent is None:
            return None
        siblings = list(jobs.parent.children)
        after = siblings.index(jobs)
        branch = jobs.parent.add("Job schedules", NavItem("schedules", account), after=after, allow_expand=True)
        branch.add_leaf("loading…", NavItem("more", account))
        return branch

    def find(self, item: NavItem) -> TreeNode[NavItem] | None:
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.data is not None and node.data.key == item.key:
                return node
            stack.extend(node.children)
        return None

    def put_cursor_on(self, node: TreeNode[NavItem]) -> None:
        """The cursor on `node` (nothing happens, and nothing repaints, when it is there)."""
        if self.cursor_node is node:
            return
        parent = node.parent
        while parent is not None:
            if not parent.is_expanded:
                return  # not shown: its line number is an old one
            parent = parent.parent
        if self.last_line >= 0 and node.line >= 0:  # (last_line lays the lines out anew if the tree changed)
            self.move_cursor(node)

    def set_children(self, parent: TreeNode[NavItem], children: list[NavChild]) -> None:
        """Make parent's children these, keeping the ones that stay (and their subtrees).
        Nothing that stays the same is set again (each set repaints)."""
        shown = children[:MAX_CHILDREN]
        wanted = {c.item.key: c for c in shown}
        trailer = None  # the dim leaf after the children, if any
        if len(children) > MAX_CHILDREN:
            trailer = Text(f"… {len(children) - MAX_CHILDREN} more in the table", style="dim")
        elif not children:
            trailer = Text("(none)", style="dim")
        kept_trailer = False
        for old in list(parent.children):
            if old.data is not None and old.data.kind == "more":
                if trailer is not None and not kept_trailer and _same_text(old.label, trailer):
                    kept_trailer = True
                    continue
                old.remove()
            elif old.data is None or old.data.key not in wanted:
                old.remove()
        existing = {n.data.key: n for n in parent.children if n.data is not None and n.data.kind != "more"}
        previous: TreeNode[NavItem] | None = None
        for child in shown:
            node = existing.get(child.item.key)
            if node is None:
                kwargs = {"after": previous} if previous is not None else {"before": 0} if parent.children else {}
                node = parent.add(_label(child), child.item, allow_expand=child.expandable, **kwargs)
                if child.expandable:
                    node.add_leaf("loading…", NavItem("more", child.item.account))
            else:
                self._relabel(node, child)
            previous = node
        if trailer is not None and not kept_trailer:
            parent.add_leaf(trailer, NavItem("more", parent.data.account if parent.data else ""))

    def relabel(self, parent: TreeNode[NavItem], children: list[NavChild]) -> None:
        """New labels (states) for those of parent's children that are among `children`; none added or removed."""
        by_key = {c.item.key: c for c in children}
        for node in parent.children:
            child = by_key.get(node.data.key) if node.data is not None else None
            if child is not None:
                self._relabel(node, child)

    @staticmethod
    def _relabel(node: TreeNode[NavItem], child: NavChild) -> None:
        label = _label(child)
        if not _same_text(node.label, label):  # an equal label set again still repaints
            node.set_label(label)
