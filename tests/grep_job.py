"""A job whose tasks print a planted line, for the `:grep` tests (service and UI).

needle-00 … needle-04 print the planted line on stdout (line 3); needle-03 and needle-04 then fail.
needle-05 prints it on stderr with a terminal title sequence and "[/x]" around it, and fails.
deep-00 prints it as line 3 of stdout, then ~300 KB more: a 64 KiB tail misses it, --all finds it (and
the log view, which opens at the last 256 KiB, must read the part of the file that holds it).
quiet-00 … quiet-03 print near misses only ("mark-7 q", "MARK-7"); quiet-02 and quiet-03 fail.
"""

from __future__ import annotations

from azure.batch import models as m
from planted import sh

PLANTED = "MARK-7Q"
DEEP_FILLER = 300_000  # bytes after deep-00's planted line (more than the log view's 256 KiB tail)
LINE = 3  # the planted line's number in stdout.txt

COMMANDS = {
    **{f"needle-{i:02d}": sh(f"echo 'step 1 of 3'; echo 'loading shard {i}'; echo '{PLANTED} shard {i}: planted line';"
                             f" echo done; exit {1 if i >= 3 else 0}") for i in range(5)},
    "needle-05": sh(f"echo starting; printf 'warn\\n\\033]0;owned\\007 {PLANTED} from stderr [/x]\\n' >&2; exit 2"),
    "deep-00": sh(f"echo start; echo 'config ok'; echo '{PLANTED} deep in the file';"
                  f" yes 'filler line of the deep task' | head -c {DEEP_FILLER}"),
    **{f"quiet-{i:02d}": sh(f"echo 'nothing to see {i}'; echo 'warning: mark-7 q almost' >&2; echo MARK-7;"
                            f" exit {1 if i >= 2 else 0}") for i in range(4)},
}
TAIL_MATCHES = [f"needle-{i:02d}" for i in range(6)]  # the tasks a 64 KiB tail search finds
ALL_MATCHES = sorted([*TAIL_MATCHES, "deep-00"])  # and a whole-file search
FAILED = ["needle-03", "needle-04", "needle-05", "quiet-02", "quiet-03"]


def plant_grep_job(client, job_id: str) -> list[str]:
    """Add the tasks above to the job; their ids."""
    client.create_task_collection(job_id, m.BatchTaskGroup(task_values=[
        m.BatchTaskCreateOptions(id=task_id, command_line=command) for task_id, command in COMMANDS.items()]))
    return list(COMMANDS)
