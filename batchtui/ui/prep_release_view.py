"""What the preparation and release view (`screens.prep_release`) shows: its columns, one row per node
and task (the preparation task's, then the release task's once it ran), the job's line above the table
and the cursor run's line under it, all built from `service.prep_release`'s rows.

Every id and message is plain text (`rich.text.Text`), never markup.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from ..service.prep_release import JobTaskRun, NodePrepRelease
from ..textsafe import inert
from .format import clock_time, duration, elapsed
from .widgets.resource_table import Column, TableRow
from .widgets.safe_text import state_text

__all__ = ["PREP_COLUMNS", "WHICH", "cursor_line", "job_line", "prep_rows", "row_key", "split_key"]

# A node id (33 cells) and these fit 80 columns; the retries and the duration are on the cursor's line.
PREP_COLUMNS = [
    Column("node", "NODE", 24, flex=True),
    Column("which", "TASK", 7),
    Column("state", "STATE", 11),
    Column("exit", "EXIT", 4, "right"),
    Column("start", "START", 9),
    Column("end", "END", 9),
]
WHICH = ("preparation", "release")
LABEL = {"preparation": "prep", "release": "release"}


def row_key(node_id: str, which: str) -> str:
    """A row's key: "NODE/preparation" or "NODE/release" (Batch ids never hold "/")."""
    return f"{node_id}/{which}"


def split_key(key: str) -> tuple[str, str]:
    """(node id, "preparation" or "release") of a row key."""
    node_id, _, which = key.rpartition("/")
    return node_id, which


def _row(entry: NodePrepRelease, which: str, run: JobTaskRun, now: datetime) -> TableRow:
    return TableRow(
        key=row_key(entry.node_id, which),
        cells=(inert(entry.node_id), LABEL[which], state_text(run.state, run.failed),
               "" if run.exit_code is None else str(run.exit_code),
               clock_time(run.start_time, now), clock_time(run.end_time, now)),
        sort_keys=(entry.node_id, WHICH.index(which), "failed" if run.failed else run.state, run.exit_code,
                   run.start_time, run.end_time),
    )


def prep_rows(entries: list[NodePrepRelease], now: datetime) -> list[TableRow]:
    """The rows, node by node (times in the time zone of `now`)."""
    rows = []
    for entry in entries:
        for which in WHICH:
            run = entry.run(which)
            if run is not None:
                rows.append(_row(entry, which, run, now))
    return rows


def _count(runs: list[JobTaskRun]) -> tuple[int, int, int]:
    """(succeeded, failed, running) of `runs`."""
    failed = sum(1 for r in runs if r.failed)
    running = sum(1 for r in runs if r.state != "completed")
    return len(runs) - failed - running, failed, running


def job_line(job_id: str, entries: list[NodePrepRelease], has_release: bool) -> Text:
    """The job's figures: on how many nodes each task succeeded, failed, runs."""
    text = Text(end="")
    text.append(f"job {inert(job_id)}", style="bold")
    text.append(f"  {len(entries)} node{'' if len(entries) == 1 else 's'}")
    for which in WHICH:
        runs = [run for entry in entries if (run := entry.run(which)) is not None]
        if which == "release" and not has_release:
            text.append("  no release task", style="dim")
            continue
        ok, failed, running = _count(runs)
        text.append(f"  {which}: {ok} ok")
        if failed:
            text.append(f", {failed} failed", style="bold red")
        if running:
            text.append(f", {running} running", style="yellow")
    return text


def cursor_line(entry: NodePrepRelease | None, which: str, now: datetime) -> Text:
    """The cursor run's failure (or outcome), retries, duration and directory, and the keys that open its
    output."""
    run = entry.run(which) if entry is not None else None
    if entry is None or run is None:
        return Text("")
    text = Text(end="")
    text.append(f"{which} on {inert(entry.node_id)}: ", style="bold")
    if run.failure:
        text.append(inert(run.failure), style="bold red")
    elif run.state == "completed":
        text.append(f"exit {run.exit_code}" if run.exit_code is not None else "completed", style="green")
    else:
        text.append(inert(run.state), style="yellow")
    seconds = elapsed(run.start_time, run.end_time, now) if run.start_time else None
    text.append(f"\n{'ran' if run.state == 'completed' else 'running'} {duration(seconds) or '-'}", style="dim")
    if run.retry_count:
        text.append(f" after {run.retry_count} retr{'y' if run.retry_count == 1 else 'ies'}", style="dim")
    text.append(f" in {inert(run.task_root)}  ", style="dim")
    text.append("l stdout · e stderr · r refresh · esc back", style="dim")
    return text
