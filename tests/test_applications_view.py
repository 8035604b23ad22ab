"""The applications view against the emulator and Azurite: it lists the applications (Batch's data plane)
and their versions with state, activation and the default (the package store); `u` uploads a zip as a new
version and makes it the default, and a task naming the application without a version then runs the new
package's files; `m` changes the default; snapshots at 80x24 and 120x40."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.batch import models as m
from azure.storage.blob import BlobServiceClient
from conftest import add_task, make_job, make_pool, start_emulator, wait_task
from screen_probe import line_with, screen_lines
from textual.app import App
from textual.widgets import Input
from ui_helpers import service_for, until

from batchtui.azurite import Azurite, ensure_azurite, find_azurite
from batchtui.service.applications import PackageStore
from batchtui.service.storage import BlobStore
from batchtui.ui.screens.applications_view import ApplicationsScreen
from batchtui.ui.screens.transfer import TransferScreen

pytestmark = pytest.mark.skipif(
    find_azurite() is None and not (shutil.which("node") and shutil.which("npm")),
    reason="Azurite (the blob store these tests need) needs Node.js: node and npm are not on PATH",
)
STAMP = "2026-11-23 10:00:00"


def package(text: str) -> bytes:
    """A zip with bin/run.sh printing `text` (fixed dates: the same bytes every time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        info = zipfile.ZipInfo("bin/run.sh", date_time=(2026, 1, 1, 0, 0, 0))
        info.external_attr = 0o100755 << 16
        zf.writestr(info, f"#!/bin/sh\necho {text}\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    ensure_azurite()
    with Azurite().start(tmp_path_factory.mktemp("azurite")) as storage:
        yield storage


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory, azurite: Azurite):
    blobs = BlobServiceClient.from_connection_string(azurite.connection_string)
    store = blobs.create_container("batchtui-applications")
    store.upload_blob("wordcount/1.0.zip", package("wordcount 1.0"))
    store.upload_blob("wordcount/1.1.zip", package("wordcount 1.1"))
    store.upload_blob("wordcount/application.json", json.dumps({"displayName": "Word count",
                                                                "defaultVersion": "1.0"}))
    store.upload_blob("render/2024.1.zip", package("render"))
    emu = start_emulator(tmp_path_factory.mktemp("apps-emulator"), storage_connection_string=azurite.connection_string)
    yield emu
    assert emu.stop() == 0


class Host(App):
    def __init__(self, emu, connection_string: str, *, no_store: bool = False, **options) -> None:
        super().__init__()
        self.emu, self.connection_string, self.options = emu, connection_string, options
        self.no_store = no_store
        self.closers: list = []
        self.notes: list[str] = []

    def on_mount(self) -> None:
        service = service_for(self.emu)
        store = BlobStore.from_connection_string(self.connection_string, retries=0)
        self.closers += [service, store]
        packages = None if self.no_store else PackageStore(store)
        self.push_screen(ApplicationsScreen(service, packages, title="Applications of emulator",
                                            format_time=lambda when: STAMP, **self.options))

    def notify(self, message, *args, **kwargs) -> None:
        self.notes.append(str(message))
        super().notify(message, *args, **kwargs)

    async def on_unmount(self) -> None:
        for closer in self.closers:
            await closer.close()


async def listed(pilot) -> ApplicationsScreen:
    app = pilot.app
    screen = await until(pilot, lambda: isinstance(app.screen, ApplicationsScreen) and app.screen, what="the view")
    await until(pilot, lambda: screen.listing is not None, what="the listing")
    await pilot.pause()
    return screen


def version_line(app, version: str) -> list[str]:
    """The words of the tree line of a version (the tree's guides left out)."""
    for line in screen_lines(app):
        words = line.lstrip(" │├└─▼▶").split()
        if words and words[0] == version:
            return words
    raise AssertionError(f"no line for version {version}:\n" + "\n".join(screen_lines(app)))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_of_the_applications_view(snap_compare, emu, azurite, size):
    async def run_before(pilot) -> None:
        await listed(pilot)

    assert snap_compare(Host(emu, azurite.connection_string), terminal_size=size, run_before=run_before)


def test_snapshot_of_the_upload_dialog(snap_compare, emu, azurite):
    async def run_before(pilot) -> None:
        await listed(pilot)
        await pilot.press("u")
        await until(pilot, lambda: isinstance(pilot.app.screen, TransferScreen), what="the dialog")
        await pilot.press(*"2.0")  # (the dialog opens on the first empty field: the version)
        await pilot.pause()

    assert snap_compare(Host(emu, azurite.connection_string), terminal_size=(80, 24), run_before=run_before)


async def test_lists_applications_versions_and_the_default(emu, azurite) -> None:
    app = Host(emu, azurite.connection_string)
    async with app.run_test(size=(120, 40)) as pilot:
        await listed(pilot)
        assert "2 applications, 3 versions" in line_with(app, "applications,")
        assert line_with(app, "wordcount").split("wordcount", 1)[1].split() == [
            "(Word", "count)", "2", "versions", "default", "1.0"]
        size = len(package("wordcount 1.0"))
        assert version_line(app, "1.0") == ["1.0", "active", "activated", *STAMP.split(), f"{size:,}", "B", "default"]
        assert version_line(app, "1.1") == ["1.1", "active", "activated", *STAMP.split(), f"{size:,}", "B"]
        assert version_line(app, "2024.1")[:2] == ["2024.1", "active"]


async def test_the_upload_dialog_opens_on_the_first_empty_field(emu, azurite) -> None:
    app = Host(emu, azurite.connection_string)
    async with app.run_test(size=(120, 40)) as pilot:
        await listed(pilot)
        await pilot.press("u")
        dialog = await until(pilot, lambda: isinstance(app.screen, TransferScreen) and app.screen, what="dialog")
        await pilot.pause()
        assert app.focused is dialog.query_one("#ask-version", Input)
        application = dialog.query_one("#ask-app", Input).value
        assert application
        await pilot.press(*"2.0")
        assert dialog.query_one("#ask-version", Input).value == "2.0"
        assert dialog.query_one("#ask-app", Input).value == application  # (the prefilled name is kept)


async def test_upload_a_version_from_the_view_then_a_task_runs_it(emu, azurite, tmp_path: Path) -> None:
    archive = tmp_path / "tool.zip"
    archive.write_bytes(package("tool 2.0 here"))
    app = Host(emu, azurite.connection_string)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await listed(pilot)
        await pilot.press("u")
        dialog = await until(pilot, lambda: isinstance(app.screen, TransferScreen) and app.screen, what="dialog")
        for name, value in (("app", "tool"), ("version", "2.0"), ("zip", str(archive)), ("default", "y")):
            dialog.query_one(f"#ask-{name}", Input).value = value
        dialog.query_one("#ask-default", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen, what="the upload")
        assert f"uploaded tool 2.0 ({archive.stat().st_size:,} bytes), now the default" in app.notes
        await until(pilot, lambda: screen.listing is not None and screen.listing.find("tool"), what="tool listed")
        await pilot.pause()
        assert "default 2.0" in line_with(app, "tool")

        # the same version again: it says what would be replaced, and only a second enter replaces it
        await pilot.press("u")
        dialog = await until(pilot, lambda: isinstance(app.screen, TransferScreen) and app.screen, what="dialog")
        for name, value in (("app", "tool"), ("version", "2.0"), ("zip", str(archive)), ("default", "n")):
            dialog.query_one(f"#ask-{name}", Input).value = value
        dialog.query_one("#ask-default", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: "overwritten" in dialog.message(), what="the question")
        assert dialog.message().startswith("1 version exists and would be overwritten (tool/2.0.zip)")
        await pilot.press("escape")

    client = emu.client()
    job_id = make_job(client, make_pool(client, nodes=1))
    add_task(client, job_id, "uses-tool", "/bin/sh -c '\"$AZ_BATCH_APP_PACKAGE_tool/bin/run.sh\"'",
             application_package_references=[m.BatchApplicationPackageReference(application_id="tool")])
    task = wait_task(client, job_id, "uses-tool")
    assert task.execution_info.exit_code == 0, task.execution_info
    assert b"".join(client.download_task_file(job_id, "uses-tool", "stdout.txt")) == b"tool 2.0 here\n"


async def test_m_makes_the_cursor_version_the_default(emu, azurite) -> None:
    app = Host(emu, azurite.connection_string)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await listed(pilot)
        tree = screen.apps_tree
        node = next(n for n in tree.root.children[0].parent.children if n.data == ("wordcount", ""))
        leaf = next(n for n in node.children if n.data == ("wordcount", "1.1"))
        tree.move_cursor(leaf)
        await pilot.press("m")
        await until(pilot, lambda: "wordcount: the default version is 1.1" in app.notes, what="the change")
        await until(pilot, lambda: "default 1.1" in "\n".join(screen_lines(app)), what="the new default shown")
        assert tree.cursor_node is not None and tree.cursor_node.data == ("wordcount", "1.1")
    assert emu.client().get_application("wordcount").versions == ["1.0", "1.1"]



async def test_a_read_only_account_refuses_uploads(emu, azurite) -> None:
    app = Host(emu, azurite.connection_string, read_only=True, why_read_only="read-only mode")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await listed(pilot)
        for key in ("u", "m"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen
        assert app.notes[-2:] == ["upload: not here (read-only mode)", "make default: not here (read-only mode)"]


def test_pool_details_show_its_package_references() -> None:
    from batchtui.ui.widgets.details import pool_details

    text = pool_details({"id": "p", "applicationPackageReferences": [
        {"applicationId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Batch/batchAccounts/a/applications/"
                          "wordcount", "version": "1.0"},
        {"applicationId": "render"}]}).plain.splitlines()
    assert [line.split() for line in text if line.startswith("package")] == [
        ["package", "wordcount", "1.0"], ["package", "render", "(default", "version)"]]


async def test_the_trees_applications_leaf_opens_the_view(emu, azurite, monkeypatch) -> None:
    from dataclasses import replace

    from ui_helpers import account_for

    from batchtui.ui.app import BatchApp
    from batchtui.ui.views import JOBS, ViewKey
    from batchtui.ui.widgets.nav_tree import NavTree

    monkeypatch.setenv("BATCHTUI_TEST_STORAGE", azurite.connection_string)
    account = replace(account_for(emu), storage_connection_string_env="BATCHTUI_TEST_STORAGE")
    app = BatchApp([account], {account.name: service_for(emu)}, refresh_seconds=60, start=ViewKey("emu", JOBS))
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.query_one(NavTree)
        leaf = await until(pilot, lambda: next((n for n in tree.root.children[0].children
                                                if n.data is not None and n.data.kind == "applications"), None),
                           what="the Applications leaf")
        tree.move_cursor(leaf)
        tree.focus()
        await pilot.press("enter")
        screen = await listed(pilot)
        assert screen.heading == "Applications of emu" and screen.listing is not None and screen.listing.store
        assert "wordcount" in line_with(app, "wordcount") and "package store" in line_with(app, "applications,")


async def test_without_a_package_store_versions_are_names_and_uploads_say_why(emu, azurite) -> None:
    app = Host(emu, azurite.connection_string, no_store=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await listed(pilot)
        assert version_line(app, "1.0") == ["1.0"]  # no state, no activation: the data plane has none
        assert "management plane" in line_with(app, "versions by name only")
        await pilot.press("u")
        await pilot.pause()
        assert app.screen is screen and "no package store here" in app.notes[-1]
