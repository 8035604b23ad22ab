"""Benchmark what a job's own tasks cost in the emulator: the preparation task, a multi-instance task.

    .venv/bin/python bench/node_tasks.py [--tasks 200] [--nodes 2] [--slots 4]

Starts an emulator (node steps of 0.05 s) with a pool of --nodes nodes of --slots slots, then measures:

  plain_s      --tasks tasks (/bin/true, added 100 a call) from the first add to all completed
  prepared_s   the same in a job with a preparation task (/bin/true) and a release task: the tasks
               wait (preparing) for the preparation task on each node
  released_s   from terminating that job to it being completed (its release tasks run first)
  multi_s      a task of --nodes instances (coordination and application /bin/true) from its add to
               completed, its subtasks listed (subtasks_listed)

Prints one JSON object last.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from azure.batch import models as m  # noqa: E402

from batchtui.emulator_process import start_emulator  # noqa: E402


def until(predicate, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.02)


def run_job(client, job_id: str, pool_id: str, count: int, **options) -> float:
    client.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id), **options))
    started = time.monotonic()
    for first in range(0, count, 100):
        client.create_task_collection(job_id, m.BatchTaskGroup(task_values=[
            m.BatchTaskCreateOptions(id=f"t{i:05d}", command_line="/bin/true")
            for i in range(first, min(count, first + 100))]))
    until(lambda: client.get_job_task_counts(job_id).task_counts.completed == count)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--slots", type=int, default=4)
    args = parser.parse_args()
    emu = start_emulator(Path(tempfile.mkdtemp(prefix="bench-node-tasks-")), step_seconds=0.05)
    try:
        client = emu.client()
        image = m.VirtualMachineConfiguration(
            image_reference=m.BatchVmImageReference(publisher="canonical", offer="ubuntu-24_04-lts", sku="server"),
            node_agent_sku_id="batch.node.ubuntu 24.04")
        client.create_pool(m.BatchPoolCreateOptions(id="bench", vm_size="standard_d2s_v3",
                                                    target_dedicated_nodes=args.nodes, task_slots_per_node=args.slots,
                                                    virtual_machine_configuration=image))
        until(lambda: [n.state for n in client.list_nodes("bench")] == ["idle"] * args.nodes)
        plain = run_job(client, "plain", "bench", args.tasks)
        prepared = run_job(client, "prepared", "bench", args.tasks,
                           job_preparation_task=m.BatchJobPreparationTask(command_line="/bin/true"),
                           job_release_task=m.BatchJobReleaseTask(command_line="/bin/true"))
        started = time.monotonic()
        client.begin_terminate_job("prepared", {"terminateReason": "bench"}, polling_interval=0.02).result()
        released = time.monotonic() - started
        client.create_job(m.BatchJobCreateOptions(id="multi", pool_info=m.BatchPoolInfo(pool_id="bench")))
        started = time.monotonic()
        client.create_task("multi", m.BatchTaskCreateOptions(
            id="mpi", command_line="/bin/true", multi_instance_settings=m.MultiInstanceSettings(
                number_of_instances=args.nodes, coordination_command_line="/bin/true")))
        until(lambda: client.get_task("multi", "mpi").state == "completed")
        multi = time.monotonic() - started
        listed = len(list(client.list_subtasks("multi", "mpi")))
    finally:
        emu.stop()
    print(json.dumps({"tasks": args.tasks, "nodes": args.nodes, "slots": args.slots, "plain_s": round(plain, 3),
                      "prepared_s": round(prepared, 3), "released_s": round(released, 3),
                      "multi_s": round(multi, 3), "subtasks_listed": listed}))


if __name__ == "__main__":
    main()
