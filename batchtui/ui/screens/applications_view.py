"""The applications of a Batch account, as a tree: Applications → application → its package versions
(state, last activation, size, which is the default).

The list comes from Batch's data plane (GET /applications); the versions' state and activation, uploads and
the default version come from the package store (`PackageStore`: the emulator's `batchtui-applications`
container in the linked storage account). Without one (a real account: that is the management plane's
business) the versions are shown by name and the view says so; `u` and `m` then refuse with that reason.

Keys: `u` uploads a zip as a new version (a dialog: application, version, zip, whether it becomes the
default; a progress bar; an existing version is only replaced after a second `enter`), `m` makes the
cursor's version the default, `r` lists again, `escape` goes back. A read-only account refuses writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static, Tree

from ...service.applications import PackageStore, check_names, list_applications
from ...service.client import BatchService
from ...service.errors import OTHER, ServiceError
from ..model.applications import MANAGEMENT_NOTE, AppEntry, Listing, app_label, version_label
from ..model.blob_tree import default_time_format
from ..model.log_buffer import one_line
from ..widgets.key_footer import KeyFooter
from .transfer import Ask, Plan, Progress, TransferScreen

__all__ = ["ApplicationsScreen"]

Node = tuple[str, str]  # (application id, version or "")


class ApplicationsScreen(ModalScreen[None]):
    """The account's applications and package versions; upload a version, make one the default."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back"),
        Binding("u", "upload", "Upload version"),
        Binding("m", "make_default", "Make default"),
        Binding("r", "reload", "Reload"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
    DEFAULT_CSS = """
    ApplicationsScreen { background: $surface; layout: vertical; }
    ApplicationsScreen > #apps-title { height: 1; padding: 0 1; background: $primary-background; text-style: bold; }
    ApplicationsScreen > Tree { height: 1fr; }
    ApplicationsScreen > #apps-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, service: BatchService, packages: PackageStore | None, *, title: str = "Applications",
                 read_only: bool = False, why_read_only: str = "the account is read-only",
                 format_time: Callable[[datetime], str] | None = default_time_format) -> None:
        super().__init__()
        self.service = service
        self.packages = packages
        self.heading = title
        self.read_only = read_only
        self.why_read_only = why_read_only
        self.format_time = format_time
        self.listing: Listing | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(one_line(self.heading)), id="apps-title", markup=False)
        tree: Tree[Node] = Tree(Text("Applications", style="bold"), id="apps-tree", data=("", ""))
        tree.guide_depth = 3
        yield tree
        yield Static(Text("listing the applications…", style="dim"), id="apps-status", markup=False)
        yield KeyFooter()

    @property
    def apps_tree(self) -> Tree[Node]:
        return self.query_one("#apps-tree", Tree)

    def on_mount(self) -> None:
        self.apps_tree.focus()
        self._load()

    def _status(self, text: str, style: str = "dim") -> None:
        self.query_one("#apps-status", Static).update(Text(one_line(text), style=style))

    # -- listing -----------------------------------------------------------------------------
    async def read_listing(self) -> Listing:
        """The applications (data plane) and, from the package store when there is one, their versions."""
        rows = await list_applications(self.service)
        store = self.packages is not None and await self.packages.exists()
        apps = [AppEntry(row) for row in rows]
        if store and self.packages is not None:
            packages = self.packages

            async def read(entry: AppEntry) -> None:
                entry.versions, entry.default = await asyncio.gather(
                    packages.versions(entry.row.id), packages.default_version(entry.row.id))

            await asyncio.gather(*(read(entry) for entry in apps))
        else:
            for entry in apps:
                entry.default = entry.row.default_version
        return Listing(apps, store)

    @work(exclusive=True, group="apps-list", exit_on_error=False)
    async def _load(self, cursor: Node | None = None) -> None:
        self._status("listing the applications…")
        try:
            listing = await self.read_listing()
        except ServiceError as err:
            self._fail(err)
            return
        except Exception as err:  # noqa: BLE001 - the view never takes the app down
            self._fail(ServiceError(OTHER, f"{type(err).__name__}: {err}"))
            return
        if not self.is_attached:
            return
        self.listing = listing
        self._show(listing, cursor)
        self._status(listing.summary())

    def _fail(self, err: ServiceError) -> None:
        if self.is_attached:
            self._status(f"cannot list the applications: {err}", "bold red")
            self.notify(f"cannot list the applications: {one_line(str(err))}", severity="error", timeout=8)

    def _show(self, listing: Listing, cursor: Node | None) -> None:
        tree = self.apps_tree
        cursor = cursor or (tree.cursor_node.data if tree.cursor_node is not None else None)
        tree.clear()
        root = tree.root
        root.set_label(Text.assemble(("Applications", "bold"), (f"  {len(listing.apps)}", "dim")))
        land = None
        for entry in listing.apps:
            node = root.add(app_label(entry), data=(entry.row.id, ""), expand=True)
            names = entry.names
            width = max((len(one_line(n)) for n in names), default=0)
            for name in names:
                leaf = node.add_leaf(version_label(entry, name, width, self.format_time), data=(entry.row.id, name))
                if cursor == (entry.row.id, name):
                    land = leaf
            if not names:
                node.add_leaf(Text("(no versions)", style="dim italic"), data=(entry.row.id, ""))
            if cursor == (entry.row.id, ""):
                land = node
        if not listing.apps:
            root.add_leaf(Text("(no applications)", style="dim italic"), data=("", ""))
        if not listing.store:
            root.add_leaf(Text(MANAGEMENT_NOTE, style="dim italic"), data=("", ""))
        root.expand()
        _ = tree.last_line
        land = land or (root.children[0] if listing.apps else None)  # else: the first application
        if land is not None:
            tree.move_cursor(land)

    # -- writes ------------------------------------------------------------------------------
    def _refused(self, what: str) -> bool:
        if self.read_only:
            self.notify(f"{what}: not here ({self.why_read_only})", severity="warning", timeout=5)
            return True
        if self.packages is None or (self.listing is not None and not self.listing.store):
            self.notify(f"{what}: this account has no package store here; {MANAGEMENT_NOTE}",
                        severity="warning", timeout=8)
            return True
        return False

    def cursor(self) -> Node:
        node = self.apps_tree.cursor_node
        return node.data if node is not None and node.data is not None else ("", "")

    def action_upload(self) -> None:
        if self._refused("upload") or self.packages is None:
            return
        packages = self.packages

        async def prepare(values: dict[str, str]) -> Plan:
            app_id, version = values["app"], values["version"]
            check_names(app_id, version)
            if not values["zip"]:
                raise ValueError("the package: a .zip file")
            existing = [v.version for v in await packages.versions(app_id)]
            replaces = [f"{app_id}/{version}.zip"] if version in existing else []
            default = values["default"].lower() in ("y", "yes")
            summary = f"uploading {app_id} {version}" + (" (then the default)" if default else "")
            return Plan(summary, replaces, (app_id, version, values["zip"], default))

        async def run(plan: Plan, overwrite: bool, progress: Progress) -> str:
            app_id, version, archive, default = plan.data
            sent = await packages.upload_version(app_id, version, archive, overwrite=overwrite, progress=progress)
            if default:
                await packages.set_default(app_id, version)
            return f"uploaded {app_id} {version} ({sent:,} bytes)" + (", now the default" if default else "")

        app_id = self.cursor()[0]
        self.app.push_screen(TransferScreen(
            "Upload a package version", "A zip becomes a version of an application (a new id makes a new one):",
            [Ask("app", "Application", app_id), Ask("version", "Version"), Ask("zip", "Zip file"),
             Ask("default", "Make it the default version (y/n)", "y")],
            prepare, run, what="version"), self._written(app_id))

    def _written(self, app_id: str) -> Callable[[str | None], None]:
        def done(answer: str | None) -> None:
            if answer is not None:
                self.notify(one_line(answer), timeout=6)
                self._load((app_id, ""))
        return done

    def action_make_default(self) -> None:
        if self._refused("make default") or self.packages is None:
            return
        app_id, version = self.cursor()
        if not version:
            self.notify("m makes a version the default: put the cursor on one", severity="warning", timeout=4)
            return
        self._set_default(app_id, version)

    @work(group="apps-write", exit_on_error=False)
    async def _set_default(self, app_id: str, version: str) -> None:
        assert self.packages is not None
        try:
            await self.packages.set_default(app_id, version)
        except ServiceError as err:
            self.notify(f"not changed: {one_line(str(err))}", severity="error", timeout=8)
            return
        self.notify(f"{app_id}: the default version is {version}", timeout=5)
        self._load((app_id, version))

    def action_reload(self) -> None:
        self._load()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_cursor_down(self) -> None:
        self.apps_tree.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.apps_tree.action_cursor_up()
