"""Blob storage in batchtui: BlobStore and BlobFollower (service/storage.py) and the storage browser
(StorageScreen), against a real Azurite (installed into batchtui's cache dir when missing)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator

import pytest
from azure.storage.blob import BlobServiceClient, ContentSettings
from textual.app import App
from textual.widgets import Input, Tree
from ui_helpers import until

from batchtui.azurite import Azurite, AzuriteUnavailable, ensure_azurite, find_azurite
from batchtui.service.blob_follower import OVERLAP, BlobFollower
from batchtui.service.errors import AUTH, NOT_FOUND, UNREACHABLE, ServiceError
from batchtui.service.storage import BlobRef, BlobStore
from batchtui.ui.screens.log_view import LogScreen, SaveScreen, default_save_name
from batchtui.ui.screens.storage_view import BLOB, ERROR, StorageScreen

pytestmark = pytest.mark.skipif(
    find_azurite() is None and not (shutil.which("node") and shutil.which("npm")),
    reason="Azurite (the blob store these tests need) needs Node.js: node and npm are not on PATH",
)

MiB = 1024 * 1024
BIG = os.urandom(9 * MiB + 123)  # more than two of BlobStore's 4 MiB GETs
LOG_LINES = "".join(f"line {i}\n" for i in range(1, 201)).encode()
SNAPSHOT_BLOBS = {
    "README.txt": b"r" * 42,
    "inputs/params.json": b"{}" * 300,
    "outputs/task-1/result.csv": b"c" * 1234,
    "outputs/task-1/stderr.txt": b"",
    "outputs/task-1/stdout.txt": b"o" * 5000,
    "outputs/task-2/result.csv": b"c" * 2048,
}


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    try:
        ensure_azurite()  # installs it into the cache dir the first time (~20 s)
        storage = Azurite().start(tmp_path_factory.mktemp("azurite"))
    except AzuriteUnavailable as exc:
        pytest.skip(f"Azurite unavailable: {exc.reason}")
    with storage:
        yield storage


@pytest.fixture(scope="module")
def blobs(azurite: Azurite) -> BlobServiceClient:
    """Every container the tests use, made up front (the snapshot shows the account's containers)."""
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    data = service.create_container("data")
    data.upload_blob("logs/app/stdout.txt", LOG_LINES,
                     content_settings=ContentSettings(content_type="text/plain"))
    data.upload_blob("logs/app/stderr.txt", b"warning: careful\n")
    data.upload_blob("logs/readme.md", b"# logs\n")
    data.upload_blob("top.txt", b"top\n")
    data.upload_blob("empty.txt", b"")
    data.upload_blob("big.bin", BIG)
    service.create_container("follow")
    snapshot = service.create_container("snapshot")
    for name, content in SNAPSHOT_BLOBS.items():
        snapshot.upload_blob(name, content)
    return service


async def new_store(azurite: Azurite) -> BlobStore:
    return BlobStore.from_connection_string(azurite.connection_string)


class Host(App):
    """A tiny app that pushes one StorageScreen (made once the app runs, so the store lives on its loop)."""

    def __init__(self, make) -> None:
        super().__init__()
        self._make = make
        self.stores: list[BlobStore] = []

    def on_mount(self) -> None:
        self.push_screen(self._make(self))

    async def on_unmount(self) -> None:
        for store in self.stores:
            await store.close()


def storage_app(connection_string: str, **options) -> Host:
    def make(app: Host) -> StorageScreen:
        store = BlobStore.from_connection_string(connection_string, retries=0)
        app.stores.append(store)
        return StorageScreen(store, **options)

    return Host(make)


def labels(node) -> list[str]:
    return [str(child.label) for child in node.children]


def child(node, text: str):
    found = [c for c in node.children if str(c.label).split()[0] == text]
    assert found, f"{text} not in {labels(node)}"
    return found[0]


def settled(screen: StorageScreen) -> bool:
    """Nothing loading, no jump under way."""
    return (screen._jump is None and screen._cursor_wanted is None and not screen._expand_wanted
            and not any(n.data is not None and n.data.loading for n in screen._all_nodes()))


async def open_storage(pilot) -> StorageScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, StorageScreen), what="the storage screen")
    screen = pilot.app.screen
    await until(pilot, lambda: screen.blob_tree.root.children and settled(screen), what="the listing")
    return screen


def capture_notifications(screen) -> list[str]:
    seen: list[str] = []
    original = screen.notify

    def notify(message, *args, **kwargs):
        seen.append(str(message))
        return original(message, *args, **kwargs)

    screen.notify = notify
    return seen


def status(screen) -> str:
    return str(screen.query_one("#storage-status").render())


# -- BlobStore ---------------------------------------------------------------------------------------


async def test_lists_containers_directories_and_blobs(azurite, blobs):
    async with await new_store(azurite) as store:
        assert store.account_name == azurite.account_name
        containers = await store.list_containers()
        assert {"data", "follow", "snapshot"} <= {c.name for c in containers}
        assert all(c.last_modified is not None for c in containers)

        top = await store.list_blobs("data")
        assert [(r.name, r.is_prefix, r.size) for r in top] == [
            ("logs/", True, None), ("big.bin", False, len(BIG)), ("empty.txt", False, 0), ("top.txt", False, 4),
        ]
        assert top[0].basename == "logs/" and top[1].last_modified is not None
        logs = await store.list_blobs("data", "logs/")
        assert [(r.name, r.is_prefix) for r in logs] == [("logs/app/", True), ("logs/readme.md", False)]
        assert [r.basename for r in logs] == ["app/", "readme.md"]
        app = await store.list_blobs("data", "logs/app/")
        assert {r.name: r.content_type for r in app} == {
            "logs/app/stderr.txt": "application/octet-stream", "logs/app/stdout.txt": "text/plain"}
        everything = await store.list_blobs("data", delimiter="")
        assert len(everything) == 6 and not any(r.is_prefix for r in everything)
        assert len(await store.list_blobs("data", limit=2)) == 2
        assert await store.list_blobs("data", "no-such-prefix/") == []


async def test_reads_ranges_and_properties(azurite, blobs):
    async with await new_store(azurite) as store:
        props = await store.blob_properties("data", "logs/app/stdout.txt")
        assert props.size == len(LOG_LINES) and props.etag and props.blob_type == "BlockBlob"
        assert props.content_type == "text/plain" and props.last_modified is not None
        assert await store.read_range("data", "logs/app/stdout.txt", 0, 6) == LOG_LINES[:7]
        assert await store.read_range("data", "logs/app/stdout.txt", 100) == LOG_LINES[100:]
        assert await store.read_range("data", "big.bin", 5 * MiB - 10, 5 * MiB + 9) == BIG[5 * MiB - 10: 5 * MiB + 10]
        # past the end: what there is, or nothing
        assert await store.read_range("data", "top.txt", 2, 100) == b"p\n"
        assert await store.read_range("data", "top.txt", 4, 10) == b""
        with pytest.raises(ServiceError) as caught:
            await store.read_range("data", "top.txt", 0, 1, etag='"not-the-etag"')
        assert caught.value.status == 412


async def test_downloads_byte_identical_with_progress(azurite, blobs, tmp_path):
    async with await new_store(azurite) as store:
        seen: list[tuple[int, int]] = []
        target = tmp_path / "big.bin"
        assert await store.download("data", "big.bin", str(target), lambda done, total: seen.append((done, total))) \
            == len(BIG)
        assert target.read_bytes() == BIG
        assert seen[0] == (0, len(BIG)) and seen[-1] == (len(BIG), len(BIG)) and len(seen) >= 4
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        # never over an existing file, unless asked
        target.write_bytes(b"mine")
        with pytest.raises(FileExistsError):
            await store.download("data", "top.txt", str(target))
        assert target.read_bytes() == b"mine"
        assert await store.download("data", "top.txt", str(target), overwrite=True) == 4
        assert target.read_bytes() == b"top\n"
        assert await store.download("data", "empty.txt", str(tmp_path / "empty")) == 0
        assert (tmp_path / "empty").read_bytes() == b""
        with pytest.raises(ServiceError) as caught:
            await store.download("data", "no-such-blob", str(tmp_path / "missing"))
        assert caught.value.kind == NOT_FOUND and "no-such-blob does not exist in container data" in str(caught.value)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["big.bin", "empty"]  # no temporary files left


async def test_failures_are_service_errors(azurite, blobs):
    async with await new_store(azurite) as store:
        with pytest.raises(ServiceError) as caught:
            await store.list_blobs("no-such-container")
        assert caught.value.kind == NOT_FOUND and str(caught.value) == "container no-such-container does not exist"
        with pytest.raises(ServiceError) as caught:
            await store.blob_properties("data", "nope.txt")
        assert caught.value.kind == NOT_FOUND and str(caught.value) == "blob nope.txt does not exist in container data"
        with pytest.raises(ServiceError) as caught:
            await store.blob_properties("no-such-container", "x")
        assert caught.value.code == "ContainerNotFound"
    async with BlobStore.from_key(azurite.blob_endpoint, azurite.account_name, "QUJDRA==") as wrong:
        with pytest.raises(ServiceError) as caught:
            await wrong.list_containers()
        assert caught.value.kind == AUTH and caught.value.status == 403
    dead = azurite.connection_string.replace(f":{azurite.port}/", ":1/")
    async with BlobStore.from_connection_string(dead, retries=0) as unreachable:
        with pytest.raises(ServiceError) as caught:
            await unreachable.list_containers()
        assert caught.value.kind == UNREACHABLE and "cannot reach the storage account" in str(caught.value)
    with pytest.raises(ServiceError) as caught:
        BlobStore.from_connection_string("this is no connection string")
    assert caught.value.kind == "invalid"


async def test_from_credential_takes_any_sdk_credential(azurite, blobs):
    from azure.core.credentials import AzureNamedKeyCredential

    credential = AzureNamedKeyCredential(azurite.account_name, azurite.account_key)
    async with BlobStore.from_credential(azurite.blob_endpoint, credential) as store:
        assert "snapshot" in {c.name for c in await store.list_containers()}


# -- BlobFollower -------------------------------------------------------------------------------------


async def test_follows_an_append_blob_fetching_only_new_bytes(azurite, blobs):
    blob = blobs.get_blob_client("follow", "append.log")
    blob.create_append_blob()
    async with await new_store(azurite) as store:
        follower = BlobFollower(store, "follow", "append.log")
        assert follower.ref == BlobRef("follow", "append.log") and "append.log" in follower.ref.describe()
        assert (await follower.poll()).data == b""
        blob.append_block(b"one\ntw")
        chunk = await follower.poll()
        got = (chunk.data, chunk.text, chunk.offset, chunk.size, chunk.truncated)
        assert got == (b"one\ntw", "one\ntw", 0, 6, False)
        assert follower.next_delay() == follower.min_delay
        blob.append_block(b"o\n\xc3")  # a UTF-8 character split across two appends stays whole
        chunk = await follower.poll()
        assert (chunk.data, chunk.text, chunk.offset) == (b"o\n\xc3", "o\n", 6)
        blob.append_block(b"\xa9t\xc3\xa9\n")
        chunk = await follower.poll()
        assert chunk.text == "été\n" and not chunk.truncated
        idle = await follower.poll()
        assert idle.data == b"" and idle.size == 14 and follower.next_delay() > follower.min_delay
        assert follower.bytes_fetched == 14  # each byte once
        assert follower.requests == 5 + 3  # a HEAD a poll, a GET a growth
        assert follower.flush() == ""


async def test_follows_a_reuploaded_blob_and_notices_truncation(azurite, blobs):
    container = blobs.get_container_client("follow")
    first = b"".join(f"row {i}\n".encode() for i in range(100))
    container.upload_blob("reup.txt", first)
    async with await new_store(azurite) as store:
        follower = BlobFollower(store, "follow", "reup.txt")
        assert (await follower.poll()).data == first
        grown = first + b"row 100\nrow 101\n"
        container.upload_blob("reup.txt", grown, overwrite=True)  # a new etag, the same bytes and more
        chunk = await follower.poll()
        assert (chunk.data, chunk.offset, chunk.truncated) == (b"row 100\nrow 101\n", len(first), False)
        assert follower.bytes_fetched == len(grown) + OVERLAP  # the new bytes, and the overlap that vouches for them
        container.upload_blob("reup.txt", grown, overwrite=True)  # re-uploaded unchanged: nothing new
        chunk = await follower.poll()
        assert chunk.data == b"" and not chunk.truncated
        container.upload_blob("reup.txt", b"short\n", overwrite=True)  # shrank: from the start again
        chunk = await follower.poll()
        assert (chunk.data, chunk.offset, chunk.truncated) == (b"short\n", 0, True)
        replaced = b"other\n" * 3
        container.upload_blob("reup.txt", replaced, overwrite=True)  # bigger, but not what we had
        chunk = await follower.poll()
        assert (chunk.data, chunk.offset, chunk.truncated) == (replaced, 0, True)
        container.delete_blob("reup.txt")
        chunk = await follower.poll()
        assert chunk.gone == "blob reup.txt does not exist in container follow"


async def test_starts_at_the_tail_with_whole_lines(azurite, blobs):
    blobs.get_container_client("follow").upload_blob("tail.txt", LOG_LINES)
    async with await new_store(azurite) as store:
        follower = BlobFollower(store, "follow", "tail.txt")
        follower.start_at_tail(30)
        chunk = await follower.poll()
        assert chunk.text == "line 198\nline 199\nline 200\n"
        assert chunk.offset == len(LOG_LINES) - 27 and chunk.size == len(LOG_LINES)
        assert follower.bytes_fetched <= 31
        capped = BlobFollower(store, "follow", "tail.txt", read_cap=100, poll_cap=300)
        chunk = await capped.poll()
        assert chunk.data == LOG_LINES[:300] and chunk.behind == len(LOG_LINES) - 300
        assert capped.next_delay() == 0  # behind: the next poll comes at once
        assert (await capped.poll()).data == LOG_LINES[300:600]


async def test_a_missing_container_is_gone(azurite, blobs):
    async with await new_store(azurite) as store:
        chunk = await BlobFollower(store, "no-such-container", "x.log").poll()
        assert chunk.gone == "container no-such-container does not exist"


# -- the storage browser -------------------------------------------------------------------------------


async def test_browse_expand_and_see_sizes(azurite, blobs):
    app = storage_app(azurite.connection_string)
    async with app.run_test(size=(110, 30)) as pilot:
        screen = await open_storage(pilot)
        tree = screen.query_one(Tree)
        assert {"data", "follow", "snapshot"} <= {str(n.label).split()[0] for n in tree.root.children}
        data = child(tree.root, "data")
        tree.move_cursor(data)
        await pilot.press("enter")
        await until(pilot, lambda: len(data.children) == 4 and settled(screen), what="the container's blobs")
        rows = labels(data)
        assert [r.split()[0] for r in rows] == ["logs/", "big.bin", "empty.txt", "top.txt"]
        assert "9.0 MiB" in rows[1] and "0 B" in rows[2] and "4 B" in rows[3]
        assert "data/: 1 directory, 3 blobs" in status(screen)
        logs = child(data, "logs/")
        tree.move_cursor(logs)
        await pilot.press("enter")
        await until(pilot, lambda: len(logs.children) == 2 and settled(screen), what="logs/")
        app_dir = child(logs, "app/")
        app_dir.expand()
        await until(pilot, lambda: len(app_dir.children) == 2, what="logs/app/")
        assert [r.split()[:3] for r in labels(app_dir)] == [["stderr.txt", "17", "B"], ["stdout.txt", "1.7", "KiB"]]


async def test_a_level_lists_at_most_limit_entries(azurite, blobs):
    app = storage_app(azurite.connection_string, container="data", limit=2, format_time=None)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_storage(pilot)
        data = child(screen.blob_tree.root, "data")
        assert [r.rstrip() for r in labels(data)] == [
            "logs/", "big.bin     9.0 MiB", "… more than 2 entries: the first 2 are shown"]
        assert "data/: 1 directory, 1 blob  (the first 2 entries: there are more)" in status(screen)


async def test_enter_opens_a_blob_in_the_log_view_and_follows_it(azurite, blobs, tmp_path):
    blob = blobs.get_blob_client("follow", "ui/live.log")
    blob.create_append_blob()
    blob.append_block(b"first\n")
    app = storage_app(azurite.connection_string, container="follow", prefix="ui/live")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_storage(pilot)
        node = screen.blob_tree.cursor_node
        assert node.data.kind == BLOB and node.data.prefix == "ui/live.log"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log view")
        log = app.screen
        assert log.ref == BlobRef("follow", "ui/live.log")
        assert "ui/live.log" in str(log.query_one("#log-title").render())
        await until(pilot, lambda: log.tail.lines == ["first"], what="the blob's content")
        blob.append_block(b"second\nthird\n")
        await until(pilot, lambda: log.tail.lines == ["first", "second", "third"], what="the new lines")
        assert isinstance(log.follower, BlobFollower) and log.follower.bytes_fetched == 19
        # `s` in the log view saves the whole blob
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SaveScreen), what="the save dialog")
        path_input = app.screen.query_one("#save-path", Input)
        assert path_input.value == os.path.join(".", "live.log")
        path_input.value = str(tmp_path / "live.log")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is log, what="the save to finish")
        assert (tmp_path / "live.log").read_bytes() == b"first\nsecond\nthird\n"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="back in the browser")


async def test_s_saves_a_blob_byte_identical_and_asks_before_overwriting(azurite, blobs, tmp_path):
    app = storage_app(azurite.connection_string, container="data", prefix="big.bin")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_storage(pilot)
        assert screen.blob_tree.cursor_node.data.prefix == "big.bin"
        notes = capture_notifications(screen)
        target = tmp_path / "big.bin"
        for attempt in range(2):
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, SaveScreen), what="the save dialog")
            dialog = app.screen
            path_input = dialog.query_one("#save-path", Input)
            assert path_input.value == os.path.join(".", "big.bin")
            path_input.value = str(target)
            await pilot.press("enter")
            if attempt == 1:  # it exists now: the dialog asks first
                await until(pilot, lambda dialog=dialog: "exists: press enter again" in
                            str(dialog.query_one("#save-message").render()), what="the overwrite question")
                assert app.screen is dialog
                await pilot.press("enter")
            await until(pilot, lambda: app.screen is screen, what="the save to finish")
            assert target.read_bytes() == BIG
        assert notes == [f"saved {len(BIG):,} bytes to {target}"] * 2
        assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]
        # on something else than a blob, `s` says what it is for
        screen.blob_tree.move_cursor(screen.blob_tree.root.children[0])
        await pilot.press("s")
        assert app.screen is screen and "s saves a blob" in notes[-1]


async def test_jump_to_a_prefix_and_reload_keeps_the_place(azurite, blobs):
    app = storage_app(azurite.connection_string, container="data", prefix="logs/app/")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_storage(pilot)
        cursor = screen.blob_tree.cursor_node
        assert (cursor.data.container, cursor.data.prefix) == ("data", "logs/app/") and cursor.is_expanded
        assert [r.split()[0] for r in labels(cursor)] == ["stderr.txt", "stdout.txt"]
        blobs.get_container_client("data").upload_blob("logs/app/zz-new.txt", b"new\n")
        try:
            await pilot.press("r")
            await until(pilot, lambda: screen.blob_tree.cursor_node is not cursor and settled(screen)
                        and screen.blob_tree.cursor_node.data.prefix == "logs/app/"
                        and len(screen.blob_tree.cursor_node.children) == 3, what="the reloaded tree")
            again = screen.blob_tree.cursor_node
            assert again.is_expanded and "zz-new.txt" in labels(again)[2]
            assert again.parent.is_expanded and again.parent.parent.is_expanded
        finally:
            blobs.get_container_client("data").delete_blob("logs/app/zz-new.txt")


async def test_missing_container_and_prefix_are_reported(azurite, blobs):
    app = storage_app(azurite.connection_string, container="no-such-container", prefix="out/")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StorageScreen), what="the storage screen")
        screen = app.screen
        notes = capture_notifications(screen)
        await until(pilot, lambda: screen.blob_tree.root.children and settled(screen), what="the listing")
        missing = child(screen.blob_tree.root, "no-such-container")
        assert len(missing.children) == 1 and missing.children[0].data.kind == ERROR
        assert "container no-such-container does not exist" in str(missing.children[0].label)
        assert "cannot list no-such-container/: container no-such-container does not exist" in status(screen)
        assert any("container no-such-container does not exist" in n for n in notes)
        # enter on the error tries again: once the container exists, it lists
        blobs.create_container("no-such-container").upload_blob("out/x.txt", b"x")
        try:
            screen.blob_tree.move_cursor(missing.children[0])
            await pilot.press("enter")
            await until(pilot, lambda: labels(missing)[:1] == ["out/"], what="the listing, after a retry")
        finally:
            blobs.delete_container("no-such-container")
        assert app.is_running

    app = storage_app(azurite.connection_string, container="data", prefix="logs/nothing/here/")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StorageScreen), what="the storage screen")
        notes = capture_notifications(app.screen)
        screen = await open_storage(pilot)
        assert notes == ["nothing under logs/nothing/ in container data"]
        assert child(screen.blob_tree.root, "data").is_expanded


async def test_an_unreachable_account_is_shown_not_raised(azurite):
    dead = azurite.connection_string.replace(f":{azurite.port}/", ":1/")
    app = storage_app(dead)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_storage(pilot)
        (only,) = screen.blob_tree.root.children
        assert only.data.kind == ERROR and "cannot reach the storage account" in str(only.label)
        assert "cannot list the containers" in status(screen)
        assert app.is_running


def test_default_save_name_of_a_blob():
    assert default_save_name(BlobRef("c", "a/b/out.txt")) == os.path.join(".", "out.txt")
    assert default_save_name(BlobRef("c", ".hidden")) == os.path.join(".", "hidden")


def test_snapshot_of_the_storage_tree(snap_compare, azurite, blobs):
    def make(app: Host) -> StorageScreen:
        store = BlobStore.from_connection_string(azurite.connection_string)
        app.stores.append(store)
        return StorageScreen(store, title="Storage: devstoreaccount1", container="snapshot",
                             prefix="outputs/task-1/", format_time=lambda when: "2025-01-02 03:04:05")

    async def run_before(pilot) -> None:
        deadline = time.monotonic() + 15
        while not (isinstance(pilot.app.screen, StorageScreen) and pilot.app.screen.blob_tree.root.children
                   and settled(pilot.app.screen)):
            assert time.monotonic() < deadline, "the tree did not load"
            await pilot.pause(0.05)
        await pilot.pause()

    assert snap_compare(Host(make), terminal_size=(80, 24), run_before=run_before)
