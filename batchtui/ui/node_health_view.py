"""What the nodes health view (`screens.nodes_health`) shows: its columns, a node's row, the job's line
above the table and a node's "why" line under it, all built from `service.node_health`'s figures.

Every id and message is plain text (`rich.text.Text`), never markup.
"""

from __future__ import annotations

from rich.text import Text

from ..service.node_health import MIN_TASKS, JobHealth, NodeHealth
from ..textsafe import inert
from .format import FAILED, TROUBLE, duration
from .widgets.resource_table import Column, TableRow
from .widgets.safe_text import state_text

__all__ = ["HEALTH_COLUMNS", "bad_nodes_line", "health_row", "job_line", "seconds_text", "why_line"]

HEALTH_COLUMNS = [
    Column("id", "NODE", 24, flex=True),
    Column("flag", "FLAG", 11),
    Column("tasks", "TASKS", 5, "right"),
    Column("failed", "FAILED", 6, "right"),
    Column("rate", "FAIL%", 5, "right"),
    Column("start", "START", 7),  # the start task: ok, exit N, failed, running
    Column("median", "MEDIAN", 6, "right"),
    Column("ratio", "×JOB", 5, "right"),
    Column("state", "STATE", 10),
]
FAILING_STYLE, SLOW_STYLE = "bold red", "bold yellow"


def seconds_text(seconds: float) -> str:
    """A duration with the precision a sub-10-second one needs ("0.34s", "4.2s"), else as the tables show it."""
    if seconds < 1:
        return f"{seconds:.2f}s"
    return f"{seconds:.1f}s" if seconds < 10 else duration(seconds)


def _flag(health: NodeHealth) -> Text:
    if health.failing and health.slow:
        return Text(f"{FAILED} fail+slow", style=FAILING_STYLE)
    if health.failing:
        return Text(f"{FAILED} failing", style=FAILING_STYLE)
    if health.slow:
        return Text(f"{TROUBLE} slow", style=SLOW_STYLE)
    return Text("")


def _start_task(health: NodeHealth) -> Text:
    node = health.node
    if node is None or not node.start_task_state:
        return Text("—", style="dim")
    if node.start_task_failure:
        return Text("failed", style="bold red")
    if node.start_task_exit_code not in (None, 0):
        return Text(f"exit {node.start_task_exit_code}", style="bold red")
    if node.start_task_state == "completed":
        return Text("ok", style="green")
    return Text(inert(node.start_task_state), style="yellow")


def health_row(health: NodeHealth, job_median: float | None) -> TableRow:
    """One node's row (its key: the node id)."""
    rate = health.failure_rate
    median = health.median_seconds
    ratio = median / job_median if median is not None and job_median else None
    state = state_text(health.node.state) if health.node is not None else Text("gone", style="dim")
    return TableRow(
        key=health.node_id,
        cells=(
            inert(health.node_id),
            _flag(health),
            str(health.finished + health.running),
            str(health.failed),
            Text("" if rate is None else f"{rate:.0%}", style=FAILING_STYLE if health.failing else ""),
            _start_task(health),
            Text(seconds_text(median) if median is not None else "", style=SLOW_STYLE if health.slow else ""),
            "" if ratio is None else f"×{ratio:.1f}",
            state,
        ),
        sort_keys=(health.node_id, (health.failing, health.slow), health.finished + health.running, health.failed,
                   rate, health.node.start_task_exit_code if health.node else None, median, ratio,
                   health.node.state if health.node else "gone"),
    )


def job_line(job_id: str, pool_id: str, health: JobHealth) -> Text:
    """The job's figures and how many nodes are flagged."""
    text = Text(end="")
    text.append(f"job {inert(job_id)}", style="bold")
    text.append(f" on pool {inert(pool_id)}  " if pool_id else "  ")
    many = len(health.nodes)
    text.append(f"{many} node{'' if many == 1 else 's'}  {health.finished} tasks done, {health.failed} failed")
    if health.finished:
        text.append(f" ({health.failed / health.finished:.0%})")
    if health.median_seconds is not None:
        text.append(f"  median {seconds_text(health.median_seconds)}")
    flagged = len(health.flagged)
    text.append("  ")
    text.append(f"{flagged} flagged" if flagged else "no node stands out",
                style=FAILING_STYLE if flagged else "green")
    return text


def why_line(health: NodeHealth | None) -> Text:
    """Why the cursor's node is flagged, or why it is not."""
    if health is None:
        return Text("")
    text = Text(end="")
    text.append(f"{inert(health.node_id)}: ", style="bold")
    if health.why:
        for index, reason in enumerate(health.why):
            if index:
                text.append("\n")
            text.append(reason, style=FAILING_STYLE if reason.startswith("failing") else SLOW_STYLE)
    elif health.finished < MIN_TASKS:
        text.append(f"{health.finished} tasks done: too few to judge (at least {MIN_TASKS})", style="dim")
    else:
        text.append("in line with the other nodes", style="green")
        if health.p_value is not None:
            text.append(f" ({health.failed} of {health.finished} failed)", style="dim")
    if health.node is not None and health.node.start_task_failure:
        text.append(f"\nstart task: {inert(health.node.start_task_failure)}", style="red")
    return text


def _briefly(node: NodeHealth, health: JobHealth) -> str:
    """A flagged node's reason in a few words (the nodes health view says it in full)."""
    if node.failing:
        others, others_failed = health.finished - node.finished, health.failed - node.failed
        return (f"{node.failed} of {node.finished} tasks failed, the other nodes "
                f"{others_failed / others if others else 0:.0%}")
    return (f"slow, median {seconds_text(node.median_seconds or 0)} against the job's "
            f"{seconds_text(health.median_seconds or 0)}")


def bad_nodes_line(health: JobHealth | None, problem: str = "", most: int = 2) -> Text:
    """The failure clusters view's line on the job's nodes: the flagged ones (the first `most`), each with
    its reason in a few words, or that none stands out; `problem`: why the health could not be judged."""
    text = Text(end="")
    if problem:
        text.append(f"nodes: cannot judge them: {inert(problem)}", style="red")
        return text
    if health is None:
        text.append("nodes: judging the job's nodes…", style="dim")
        return text
    flagged = health.flagged
    if not flagged and len(health.nodes) < 2:
        text.append(f"nodes: {len(health.nodes)}, no other to compare it with", style="dim")
    elif not flagged and not health.tested:
        text.append(f"nodes: none judged yet ({len(health.nodes)}, each needs {MIN_TASKS} tasks done)", style="dim")
    elif not flagged:
        text.append(f"nodes: none of {len(health.nodes)} stands out", style="green")
    else:
        text.append("bad node: " if len(flagged) == 1 else f"{len(flagged)} bad nodes: ", style=FAILING_STYLE)
    for index, node in enumerate(flagged[:most]):
        text.append("; " if index else "")
        text.append(inert(node.node_id), style="bold")
        text.append(f" {_briefly(node, health)}", style=FAILING_STYLE if node.failing else SLOW_STYLE)
    if len(flagged) > most:
        text.append(f"; +{len(flagged) - most} more", style=FAILING_STYLE)
    text.append("  H: why", style="dim")
    return text
