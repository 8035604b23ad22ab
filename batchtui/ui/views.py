"""The collections the explorer shows: their columns, and how a service row
becomes a table row. One place knows what a "tasks" view looks like."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from rich.text import Text

from ..service.models import NodeRow, PoolRow, TaskRow
from ..service.schedules import ScheduleRow, schedule_of
from ..service.task_dependencies import BLOCKED_MARK
from .fetch import JobEntry, PoolEntry
from .format import DONE, FAILED, RUNNING, clock_time, duration, elapsed, limit
from .model.table_row import fold_glyphs
from .preconditions import RowState
from .widgets.resource_table import Column, TableRow
from .widgets.safe_text import inert, state_text

POOLS, NODES, JOBS, TASKS, SCHEDULES = "pools", "nodes", "jobs", "tasks", "schedules"


@dataclass(frozen=True)
class ViewKey:
    """What the table shows: a kind of collection, in an account, under a parent (a JOBS view
    with a parent lists the jobs of that job schedule)."""

    account: str
    kind: str
    parent: str = ""

    @property
    def title(self) -> str:
        """The view's title, plain text (the parent's id as typed, control characters inert)."""
        if self.kind == NODES:
            return f"Nodes of pool {inert(self.parent)}"
        if self.kind == TASKS:
            return f"Tasks of job {inert(self.parent)}"
        if self.kind == JOBS and self.parent:
            return f"Jobs of schedule {inert(self.parent)}"
        if self.kind == SCHEDULES:
            return "Job schedules"
        return self.kind.capitalize()

    @property
    def up(self) -> ViewKey | None:
        """The view `esc` goes back to."""
        if self.kind == NODES:
            return ViewKey(self.account, POOLS)
        if self.kind == TASKS:
            return ViewKey(self.account, JOBS, schedule_of(self.parent) or "")
        if self.kind == JOBS and self.parent:
            return ViewKey(self.account, SCHEDULES)
        return None


# (column, shift-key that sorts by it)
COLUMNS: dict[str, list[tuple[Column, str]]] = {
    POOLS: [
        (Column("id", "ID", 24, flex=True), "I"),
        (Column("state", "STATE", 10), "S"),
        (Column("allocation", "ALLOCATION", 12), ""),
        (Column("running", "RUNNING", 7, "right"), "R"),
        (Column("slots", "SLOTS", 9, "right"), ""),
        (Column("dedicated", "DEDICATED", 9, "right"), "D"),
        (Column("low", "LOW-PRI", 7, "right"), "L"),
        (Column("vmsize", "VM SIZE", 16), "V"),
        (Column("created", "CREATED", 16), "C"),
    ],
    NODES: [
        (Column("id", "ID", 36, flex=True), "I"),
        (Column("state", "STATE", 21), "S"),
        (Column("sched", "SCHED", 8), ""),
        (Column("kind", "KIND", 9), "K"),
        (Column("running", "RUNNING", 7, "right"), "R"),
        (Column("done", "RUN/OK", 9, "right"), ""),
        (Column("start", "START TASK", 10), ""),
        (Column("ip", "IP", 12), ""),
        (Column("since", "SINCE", 16), "T"),
    ],
    JOBS: [
        (Column("id", "ID", 28, flex=True), "I"),
        (Column("state", "STATE", 13), "S"),
        (Column("active", "ACTIVE", 6, "right"), ""),
        (Column("running", "RUNNING", 7, "right"), "R"),
        (Column("succeeded", "OK", 6, "right"), ""),
        (Column("failed", "FAILED", 6, "right"), ""),
        (Column("pool", "POOL", 20), ""),
        (Column("priority", "PRIO", 5, "right"), ""),
        (Column("created", "CREATED", 16), "C"),
        (Column("ended", "ENDED", 16), "E"),
        (Column("reason", "REASON", 16), ""),
    ],
    TASKS: [
        (Column("id", "ID", 24, flex=True), "I"),
        (Column("state", "STATE", 11), "S"),
        (Column("exit", "EXIT", 5, "right"), "E"),
        (Column("node", "NODE", 22), "N"),
        (Column("start", "START", 9), "T"),
        (Column("end", "END", 9), ""),
        (Column("duration", "DURATION", 8, "right"), "U"),
        (Column("retries", "RETRY", 5, "right"), "R"),
        (Column("waiting", "WAITING ON", 20), ""),
    ],
    SCHEDULES: [
        (Column("id", "ID", 22, flex=True), "I"),
        (Column("state", "STATE", 13), "S"),
        (Column("next", "NEXT RUN", 16), "N"),
        (Column("recent", "RECENT", 10), ""),
        (Column("every", "EVERY", 6, "right"), ""),
        (Column("pool", "POOL", 14), ""),
        (Column("created", "CREATED", 16), "C"),
        (Column("ended", "ENDED", 16), "E"),
    ],
}

# Columns shown only when asked for (`extra`, or chosen in the prefs): a tasks view shows WAITING ON when its
# job's tasks depend on one another (controllers.dependencies).
OPTIONAL_COLUMNS = {TASKS: ("waiting",)}


# The columns that show a clock time (labelled "… UTC" while times are in UTC).
TIME_COLUMNS = {POOLS: ("created",), JOBS: ("created", "ended"), TASKS: ("start", "end"),
                SCHEDULES: ("next", "created", "ended")}


def columns(kind: str, utc: bool = False, chosen: tuple[str, ...] | None = None,
            extra: tuple[str, ...] = ()) -> list[Column]:
    """The columns of a view kind: `chosen` (keys, in order; unknown ones ignored; the id always first)
    or all of them but the optional ones not in `extra`; time columns labelled "… UTC" when `utc`."""
    every = [c for c, _ in COLUMNS[kind]]
    optional = set(OPTIONAL_COLUMNS.get(kind, ())) - set(extra)
    by_key = {c.key: c for c in every}
    picked = [by_key[k] for k in dict.fromkeys(("id", *(chosen or ()))) if k in by_key]
    every = picked if len(picked) > 1 else [c for c in every if c.key not in optional]
    if utc:
        times = TIME_COLUMNS.get(kind, ())
        every = [replace(c, label=f"{c.label} UTC") if c.key in times else c for c in every]
    return every


def sort_key_for(kind: str, letter: str) -> str | None:
    for column, key in COLUMNS[kind]:
        if key == letter:
            return column.key
    return None


# The cells most tasks share ("0", "0s", "1m02s") are one string each, not one a row: a million-task
# table holds them a million times.
@lru_cache(maxsize=1024)
def _number_text(value: int | None) -> str:
    return "" if value is None else str(value)


@lru_cache(maxsize=1024)
def _retries_text(retries: int, requeues: int) -> str:
    return f"{retries}" + (f"+{requeues}r" if requeues else "")


def _duration_text(seconds: float | None) -> str:
    return _whole_seconds_text(None if seconds is None else max(0, int(seconds)))


@lru_cache(maxsize=8192)
def _whole_seconds_text(seconds: int | None) -> str:
    return duration(seconds)


def _t(dt: datetime | None) -> float:
    return dt.timestamp() if dt else float("-inf")


def _count(value: int | None, style: str = "") -> Text | str:
    """A count in a table cell: "" while unknown, a dim 0, else `style`."""
    if value is None:
        return ""
    return Text(f"{value:,}", style=style if value else "dim")


# An autoscale pool's ALLOCATION sort key ends so ("steady auto"): row_state reads it back.
AUTO_SUFFIX = " auto"


def _allocation_cell(p: PoolRow) -> Text:
    """ALLOCATION: the allocation state with its glyph; for an autoscale pool "✓ auto" while steady (its
    DEDICATED and LOW-PRI targets are the last evaluation's), "✗ auto error" when its last evaluation failed,
    else its state ("◐ resizing")."""
    if not p.auto_scale:
        return state_text(p.allocation_state)
    if p.auto_scale_error:
        return Text(f"{FAILED} auto error", style="bold red")
    return Text(f"{DONE} auto", style="cyan") if p.allocation_state == "steady" else state_text(p.allocation_state)


def pool_row(entry: PoolEntry, now: datetime) -> TableRow:
    p, usage = entry.pool, entry.usage
    slots = (p.current_dedicated + p.current_low_priority) * p.task_slots_per_node
    used = None if usage is None else usage.running_slots
    return TableRow(
        key=p.id,
        cells=(
            inert(p.id),
            state_text(p.state),
            _allocation_cell(p),
            _count(None if usage is None else usage.running_tasks, "yellow"),
            f"{'?' if used is None else used}/{slots}",
            f"{p.current_dedicated}/{p.target_dedicated}",
            f"{p.current_low_priority}/{p.target_low_priority}",
            p.vm_size,
            clock_time(p.creation_time, now),
        ),
        sort_keys=(p.id, p.state, p.allocation_state + (AUTO_SUFFIX if p.auto_scale else ""),
                   None if usage is None else usage.running_tasks,
                   slots, p.current_dedicated, p.current_low_priority, p.vm_size, _t(p.creation_time)),
    )


def node_row(n: NodeRow, now: datetime) -> TableRow:
    start = ""
    if n.start_task_state:
        start = n.start_task_state if n.start_task_exit_code is None else f"exit {n.start_task_exit_code}"
    # The time of the last state change, not its age: an age would change the screen every second.
    since = clock_time(n.state_transition_time, now)
    return TableRow(
        key=n.id,
        cells=(
            inert(n.id),
            state_text(n.state),
            n.scheduling_state,
            "dedicated" if n.is_dedicated else "low-pri",
            str(n.running_tasks),
            f"{n.total_tasks_run}/{n.total_tasks_succeeded}",
            start,
            n.ip_address,
            since,
        ),
        sort_keys=(n.id, n.state, n.scheduling_state, n.is_dedicated, n.running_tasks, n.total_tasks_run,
                   n.start_task_exit_code, n.ip_address, -_t(n.state_transition_time)),
    )


def job_row(entry: JobEntry, now: datetime) -> TableRow:
    j, counts = entry.job, entry.counts
    active = running = succeeded = failed = None
    if counts is not None:
        active, running, succeeded, failed = counts.active, counts.running, counts.succeeded, counts.failed
    return TableRow(
        key=j.id,
        cells=(
            inert(j.id),
            state_text(j.state),
            _count(active, "cyan"),
            _count(running, "yellow"),
            _count(succeeded, "green"),
            _count(failed, "bold red"),
            inert(j.pool_id),
            str(j.priority),
            clock_time(j.creation_time, now),
            clock_time(j.end_time, now),
            j.terminate_reason or "",
        ),
        sort_keys=(j.id, j.state, active, running, succeeded, failed, j.pool_id, j.priority, _t(j.creation_time),
                   _t(j.end_time), j.terminate_reason),
    )


# A running task past its job's straggler threshold (service.progress) reads so in the STATE column; its sort
# key stays "running" (sorting and `:mark running` treat it as running); `:stragglers` filters by this text.
STRAGGLER_CELL = Text(f"{RUNNING} straggler", style="bold yellow")
STRAGGLER_FILTER = f"re:^{STRAGGLER_CELL.plain}$"


@lru_cache(maxsize=1024)
def _folded(text: str) -> str:
    return fold_glyphs(text)


def task_row(t: TaskRow, now: datetime, straggler: bool = False, waiting: str = "") -> TableRow:
    """A task's row; `straggler`: a running task that has run longer than its job's finished tasks mostly do;
    `waiting`: what it waits for (DependencyBook.label)."""
    failed = t.state == "completed" and t.result == "failure"
    seconds = elapsed(t.start_time, t.end_time, now) if t.state in ("running", "completed") else None
    retries = _retries_text(t.retry_count, t.requeue_count)
    state = STRAGGLER_CELL if straggler else state_text(t.state, failed)
    cells = (inert(t.id), state, _number_text(t.exit_code), inert(t.node_id or ""), clock_time(t.start_time, now),
             clock_time(t.end_time, now), _duration_text(seconds), retries,
             # (no Text object for the many rows that wait on nothing)
             Text(inert(waiting), style="bold red" if waiting.startswith(BLOCKED_MARK) else "cyan") if waiting
             else "")
    # the search text TableRow would make, made here from the plain cells (a fill builds a million)
    search = "\n".join([c for c in (cells[0], _folded(state.plain), *cells[2:8],
                                     waiting and _folded(inert(waiting))) if c])
    return TableRow(t.id, cells,
                    (t.id, "failed" if failed else t.state, t.exit_code, t.node_id, _t(t.start_time),
                     _t(t.end_time), seconds, t.retry_count + t.requeue_count, waiting or None),
                    search)


def schedule_row(s: ScheduleRow, now: datetime) -> TableRow:
    """A job schedule's row: its next run ("after job-3": due, but its recent job is still unfinished; "—":
    none while disabled or ended), the job it last created, how often it runs ("once": no recurrence)."""
    recent = inert(s.recent_job.rpartition(":")[2] if s.recent_job.startswith(f"{s.id}:") else s.recent_job)
    return TableRow(
        key=s.id,
        cells=(
            inert(s.id),
            state_text(s.state),
            Text(f"after {recent}", style="yellow") if s.waits_for(now) else clock_time(s.next_run, now) or "—",
            recent,
            limit(s.recurrence) or "once",
            inert(s.pool_id),
            clock_time(s.creation_time, now),
            clock_time(s.end_time, now),
        ),
        sort_keys=(s.id, s.state, _t(s.next_run), s.recent_job, s.recurrence, s.pool_id,
                   _t(s.creation_time), _t(s.end_time)),
    )


# kind → (service row, local now) → table row
ROW_BUILDERS: dict[str, Callable[[Any, datetime], TableRow]] = {
    POOLS: pool_row, NODES: node_row, JOBS: job_row, TASKS: task_row, SCHEDULES: schedule_row,
}
EMPTY_TEXT = {POOLS: "No pools", NODES: "No nodes in this pool", JOBS: "No jobs", TASKS: "No tasks in this job",
              SCHEDULES: "No job schedules"}


# kind → (column holding the state, column holding the second state): what
# `preconditions` judges an action by. A task's state sort key is "failed"
# for a task that completed with a failure.
STATE_COLUMNS = {POOLS: ("state", "allocation"), NODES: ("state", "sched"), JOBS: ("state", ""), TASKS: ("state", ""),
                 SCHEDULES: ("state", "")}


def cell_value(row: TableRow, columns: Sequence[Column], key: str) -> str:
    """The raw value (its sort key) of column `key` in `row`, as a string ("" if none). `columns`: the
    columns the row was built with (a view kind's every column, `columns(kind)`, whichever are shown)."""
    for index, column in enumerate(columns):
        if column.key == key and index < len(row.sort_keys):
            value = row.sort_keys[index]
            return "" if value is None else str(value)
    return ""


def row_state(kind: str, row: TableRow, columns: Sequence[Column]) -> RowState:
    """The state of a row of a `kind` view, as `preconditions` judges it."""
    state, detail = STATE_COLUMNS[kind]
    second = cell_value(row, columns, detail) if detail else ""
    auto = kind == POOLS and second.endswith(AUTO_SUFFIX)
    return RowState(cell_value(row, columns, state), second.removesuffix(AUTO_SUFFIX), auto)
