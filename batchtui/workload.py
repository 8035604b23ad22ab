"""The demo's workload, and `Demo`: a throwaway emulator (with Azurite when it
can be had) in its own data dir, seeded with it. `batchtui demo` opens the
explorer on one; tests and screenshots use it too.

The workload: a pool of nodes with a start task; a finished ETL job with
succeeded and failed tasks; a render job whose tasks print progress for a
minute or two; a training job queued on a pool that has no nodes yet. With
Azurite (Node.js), the Batch workflow end to end too: input data and an
application package uploaded to blob storage, a word-count job whose tasks
download their inputs, run the application and upload their outputs.
"""


from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from azure.batch import BatchClient
from azure.batch import models as m

from .emulator_process import start_emulator

if TYPE_CHECKING:
    from .azurite import Azurite


IMAGE = m.VirtualMachineConfiguration(
    image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
    node_agent_sku_id="batch.node.ubuntu 24.04",
)


def _task(task_id: str, script: str, **options: Any) -> m.BatchTaskCreateOptions:
    return m.BatchTaskCreateOptions(id=task_id, command_line=f"/bin/sh -c '{script}'", **options)


def _add_in_order(client: BatchClient, job_id: str, tasks: list[m.BatchTaskCreateOptions]) -> None:
    """Add tasks in their order (the SDK's create_tasks submits them last first)."""
    for start in range(0, len(tasks), 100):
        client.create_task_collection(job_id, m.BatchTaskGroup(task_values=tasks[start:start + 100]))


def seed(client: BatchClient, render_seconds: float = 1.5) -> None:
    """Create the demo workload (returns at once; the work runs on)."""
    client.create_pool(m.BatchPoolCreateOptions(
        id="render-pool", vm_size="standard_d4s_v3", virtual_machine_configuration=IMAGE,
        target_dedicated_nodes=4, target_low_priority_nodes=1, task_slots_per_node=2,
        start_task=m.BatchStartTask(
            command_line="/bin/sh -c 'echo installing the renderer; sleep 1; echo renderer 4.2 ready'",
            wait_for_success=True),
    ))
    client.create_pool(m.BatchPoolCreateOptions(
        id="gpu-pool", vm_size="standard_nc6s_v3", virtual_machine_configuration=IMAGE,
        target_dedicated_nodes=0, task_slots_per_node=1))

    client.create_job(m.BatchJobCreateOptions(id="nightly-etl", pool_info=m.BatchPoolInfo(pool_id="render-pool"),
                                              all_tasks_complete_mode="terminatejob", priority=100))
    etl = []
    for i in range(40):
        code = {7: 2, 19: 1, 33: 137}.get(i, 0)
        complain = f'echo "shard {i}: checksum mismatch" >&2; ' if code else ""
        etl.append(_task(f"etl-{i:03d}", f'echo "extract shard {i}"; echo "load shard {i}: {100 + i} rows"; '
                                         + complain + f"exit {code}"))
    _add_in_order(client, "nightly-etl", etl)

    client.create_job(m.BatchJobCreateOptions(id="render-frames", pool_info=m.BatchPoolInfo(pool_id="render-pool")))
    _add_in_order(client, "render-frames", [
        _task(f"frame-{i:04d}", f'for step in $(seq 1 {40 + 5 * (i % 8)}); do echo "frame {i}: pass $step"; '
                               f"sleep {render_seconds}; done; echo \"frame {i} written to output/frame-{i:04d}.exr\"")
        for i in range(24)
    ])

    client.create_job(m.BatchJobCreateOptions(id="train-model", pool_info=m.BatchPoolInfo(pool_id="gpu-pool")))
    _add_in_order(client, "train-model", [
        _task(f"epoch-{i:02d}", f'echo "training epoch {i}"; sleep 30', required_slots=1) for i in range(8)
    ])


WORDS = ("batch pool node job task blob storage output input queue retry shard render frame "
         "compute cluster schedule container package").split()
WORDCOUNT_PY = """import collections, sys
counts = collections.Counter(word for line in open(sys.argv[1]) for word in line.split())
for word, n in counts.most_common():
    print(f"{n}\t{word}")
print(f"{sys.argv[1]}: {sum(counts.values())} words", file=sys.stderr)
"""


def seed_storage(client: BatchClient, connection_string: str, parts: int = 6) -> None:
    """The Batch workflow with blob storage: inputs and an application package
    uploaded, a job whose tasks download them, run, and upload their outputs."""
    import io
    import random
    import zipfile
    from datetime import datetime, timedelta, timezone

    from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas

    blobs = BlobServiceClient.from_connection_string(connection_string)
    if blobs.account_name is None:
        raise ValueError("the storage connection string names no account")
    rng = random.Random(7)
    inputs = blobs.get_container_client("inputs")
    if not inputs.exists():
        inputs.create_container()
    for i in range(parts):
        text = "\n".join(" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(400)) + "\n"
        inputs.upload_blob(f"wordcount/part-{i:03d}.txt", text, overwrite=True)
    packages = blobs.get_container_client("batchtui-applications")
    if not packages.exists():
        packages.create_container()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("wordcount.py", WORDCOUNT_PY)
    packages.upload_blob("wordcount/1.0.zip", archive.getvalue(), overwrite=True)
    outputs = blobs.get_container_client("outputs")
    if not outputs.exists():
        outputs.create_container()
    sas = generate_container_sas(blobs.account_name, "outputs", account_key=blobs.credential.account_key,
                                 permission=ContainerSasPermissions(read=True, write=True, create=True, list=True),
                                 expiry=datetime.now(timezone.utc) + timedelta(days=7))
    outputs_url = f"{outputs.url}?{sas}"

    client.create_job(m.BatchJobCreateOptions(id="wordcount", pool_info=m.BatchPoolInfo(pool_id="render-pool"),
                                              priority=50))
    tasks = []
    for i in range(parts):
        name = f"part-{i:03d}.txt"
        tasks.append({
            "id": f"count-{i:03d}",
            "commandLine": "/bin/sh -c 'python3 $AZ_BATCH_APP_PACKAGE_wordcount_1_0/wordcount.py "
                           f"wordcount/{name} > counts.txt'",
            "resourceFiles": [{"autoStorageContainerName": "inputs", "blobPrefix": f"wordcount/{name}"}],
            "applicationPackageReferences": [{"applicationId": "wordcount", "version": "1.0"}],
            "outputFiles": [
                {"filePattern": "counts.txt",
                 "destination": {"container": {"containerUrl": outputs_url, "path": f"wordcount/counts-{i:03d}.txt"}},
                 "uploadOptions": {"uploadCondition": "taskSuccess"}},
                {"filePattern": "../std*.txt",
                 "destination": {"container": {"containerUrl": outputs_url, "path": f"wordcount/logs/count-{i:03d}"}},
                 "uploadOptions": {"uploadCondition": "taskCompletion"}},
            ],
        })
    client.create_task_collection("wordcount", m.BatchTaskGroup({"value": tasks}))  # (the REST JSON, as it is)


class Demo:
    """The demo's emulator (and Azurite, when it can be had) and data dir, removed when it ends."""

    def __init__(self, with_storage: bool = False, say: Callable[[str], None] = lambda text: None,
                 **emulator_options: Any) -> None:
        """Start it (RuntimeError when the emulator does not start); `say` reports progress in a line,
        `emulator_options` go to start_emulator."""
        self.data_dir = Path(tempfile.mkdtemp(prefix="batchtui-demo-"))
        self.azurite: Azurite | None = None
        self.storage_problem: str | None = None
        if with_storage:
            self._start_azurite(say)
        connection = self.azurite.connection_string if self.azurite else None
        try:
            self.emulator = start_emulator(self.data_dir / "batch", storage_connection_string=connection,
                                           **emulator_options)
        except Exception:
            self._stop_azurite()
            raise

    def _start_azurite(self, say: Callable[[str], None]) -> None:
        from .azurite import Azurite, AzuriteUnavailable, ensure_azurite

        try:
            ensure_azurite(say=say, live=sys.stderr)  # (says what it installs, with its size and progress)
            self.azurite = Azurite().start(self.data_dir / "azurite")
        except AzuriteUnavailable as error:
            self.storage_problem = error.reason

    def _stop_azurite(self) -> None:
        if self.azurite is not None:
            self.azurite.stop()

    def seed(self) -> None:
        client = self.emulator.client()
        seed(client)
        if self.azurite is not None:
            seed_storage(client, self.azurite.connection_string)

    def close(self) -> None:
        self.emulator.stop()
        self._stop_azurite()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Demo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
