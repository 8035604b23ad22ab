"""What one task's table row weighs, and where the bytes go (tracemalloc, by source line).

    .venv/bin/python bench/row_memory.py [--rows 50000]

Builds --rows task rows (views.task_row) from TaskRows shaped like a finished job's (a few failures, four
nodes, start and end times) and prints the bytes a row costs in all, the biggest sources, and the same
for the TaskRows themselves. Memory, not time: the figures do not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import emit  # noqa: E402

from batchtui.service.models import TaskRow  # noqa: E402
from batchtui.ui.views import task_row  # noqa: E402


def task_rows(n: int, now: datetime) -> list[TaskRow]:
    return [TaskRow(id=f"frame-{i:07d}", job_id="render", state="completed", exit_code=1 if i % 33 == 0 else 0,
                    result="failure" if i % 33 == 0 else "success", failure_code=None,
                    node_id=f"tvm-123456789{i % 4}_1-20261130t100000z", creation_time=now - timedelta(seconds=i),
                    state_transition_time=now - timedelta(seconds=i // 2), start_time=now - timedelta(seconds=i),
                    end_time=now - timedelta(seconds=i // 2), retry_count=0, requeue_count=0) for i in range(n)]


def measured(build, n: int) -> tuple[object, float, list[tuple[int, str]]]:
    """What `build()` returns, the bytes it holds per row, and the five biggest sources (bytes a row)."""
    gc.collect()
    tracemalloc.start()
    built = build()
    gc.collect()
    snapshot = tracemalloc.take_snapshot()
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    top = [(stat.size // n, f"{Path(stat.traceback[0].filename).name}:{stat.traceback[0].lineno}")
           for stat in snapshot.statistics("lineno")[:5]]
    return built, size / n, top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    n = parser.parse_args().rows
    now = datetime.now(timezone.utc)
    tasks, task_bytes, _ = measured(lambda: task_rows(n, now), n)
    _, row_bytes, top = measured(lambda: [task_row(t, now) for t in tasks], n)  # type: ignore[attr-defined]
    for per_row, where in top:
        print(f"{per_row:>6} B/row  {where}")
    emit({"rows": n, "table_row_bytes": round(row_bytes), "task_row_bytes": round(task_bytes),
          "top_sources": [f"{where} {per_row} B" for per_row, where in top]})


if __name__ == "__main__":
    main()
