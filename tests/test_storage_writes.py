"""Writes to storage and packages, through the service layer (no UI): blob_writes against Azurite
(upload / delete / folder download round trip, overwrite refused, container creation), file_operations
(deleting a task's and a node's file) and applications (a version uploaded to the emulator's package
store, made the default, then used by a task that names the application without a version)."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.batch import BatchClient
from azure.batch import models as m
from azure.core.exceptions import ResourceNotFoundError
from conftest import add_task, make_job, make_pool, start_emulator, wait_task
from ui_helpers import service_for

from batchtui.azurite import Azurite, ensure_azurite, find_azurite
from batchtui.service import blob_writes
from batchtui.service.applications import PackageStore, list_applications
from batchtui.service.errors import CONFLICT, NOT_FOUND, ServiceError
from batchtui.service.file_operations import delete_file
from batchtui.service.models import FileRef
from batchtui.service.storage import BlobStore

pytestmark = pytest.mark.skipif(
    find_azurite() is None and not (shutil.which("node") and shutil.which("npm")),
    reason="Azurite (the blob store these tests need) needs Node.js: node and npm are not on PATH",
)


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    ensure_azurite()
    with Azurite().start(tmp_path_factory.mktemp("azurite")) as storage:
        yield storage


@pytest.fixture(scope="module")
def storage_emulator(tmp_path_factory: pytest.TempPathFactory, azurite: Azurite):
    emu = start_emulator(tmp_path_factory.mktemp("writes-emulator"),
                         storage_connection_string=azurite.connection_string)
    yield emu
    assert emu.stop() == 0


@pytest.fixture(scope="module")
def batch(storage_emulator) -> BatchClient:
    return storage_emulator.client()


def make_tree(root: Path) -> dict[str, bytes]:
    files = {"a.txt": b"alpha\n", "sub/b.bin": bytes(range(256)) * 40, "sub/deeper/c.txt": b"", "z.csv": b"1,2\n"}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def package(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        info = zipfile.ZipInfo("bin/run.sh")
        info.external_attr = 0o100755 << 16
        zf.writestr(info, f"#!/bin/sh\necho {text}\n")
    return buffer.getvalue()


async def test_folder_upload_download_round_trip_and_overwrite_refused(azurite: Azurite, tmp_path: Path) -> None:
    source = tmp_path / "inputs"
    files = make_tree(source)
    async with BlobStore.from_connection_string(azurite.connection_string) as store:
        await blob_writes.create_container(store, "round")
        with pytest.raises(ServiceError) as caught:
            await blob_writes.create_container(store, "round")
        assert caught.value.kind == CONFLICT
        assert "round" in {c.name for c in await store.list_containers()}
        assert [i.blob for i in blob_writes.plan_upload(f"{source}/*.txt", "")] == ["a.txt"]
        assert [i.blob for i in blob_writes.plan_upload(f"{source}/[sz]*", "x/")] == [
            "x/sub/b.bin", "x/sub/deeper/c.txt", "x/z.csv"]
        with pytest.raises(FileNotFoundError):
            blob_writes.plan_upload(f"{source}/*.none")
        with pytest.raises(FileNotFoundError):
            blob_writes.plan_upload(tmp_path / "missing")
        items = blob_writes.plan_upload(source, "runs/1")
        assert [i.blob for i in items] == [f"runs/1/inputs/{rel}" for rel in sorted(files)]
        seen: list[tuple[int, int]] = []
        sent = await blob_writes.upload(store, "round", items, progress=lambda d, t: seen.append((d, t)))
        total = sum(len(d) for d in files.values())
        assert sent == total and seen[0] == (0, total) and seen[-1] == (total, total)
        assert await blob_writes.existing_blobs(store, "round", [i.blob for i in items]) == [i.blob for i in items]
        with pytest.raises(ServiceError) as caught:
            await blob_writes.upload(store, "round", items[:1])
        assert caught.value.kind == CONFLICT
        assert await blob_writes.upload(store, "round", items[:1], overwrite=True) == len(files["a.txt"])

        plan = await blob_writes.plan_download(store, "round", "runs/1/inputs/", tmp_path / "out")
        assert await blob_writes.download_prefix(store, "round", plan) == total
        assert read_tree(tmp_path / "out" / "inputs") == files
        assert blob_writes.existing_files(plan) and len(blob_writes.existing_files(plan)) == len(files)
        with pytest.raises(FileExistsError):
            await blob_writes.download_prefix(store, "round", plan)

        assert await blob_writes.delete_blobs(store, "round", ["runs/1/inputs/a.txt"]) == 1
        assert await blob_writes.delete_blobs(store, "round", ["runs/1/inputs/sub/"]) == 2
        left = [row.name for row in await store.list_blobs("round", "", delimiter="")]
        assert left == ["runs/1/inputs/z.csv"]


async def test_a_new_default_version_is_what_a_task_without_a_version_runs(
        azurite: Azurite, batch: BatchClient, storage_emulator, tmp_path: Path) -> None:
    (tmp_path / "v1.zip").write_bytes(package("from-one"))
    (tmp_path / "v2.zip").write_bytes(package("from-two"))
    (tmp_path / "not.zip").write_bytes(b"plain")
    async with BlobStore.from_connection_string(azurite.connection_string) as store, \
            service_for(storage_emulator) as service:
        packages = PackageStore(store)
        await packages.upload_version("tool", "1.0", tmp_path / "v1.zip")
        seen: list[tuple[int, int]] = []
        await packages.upload_version("tool", "1.10", tmp_path / "v2.zip", progress=lambda d, t: seen.append((d, t)))
        assert seen[-1][0] == seen[-1][1] == (tmp_path / "v2.zip").stat().st_size
        with pytest.raises(ServiceError) as caught:
            await packages.upload_version("tool", "1.0", tmp_path / "v1.zip")
        assert caught.value.kind == CONFLICT
        with pytest.raises(ServiceError, match="not a zip"):
            await packages.upload_version("tool", "3", tmp_path / "not.zip")
        with pytest.raises(ServiceError) as caught:
            await packages.set_default("tool", "9.9")
        assert caught.value.kind == NOT_FOUND
        await packages.set_default("tool", "1.10")
        assert [v.version for v in await packages.versions("tool")] == ["1.0", "1.10"]
        assert all(v.state == "active" and v.last_activation is not None for v in await packages.versions("tool"))
        assert await packages.default_version("tool") == "1.10"
        apps = {a.id: a for a in await list_applications(service)}
        assert apps["tool"].versions == ("1.0", "1.10") and apps["tool"].default_version == "1.10"
    assert batch.get_application("tool").versions == ["1.0", "1.10"]  # the SDK reads it (the extra ignored)

    pool_id = make_pool(batch, nodes=1)
    job_id = make_job(batch, pool_id)
    add_task(batch, job_id, "t", "/bin/sh -c '\"$AZ_BATCH_APP_PACKAGE_tool/bin/run.sh\"; "
                                 "echo \"$AZ_BATCH_APP_PACKAGE_tool_1_10\"'",
             application_package_references=[m.BatchApplicationPackageReference(application_id="tool")])
    task = wait_task(batch, job_id, "t")
    assert task.execution_info.exit_code == 0, task.execution_info
    out = b"".join(batch.download_task_file(job_id, "t", "stdout.txt")).decode()
    assert out.splitlines()[0] == "from-two" and out.splitlines()[1].endswith("applications/tool_1.10")


async def test_deleting_a_task_file_and_a_node_file(batch: BatchClient, storage_emulator) -> None:
    pool_id = make_pool(batch, nodes=1)
    job_id = make_job(batch, pool_id)
    add_task(batch, job_id, "f", "/bin/sh -c 'echo kept; echo gone > wd_gone.txt'")
    task = wait_task(batch, job_id, "f")
    names = {f.name for f in batch.list_task_files(job_id, "f", recursive=True)}
    gone = next(n for n in names if n.endswith("gone.txt"))
    async with service_for(storage_emulator) as service:
        await delete_file(service, FileRef.task(job_id, "f", gone))
        with pytest.raises(ServiceError) as caught:
            await delete_file(service, FileRef.task(job_id, "f", gone))
        assert caught.value.kind == NOT_FOUND
        node_id = task.node_info.node_id
        node_files = [f.name for f in batch.list_node_files(pool_id, node_id, recursive=True)
                      if not f.is_directory and f.name.startswith("startup") is False]
        assert node_files
        await delete_file(service, FileRef.node(pool_id, node_id, node_files[0]))
    assert gone not in {f.name for f in batch.list_task_files(job_id, "f", recursive=True)}
    with pytest.raises(ResourceNotFoundError):
        batch.get_node_file_properties(pool_id, node_id, node_files[0])
