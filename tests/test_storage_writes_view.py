"""The storage browser's writes, driven by keys against Azurite: `n` creates a container, `u` uploads a
folder (and asks before overwriting, saying how many), `D` downloads a directory as a folder (the same
bytes), `space` + `d` deletes marked blobs after a confirmation; a read-only account refuses each."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient
from screen_probe import line_with
from textual.app import App
from ui_helpers import until

from batchtui.azurite import Azurite, ensure_azurite, find_azurite
from batchtui.service.storage import BlobStore
from batchtui.ui.screens.confirm import ConfirmScreen
from batchtui.ui.screens.storage_writes import StorageWritesScreen
from batchtui.ui.screens.transfer import TransferScreen

pytestmark = pytest.mark.skipif(
    find_azurite() is None and not (shutil.which("node") and shutil.which("npm")),
    reason="Azurite (the blob store these tests need) needs Node.js: node and npm are not on PATH",
)


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    ensure_azurite()
    with Azurite().start(tmp_path_factory.mktemp("azurite")) as storage:
        yield storage


class Host(App):
    def __init__(self, connection_string: str, **options) -> None:
        super().__init__()
        self.connection_string = connection_string
        self.options = options
        self.store: BlobStore | None = None
        self.notes: list[str] = []

    def on_mount(self) -> None:
        self.store = BlobStore.from_connection_string(self.connection_string, retries=0)
        self.push_screen(StorageWritesScreen(self.store, **self.options))

    def notify(self, message, *args, **kwargs) -> None:
        self.notes.append(str(message))
        super().notify(message, *args, **kwargs)

    async def on_unmount(self) -> None:
        if self.store is not None:
            await self.store.close()


def make_tree(root: Path) -> dict[str, bytes]:
    files = {"a.txt": b"alpha\n", "sub/b.bin": bytes(range(256)) * 100, "sub/c.txt": b"c\n"}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


def node_named(screen: StorageWritesScreen, text: str):
    found = [n for n in screen._all_nodes() if text in str(n.label).split()]
    return found[0] if found else None


async def on_node(pilot, screen: StorageWritesScreen, text: str):
    node = await until(pilot, lambda: node_named(screen, text), what=f"{text} in the tree")
    screen.blob_tree.move_cursor(node)
    await pilot.pause()
    return node


async def type_into(pilot, text: str) -> None:
    screen = pilot.app.screen
    field = screen.query("Input").first()
    field.value = text
    await pilot.press("enter")


async def test_create_upload_overwrite_download_and_delete_from_keys(azurite: Azurite, tmp_path: Path) -> None:
    files = make_tree(tmp_path / "inputs")
    blobs = BlobServiceClient.from_connection_string(azurite.connection_string)
    app = Host(azurite.connection_string)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await until(pilot, lambda: isinstance(app.screen, StorageWritesScreen) and app.screen,
                             what="the storage screen")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TransferScreen), what="the container dialog")
        await type_into(pilot, "work")
        await until(pilot, lambda: node_named(screen, "work"), what="the new container")
        assert "created container work" in app.notes
        assert blobs.get_container_client("work").exists()

        await on_node(pilot, screen, "work")
        await pilot.press("u")
        dialog = await until(pilot, lambda: isinstance(app.screen, TransferScreen) and app.screen, what="upload")
        await type_into(pilot, str(tmp_path / "inputs"))
        await until(pilot, lambda: app.screen is screen, what="the upload to finish")
        assert any(n.startswith("uploaded 3 files") for n in app.notes), app.notes
        names = sorted(b.name for b in blobs.get_container_client("work").list_blobs())
        assert names == ["inputs/a.txt", "inputs/sub/b.bin", "inputs/sub/c.txt"]

        (tmp_path / "inputs" / "a.txt").write_bytes(b"changed\n")
        await on_node(pilot, screen, "work")
        await pilot.press("u")
        dialog = await until(pilot, lambda: isinstance(app.screen, TransferScreen) and app.screen, what="upload")
        await type_into(pilot, str(tmp_path / "inputs"))
        await until(pilot, lambda: "overwritten" in dialog.message(), what="the overwrite question")
        assert dialog.message().startswith("3 blobs exist and would be overwritten (inputs/a.txt, ")
        assert blobs.get_blob_client("work", "inputs/a.txt").download_blob().readall() == b"alpha\n"
        await pilot.press("enter")  # the second enter overwrites
        await until(pilot, lambda: app.screen is screen, what="the overwrite to finish")
        assert blobs.get_blob_client("work", "inputs/a.txt").download_blob().readall() == b"changed\n"

        await on_node(pilot, screen, "work")
        await pilot.press("enter")  # expands the container
        await on_node(pilot, screen, "inputs/")
        await pilot.press("D")
        dialog = await until(pilot, lambda: isinstance(app.screen, TransferScreen) and app.screen, what="download")
        await type_into(pilot, str(tmp_path / "out"))
        await until(pilot, lambda: app.screen is screen, what="the download to finish")
        got = {p.relative_to(tmp_path / "out" / "inputs").as_posix(): p.read_bytes()
               for p in (tmp_path / "out").rglob("*") if p.is_file()}
        assert got == {**files, "a.txt": b"changed\n"}
        await pilot.press("D")  # again: the files are there now
        dialog = await until(pilot, lambda: isinstance(app.screen, TransferScreen) and app.screen, what="download")
        await type_into(pilot, str(tmp_path / "out"))
        await until(pilot, lambda: "overwritten" in dialog.message(), what="the overwrite question")
        assert dialog.message().startswith("3 files exist and would be overwritten")
        await pilot.press("escape")

        await on_node(pilot, screen, "inputs/")
        await pilot.press("enter")
        await on_node(pilot, screen, "a.txt")
        await pilot.press("space")
        await pilot.pause()
        assert "●" in line_with(app, "a.txt")
        await pilot.press("d")
        confirm = await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen, what="confirm")
        assert "Delete 1 blob from container work?" in str(confirm.query_one("#message").render())
        line_with(app, "inputs/a.txt")  # the dialog lists what it deletes
        await pilot.press("y")
        await until(pilot, lambda: any(n.startswith("deleted 1 blob") for n in app.notes), what="the delete")
        names = sorted(b.name for b in blobs.get_container_client("work").list_blobs())
        assert names == ["inputs/sub/b.bin", "inputs/sub/c.txt"]


async def test_a_read_only_account_refuses_writes(azurite: Azurite) -> None:
    app = Host(azurite.connection_string, read_only=True, why_read_only="account emu is read-only")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await until(pilot, lambda: isinstance(app.screen, StorageWritesScreen) and app.screen,
                             what="the storage screen")
        await until(pilot, lambda: screen.blob_tree.root.children, what="the listing")
        for key in ("n", "u", "d"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen
        assert app.notes[-3:] == [
            "new container: not here (account emu is read-only)",
            "upload: not here (account emu is read-only)",
            "delete: not here (account emu is read-only)",
        ]
