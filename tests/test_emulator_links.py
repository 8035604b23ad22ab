"""Links in a node's tree (issue 13, item 14): symlinks are listed as what they
are and never followed out of the tree, a dangling one breaks no listing,
DELETE removes a link and not its target, and a file with more than one hard
link is not served (its other name may be outside the tree)."""

from __future__ import annotations

import os
from email.utils import formatdate

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from conftest import add_task, make_job, make_pool, unique, wait_task
from test_emulator_protocol import signed_get

from batchtui.emulator import API_VERSION
from batchtui.emulator.auth import sign, string_to_sign

SYMLINK_MODE = "0120777"


@pytest.fixture(scope="module")
def linked(client, emulator, tmp_path_factory):
    """A task that made links of every kind next to its stdout.txt and in wd/,
    and a file and a directory outside the emulator's data dir."""
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("not yours\n")
    (outside / "dir").mkdir()
    (outside / "dir" / "keep.txt").write_text("keep\n")
    pool_id = make_pool(client, nodes=1)
    job_id = make_job(client, pool_id)
    task_id = unique("links")
    script = (
        "echo inside > target.txt; ln -s target.txt inner; ln -s ../stdout.txt up; "
        f"ln -s /nonexistent/nowhere ../dangling; ln -s {outside}/secret.txt ../outside; "
        f"ln -s {outside}/secret.txt out-file; ln -s {outside}/dir out-dir; ln -s target.txt doomed"
    )
    add_task(client, job_id, task_id, f"/bin/sh -c '{script}'")
    task = wait_task(client, job_id, task_id)
    assert task.execution_info.exit_code == 0
    task_dir = emulator.data_dir / "nodes" / task.node_info.node_id / task.node_info.task_root_directory
    return job_id, task_id, task_dir, outside


def test_a_listing_shows_links_as_links_even_dangling_or_pointing_out(client, linked):
    job_id, task_id, _, outside = linked
    top = {f.name: f for f in client.list_task_files(job_id, task_id)}  # not recursive: was a 500
    assert {"stdout.txt", "stderr.txt", "wd", "dangling", "outside"} <= set(top)
    for name, target in (("dangling", "/nonexistent/nowhere"), ("outside", f"{outside}/secret.txt")):
        link = top[name]
        assert not link.is_directory
        assert link.properties.file_mode == SYMLINK_MODE  # the link's own mode, not the target's
        assert link.properties.content_length == len(target)  # the link's own size
    deep = {f.name: f for f in client.list_task_files(job_id, task_id, recursive=True)}
    assert deep["wd/out-dir"].properties.file_mode == SYMLINK_MODE and not deep["wd/out-dir"].is_directory
    assert not any(name.startswith("wd/out-dir/") for name in deep)  # never descended into
    assert deep["wd/target.txt"].properties.file_mode.startswith("0100")


def test_links_are_followed_inside_the_tree_only(client, emulator, linked):
    job_id, task_id, _, _ = linked
    assert b"".join(client.download_task_file(job_id, task_id, "wd/inner")) == b"inside\n"
    assert client.get_task_file_properties(job_id, task_id, "wd/inner").content_length == len("inside\n")
    for name in ("outside", "wd/out-file", "wd/out-dir%2Fkeep.txt"):
        r = signed_get(emulator, f"/jobs/{job_id}/tasks/{task_id}/files/{name.replace('/', '%2F')}")
        assert r.status_code == 400 and r.json()["code"] == "InvalidUri", (name, r.text)
        assert b"not yours" not in r.content and b"keep" not in r.content
    with pytest.raises(HttpResponseError) as info:  # its target, /nonexistent/nowhere, is outside the tree
        client.get_task_file_properties(job_id, task_id, "dangling")
    assert info.value.status_code == 400


def test_delete_of_a_link_removes_the_link_not_its_target(client, linked):
    job_id, task_id, task_dir, outside = linked
    for name in ("wd/out-file", "wd/out-dir", "wd/doomed"):
        client.delete_task_file(job_id, task_id, name)
        assert not os.path.lexists(task_dir / name)
    assert (outside / "secret.txt").read_text() == "not yours\n"
    assert (outside / "dir" / "keep.txt").read_text() == "keep\n"
    assert (task_dir / "wd" / "target.txt").read_text() == "inside\n"
    client.delete_task_file(job_id, task_id, "dangling")
    assert not os.path.lexists(task_dir / "dangling")


def test_a_file_with_another_hard_link_is_not_served(client, emulator, linked, tmp_path):
    job_id, task_id, task_dir, outside = linked
    source = tmp_path / "elsewhere.txt"
    source.write_text("linked from outside\n")
    try:
        os.link(source, task_dir / "wd" / "hard.txt")
    except OSError as exc:  # another filesystem, or protected_hardlinks
        pytest.skip(f"cannot hard-link into the task's tree here: {exc}")
    with pytest.raises(ResourceExistsError):  # 409
        b"".join(client.download_task_file(job_id, task_id, "wd/hard.txt"))
    r = signed_get(emulator, f"/jobs/{job_id}/tasks/{task_id}/files/wd%2Fhard.txt")
    assert r.status_code == 409 and r.json()["code"] == "OperationInvalidForCurrentState"
    assert "hard links" in {v["key"]: v["value"] for v in r.json()["values"]}["Reason"]
    assert b"linked from outside" not in r.content
    os.unlink(source)  # the only link left is the task's own: served again
    assert b"".join(client.download_task_file(job_id, task_id, "wd/hard.txt")) == b"linked from outside\n"


def test_deleting_the_root_or_outside_it_is_refused(client, emulator, linked):
    job_id, task_id, _, _ = linked
    r = _signed_delete(emulator, f"/jobs/{job_id}/tasks/{task_id}/files/.%2F")  # the task's directory itself
    assert r.status_code == 409 and r.json()["code"] == "OperationInvalidForCurrentState", r.text
    for raw in ("wd%2F..%2F..", "..%2Fother", "wd%2F..", "wd%2F.%2F..%2F"):  # ".." never passes, even back in
        r = _signed_delete(emulator, f"/jobs/{job_id}/tasks/{task_id}/files/{raw}")
        assert r.status_code == 400 and r.json()["code"] == "InvalidUri", (raw, r.text)


def _signed_delete(emulator, path: str) -> requests.Response:
    prepared = requests.Request("DELETE", emulator.endpoint + path, params={"api-version": API_VERSION},
                                headers={"ocp-date": formatdate(usegmt=True)}).prepare()
    raw_path, _, raw_query = prepared.path_url.partition("?")
    to_sign = string_to_sign("DELETE", raw_path, raw_query, prepared.headers, emulator.account)
    prepared.headers["Authorization"] = f"SharedKey {emulator.account}:{sign(emulator.key, to_sign)}"
    return requests.Session().send(prepared, timeout=10)
