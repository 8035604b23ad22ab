"""The tree tells the truth: its pools, jobs, job schedules, nodes and tasks carry the states of
the latest listing that had them (a refresh of the view that lists them, a
branch opened in the tree, or, while the table shows a pool's nodes or a job's
tasks, a listing of the pools or jobs every few refreshes), and the node of
the view the table shows holds the tree's cursor.

Labels are only set when they change, and the cursor only moves when the view
does, so a quiet tree writes nothing to the terminal.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from ...service.client import BatchService
from ...service.errors import ServiceError
from ...service.schedules import has_schedules
from ..views import JOBS, NODES, POOLS, SCHEDULES, TASKS, ViewKey
from ..widgets.nav_tree import NavChild, NavItem, NavTree

if TYPE_CHECKING:
    from ..app import BatchApp

# While a nodes or tasks view is shown, its account's pools or jobs are listed
# for the tree at most once in this many of the app's refresh intervals.
LIST_EVERY = 3


class Listed(Protocol):
    """A listed pool, job, node or task: all the tree needs of it."""

    @property
    def id(self) -> str: ...

    @property
    def state(self) -> str: ...


# A listing's kind → the kind of tree node that holds its rows, and the kind of theirs.
BRANCH = {POOLS: ("pools", "pool"), JOBS: ("jobs", "job"), NODES: ("pool", "node"), TASKS: ("job", "task"),
          SCHEDULES: ("schedules", "schedule")}


def branch_of(kind: str, parent: str) -> str:
    """The kind of tree node that holds a `kind` listing's rows (a schedule holds its jobs)."""
    return "schedule" if kind == JOBS and parent else BRANCH[kind][0]


def child_of(account: str, kind: str, parent: str, row: Listed) -> NavChild:
    """The tree's child for a row of a `kind` listing (under `parent`, for nodes and tasks)."""
    child = BRANCH[kind][1]
    if kind in (POOLS, JOBS, SCHEDULES):
        return NavChild(NavItem(child, account, row.id), row.id, row.state, True)
    # a task row has a result: a failed task shows as failed, as in the table
    state = "failed" if getattr(row, "result", None) == "failure" and row.state == "completed" else row.state
    return NavChild(NavItem(child, account, row.id, parent), row.id, state)


def item_of(view: ViewKey) -> NavItem:
    """The tree node that stands for `view`."""
    if view.kind == NODES:
        return NavItem("pool", view.account, view.parent)
    if view.kind == TASKS:
        return NavItem("job", view.account, view.parent)
    if view.kind == JOBS and view.parent:
        return NavItem("schedule", view.account, view.parent)
    return NavItem(view.kind, view.account)


class TreeSync:
    """Keeps the app's tree (`NavTree`) in step with what the refreshes fetch and with the current view."""

    def __init__(self, app: BatchApp) -> None:
        self.app = app
        self._listed_at: dict[tuple[str, str], float] = {}  # (account, POOLS or JOBS) → time.monotonic()

    def _tree(self) -> NavTree | None:
        trees = self.app.query(NavTree)  # none while the app shuts down
        return trees.first(NavTree) if trees else None

    def listed(self, account: str, kind: str, rows: Sequence[Listed], parent: str = "", complete: bool = True) -> None:
        """A listing of `account`'s pools or jobs, or of the nodes or tasks under `parent`
        (`kind` POOLS, JOBS, NODES or TASKS): the tree's node for it, if open, shows them
        and their states. `complete` False (part of a listing) only relabels the children
        the tree has."""
        if kind in (POOLS, JOBS) and not parent:
            self._listed_at[(account, kind)] = time.monotonic()
        tree = self._tree()
        if tree is not None and kind == SCHEDULES:
            tree.ensure_schedules(account)
            self.show_current(move=not tree.has_focus)  # the schedules view's node may have just appeared
        node = tree.find(NavItem(branch_of(kind, parent), account, parent)) if tree else None
        if tree is None or node is None or not node.is_expanded:
            return
        children = [child_of(account, kind, parent, r) for r in rows]
        if complete:
            tree.set_children(node, children)
        else:
            tree.relabel(node, children)
        self.show_current(move=not tree.has_focus)  # the current view's node may have just appeared

    async def sync(self, service: BatchService, view: ViewKey) -> None:
        """After a refresh of `view`: a nodes or tasks view lists its account's pools or
        jobs for the tree, if that branch is open and was not listed lately. A failed
        listing changes nothing (and raises nothing)."""
        kind = POOLS if view.kind == NODES else JOBS if view.kind == TASKS else None
        tree = self._tree()
        if kind is None or tree is None:
            return
        branch = tree.find(NavItem(kind, view.account))
        last = self._listed_at.get((view.account, kind))
        if branch is None or not branch.is_expanded or (
                last is not None and time.monotonic() - last < LIST_EVERY * self.app.refresh_seconds):
            return
        try:
            rows: Sequence[Listed] = await (service.list_pools() if kind == POOLS else service.list_jobs())
        except ServiceError:
            return  # the tree keeps its labels; the view's own refresh says what is wrong
        if self.app.ui_alive():
            self.listed(view.account, kind, rows)

    async def probe_schedules(self, account: str) -> None:
        """Show the account's "Job schedules" branch if it has any (one request; a failure shows nothing)."""
        service = self.app.services.get(account)
        try:
            found = service is not None and await has_schedules(service)
        except ServiceError:
            return
        tree = self._tree()
        if found and tree is not None and self.app.ui_alive():
            tree.ensure_schedules(account)
            self.show_current(move=not tree.has_focus)

    def show_current(self, move: bool = True) -> None:
        """The tree's cursor on the node of the app's view (if the tree shows it). With
        `move` False, only when the cursor is on no node yet."""
        tree = self._tree()
        node = tree.find(item_of(self.app.view)) if tree else None
        if tree is not None and node is not None and (move or tree.cursor_node is None):
            tree.put_cursor_on(node)
