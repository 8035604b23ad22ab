"""A job whose tasks fail in three planted ways, for the triage tests and `batchtui wait`'s.

checksum: a shell script writes ~6 KiB of log to stderr (more than one tail
read), then "ERROR shard N: checksum mismatch in /data/in/part-N.bin at TIME"
with N, the path and the time differing between tasks, and exits 3.
keyerror: Python raises KeyError('label') (a traceback on stderr), exit 1.
notfound: the shell cannot find a program ("/bin/sh: 1: nosuchtool: not found"), exit 127.
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


def command(cause: str, i: int) -> str:
    if cause == "checksum":
        shard = SHARDS[i % len(SHARDS)] + 100_000 * (i // len(SHARDS))
        return sh(f'yes "reading block of shard {shard} from /data/in/part-{shard}.bin" | head -c 6000 >&2; '
                  f'echo >&2; echo "ERROR shard {shard}: checksum mismatch in /data/in/part-$(printf %06d {shard}).bin'
                  f' at $(date -u +%Y-%m-%dT%H:%M:%SZ)" >&2; exit 3')
    if cause == "keyerror":
        return sh(f"echo epoch {i} done; {shlex.quote(sys.executable)} -c \"raise KeyError('label')\"")
    if cause == "notfound":
        return sh(f"echo starting task {i}; nosuchtool --shard {i}")
    assert cause == "ok"
    return sh(f"echo shard {i} fine")


def plant(client, job_id: str, counts: dict[str, int]) -> dict[str, list[str]]:
    """Add `counts[cause]` tasks of each cause ("checksum", "keyerror", "notfound", "ok") to the job; the
    task ids of each cause."""
    ids: dict[str, list[str]] = {}
    tasks = []
    for cause, count in counts.items():
        for i in range(count):
            task_id = f"{cause}-{i:05d}"
            ids.setdefault(cause, []).append(task_id)
            tasks.append(m.BatchTaskCreateOptions(id=task_id, command_line=command(cause, i)))
    for start in range(0, len(tasks), 100):
        client.create_task_collection(job_id, m.BatchTaskGroup(task_values=tasks[start:start + 100]))
    return ids
