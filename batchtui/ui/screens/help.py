"""`?`: every key binding of the app and the table, and the `:` commands."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

COMMANDS = [
    (":pools", "the account's pools"),
    (":nodes POOL", "the nodes of a pool"),
    (":jobs", "the account's jobs"),
    (":tasks JOB", "the tasks of a job"),
    (":schedules", "the account's job schedules; enter: the jobs a schedule created"),
    (":acct NAME", "switch to another account"),
    (":create pool|job|jobschedule FILE", "create from a JSON request body (checked first)"),
    (":create tasks FILE", "add the file's tasks to the job on screen, 100 per call"),
    (":storage [CONTAINER[/PREFIX]]", "the account's linked storage: containers and blobs"),
    (":nodes-health [JOB]", "per node of the job: tasks, failure rate, median duration, start task; failing or "
                            "slow nodes flagged with why (H; ? there for the rules)"),
    (":autoscale [POOL]", "the autoscale editor of the pool (the cursor's): formula, evaluate (ctrl+e), apply, "
                          "disable; A on a pool"),
    (":prep [JOB]", "the job's preparation and release tasks per node: state, exit code, times; l/e their output"),
    (":subtasks [TASK]", "a multi-instance task's subtasks: node, state, exit code; l/e their output"),
    (":stragglers", "a tasks view: only its stragglers, running tasks past the p95 of the finished ones + 1 s"),
    (":mark STATE", "mark every row shown in that state (e.g. :mark failed); :mark alone marks all shown"),
    (":unmark", "clear the marks"),
    (":grep [--tail N|--all] TEXT", "search the output of the tasks shown (tail 64K; re: for a regex)"),
    (":failures [JOB]", "the job's failed tasks grouped by cause (! on its tasks); from a cause: its tasks, marks"),
    (":histogram [JOB]", "the job's exit codes and durations, p50/p95/max (% on its tasks); enter filters"),
    (":quit", "leave batchtui"),
]
FILTERS = [
    ("/text", "rows containing text (case-insensitive)"),
    ("/re:pattern", "rows with a cell matching a regular expression: ^ and $ anchor at each cell"),
    ("/!text", "rows NOT containing text"),
    ("/$odata", "tasks view: a server-side $filter, e.g. $state eq 'active' (checked by the service first)"),
    ("esc", "on the table: clears the filter ($filter too) first, then goes back"),
]
PROMPT = [
    ("enter", "run the command / apply the filter (an error shows under the prompt, which stays open)"),
    ("esc", "cancel (the filter goes back to what it was)"),
    ("up / down", "earlier / later lines of this prompt (commands and filters apart)"),
    ("tab", "complete: commands, then job, pool, account ids or states; again: the next match"),
]
MARKS = [
    ("space", "mark or unmark the row, then move down"),
    ("ctrl+space", "mark from the last marked row to the cursor (tmux sends it as ctrl+@)"),
    ("ctrl+a", "mark every row shown (with a filter: the rows it passes)"),
    ("ctrl+\\", "clear the marks (or :unmark)"),
    ("left / right", "scroll a column sideways (the ID column stays)"),
]


def _keys(bindings: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, description in bindings:
        table.add_row(Text(key), Text(description))  # plain text: "[CONTAINER[/PREFIX]]" is not markup
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close"),
                Binding("down,j", "scroll(1)", show=False), Binding("up,k", "scroll(-1)", show=False)]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 84; max-width: 100%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self._key_rows = bindings

    def action_scroll(self, lines: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=lines, animate=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("[b]Keys[/b]")
            yield Static(_keys(self._key_rows))
            yield Static("\n[b]Commands[/b] (press [b]:[/b])")
            yield Static(_keys(COMMANDS))
            yield Static("\n[b]Filters[/b] (press [b]/[/b])")
            yield Static(_keys(FILTERS))
            yield Static("\n[b]In the prompt[/b] (: and /)")
            yield Static(_keys(PROMPT))
            yield Static("\n[b]Marks[/b] (actions apply to the marked rows, else to the cursor's)")
            yield Static(_keys(MARKS))
            yield Static("\n[dim]esc closes this help[/dim]")
