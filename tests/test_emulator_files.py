"""Task and node files: listing, properties, ranged reads, and refusing paths
that leave the tree."""

from __future__ import annotations

import os

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from conftest import add_task, make_job, make_pool, wait_task
from test_emulator_protocol import signed_get


@pytest.fixture(scope="module")
def ran(client):
    pool_id = make_pool(client, nodes=1)
    job_id = make_job(client, pool_id)
    script = (
        "printf 0123456789 > out.bin; mkdir -p sub/deeper; echo nested > sub/deeper/n.txt; echo line1; echo err >&2"
    )
    add_task(client, job_id, "files", f"/bin/sh -c '{script}'")
    task = wait_task(client, job_id, "files")
    assert task.execution_info.exit_code == 0
    return pool_id, job_id, task


def test_list_task_files_recursive_and_not(client, ran):
    _, job_id, _ = ran
    top = {f.name: f for f in client.list_task_files(job_id, "files")}
    assert set(top) == {"stdout.txt", "stderr.txt", "wd"}
    assert top["wd"].is_directory and top["wd"].properties is None
    assert top["stdout.txt"].properties.content_length == 6
    everything = [f.name for f in client.list_task_files(job_id, "files", recursive=True)]
    assert "wd/sub/deeper/n.txt" in everything and "wd/out.bin" in everything
    assert everything == sorted(everything)
    url = {f.name: f.url for f in client.list_task_files(job_id, "files", recursive=True)}["wd/out.bin"]
    assert url.endswith(f"/jobs/{job_id}/tasks/files/files/wd/out.bin")


def test_file_properties_headers(client, ran):
    _, job_id, _ = ran
    props = client.get_task_file_properties(job_id, "files", "wd/out.bin")
    assert props.content_length == 10
    assert props.is_directory is False
    assert props.file_mode.startswith("0100")
    assert props.url.endswith("/files/wd%2Fout.bin") or props.url.endswith("/files/wd/out.bin")
    assert props.creation_time is not None and props.last_modified is not None
    directory = client.get_task_file_properties(job_id, "files", "wd/sub")
    assert directory.is_directory is True


def test_ranged_reads(client, ran):
    _, job_id, _ = ran
    def get(rng=None):
        return b"".join(client.download_task_file(job_id, "files", "wd/out.bin", ocp_range=rng))
    assert get() == b"0123456789"
    assert get("bytes=0-0") == b"0"
    assert get("bytes=3-6") == b"3456"
    assert get("bytes=8-") == b"89"
    assert get("bytes=8-100") == b"89"
    with pytest.raises(HttpResponseError) as info:
        get("bytes=10-20")
    assert info.value.status_code == 416


def test_stderr_and_nested_file(client, ran):
    _, job_id, _ = ran
    assert b"".join(client.download_task_file(job_id, "files", "stderr.txt")) == b"err\n"
    assert b"".join(client.download_task_file(job_id, "files", "wd/sub/deeper/n.txt")) == b"nested\n"


def test_missing_file_is_file_not_found(client, ran):
    _, job_id, _ = ran
    with pytest.raises(ResourceNotFoundError) as info:
        client.get_task_file_properties(job_id, "files", "wd/nope.txt")
    assert info.value.status_code == 404
    with pytest.raises(ResourceNotFoundError):
        b"".join(client.download_task_file(job_id, "files", "nope.txt"))


def test_missing_file_body_names_file_not_found(emulator, ran):
    _, job_id, _ = ran
    r = signed_get(emulator, f"/jobs/{job_id}/tasks/files/files/nope.txt")
    assert r.status_code == 404 and r.json()["code"] == "FileNotFound"


@pytest.mark.parametrize(
    "raw_path",
    ["..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd", "wd%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
     "%2Fetc%2Fpasswd", "..%2F..%2F..%2F..%2F..%2Fstate.sqlite"],
)
def test_paths_that_escape_the_task_dir_are_refused(emulator, ran, raw_path):
    _, job_id, _ = ran
    r = signed_get(emulator, f"/jobs/{job_id}/tasks/files/files/{raw_path}")
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "InvalidUri"
    assert b"root:" not in r.content


def test_symlink_pointing_out_is_refused(client, emulator, ran):
    pool_id, job_id, task = ran
    task_dir = emulator.data_dir / "nodes" / task.node_info.node_id / task.node_info.task_root_directory
    os.symlink("/etc/passwd", task_dir / "wd" / "escape")
    try:
        with pytest.raises(HttpResponseError) as info:
            b"".join(client.download_task_file(job_id, "files", "wd/escape"))
        assert info.value.status_code == 400
        # Listed as what it is, a link (its own length and mode), never as /etc/passwd.
        listed = {f.name: f for f in client.list_task_files(job_id, "files", recursive=True)}
        link = listed["wd/escape"]
        assert not link.is_directory and link.properties.file_mode.startswith("0120")
        assert link.properties.content_length == len("/etc/passwd")
    finally:
        os.unlink(task_dir / "wd" / "escape")


def test_node_files(client, ran):
    pool_id, job_id, task = ran
    node_id = task.node_info.node_id
    top = {f.name for f in client.list_node_files(pool_id, node_id)}
    assert {"shared", "startup", "workitems", "applications"} <= top
    deep = [f.name for f in client.list_node_files(pool_id, node_id, recursive=True)]
    assert f"workitems/{job_id}/job-1/files/stdout.txt" in deep
    data = b"".join(client.download_node_file(pool_id, node_id, f"workitems/{job_id}/job-1/files/stdout.txt"))
    assert data == b"line1\n"
    props = client.get_node_file_properties(pool_id, node_id, "shared")
    assert props.is_directory
    with pytest.raises(HttpResponseError) as info:
        client.get_node_file_properties(pool_id, node_id, "../other-node")
    assert info.value.status_code == 400


def test_files_of_a_task_that_never_ran_are_409(client, ran):
    pool_id, _, _ = ran
    job_id = make_job(client, "no-such-pool")
    add_task(client, job_id, "waiting", "true")
    with pytest.raises(ResourceExistsError) as info:
        list(client.list_task_files(job_id, "waiting"))
    assert info.value.status_code == 409
    assert info.value.error.code == "OperationInvalidForCurrentState"


def test_delete_task_file(client, ran):
    _, job_id, _ = ran
    client.delete_task_file(job_id, "files", "wd/sub/deeper/n.txt")
    with pytest.raises(ResourceNotFoundError):
        client.get_task_file_properties(job_id, "files", "wd/sub/deeper/n.txt")


def test_file_listing_filter(client, ran):
    _, job_id, _ = ran
    listed = client.list_task_files(job_id, "files", recursive=True, filter="startswith(name,'wd/sub')")
    names = [f.name for f in listed]
    assert names and all(n.startswith("wd/sub") for n in names)
