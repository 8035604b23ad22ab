"""A job whose tasks fail in three planted ways, for the triage tests and `batchtui wait`'s.

checksum: a shell script writes ~6 KiB of log to stderr (more than one tail
read), then "ERROR shard N: checksum mismatch in /data/in/part-N.bin at TIME"
with N, the path and the time differing between tasks, and exits 3.
keyerror: Python raises KeyError('label') (a traceback on stderr), exit 1.
notfound: the shell cannot find a program ("/bin/sh: 1: nosuchtool: not found"), exit 127.

A bad node (the nodes health view): `bad_node_start_task` makes one node of a pool bad by a marker file
its start task writes; `node_task`s fail at once there and sleep elsewhere (slow tasks: a long sleep).
"""

from __future__ import annotations

import shlex
import sys

from azure.batch import models as m

SHARDS = (7, 12, 103, 2048, 99999, 5, 61, 4242, 31337)  # numbers of differing lengths
EXPECTED_LINES = {
    "checksum": (3, "ERROR shard <n>: checksum mismatch in <path> at <time>"),
    "keyerror": (1, "KeyError: 'label'"),
    "notfound": (127, "<path>: <n>: nosuchtool: not found"),
}


def sh(script: str) -> str:
    return "/bin/sh -c " + shlex.quote(script)


def command(cause: str, i: int, at: str | None = None) -> str:
    """The command line of task `i` of `cause`; `at`: the time the checksum line prints (else the time now)."""
    if cause == "checksum":
        shard = SHARDS[i % len(SHARDS)] + 100_000 * (i // len(SHARDS))
        return sh(f'yes "reading block of shard {shard} from /data/in/part-{shard}.bin" | head -c 6000 >&2; '
                  f'echo >&2; echo "ERROR shard {shard}: checksum mismatch in /data/in/part-$(printf %06d {shard}).bin'
                  f' at {at or "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}" >&2; exit 3')
    if cause == "keyerror":
        return sh(f"echo epoch {i} done; {shlex.quote(sys.executable)} -c \"raise KeyError('label')\"")
    if cause == "notfound":
        return sh(f"echo starting task {i}; nosuchtool --shard {i}")
    assert cause == "ok"
    return sh(f"echo shard {i} fine")


def plant(client, job_id: str, counts: dict[str, int], at: str | None = None) -> dict[str, list[str]]:
    """Add `counts[cause]` tasks of each cause ("checksum", "keyerror", "notfound", "ok") to the job; the
    task ids of each cause. `at`: the time the checksum lines print (for snapshots), else the time now."""
    ids: dict[str, list[str]] = {}
    tasks = []
    for cause, count in counts.items():
        for i in range(count):
            task_id = f"{cause}-{i:05d}"
            ids.setdefault(cause, []).append(task_id)
            tasks.append(m.BatchTaskCreateOptions(id=task_id, command_line=command(cause, i, at)))
    for start in range(0, len(tasks), 100):
        client.create_task_collection(job_id, m.BatchTaskGroup(task_values=tasks[start:start + 100]))
    return ids


# -- a bad node and slow tasks (the nodes health view, stragglers) ----------------------------------------

BAD_MARKER = "bad-node"  # in $AZ_BATCH_NODE_SHARED_DIR of the node made bad
BAD_NODE_LINE = "ERROR input volume not mounted"


def bad_node_start_task(*, lock_dir: str | None = None, node_pattern: str | None = None) -> m.BatchStartTask:
    """A pool's start task that makes one node bad: it writes `BAD_MARKER` in the node's shared dir, which
    `node_task` checks. Which node: the first to create `lock_dir`/bad (mkdir is atomic; it writes its id
    in `lock_dir`/bad/node), or the one whose id matches the shell pattern `node_pattern` (predictable ids:
    the emulator's frozen clock). The start task of the bad node says so on its stdout."""
    marker = f'"$AZ_BATCH_NODE_SHARED_DIR/{BAD_MARKER}"'
    make_bad = f'touch {marker} && echo "this node is made bad"'
    if lock_dir is not None:
        bad = shlex.quote(f"{lock_dir}/bad")
        script = f'if mkdir {bad} 2>/dev/null; then {make_bad}; echo "$AZ_BATCH_NODE_ID" > {bad}/node; fi; true'
    else:
        assert node_pattern is not None
        script = f'case "$AZ_BATCH_NODE_ID" in {node_pattern}) {make_bad};; esac; true'
    return m.BatchStartTask(command_line=sh(script), wait_for_success=True)


def node_task(seconds: float = 0.3, *, check_node: bool = True, exit_code: int = 0) -> str:
    """A task that fails at once (exit 9, `BAD_NODE_LINE` on stderr) on the bad node (unless not
    `check_node`), else sleeps `seconds` and exits `exit_code`."""
    check = (f'if [ -f "$AZ_BATCH_NODE_SHARED_DIR/{BAD_MARKER}" ]; then '
             f'echo "{BAD_NODE_LINE} on $AZ_BATCH_NODE_ID" >&2; exit 9; fi; ') if check_node else ""
    return sh(f"{check}sleep {seconds}; echo done; exit {exit_code}")
