"""Blob storage around tasks, against real processes: Azurite (installed into
batchtui's cache dir when missing) and an emulator started with its connection
string as the account's auto-storage account. Checked through the official
azure-batch and azure-storage-blob SDKs."""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from azure.batch import BatchClient
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas
from conftest import EmulatorProcess, add_task, make_job, make_pool, start_emulator, unique, wait_for, wait_task

from batchtui.azurite import (
    ACCOUNT_KEY,
    ACCOUNT_NAME,
    Azurite,
    AzuriteUnavailable,
    ensure_azurite,
    find_azurite,
    install_azurite,
)

pytestmark = pytest.mark.skipif(
    find_azurite() is None and not (shutil.which("node") and shutil.which("npm")),
    reason="Azurite (the blob store these tests need) needs Node.js: node and npm are not on PATH",
)


# -- fixtures ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    ensure_azurite()  # installs it into the cache dir the first time (~20 s)
    with Azurite().start(tmp_path_factory.mktemp("azurite")) as storage:
        yield storage


@pytest.fixture(scope="module")
def blobs(azurite: Azurite) -> BlobServiceClient:
    return BlobServiceClient.from_connection_string(azurite.connection_string)


@pytest.fixture(scope="module")
def storage_emulator(tmp_path_factory: pytest.TempPathFactory, azurite: Azurite) -> Iterator[EmulatorProcess]:
    emu = start_emulator(tmp_path_factory.mktemp("storage-emulator"),
                         storage_connection_string=azurite.connection_string)
    yield emu
    assert emu.stop() == 0
    log = "".join(p.read_text() for p in emu.data_dir.glob("emulator.log*"))
    assert "sig=" not in log  # no SAS token reached the emulator's log


@pytest.fixture(scope="module")
def batch(storage_emulator: EmulatorProcess) -> BatchClient:
    return storage_emulator.client()


@pytest.fixture(scope="module")
def pool(batch: BatchClient) -> str:
    return make_pool(batch, nodes=1, slots=4)


@pytest.fixture(scope="module")
def web_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A plain HTTP server on loopback for httpUrl resource files: (base URL, its folder)."""
    folder = tmp_path_factory.mktemp("web")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


def sas_url(azurite: Azurite, container: str, **permissions: bool) -> str:
    token = generate_container_sas(
        ACCOUNT_NAME, container, account_key=ACCOUNT_KEY,
        permission=ContainerSasPermissions(**permissions),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    return f"{azurite.blob_endpoint}/{container}?{token}"


def new_container(blobs: BlobServiceClient, files: dict[str, bytes]) -> str:
    name = unique("c").lower()
    container = blobs.create_container(name)
    for blob, data in files.items():
        container.upload_blob(blob, data)
    return name


def read_task_file(batch: BatchClient, job_id: str, task_id: str, path: str) -> str:
    return b"".join(batch.download_task_file(job_id, task_id, path)).decode()


def blob_text(blobs: BlobServiceClient, container: str, name: str) -> str:
    return blobs.get_container_client(container).download_blob(name).readall().decode()


def output(pattern: str, url: str, path: str | None, condition: str) -> m.OutputFile:
    return m.OutputFile(
        file_pattern=pattern,
        destination=m.OutputFileDestination(
            container=m.OutputFileBlobContainerDestination(container_url=url, path=path)
        ),
        upload_options=m.OutputFileUploadConfiguration(upload_condition=condition),
    )


# -- batchtui.azurite ------------------------------------------------------------------
def test_azurite_starts_on_a_free_port_and_stops(tmp_path: Path) -> None:
    ensure_azurite()
    storage = Azurite().start(tmp_path / "data")
    try:
        assert storage.running and storage.port > 0
        assert storage.blob_endpoint == f"http://127.0.0.1:{storage.port}/devstoreaccount1"
        assert storage.account_name == "devstoreaccount1" and storage.account_key == ACCOUNT_KEY
        assert f"BlobEndpoint={storage.blob_endpoint};" in storage.connection_string
        service = BlobServiceClient.from_connection_string(storage.connection_string)
        service.create_container("probe").upload_blob("hello.txt", b"hi")
        assert [b.name for b in service.get_container_client("probe").list_blobs()] == ["hello.txt"]
        assert (tmp_path / "data").is_dir() and any((tmp_path / "data").iterdir())
        pid = storage.process.pid
    finally:
        storage.stop()
    assert not storage.running
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the whole process group is gone
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", storage.port), timeout=1).close()


def test_install_without_node_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AzuriteUnavailable, match="needs Node.js: node and npm not found"):
        install_azurite()


# -- resource files ----------------------------------------------------------------------
def test_resource_files_from_a_container_a_web_server_and_auto_storage(
    batch: BatchClient, pool: str, blobs: BlobServiceClient, azurite: Azurite, web_files: tuple[str, Path]
) -> None:
    container = new_container(blobs, {
        "data/a.txt": b"alpha\n", "data/sub/b.txt": b"beta\n", "other/c.txt": b"gamma\n", "top.txt": b"top\n",
    })
    base_url, folder = web_files
    (folder / "tool.sh").write_text("#!/bin/sh\necho tool ran\n")
    job_id = make_job(batch, pool)
    add_task(
        batch, job_id, "inputs",
        "/bin/sh -c 'cat in/data/a.txt in/data/sub/b.txt; test -e in/other || echo no-other; ./bin/tool.sh;"
        " stat -c %a bin/tool.sh in/data/a.txt; cat top.txt; ls'",
        resource_files=[
            m.ResourceFile(storage_container_url=sas_url(azurite, container, read=True, list=True),
                           blob_prefix="data/", file_path="in"),
            m.ResourceFile(http_url=f"{base_url}/tool.sh", file_path="bin/tool.sh", file_mode="0755"),
            m.ResourceFile(auto_storage_container_name=container, blob_prefix="top"),
        ],
    )
    task = wait_task(batch, job_id, "inputs")
    stdout = read_task_file(batch, job_id, "inputs", "stdout.txt")
    assert task.execution_info.result == "success", (task.execution_info.failure_info, stdout)
    assert stdout.split("\n") == [
        "alpha", "beta", "no-other", "tool ran", "755", "770", "top", "bin", "in", "top.txt", "",
    ]


def test_resource_file_path_cannot_leave_the_working_directory(batch: BatchClient, pool: str, blobs: BlobServiceClient,
                                                             tmp_path: Path) -> None:
    container = new_container(blobs, {"x.txt": b"x"})
    job_id = make_job(batch, pool)
    marker = tmp_path / "ran"
    add_task(batch, job_id, "escape", f"/bin/sh -c 'touch {marker}'",
             resource_files=[m.ResourceFile(auto_storage_container_name=container, file_path="../..")])
    info = wait_task(batch, job_id, "escape").execution_info
    assert info.result == "failure" and info.failure_info.code == "ResourceFileCreateFailed"
    assert not marker.exists()


@pytest.mark.parametrize("case", ["missing-container", "bad-sas", "http-404"])
def test_a_failed_download_fails_the_task_without_running_it(
    case: str, batch: BatchClient, pool: str, blobs: BlobServiceClient, azurite: Azurite,
    web_files: tuple[str, Path], tmp_path: Path,
) -> None:
    if case == "missing-container":
        url = sas_url(azurite, "no-such-container", read=True, list=True)
        resource = m.ResourceFile(storage_container_url=url)
        expected = "ResourceContainerListMiscError"
    elif case == "bad-sas":
        container = new_container(blobs, {"x.txt": b"x"})
        url = sas_url(azurite, container, read=True, list=True)
        url = url.replace("sig=", "sig=AAAA")
        resource = m.ResourceFile(storage_container_url=url)
        expected = "ResourceContainerAccessDenied"
    else:
        url = f"{web_files[0]}/not-there.bin?sig=secret-token"
        resource = m.ResourceFile(http_url=url, file_path="not-there.bin")
        expected = "BlobNotFound"
    marker = tmp_path / "ran"
    job_id = make_job(batch, pool)
    add_task(batch, job_id, "t", f"/bin/sh -c 'touch {marker}'", resource_files=[resource],
             constraints=m.BatchTaskConstraints(max_task_retry_count=3))
    task = wait_task(batch, job_id, "t")
    info = task.execution_info
    assert info.result == "failure" and info.exit_code is None and info.retry_count == 0
    failure = info.failure_info
    assert (failure.category, failure.code) == ("usererror", expected)
    details = {d.name: d.value for d in failure.details}
    assert url.split("?")[0] in json.dumps(details)  # names the URL …
    assert "sig=" not in json.dumps(task.as_dict()["executionInfo"])  # … without its SAS token
    assert not marker.exists()  # the command never ran


# -- output files ----------------------------------------------------------------------
def test_outputs_upload_under_their_conditions(batch: BatchClient, pool: str, blobs: BlobServiceClient,
                                               azurite: Azurite) -> None:
    container = new_container(blobs, {})
    url = sas_url(azurite, container, read=True, write=True, create=True, list=True)
    job_id = make_job(batch, pool)
    add_task(
        batch, job_id, "good",
        "/bin/sh -c 'mkdir -p res/deep; echo one > res/one.txt; echo two > res/deep/two.txt;"
        " echo hidden > res/.hidden.txt; echo good-out'",
        output_files=[
            output("res/**/*.txt", url, "good/res", "taskSuccess"),
            output("../stdout.txt", url, "good/stdout.txt", "taskCompletion"),
            output("res/one.txt", url, "good/never.txt", "taskFailure"),
        ],
    )
    add_task(
        batch, job_id, "bad",
        "/bin/sh -c 'echo bad > err.log; echo bad-out; exit 3'",
        output_files=[
            output("err.log", url, "bad/err.log", "taskFailure"),
            output("err.log", url, "bad/success-only.log", "taskSuccess"),
            output("../std*.txt", url, "bad/logs", "taskCompletion"),
        ],
    )
    good = wait_task(batch, job_id, "good").execution_info
    bad = wait_task(batch, job_id, "bad").execution_info
    assert good.result == "success" and good.exit_code == 0, good.failure_info
    assert bad.result == "failure" and bad.exit_code == 3 and bad.failure_info.code == "FailureExitCode"
    names = sorted(b.name for b in blobs.get_container_client(container).list_blobs())
    assert names == [
        "bad/err.log", "bad/logs/stderr.txt", "bad/logs/stdout.txt",
        "good/res/deep/two.txt", "good/res/one.txt", "good/stdout.txt",
    ]
    assert blob_text(blobs, container, "good/res/deep/two.txt") == "two\n"
    assert blob_text(blobs, container, "good/stdout.txt") == "good-out\n"
    assert blob_text(blobs, container, "bad/err.log") == "bad\n"
    assert blob_text(blobs, container, "bad/logs/stdout.txt") == "bad-out\n"
    upload_log = read_task_file(batch, job_id, "good", "fileuploadout.txt")
    assert "uploaded wd/res/deep/two.txt to" in upload_log and "sig=" not in upload_log


@pytest.mark.parametrize("case", ["missing-container", "read-only-sas"])
def test_a_failed_upload_fails_a_successful_task(case: str, batch: BatchClient, pool: str, blobs: BlobServiceClient,
                                                 azurite: Azurite) -> None:
    if case == "missing-container":
        url = sas_url(azurite, "no-such-output", read=True, write=True, create=True)
        expected = "FileUploadContainerNotFound"
    else:
        url = sas_url(azurite, new_container(blobs, {}), read=True, list=True)
        expected = "FileUploadAccessDenied"
    job_id = make_job(batch, pool)
    add_task(batch, job_id, "t", "/bin/sh -c 'echo result > out.txt'",
             output_files=[output("out.txt", url, None, "taskCompletion")],
             constraints=m.BatchTaskConstraints(max_task_retry_count=2))
    task = wait_task(batch, job_id, "t")
    info = task.execution_info
    assert info.exit_code == 0 and info.result == "failure" and info.retry_count == 0
    assert (info.failure_info.category, info.failure_info.code) == ("usererror", expected)
    assert "sig=" not in json.dumps(task.as_dict()["executionInfo"])
    errors = read_task_file(batch, job_id, "t", "fileuploaderr.txt")
    assert expected in errors and "sig=" not in errors


# -- application packages ----------------------------------------------------------------
def _package(script: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        info = zipfile.ZipInfo("bin/hello.sh")
        info.external_attr = 0o100755 << 16
        zf.writestr(info, script)
        zf.writestr("README.txt", "docs")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def packages(blobs: BlobServiceClient) -> None:
    container = blobs.get_container_client("batchtui-applications")
    if not container.exists():
        container.create_container()
    container.upload_blob("my-app/1.0.zip", _package("#!/bin/sh\necho hello from 1.0\n"), overwrite=True)
    container.upload_blob("my-app/2.0.zip", _package("#!/bin/sh\necho hello from 2.0\n"), overwrite=True)
    container.upload_blob("solo/3.zip", _package("#!/bin/sh\necho solo\n"), overwrite=True)


def test_applications_are_listed_through_the_sdk(batch: BatchClient, packages: None) -> None:
    apps = {a.id: a for a in batch.list_applications()}
    assert set(apps) == {"my-app", "solo"}
    assert apps["my-app"].versions == ["1.0", "2.0"] and apps["my-app"].display_name == "my-app"
    assert batch.get_application("solo").versions == ["3"]
    with pytest.raises(ResourceNotFoundError) as caught:
        batch.get_application("no-such-app")
    assert caught.value.error.code == "ApplicationNotFound"
    assert [a.id for a in batch.list_applications(max_results=1)] == ["my-app", "solo"]  # paged


def test_application_packages_are_deployed_with_their_variables(batch: BatchClient, pool: str, packages: None,
                                                                tmp_path: Path) -> None:
    job_id = make_job(batch, pool)
    command = ("/bin/sh -c '\"$AZ_BATCH_APP_PACKAGE_my_app_2_0/bin/hello.sh\";"
               " echo \"$AZ_BATCH_APP_PACKAGE_MY_APP_2_0\";"
               " echo \"$AZ_BATCH_APP_PACKAGE_MY_APP\"; \"$AZ_BATCH_APP_PACKAGE_SOLO/bin/hello.sh\"'")
    add_task(batch, job_id, "app", command, application_package_references=[
        m.BatchApplicationPackageReference(application_id="my-app", version="2.0"),
        m.BatchApplicationPackageReference(application_id="solo"),  # its only version is the default
    ])
    task = wait_task(batch, job_id, "app")
    lines = read_task_file(batch, job_id, "app", "stdout.txt").splitlines()
    assert task.execution_info.result == "success", task.execution_info.failure_info
    assert lines[0] == "hello from 2.0"
    assert lines[1] == lines[2] and lines[1].endswith("/applications/my-app_2.0")
    assert lines[3] == "solo"
    assert (Path(lines[1]) / "README.txt").read_text() == "docs"

    marker = tmp_path / "ran"
    for task_id, ref in (("missing", m.BatchApplicationPackageReference(application_id="nope", version="1")),
                         ("ambiguous", m.BatchApplicationPackageReference(application_id="my-app"))):
        add_task(batch, job_id, task_id, f"/bin/sh -c 'touch {marker}'", application_package_references=[ref])
        info = wait_task(batch, job_id, task_id).execution_info
        assert info.result == "failure" and info.failure_info.code == "ApplicationPackageError"
    assert not marker.exists()


# -- pool start task ---------------------------------------------------------------------
def test_a_start_task_gets_its_resource_files(batch: BatchClient, blobs: BlobServiceClient) -> None:
    container = new_container(blobs, {"setup/config.ini": b"[setup]\n"})
    pool_id = make_pool(batch, start_task=m.BatchStartTask(
        command_line="/bin/sh -c 'cp setup/config.ini \"$AZ_BATCH_NODE_SHARED_DIR/\"'",
        resource_files=[m.ResourceFile(auto_storage_container_name=container)],
        wait_for_success=True,
    ))
    node = next(iter(batch.list_nodes(pool_id)))
    assert node.start_task_info.result == "success"
    shared = b"".join(batch.download_node_file(pool_id, node.id, "shared/config.ini"))
    assert shared == b"[setup]\n"
    batch.begin_delete_pool(pool_id)


def test_a_failed_start_task_download_marks_the_node(batch: BatchClient, azurite: Azurite) -> None:
    pool_id = make_pool(batch, wait_idle=False, start_task=m.BatchStartTask(
        command_line="/bin/true",
        resource_files=[m.ResourceFile(storage_container_url=sas_url(azurite, "no-such-setup", read=True, list=True))],
        wait_for_success=True,
        max_task_retry_count=2,
    ))
    node = wait_for(lambda: next((n for n in batch.list_nodes(pool_id) if n.state == "starttaskfailed"), None),
                    what="a node in starttaskfailed")
    info = node.start_task_info
    assert info.result == "failure" and info.retry_count == 0 and info.exit_code is None
    assert info.failure_info.code == "ResourceContainerListMiscError"
    batch.begin_delete_pool(pool_id)


# -- without an auto-storage account, and the pure helpers ----------------------------------
def test_without_auto_storage(client: BatchClient) -> None:
    assert list(client.list_applications()) == []
    pool_id = make_pool(client)
    job_id = make_job(client, pool_id)
    add_task(client, job_id, "t", "/bin/true", resource_files=[m.ResourceFile(auto_storage_container_name="inputs")])
    failure = wait_task(client, job_id, "t").execution_info.failure_info
    assert failure.code == "ResourceContainerListMiscError"
    assert "no auto-storage account" in {d.name: d.value for d in failure.details}["Message"]
    client.begin_delete_pool(pool_id)


def test_output_patterns_stay_inside_the_task_directory(tmp_path: Path) -> None:
    from batchtui.emulator.output_files import match_outputs

    task_dir = tmp_path / "node" / "task"
    (task_dir / "wd" / "res" / "deep").mkdir(parents=True)
    for name in ("wd/res/a.txt", "wd/res/deep/b.txt", "wd/res/.hidden.txt", "stdout.txt"):
        (task_dir / name).write_text(name)
    (tmp_path / "node" / "secret.txt").write_text("outside")
    (task_dir / "wd" / "link.txt").symlink_to(tmp_path / "node" / "secret.txt")

    def names(pattern: str) -> list[str]:
        return [rel for _, rel in match_outputs(pattern, task_dir)]

    assert names("res/**/*.txt") == ["a.txt", "deep/b.txt"]
    assert names("res/.*.txt") == [".hidden.txt"]
    assert names("../stdout.txt") == ["stdout.txt"]
    assert names("../*.txt") == ["stdout.txt"]
    assert names("../../*.txt") == [] and names("link.txt") == [] and names(str(tmp_path / "node" / "*.txt")) == []
    assert names(str(task_dir / "wd" / "res" / "*.txt")) == ["a.txt"]


def test_scrub_removes_sas_tokens() -> None:
    from batchtui.emulator.app_packages import package_env_names
    from batchtui.emulator.storage_failures import redact_url, scrub

    url = "http://127.0.0.1:10000/devstoreaccount1/c?sv=2024&sp=rl&sig=abc%2Bdef"
    assert redact_url(url) == "http://127.0.0.1:10000/devstoreaccount1/c"
    assert scrub(f"failed: {url} (x)") == "failed: http://127.0.0.1:10000/devstoreaccount1/c (x)"
    assert "abc" not in scrub("query sv=1&sig=abc%2Bdef")
    assert package_env_names("my-App", "2.7") == [
        "AZ_BATCH_APP_PACKAGE_my_App", "AZ_BATCH_APP_PACKAGE_my_App_2_7",
        "AZ_BATCH_APP_PACKAGE_MY_APP", "AZ_BATCH_APP_PACKAGE_MY_APP_2_7",
    ]


# -- a node's service logs ------------------------------------------------------------
def test_upload_batch_service_logs_writes_the_nodes_logs_to_the_container(batch: BatchClient, azurite: Azurite,
                                                                          blobs: BlobServiceClient) -> None:
    pool_id = make_pool(batch, nodes=1, start_task=m.BatchStartTask(command_line="/bin/sh -c 'echo booted'",
                                                                     wait_for_success=True))
    node = next(iter(batch.list_nodes(pool_id)))
    name = new_container(blobs, {})
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    result = batch.upload_node_logs(pool_id, node.id, m.UploadBatchServiceLogsOptions(
        container_url=sas_url(azurite, name, write=True, create=True), start_time=since))
    assert result.virtual_directory_name.startswith(f"{pool_id}/{node.id.replace('_', '-')}/")
    uploaded = sorted(b.name.removeprefix(result.virtual_directory_name + "/")
                      for b in blobs.get_container_client(name).list_blobs())
    assert uploaded == ["batch-agent.log", "startup/stderr.txt", "startup/stdout.txt"]
    assert result.number_of_files_uploaded == 3
    assert blob_text(blobs, name, f"{result.virtual_directory_name}/startup/stdout.txt") == "booted\n"
    assert node.id in blob_text(blobs, name, f"{result.virtual_directory_name}/batch-agent.log")


def test_upload_batch_service_logs_to_a_read_only_container_is_refused(batch: BatchClient, pool: str,
                                                                       azurite: Azurite,
                                                                       blobs: BlobServiceClient) -> None:
    node = next(iter(batch.list_nodes(pool)))
    name = new_container(blobs, {})
    with pytest.raises(HttpResponseError) as info:
        batch.upload_node_logs(pool, node.id, m.UploadBatchServiceLogsOptions(
            container_url=sas_url(azurite, name, read=True), start_time=datetime.now(timezone.utc)))
    assert info.value.status_code == 400 and info.value.error.code == "InvalidPropertyValue"
    assert "sig=" not in str(info.value)
