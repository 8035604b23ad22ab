"""Following task files (service/tail.py) and `batchtui tail`, against the real emulator."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import tty
from datetime import datetime, timezone

import pytest
from azure.core.credentials import AzureNamedKeyCredential
from conftest import add_task, make_job, make_pool, wait_for, wait_task
from ui_helpers import service_for

from batchtui.service.client import BatchService
from batchtui.service.errors import UNREACHABLE, ServiceError
from batchtui.service.models import FileProps, FileRef
from batchtui.service.tail import Chunk, Follower, _replaced, task_finished

KEY_ENV = "BATCHTUI_TAIL_TEST_KEY"


@pytest.fixture(scope="module")
def pool_job(client):
    pool_id = make_pool(client, nodes=1, slots=8)
    return pool_id, make_job(client, pool_id)


@pytest.fixture(scope="module")
def held_task(client):
    """A task that never starts (its pool has no nodes): (job id, task id)."""
    job_id = make_job(client, make_pool(client, nodes=0))
    add_task(client, job_id, "waits", "/bin/sh -c 'echo later'")
    return job_id, "waits"


def sh(script: str) -> str:
    return f"/bin/sh -c '{script}'"


def file_bytes(client, job_id: str, task_id: str, path: str = "stdout.txt") -> bytes:
    return b"".join(client.download_task_file(job_id, task_id, path))


async def poll_until(follower: Follower, predicate, timeout: float = 20.0, interval: float = 0.05) -> list[Chunk]:
    """Poll (ignoring next_delay, to be quick) until predicate(chunk); every chunk seen."""
    chunks = []
    deadline = time.monotonic() + timeout
    while True:
        chunk = await follower.poll()
        chunks.append(chunk)
        if predicate(chunk):
            return chunks
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; last chunk {chunk}")
        await asyncio.sleep(interval)


async def follow_to_end(service, follower: Follower, job_id: str, task_id: str, interval: float = 0.2):
    """Follow until the task completes (one last read after), like the UI and the CLI do."""
    chunks = []
    while True:
        done, code = await task_finished(service, job_id, task_id)
        chunk = await follower.poll()
        chunks.append(chunk)
        if done and not chunk.behind:
            return chunks, code
        await asyncio.sleep(interval)


# -- the follower ------------------------------------------------------------------------


async def test_follow_growing_file_fetches_each_byte_once(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "lines", sh("for i in $(seq 1 30); do echo line $i; sleep 0.1; done"))
    async with service_for(emulator) as service:
        follower = Follower(service, FileRef.task(job_id, "lines"))
        chunks, code = await follow_to_end(service, follower, job_id, "lines")
    assert code == 0
    content = file_bytes(client, job_id, "lines")
    assert content == b"".join(f"line {i}\n".encode() for i in range(1, 31))
    assert b"".join(c.data for c in chunks) == content  # every byte, in order, none twice
    assert "".join(c.text for c in chunks) == content.decode()
    offsets = [c.offset for c in chunks if c.data]
    assert offsets == sorted(set(offsets)) and all(c.offset == p.end for p, c in zip(chunks, chunks[1:], strict=False))
    assert len(offsets) >= 3  # it really was followed while growing
    assert not any(c.truncated or c.gone for c in chunks)
    first_data = next(i for i, c in enumerate(chunks) if c.data)
    assert not any(c.pending for c in chunks[first_data:])  # "not started yet" only before the task ran
    ratio = follower.bytes_fetched / len(content)
    print(f"\nbytes fetched per byte of file: {ratio:.3f} ({follower.bytes_fetched}/{len(content)}, "
          f"{follower.requests} requests, {len(chunks)} polls)")
    assert ratio <= 1.05
    assert follower.bytes_fetched == len(content)


async def test_utf8_character_split_across_reads_is_kept_whole(emulator, client, pool_job):
    _, job_id = pool_job
    # € is E2 82 AC: the first byte, a pause the follower polls in, then the rest.
    add_task(client, job_id, "euro", sh(r'printf "\342"; sleep 1.5; printf "\202\254 done\n"'))
    async with service_for(emulator) as service:
        follower = Follower(service, FileRef.task(job_id, "euro"))
        first = await poll_until(follower, lambda c: c.size >= 1)
        head = b"".join(c.data for c in first)
        assert head == b"\xe2" and "".join(c.text for c in first) == ""  # held back, not U+FFFD
        rest, _ = await follow_to_end(service, follower, job_id, "euro", interval=0.1)
    assert b"".join(c.data for c in rest) == b"\x82\xac done\n"
    assert "".join(c.text for c in rest) == "€ done\n"
    assert follower.flush() == ""


async def test_invalid_utf8_becomes_replacement_character_but_data_stays_raw(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "bad", sh(r'printf "a\377b\n\033[2J x\342\202"'))
    wait_task(client, job_id, "bad")
    async with service_for(emulator) as service:
        follower = Follower(service, FileRef.task(job_id, "bad"))
        chunk = await follower.poll()
    assert chunk.data == b"a\xffb\n\x1b[2J x\xe2\x82"
    assert chunk.text == "a\ufffdb\n\x1b[2J x"  # the unfinished € is held back...
    assert follower.flush() == "\ufffd"  # ...until the end
    assert chunk.offset == 0 and chunk.size == len(chunk.data) and chunk.behind == 0


async def test_truncation_mid_follow_restarts_from_zero(emulator, client, pool_job):
    _, job_id = pool_job
    script = ("for i in 1 2 3 4 5; do echo before $i >> log.txt; sleep 0.1; done; sleep 1.5; "
              ": > log.txt; echo after >> log.txt; sleep 1")
    add_task(client, job_id, "trunc", sh(script))
    async with service_for(emulator) as service:
        follower = Follower(service, FileRef.task(job_id, "trunc", "wd/log.txt"))
        before = await poll_until(follower, lambda c: c.end >= 45 and not c.pending and not c.gone)
        assert b"".join(c.data for c in before) == b"".join(f"before {i}\n".encode() for i in range(1, 6))
        after, _ = await follow_to_end(service, follower, job_id, "trunc", interval=0.1)
    flagged = [i for i, c in enumerate(after) if c.truncated]
    assert len(flagged) == 1
    assert b"".join(c.data for c in after[flagged[0]:]) == b"after\n"
    assert "".join(c.text for c in after[flagged[0]:]) == "after\n"


async def test_deleted_task_is_gone_without_an_exception(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "doomed", sh("echo hello; sleep 30"))
    async with service_for(emulator) as service:
        follower = Follower(service, FileRef.task(job_id, "doomed"))
        chunks = await poll_until(follower, lambda c: c.end >= 6)
        assert b"".join(c.data for c in chunks) == b"hello\n"
        client.delete_task(job_id, "doomed")
        chunk = await follower.poll()
        assert chunk.gone and "task doomed" in chunk.gone and "does not exist" in chunk.gone
        assert chunk.data == b"" and not chunk.truncated
        assert (await follower.poll()).gone == chunk.gone  # and stays gone


async def test_missing_file_node_and_not_started_task(emulator, client, pool_job, held_task):
    pool_id, job_id = pool_job
    add_task(client, job_id, "quick", sh("echo quick"))
    task = wait_task(client, job_id, "quick")
    async with service_for(emulator) as service:
        gone = await Follower(service, FileRef.task(job_id, "quick", "wd/never.txt")).poll()
        assert gone.gone == f"wd/never.txt of task quick (job {job_id}) does not exist"
        node = await Follower(service, FileRef.node(pool_id, "no-such-node", "startup/stdout.txt")).poll()
        assert node.gone == f"node no-such-node of pool {pool_id} does not exist (removed?)"
        # The same file through its node: a path with slashes, quoted into one URL segment.
        info = task.node_info
        via_node = FileRef.node(pool_id, info.node_id, f"{info.task_root_directory}/stdout.txt")
        assert "%2F" in via_node.url_path
        assert (await Follower(service, via_node).poll()).data == b"quick\n"
        # A task that has not run yet (its pool has no nodes): not readable yet, which is no error.
        pending = await Follower(service, FileRef.task(*held_task)).poll()
        assert pending.pending and not pending.gone and pending.data == b""
        assert await task_finished(service, *held_task) == (False, None)


async def test_unreachable_service_raises_and_keeps_the_offset(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "flaky", sh("echo one; sleep 1; echo two"))
    dead = BatchService("http://127.0.0.1:9", AzureNamedKeyCredential(emulator.account, emulator.key), retries=0)
    async with service_for(emulator) as service, dead:
        follower = Follower(service, FileRef.task(job_id, "flaky"))
        first = await poll_until(follower, lambda c: c.end >= 4)
        follower.service = dead  # the network goes away for a while
        with pytest.raises(ServiceError) as caught:
            await follower.poll()
        assert caught.value.kind == UNREACHABLE and follower.offset == 4
        follower.service = service
        rest, _ = await follow_to_end(service, follower, job_id, "flaky", interval=0.1)
    assert b"".join(c.data for c in first + rest) == b"one\ntwo\n"
    assert follower.bytes_fetched == 8


async def test_start_at_tail_reads_only_the_end_of_a_big_file(emulator, client, pool_job):
    _, job_id = pool_job
    add_task(client, job_id, "big", sh("seq 1 6000000"))  # ~47 MB
    wait_task(client, job_id, "big", timeout=60)
    async with service_for(emulator) as service:
        follower = Follower(service, FileRef.task(job_id, "big"))
        follower.start_at_tail(64 * 1024)
        chunk = await follower.poll()
        assert chunk.size > 40_000_000 and chunk.end == chunk.size and chunk.behind == 0
        assert follower.bytes_fetched <= 64 * 1024 + 1 and follower.requests == 2
        lines = chunk.text.splitlines()
        numbers = [int(line) for line in lines]  # the partial first line was dropped
        assert numbers == list(range(numbers[0], 6_000_001))
        assert chunk.data.startswith(lines[0].encode()) and chunk.offset == chunk.size - len(chunk.data)
        again = await follower.poll()
        assert again.data == b"" and follower.bytes_fetched <= 64 * 1024 + 1
    client.delete_task(job_id, "big")


class FileService:
    """A service whose one file is `content` (HEAD and ranged GETs), counting the bytes it sends."""

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.sent = 0

    async def file_properties(self, ref: FileRef) -> FileProps:
        return FileProps(size=len(self.content))

    async def read_range(self, ref: FileRef, start: int, end: int | None) -> bytes:
        data = self.content[start:None if end is None else end + 1]
        self.sent += len(data)
        return data


async def tail_of(content: bytes, tail_bytes: int, **options) -> tuple[Chunk, FileService]:
    service = FileService(content)
    follower = Follower(service, FileRef.task("j", "t"), **options)  # type: ignore[arg-type]
    follower.start_at_tail(tail_bytes)
    return await follower.poll(), service


async def test_a_long_line_at_the_tail_is_read_back_to_its_start():
    long = b"x" * 400_000
    # longer than the tail read: the whole line, not nothing
    chunk, service = await tail_of(b"first\n" + long + b"\n", 256 * 1024)
    assert chunk.data == long + b"\n" and chunk.offset == 6 and chunk.text == long.decode() + "\n"
    assert service.sent == len(service.content)  # each byte of the file read once
    # lines after it: still the whole line
    chunk, _ = await tail_of(b"first\n" + long + b"\nafter\n", 256 * 1024)
    assert chunk.data == long + b"\nafter\n" and chunk.offset == 6
    # a short partial first line is dropped as before (no reading back)
    lines = b"".join(b"line %06d\n" % i for i in range(100_000))
    chunk, service = await tail_of(lines, 64 * 1024)
    assert chunk.text.startswith("line ") and chunk.text.splitlines()[0] == chunk.text.splitlines()[0].strip()
    assert chunk.end == len(lines) and service.sent <= 64 * 1024 + 1
    # longer than line_max: its last line_max bytes (and the bytes read at the tail) are shown
    chunk, _ = await tail_of(b"a\n" + long + b"\n", 1000, line_max=5000)
    assert chunk.data == b"x" * (5000 + 1000) + b"\n"


def test_replacement_needs_a_creation_time_apart_from_the_write_time():
    t = [datetime(2025, 1, 1, 0, 0, s, tzinfo=timezone.utc) for s in range(4)]
    old = FileProps(size=10, created=t[0], modified=t[1])
    assert not _replaced(old, FileProps(size=20, created=t[0], modified=t[2]))  # grew
    assert _replaced(old, FileProps(size=20, created=t[2], modified=t[3]))  # a new file
    # A service that reports the inode change time moves "created" with every write.
    assert not _replaced(old, FileProps(size=20, created=t[3], modified=t[3]))


def test_next_delay_is_fast_while_growing_and_slows_when_idle():
    follower = Follower(None, FileRef.task("j", "t"), min_delay=0.2, max_delay=6)  # type: ignore[arg-type]
    assert follower.min_delay == 1.0  # one second at least
    follower._grew = True
    assert follower.next_delay() == 1.0
    follower._grew = False
    idle = [follower.next_delay() for _ in range(10)]
    assert idle == sorted(idle) and idle[0] > 1.0 and idle[-1] == 6
    follower._grew = True
    assert follower.next_delay() == 1.0
    follower._behind = True
    assert follower.next_delay() == 0.0


def test_file_ref_paths():
    assert FileRef.task("j 1", "t/2", "wd/out.txt").url_path == "/jobs/j%201/tasks/t%2F2/files/wd%2Fout.txt"
    assert FileRef.node("p", "n", "startup/stdout.txt").url_path == "/pools/p/nodes/n/files/startup%2Fstdout.txt"
    with pytest.raises(ValueError):
        FileRef("stdout.txt", job_id="j")
    with pytest.raises(ValueError):
        FileRef("x", job_id="j", task_id="t", pool_id="p", node_id="n")


# -- batchtui tail -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_env(emulator, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tail-config")
    (folder / "accounts.toml").write_text(
        f'[accounts.emu]\nendpoint = "{emulator.endpoint}"\naccount_name = "{emulator.account}"\n'
        f'auth = "shared_key"\nkey_env = "{KEY_ENV}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_BATCH_")}
    env.update({"BATCHTUI_CONFIG_DIR": str(folder), KEY_ENV: emulator.key})
    return env


def tail(env, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "batchtui", "tail", *args], env=env, capture_output=True,
                          timeout=timeout)


def assert_one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    err = proc.stderr.decode()
    assert proc.stdout == b""
    assert "Traceback" not in err and err.startswith("batchtui tail: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err, err


def test_cli_prints_the_file_byte_for_byte(client, pool_job, cli_env):
    _, job_id = pool_job
    add_task(client, job_id, "raw", sh(r'printf "plain\n\033[2J\377\376 bin\r\n\342\202\254 \000end"'))
    wait_task(client, job_id, "raw")
    proc = tail(cli_env, job_id, "raw")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"plain\n\x1b[2J\xff\xfe bin\r\n\xe2\x82\xac \x00end"
    assert proc.stdout == file_bytes(client, job_id, "raw")
    assert proc.stderr == b""
    stderr_file = tail(cli_env, job_id, "raw", "stderr.txt", "--account", "emu")
    assert stderr_file.returncode == 0 and stderr_file.stdout == b""


def test_cli_reads_a_file_whose_name_holds_punctuation(client, pool_job, cli_env):
    # (the async transport sends these characters unencoded: the signed path must be the path sent)
    _, job_id = pool_job
    name = "r(1)&a=b,c@d:e!*.txt"
    assert FileRef.task("j", "t", f"wd/{name}").url_path == f"/jobs/j/tasks/t/files/wd%2F{name}"
    add_task(client, job_id, "punctuation", sh(f'printf "odd name\\n" > "{name}"'))
    wait_task(client, job_id, "punctuation")
    proc = tail(cli_env, job_id, "punctuation", f"wd/{name}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"odd name\n"


def test_cli_follow_exits_with_the_task_exit_code(client, pool_job, cli_env):
    _, job_id = pool_job
    add_task(client, job_id, "three", sh("for i in 1 2 3; do echo step $i; sleep 0.4; done; exit 3"))
    proc = tail(cli_env, job_id, "three", "--follow")
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == b"step 1\nstep 2\nstep 3\n"
    assert b"Traceback" not in proc.stderr


def test_cli_errors_are_one_line(client, emulator, pool_job, held_task, cli_env, tmp_path):
    _, job_id = pool_job
    add_task(client, job_id, "quiet", sh("true"))
    wait_task(client, job_id, "quiet")
    missing = tail(cli_env, job_id, "no-such-task")
    assert missing.returncode == 1
    assert_one_line_error(missing, "no-such-task")
    assert_one_line_error(tail(cli_env, "no-such-job", "t"), "no-such-job")
    no_file = tail(cli_env, job_id, "quiet", "wd/nothing.txt")
    assert no_file.returncode == 1
    assert_one_line_error(no_file, "wd/nothing.txt")
    not_started = tail(cli_env, *held_task)
    assert not_started.returncode == 1
    assert_one_line_error(not_started, "has not started", "--follow")
    bad_account = tail(cli_env, job_id, "quiet", "--account", "nope")
    assert bad_account.returncode == 2
    assert_one_line_error(bad_account, "nope", "emu")
    no_key = tail({**cli_env, KEY_ENV: ""}, job_id, "quiet")
    assert no_key.returncode == 2
    assert_one_line_error(no_key, KEY_ENV)
    (tmp_path / "accounts.toml").write_text(f'[accounts.dead]\nendpoint = "http://127.0.0.1:9"\n'
                                           f'account_name = "a"\nkey_env = "{KEY_ENV}"\n')
    dead = tail({**cli_env, "BATCHTUI_CONFIG_DIR": str(tmp_path)}, job_id, "quiet")
    assert dead.returncode == 1
    assert_one_line_error(dead, "cannot reach")
    usage = tail(cli_env, job_id, "quiet", "--interval", "0.1")
    assert usage.returncode == 2 and b"Traceback" not in usage.stderr


def test_cli_quiet_on_broken_pipe_and_ctrl_c(client, pool_job, cli_env):
    _, job_id = pool_job
    add_task(client, job_id, "many", sh("seq 1 2000000; sleep 30"))
    wait_task(client, job_id, "many", state="running")
    wait_for(lambda: client.get_task_file_properties(job_id, "many", "stdout.txt").content_length > 10_000_000,
             timeout=30, what="14 MB of output")
    head = subprocess.Popen([sys.executable, "-m", "batchtui", "tail", job_id, "many", "--follow"], env=cli_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert head.stdout.read(8) == b"1\n2\n3\n4\n"
    head.stdout.close()  # like `| head`
    assert head.wait(timeout=30) == 141
    assert head.stderr.read() == b""
    follow = subprocess.Popen([sys.executable, "-m", "batchtui", "tail", job_id, "many", "--follow"], env=cli_env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(3)
    follow.send_signal(signal.SIGINT)
    assert follow.wait(timeout=30) == 130
    assert follow.stderr.read() == b""
    client.delete_task(job_id, "many")


def tail_on_a_terminal(env, *args: str, timeout: float = 60) -> tuple[int, bytes, bytes]:
    """Run `batchtui tail` with its stdout on a pseudo-terminal (raw mode: what it writes is what we
    read); its exit status, what reached the terminal, and its stderr."""
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "batchtui", "tail", *args], env=env, stdin=subprocess.DEVNULL,
                                stdout=slave, stderr=subprocess.PIPE)
        os.close(slave)
        screen = bytearray()
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other side was closed
                break
            if not data:
                break
            screen += data
        _, err = proc.communicate(timeout=timeout)
    finally:
        os.close(master)
    return proc.returncode, bytes(screen), err


HOSTILE = r"before\033]0;pwned\007 \033[6n \033]52;c;aGk=\033\\ \033[2J\302\233 \033[32mgreen\033[0m\nafter\n"


def test_cli_on_a_terminal_makes_control_sequences_inert_and_lets_colours_pass(client, pool_job, cli_env):
    _, job_id = pool_job
    add_task(client, job_id, "hostile", sh(f'printf "{HOSTILE}"'))
    wait_task(client, job_id, "hostile")
    raw_file = file_bytes(client, job_id, "hostile")
    assert b"\x1b]0;pwned\x07" in raw_file  # (the task did print the sequences)
    status, screen, err = tail_on_a_terminal(cli_env, job_id, "hostile")
    assert status == 0, err
    assert screen == (b"before^[]0;pwned^G ^[[6n ^[]52;c;aGk=^[\\ ^[[2J<9B> \x1b[32mgreen\x1b[0m\nafter\n"
                      b"\x1b[0m"), screen
    status, following, err = tail_on_a_terminal(cli_env, job_id, "hostile", "--follow")
    assert status == 0 and following == screen, err
    # --raw on a terminal, and any pipe: the bytes unchanged
    status, raw_screen, err = tail_on_a_terminal(cli_env, job_id, "hostile", "--raw")
    assert status == 0 and raw_screen == raw_file, err
    piped = tail(cli_env, job_id, "hostile")
    assert piped.returncode == 0 and piped.stdout == raw_file
    # NO_COLOR: colours dropped too, the rest as before
    status, plain, err = tail_on_a_terminal({**cli_env, "NO_COLOR": "1"}, job_id, "hostile")
    assert status == 0 and plain == b"before^[]0;pwned^G ^[[6n ^[]52;c;aGk=^[\\ ^[[2J<9B> green\nafter\n", plain


def test_cli_error_messages_are_inert_and_literal(client, pool_job, cli_env, tmp_path):
    _, job_id = pool_job
    add_task(client, job_id, "plain", sh("true"))
    wait_task(client, job_id, "plain")
    bad_id = tail(cli_env, "job-[/x]", "t")
    assert bad_id.returncode == 2
    assert_one_line_error(bad_id, "'job-[/x]' is not a job id: Batch ids are letters, digits, hyphens")
    scheduled = tail(cli_env, "nightly:job-1", "t")  # (a scheduled job's id) asked for, and not found
    assert scheduled.returncode == 1
    assert_one_line_error(scheduled, "job 'nightly:job-1' does not exist")
    proc = tail(cli_env, job_id, "plain", "wd/[/x].txt")
    assert proc.returncode == 1
    assert_one_line_error(proc, "wd/[/x].txt")
    (tmp_path / "accounts.toml").write_text('[accounts.a]\nendpoint = "http://127.0.0.1:9"\naccount_name = "a"\n'
                                           f'key_file = "{tmp_path}/[/x]\\u001b]0;pwned\\u0007"\n')
    proc = tail({**cli_env, "BATCHTUI_CONFIG_DIR": str(tmp_path)}, job_id, "plain")
    assert proc.returncode == 2
    assert_one_line_error(proc, "[/x]^[]0;pwned^G: key file not found")
    assert b"\x1b" not in proc.stderr
