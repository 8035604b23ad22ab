"""The rows of the dependency view (`D` on a task): the tasks the task depends
on (upstream) and the tasks that depend on it (downstream), each with its
state and what it means for the dependency. No Textual here."""

from __future__ import annotations

from dataclasses import dataclass

from ...service.task_dependencies import DependencyBook

SATISFIED, BLOCKS, WAITING = "satisfied", "blocks", "not done"


@dataclass(frozen=True, slots=True)
class DependencyRow:
    """`direction` "upstream" or "downstream"; `state` the task's ("failed" for a failed completion, "missing"
    when it does not exist yet); `meaning` SATISFIED, BLOCKS or WAITING (upstream: for the task; downstream:
    what the task is to it)."""

    direction: str
    task_id: str
    state: str
    meaning: str


def dependency_rows(book: DependencyBook, task_id: str) -> list[DependencyRow]:
    """Upstream tasks first (blockers, then those not done, then satisfied ones), then downstream ones."""
    rows = []
    for up in book.upstream(task_id):
        task = book.tasks.get(up.id)
        meaning = BLOCKS if up.blocks else SATISFIED if task is not None and task.satisfies else WAITING
        rows.append(DependencyRow("upstream", up.id, up.state, meaning))
    order = {BLOCKS: 0, WAITING: 1, SATISFIED: 2}
    rows.sort(key=lambda r: order[r.meaning])
    this = book.tasks.get(task_id)
    mine = BLOCKS if this is not None and this.state == "completed" and not this.satisfies else (
        SATISFIED if this is not None and this.satisfies else WAITING)
    for down in sorted(book.downstream(task_id)):
        task = book.tasks[down]
        rows.append(DependencyRow("downstream", down, "failed" if task.failed else task.state, mine))
    return rows
