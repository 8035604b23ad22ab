"""How an autoscale evaluation reads on screen (the pool's details and the autoscale editor):
its variables as a two-column table (name, value), the targets first as Batch lists them, and
its error (code, then the `Message` detail that says where in the formula) in red."""

from __future__ import annotations

from rich.text import Text

from ...service.autoscale import AutoScaleProblem
from .safe_text import inert

ERROR_STYLE = "bold red"
# The variables Batch writes to the pool; the formula's own follow them.
SERVICE_VARIABLES = ("$TargetDedicatedNodes", "$TargetLowPriorityNodes", "$NodeDeallocationOption")


def variables_table(variables: tuple[tuple[str, str], ...], indent: int = 0, heading: bool = True) -> Text:
    """The (name, value) pairs as aligned rows, `indent` spaces in; a NAME/VALUE heading first."""
    text = Text()
    if not variables:
        return text
    width = max(len("VARIABLE"), *(len(name) for name, _ in variables)) + 2
    pad = " " * indent
    if heading:
        text.append(pad)
        text.append(f"{'VARIABLE':<{width}}VALUE\n", style="dim")
    for name, value in variables:
        text.append(pad)
        text.append(f"{inert(name):<{width}}", style="bold cyan" if name in SERVICE_VARIABLES else "cyan")
        text.append(inert(value) + "\n")
    return text


def error_text(problem: AutoScaleProblem, indent: int = 0, label: str = "") -> Text:
    """An evaluation's error: `label` (padded to `indent`) then the code, and below it the detail
    (the `Message` value: what went wrong and where; Batch's message when there is none)."""
    text = Text()
    text.append(f"{label:<{indent}}", style="dim")
    text.append(inert(problem.code) + "\n", style=ERROR_STYLE)
    if problem.detail:
        text.append(" " * indent + inert(problem.detail) + "\n", style="red")
    return text
