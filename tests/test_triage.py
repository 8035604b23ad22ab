"""Failure signatures on real-looking output (service/signature.py) and clustering (service/triage.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from batchtui.service.models import TaskRow
from batchtui.service.signature import ERRORISH, PLAIN, STRONG, meaningful_line, normalise, pick_line
from batchtui.service.triage import Clusterer, Signature, TailLine, cluster, signature_of

PYTHON_TRACEBACK = """\
INFO:root:loading shard 7 from /mnt/batch/tasks/workitems/job-1/task-7/wd/shard-7.bin
Traceback (most recent call last):
  File "/opt/app/train.py", line 212, in <module>
    main()
  File "/opt/app/train.py", line 198, in main
    verify(shard)
    ~~~~~~^^^^^^^
  File "/opt/app/io.py", line 41, in verify
    raise ValueError(f"shard {shard.index}: checksum mismatch")
ValueError: shard 7: checksum mismatch

"""

PYTHON_CHAINED = """\
Traceback (most recent call last):
  File "/opt/app/db.py", line 12, in connect
    sock.connect(addr)
ConnectionRefusedError: [Errno 111] Connection refused

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/opt/app/main.py", line 5, in <module>
    db.connect("10.0.0.4:5432")
  File "/opt/app/db.py", line 14, in connect
    raise RuntimeError(f"cannot reach database at {addr}") from exc
RuntimeError: cannot reach database at 10.0.0.4:5432
"""

JAVA_EXCEPTION = """\
12:01:33.120 [main] INFO  c.e.pipeline.Runner - starting partition 17
Exception in thread "main" java.lang.RuntimeException: partition 17 failed
\tat com.example.pipeline.Runner.run(Runner.java:88)
\tat com.example.pipeline.Main.main(Main.java:12)
Caused by: java.io.FileNotFoundException: /data/in/part-00017.parquet (No such file or directory)
\tat java.base/java.io.FileInputStream.open0(Native Method)
\tat java.base/java.io.FileInputStream.open(FileInputStream.java:216)
\t... 2 more
"""

JAVA_NO_CAUSE = """\
Exception in thread "pool-1-thread-3" java.lang.OutOfMemoryError: Java heap space
\tat java.base/java.util.Arrays.copyOf(Arrays.java:3512)
\tat com.example.Buffer.grow(Buffer.java:40)
"""

SHELL_NOT_FOUND = "starting run 2024-05-01T10:00:00Z\nsh: 1: nosuchtool: not found\n"
BASH_NOT_FOUND = "+ cd /mnt/work\n+ nosuchtool --input x\nbash: line 3: nosuchtool: command not found\n+ exit 127\n"

CUDA_OOM = """\
Epoch 3:  41%|████      | 410/1000 [02:13<03:11,  3.08it/s, loss=0.412]
Traceback (most recent call last):
  File "train.py", line 88, in <module>
    loss.backward()
torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity; \
13.12 GiB already allocated; 1.02 GiB free; 13.50 GiB reserved in total by PyTorch)
"""

KILLED = "loading 1200000 rows\nprocessing batch 17\n/bin/sh: line 1:  4121 Killed                  python big.py\n"
MEMORY_ERROR = """\
Traceback (most recent call last):
  File "join.py", line 3, in <module>
    rows = [0] * (10 ** 12)
MemoryError
"""
BAD_ALLOC = """\
reading mesh 00042 (9812331 cells)
terminate called after throwing an instance of 'std::bad_alloc'
  what():  std::bad_alloc
Aborted (core dumped)
"""
PROGRESS_ONLY_THEN_ERROR = (
    "Downloading: 100%|██████████| 1.20G/1.20G [00:12<00:00, 98.1MB/s]\n"
    "ERROR: shard 12: checksum mismatch (expected 3fa2c9e1d0, got 77b1aa02ff)\n"
    "----------------------------------------\n"
    "cleaning up /tmp/tmp8x1k2/\n"
    "\n"
)


@pytest.mark.parametrize("text, line, strength", [
    (PYTHON_TRACEBACK, "ValueError: shard 7: checksum mismatch", STRONG),
    (PYTHON_CHAINED, "RuntimeError: cannot reach database at 10.0.0.4:5432", STRONG),
    (JAVA_EXCEPTION, "Caused by: java.io.FileNotFoundException: /data/in/part-00017.parquet (No such file or "
                     "directory)", STRONG),
    (JAVA_NO_CAUSE, 'Exception in thread "pool-1-thread-3" java.lang.OutOfMemoryError: Java heap space', STRONG),
    (SHELL_NOT_FOUND, "sh: 1: nosuchtool: not found", ERRORISH),
    (BASH_NOT_FOUND, "bash: line 3: nosuchtool: command not found", ERRORISH),
    (CUDA_OOM, "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total "
               "capacity; 13.12 GiB already allocated; 1.02 GiB free; 13.50 GiB reserved in total by PyTorch)", STRONG),
    (KILLED, "/bin/sh: line 1:  4121 Killed                  python big.py", STRONG),
    (MEMORY_ERROR, "MemoryError", STRONG),
    (BAD_ALLOC, "terminate called after throwing an instance of 'std::bad_alloc'  what(): std::bad_alloc", STRONG),
    (PROGRESS_ONLY_THEN_ERROR, "ERROR: shard 12: checksum mismatch (expected 3fa2c9e1d0, got 77b1aa02ff)", ERRORISH),
    ("step 1 done\nstep 2 done\nall good, exiting\n", "all good, exiting", PLAIN),
])
def test_the_meaningful_line(text, line, strength):
    assert pick_line(text) == (line, strength)


def test_noise_is_skipped():
    assert meaningful_line("") is None
    assert meaningful_line("\n\n   \n") is None
    assert meaningful_line("========\n--------\n12345\n  ^^^^^^\n") is None
    assert meaningful_line(" 45%|████▌     | 45/100 [00:05<00:06,  8.91it/s]\r"
                           " 46%|████▌     | 46/100 [00:05<00:06]\n") is None
    assert meaningful_line("[=======>            ] 35%\n") is None
    assert meaningful_line("+ set -e\n+ ./run.sh\n") is None
    # a line redrawn with carriage returns counts as what was drawn last; colours do not count
    assert meaningful_line("working 1\rworking 2\r\x1b[31mfailed: disk quota exceeded\x1b[0m\n") == \
        "failed: disk quota exceeded"


def test_a_tail_read_from_mid_file_drops_its_cut_first_line():
    assert meaningful_line("ed: disk error\nok\n", partial_start=True) == "ok"
    assert meaningful_line("ed: disk error\nok\n") == "ed: disk error"


def test_a_python_traceback_cut_above_still_gives_its_exception_line():
    cut = PYTHON_TRACEBACK.split("Traceback", 1)[1].split("\n", 1)[1]  # the tail began inside the frames
    assert meaningful_line(cut) == "ValueError: shard 7: checksum mismatch"


def test_a_later_plain_line_does_not_hide_the_error():
    assert meaningful_line("ERROR could not open /data/x.bin\nuploading logs\ndone\n") == \
        "ERROR could not open /data/x.bin"


@pytest.mark.parametrize("a, b", [
    ("shard 7: checksum mismatch", "shard 12: checksum mismatch"),
    ("ValueError: shard 7: checksum mismatch", "ValueError: shard 1024: checksum mismatch"),
    ("Caused by: java.io.FileNotFoundException: /data/in/part-00017.parquet (No such file or directory)",
     "Caused by: java.io.FileNotFoundException: /data/in/other/part-00003.parquet (No such file or directory)"),
    ("FileNotFoundError: [Errno 2] No such file or directory: 'inputs/shard_7.csv'",
     "FileNotFoundError: [Errno 2] No such file or directory: 'inputs/shard_19.csv'"),
    ("torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total)",
     "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 512.00 MiB (GPU 3; 15.78 GiB total)"),
    ("/bin/sh: line 1:  4121 Killed                  python big.py",
     "/bin/sh: line 1:  77 Killed                  python big.py"),
    ("2024-05-01T10:11:12.123Z worker node tvmps_0a1b2c3d4e5f6a7b8c9d_d lost contact with 10.0.0.4:8080",
     "2024-05-02 23:01:02 worker node tvmps_99887766554433221100_d lost contact with 10.0.1.17:8080"),
    ("request 123e4567-e89b-12d3-a456-426614174000 failed after 30s",
     "request 00000000-0000-0000-0000-00000000beef failed after 2.5 seconds"),
    ("segfault at 0x7ffde1234000 in libfoo.so", "segfault at 0x10 in libfoo.so"),
    ("upload to https://acct.blob.core.windows.net/out/job-1/t-7?sv=2024 failed",
     "upload to https://acct.blob.core.windows.net/out/job-1/t-8?sv=2025 failed"),
    ("commit 3fa2c9e1d0b7 is bad", "commit 77b1aa02ff00 is bad"),
    ("gpu0 fell off the bus at fe80::1ff:fe23:4567:890a", "gpu3 fell off the bus at fe80::2"),
    ("C:\\batch\\tasks\\workitems\\j\\t-7\\wd\\in.dat is locked",
     "C:\\batch\\tasks\\workitems\\j\\t-9\\wd\\in.dat is locked"),
])
def test_what_varies_is_normalised_away(a, b):
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize("a, b", [
    ("shard 7: checksum mismatch", "shard 7: permission denied"),
    ("sh: 1: nosuchtool: not found", "sh: 1: othertool: not found"),
    ("ValueError: bad input", "KeyError: bad input"),
    ("Input/output error", "Input error"),
])
def test_different_causes_stay_apart(a, b):
    assert normalise(a) != normalise(b)


def test_normalised_forms_read_well():
    assert normalise("shard 12: checksum mismatch in /data/in/part-12.bin at 2024-05-01T10:11:12Z") == \
        "shard <n>: checksum mismatch in <path> at <time>"
    assert normalise("sh: 1: nosuchtool: not found") == "sh: <n>: nosuchtool: not found"
    assert normalise("connect 10.0.0.4:5432 timed out after 30s (uuid 123e4567-e89b-12d3-a456-426614174000)") == \
        "connect <ip> timed out after <duration> (uuid <uuid>)"
    assert normalise("Input/output error and/or 3/4 done on gpu0, x86_64, 2GiB, 0x7f") == \
        "Input/output error and/or <n>/<n> done on gpu<n>, x<n>_<n>, <size>, <hex>"
    assert normalise("\x1b[31mred\x1b[0m   spaced\tout") == "red spaced out"
    assert len(normalise("x" * 1000)) == 240


# -- clustering ----------------------------------------------------------------------------------------------------

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)


def failed(task_id: str, exit_code: int | None = 3, node: str | None = "node-1", minute: int = 0,
           code: str = "FailureExitCode", message: str = "The task exited with an exit code representing a failure",
           retry: int = 0) -> TaskRow:
    return TaskRow(id=task_id, job_id="job", state="completed", exit_code=exit_code, result="failure",
                   failure_code=code, node_id=node, creation_time=T0, state_transition_time=None, start_time=T0,
                   end_time=T0 + timedelta(minutes=minute), retry_count=retry, requeue_count=0,
                   failure_category="usererror", failure_message=message)


def line(text: str, file: str = "stderr.txt") -> TailLine:
    return TailLine(text, file, ERRORISH, 100)


def test_signature_parts_and_words():
    sig = signature_of(failed("t1"), line("shard 7: checksum mismatch"))
    assert sig == Signature("usererror", "FailureExitCode", 3, "shard <n>: checksum mismatch")
    assert sig.describe() == "exit 3, FailureExitCode (usererror): shard <n>: checksum mismatch"
    # without a line from the output, the failureInfo message stands in
    gone = failed("t2", exit_code=None, code="CommandProgramNotFound",
                  message="The specified command program is not found: /opt/bin/tool-7")
    assert signature_of(gone, TailLine()).describe() == \
        "no exit code, CommandProgramNotFound (usererror): The specified command program is not found: <path>"
    assert signature_of(failed("t3"), line("x")) != signature_of(failed("t4", exit_code=4), line("x"))


def test_clusters_count_nodes_examples_and_first_failure():
    pairs = [(failed(f"shard-{i}", node=f"node-{i % 2}", minute=10 - i), line(f"shard {i}: checksum mismatch"))
             for i in range(5)]
    pairs += [(failed(f"py-{i}", exit_code=1, minute=20 + i), line("KeyError: 'label'")) for i in range(3)]
    pairs += [(failed("sh-0", exit_code=127, node="node-9", minute=1), line("sh: 1: nosuchtool: not found"))]
    clusters = cluster(pairs)
    assert [(c.count, c.signature.line) for c in clusters] == [
        (5, "shard <n>: checksum mismatch"), (3, "KeyError: 'label'"), (1, "sh: <n>: nosuchtool: not found")]
    shards = clusters[0]
    assert shards.task_ids == [f"shard-{i}" for i in range(5)]
    assert shards.nodes == {"node-0": 3, "node-1": 2}
    assert shards.example is not None and shards.example.id == "shard-4"  # it failed first (minute 6)
    assert shards.example_line == "shard 4: checksum mismatch" and shards.example_file == "stderr.txt"
    assert shards.first_failure == T0 + timedelta(minutes=6) and shards.last_failure == T0 + timedelta(minutes=10)
    data = shards.as_json()
    assert data["count"] == 5 and data["exampleTask"] == "shard-4" and data["nodes"] == {"node-0": 3, "node-1": 2}
    assert data["firstFailure"] == "2024-05-01T10:06:00+00:00" and data["signature"]["exitCode"] == 3


def test_adding_a_task_again_moves_it_and_empty_clusters_go():
    clusterer = Clusterer()
    clusterer.add(failed("a", minute=1), line("disk full"))
    clusterer.add(failed("b", minute=2), line("disk full"))
    assert [c.count for c in clusterer.clusters()] == [2] and len(clusterer) == 2
    # a rerun of "a" failed another way: it leaves the first cluster, whose example becomes "b"
    moved = clusterer.add(failed("a", minute=5, retry=1), line("permission denied"))
    assert moved.task_ids == ["a"] and clusterer.cluster_of("a") is moved
    first = clusterer.cluster_of("b")
    assert first is not None and first.task_ids == ["b"] and first.example is not None and first.example.id == "b"
    clusterer.discard("a")
    clusterer.discard("no-such-task")
    assert [c.task_ids for c in clusterer.clusters()] == [["b"]] and len(clusterer) == 1
