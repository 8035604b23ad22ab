"""The emulator's per-node SSH endpoints, through the real OpenSSH client (and
asyncssh's client for password logins and terminals): the node's users get a
shell in the node's directory with its AZ_BATCH_* environment; anyone else is refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
from pathlib import Path

import asyncssh
import pytest
from azure.batch import models as m
from conftest import make_pool, wait_for


def keypair(folder: Path, name: str) -> tuple[Path, str]:
    path = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path, (folder / f"{name}.pub").read_text()


def ssh(key: Path, port: int, user: str, command: str) -> subprocess.CompletedProcess[str]:
    """The real ssh client, non-interactive (BatchMode), trusting the emulator's host key."""
    return subprocess.run(
        ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "LogLevel=ERROR", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10", "-i", str(key),
         "-p", str(port), f"{user}@127.0.0.1", command],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("keys")
    return {name: keypair(folder, name) for name in ("mine", "other")}


@pytest.fixture(scope="module")
def pool(client) -> tuple[str, list[str]]:
    pool_id = make_pool(client, nodes=2)
    return pool_id, sorted(n.id for n in client.list_nodes(pool_id))


def add_user(client, pool_id: str, node_id: str, name: str, public_key: str, **options) -> int:
    client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(name=name, ssh_public_key=public_key,
                                                                            **options))
    return client.get_node_remote_login_settings(pool_id, node_id).remote_login_port


def test_ssh_runs_the_command_in_the_node_directory(client, emulator, pool, keys):
    pool_id, (node_id, _) = pool
    port = add_user(client, pool_id, node_id, "runner", keys["mine"][1])
    done = ssh(keys["mine"][0], port, "runner", 'pwd; echo "$AZ_BATCH_NODE_ID $AZ_BATCH_POOL_ID $USER"; exit 7')
    assert done.returncode == 7, done.stderr
    lines = done.stdout.splitlines()
    assert Path(lines[0]).resolve() == (emulator.data_dir / "nodes" / node_id).resolve()
    assert lines[1] == f"{node_id} {pool_id} runner"
    listed = ssh(keys["mine"][0], port, "runner", "ls; printenv AZ_BATCH_NODE_SHARED_DIR; printenv AZ_BATCH_TASK_DIR")
    assert {"shared", "startup", "workitems"} <= set(listed.stdout.split()), listed.stdout
    assert str(emulator.data_dir / "nodes" / node_id / "shared") in listed.stdout


def test_wrong_key_expired_user_and_other_node_are_refused(client, pool, keys):
    pool_id, (node_a, node_b) = pool
    port_a = add_user(client, pool_id, node_a, "only-a", keys["mine"][1])
    port_b = client.get_node_remote_login_settings(pool_id, node_b).remote_login_port
    assert port_a != port_b
    assert ssh(keys["mine"][0], port_a, "only-a", "true").returncode == 0
    refused = ssh(keys["other"][0], port_a, "only-a", "true")
    assert refused.returncode == 255 and "Permission denied" in refused.stderr
    assert ssh(keys["mine"][0], port_b, "only-a", "true").returncode == 255  # node a's user on node b
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    add_user(client, pool_id, node_a, "expired", keys["mine"][1], expiry_time=past)
    assert ssh(keys["mine"][0], port_a, "expired", "true").returncode == 255
    client.delete_node_user(pool_id, node_a, "only-a")
    assert ssh(keys["mine"][0], port_a, "only-a", "true").returncode == 255


async def _asyncssh_run(port: int, user: str, command: str, **options) -> asyncssh.SSHCompletedProcess:
    async with asyncssh.connect("127.0.0.1", port, username=user, known_hosts=None, client_keys=None,
                                agent_path=None, **options) as conn:
        return await conn.run(command, **({"term_type": "xterm", "term_size": (100, 30)} if "password" in options
                                          else {}))


def test_password_login_and_terminal(client, pool, keys):
    pool_id, (node_id, _) = pool
    client.create_node_user(pool_id, node_id, m.BatchNodeUserCreateOptions(name="pw", password="Open-5esame"))
    port = client.get_node_remote_login_settings(pool_id, node_id).remote_login_port
    done = asyncio.run(_asyncssh_run(port, "pw", "tty; stty size; echo $TERM", password="Open-5esame"))
    assert done.exit_status == 0
    lines = str(done.stdout).split()
    assert lines[0].startswith("/dev/pts/") and lines[1:] == ["30", "100", "xterm"], done.stdout
    with pytest.raises(asyncssh.PermissionDenied):
        asyncio.run(_asyncssh_run(port, "pw", "true", password="wrong"))


def test_endpoint_closes_when_the_node_goes(client, keys):
    pool_id = make_pool(client, nodes=1)
    node_id = next(iter(client.list_nodes(pool_id))).id
    port = add_user(client, pool_id, node_id, "leaver", keys["mine"][1])
    assert ssh(keys["mine"][0], port, "leaver", "true").returncode == 0
    client.begin_resize_pool(pool_id, m.BatchPoolResizeOptions(target_dedicated_nodes=0),
                             polling_interval=0.1).result()
    wait_for(lambda: not list(client.list_nodes(pool_id)), what="the node gone")
    wait_for(lambda: ssh(keys["mine"][0], port, "leaver", "true").returncode == 255, what="the endpoint closed")


def test_users_and_host_key_survive_a_restart(tmp_path, keys):
    from conftest import start_emulator

    emu = start_emulator(tmp_path / "data")
    try:
        client = emu.client()
        pool_id = make_pool(client)
        node_id = next(iter(client.list_nodes(pool_id))).id
        add_user(client, pool_id, node_id, "stays", keys["mine"][1])
        host_key = (tmp_path / "data" / "ssh_host_ed25519_key").read_bytes()
    finally:
        assert emu.stop() == 0
    emu = start_emulator(tmp_path / "data")
    try:
        client = emu.client()
        wait_for(lambda: client.get_node(pool_id, node_id).state == "idle", what="the node idle again")
        port = client.get_node_remote_login_settings(pool_id, node_id).remote_login_port
        assert ssh(keys["mine"][0], port, "stays", "echo here").stdout == "here\n"
        assert (tmp_path / "data" / "ssh_host_ed25519_key").read_bytes() == host_key
    finally:
        assert emu.stop() == 0
