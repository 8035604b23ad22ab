"""What the subtasks view (`screens.subtasks`) shows: its columns, a subtask's row, the task's line above
the table and the cursor subtask's line under it, all built from `service.subtasks`' rows.

Every id and message is plain text (`rich.text.Text`), never markup.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from ..service.subtasks import Subtask
from ..textsafe import inert
from .format import clock_time, duration, elapsed
from .widgets.resource_table import Column, TableRow
from .widgets.safe_text import state_text

__all__ = ["SUBTASK_COLUMNS", "subtask_line", "subtask_row", "task_line"]

SUBTASK_COLUMNS = [
    Column("id", "SUBTASK", 7, "right"),
    Column("state", "STATE", 11),
    Column("exit", "EXIT", 4, "right"),
    Column("node", "NODE", 24, flex=True),
    Column("start", "START", 9),
    Column("end", "END", 9),
]


def subtask_row(sub: Subtask, now: datetime) -> TableRow:
    """A subtask's row (its key: its id, as text; times in the time zone of `now`)."""
    return TableRow(
        key=str(sub.id),
        cells=(str(sub.id), state_text(sub.state, sub.failed), "" if sub.exit_code is None else str(sub.exit_code),
               inert(sub.node_id), clock_time(sub.start_time, now), clock_time(sub.end_time, now)),
        sort_keys=(sub.id, "failed" if sub.failed else sub.state, sub.exit_code, sub.node_id, sub.start_time,
                   sub.end_time),
    )


def task_line(job_id: str, task: dict[str, object], subtasks: list[Subtask]) -> Text:
    """The task's instances, how many subtasks are done, where its primary runs."""
    text = Text(end="")
    settings = task.get("multiInstanceSettings")
    if not isinstance(settings, dict):
        text.append(f"task {inert(str(task.get('id', '')))} of job {inert(job_id)} is not a multi-instance task",
                    style="dim")
        return text
    info = task.get("nodeInfo")
    node = info if isinstance(info, dict) else {}
    text.append(f"{settings.get('numberOfInstances', 1)} instances", style="bold")
    failed = sum(1 for s in subtasks if s.failed)
    done = sum(1 for s in subtasks if s.state == "completed") - failed
    text.append(f"  subtasks: {done} ok")
    if failed:
        text.append(f", {failed} failed", style="bold red")
    text.append(f"  primary on {inert(str(node.get('nodeId') or '(not started)'))}")
    return text


def subtask_line(sub: Subtask | None, now: datetime) -> Text:
    """The cursor subtask's failure (or outcome), duration and directory, and the keys that open its output."""
    if sub is None:
        return Text("")
    text = Text(end="")
    text.append(f"subtask {sub.id} on {inert(sub.node_id)}: ", style="bold")
    if sub.failure:
        text.append(inert(sub.failure), style="bold red")
    elif sub.state == "completed":
        text.append(f"exit {sub.exit_code}" if sub.exit_code is not None else "completed", style="green")
    else:
        text.append(inert(sub.state), style="yellow")
    seconds = elapsed(sub.start_time, sub.end_time, now) if sub.start_time else None
    text.append(f"\n{'ran' if sub.state == 'completed' else 'running'} {duration(seconds) or '-'}", style="dim")
    text.append(f" in {inert(sub.task_root)}  l stdout · e stderr · r refresh · esc back", style="dim")
    return text
