"""Node user accounts (POST/PUT/DELETE .../nodes/{node}/users) and remote login
settings, through the official SDK: shapes, Batch's errors, and that passwords
are kept only as hashes."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess

import pytest
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from conftest import make_pool, wait_for


@pytest.fixture(scope="module")
def public_key(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("keys") / "id"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "me@here", "-f", str(path)], check=True)
    return (path.parent / "id.pub").read_text()


@pytest.fixture(scope="module")
def node(client) -> tuple[str, str]:
    pool_id = make_pool(client)
    return pool_id, next(iter(client.list_nodes(pool_id))).id


def _code(exc: HttpResponseError) -> str:
    assert exc.error is not None
    return str(exc.error.code)


def test_create_replace_delete_user(client, node, public_key):
    pool_id, node_id = node
    client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(name="alice", ssh_public_key=public_key))
    client.replace_node_user(pool_id, node_id, "alice", m.BatchNodeUserReplaceOptions(
        ssh_public_key=public_key, expiry_time=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)))
    client.delete_node_user(pool_id, node_id, "alice")
    client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(name="alice", ssh_public_key=public_key))
    client.delete_node_user(pool_id, node_id, "alice")


def test_user_twice_is_node_user_exists(client, node, public_key):
    pool_id, node_id = node
    client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(name="bob", ssh_public_key=public_key))
    with pytest.raises(ResourceExistsError) as caught:
        client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(name="bob", password="x"))
    assert caught.value.status_code == 409 and _code(caught.value) == "NodeUserExists"


def test_unknown_user_is_node_user_not_found(client, node):
    pool_id, node_id = node
    with pytest.raises(ResourceNotFoundError) as caught:
        client.delete_node_user(pool_id, node_id, "nobody")
    assert _code(caught.value) == "NodeUserNotFound"
    with pytest.raises(ResourceNotFoundError) as caught:
        client.replace_node_user(pool_id, node_id, "nobody", m.BatchNodeUserReplaceOptions(password="x"))
    assert _code(caught.value) == "NodeUserNotFound"


def test_unknown_node_is_node_not_found(client, node):
    pool_id, _ = node
    for call in (lambda: client.create_node_user(pool_id, "tvm-nope", m.BatchNodeUserCreateOptions(name="a")),
                 lambda: client.get_node_remote_login_settings(pool_id, "tvm-nope")):
        with pytest.raises(ResourceNotFoundError) as caught:
            call()
        assert _code(caught.value) == "NodeNotFound"


def test_bad_bodies_are_400(client, node):
    pool_id, node_id = node
    with pytest.raises(HttpResponseError) as caught:
        client.create_node_user(pool_id, node_id,
                                m.BatchNodeUserCreateOptions(name="carol", ssh_public_key="ssh-rsa nope"))
    assert caught.value.status_code == 400 and _code(caught.value) == "InvalidPropertyValue"
    assert {"key": "PropertyName", "value": "sshPublicKey"} in caught.value.response.json()["values"]
    with pytest.raises(HttpResponseError) as caught:
        client.create_node_user(pool_id, node_id, {"isAdmin": False})
    assert caught.value.status_code == 400 and _code(caught.value) == "MissingRequiredProperty"
    with pytest.raises(HttpResponseError) as caught:
        client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(name="../x"))
    assert caught.value.status_code == 400 and _code(caught.value) == "InvalidPropertyValue"


def test_users_are_not_in_the_node_and_passwords_only_hashed(client, emulator, node, public_key):
    pool_id, node_id = node
    secret = "Very-Secret-Pa55"
    client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(
        name="dave", password=secret, ssh_public_key=public_key, is_admin=True))
    got = client.get_node(pool_id, node_id).as_dict()
    assert not any("user" in key.lower() for key in got), got.keys()

    def stored() -> str:
        with sqlite3.connect(emulator.data_dir / "state.sqlite") as db:
            rows = db.execute("SELECT doc FROM docs WHERE kind='node' AND id=?", (node_id,)).fetchall()
        return rows[0][0] if rows and "dave" in rows[0][0] else ""

    doc = wait_for(stored, what="the user written to the store")
    assert secret not in doc and "scrypt$" in doc and "me@here" not in doc
    assert secret not in (emulator.data_dir / "emulator.log").read_text()


def test_remote_login_settings(client, node):
    pool_id, node_id = node
    first = client.get_node_remote_login_settings(pool_id, node_id)
    assert first.remote_login_ip_address == "127.0.0.1" and 1024 <= first.remote_login_port <= 65535
    assert client.get_node_remote_login_settings(pool_id, node_id).remote_login_port == first.remote_login_port


def test_nodes_not_idle_or_running_refuse_users(client, public_key):
    start = m.BatchStartTask(command_line="/bin/false", wait_for_success=True)
    pool_id = make_pool(client, start_task=start, wait_idle=False)
    wait_for(lambda: [n.state for n in client.list_nodes(pool_id)] == ["starttaskfailed"], what="starttaskfailed")
    node_id = next(iter(client.list_nodes(pool_id))).id
    with pytest.raises(HttpResponseError) as caught:
        client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(name="eve", ssh_public_key=public_key))
    assert caught.value.status_code == 409 and _code(caught.value) == "OperationInvalidForCurrentState"
    # a node whose start task failed can still be logged in to (by a user made while it was up)
    assert client.get_node_remote_login_settings(pool_id, node_id).remote_login_port > 0


def test_deallocated_node_has_no_remote_login(client):
    pool_id = make_pool(client)
    node_id = next(iter(client.list_nodes(pool_id))).id
    options = {"nodeDeallocateOption": "requeue"}  # 15.1 does not export BatchNodeDeallocateOptions
    client.begin_deallocate_node(pool_id, node_id, options, polling_interval=0.1).result()  # type: ignore[arg-type]
    with pytest.raises(HttpResponseError) as caught:
        client.get_node_remote_login_settings(pool_id, node_id)
    assert caught.value.status_code == 409 and _code(caught.value) == "OperationInvalidForCurrentState"


def test_reimage_removes_the_users_and_reboot_keeps_them(client, public_key):
    pool_id = make_pool(client)
    node_id = next(iter(client.list_nodes(pool_id))).id
    client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(name="kept", ssh_public_key=public_key))
    client.begin_reboot_node(pool_id, node_id, {"nodeRebootOption": "requeue"}, polling_interval=0.1).result()  # type: ignore[arg-type]
    wait_for(lambda: client.get_node(pool_id, node_id).state == "idle", what="idle after the reboot")
    with pytest.raises(ResourceExistsError):
        client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(name="kept", password="x"))
    client.begin_reimage_node(pool_id, node_id, {"nodeReimageOption": "requeue"}, polling_interval=0.1).result()  # type: ignore[arg-type]
    wait_for(lambda: client.get_node(pool_id, node_id).state == "idle", what="idle after the reimage")
    client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(name="kept", ssh_public_key=public_key))
