"""The explorer's key bindings (the footer and `?` list them), the sort letters,
the keys that change something (read-only mode answers them), and what `?` says
of a key where the footer's short label is not enough."""

from __future__ import annotations

from textual.binding import Binding, BindingType

SORT_LETTERS = "ISDLVCKRTEUN"
# The footer's order: what the view offers first, the keys that work everywhere last, help always.
FOOTER_FIRST = ("open_log", "browse_files", "open_outputs", "failed_only", "rerun_failed")
FOOTER_LAST = ("command", "filter", "help", "quit", "command_palette")
FOOTER_KEEP = ("help",)
MUTATING_KEYS = ("z", "x", "o", "i", "t", "a", "p", "P", "ctrl+d", "A", "ctrl+e", "ctrl+n", "ctrl+r")
# The keys that open $EDITOR (E, C and R sort by a column): what read-only mode says each cannot do.
EDITOR_KEYS = {"ctrl+e": "edit it", "ctrl+n": "clone it", "ctrl+r": "rerun tasks with changes"}
# What `?` says of a key, where the footer's short label is not enough (by action).
HELP = {
    "toggle_focus": "move between the tree and the table, either way (tab too)",
    "rerun_failed": "rerun the failed tasks of the job (tasks view, or the jobs view's cursor row)",
    "jump('node')": "tasks: jump to the node the task ran on, in its pool's nodes",
    "jump('pool')": "jobs: jump to the job's pool",
    "jump('tasks')": "nodes: the tasks that ran on the node (recentTasks); enter opens one",
    "jump('deps')": "tasks: the tasks the task depends on and that depend on it, with their states; enter goes to one",
    "jump('schedule')": "jobs and tasks of a job a job schedule created: jump to that schedule",
    "history(-1)": "back to the previous view in the history (its cursor where you left it)",
    "history(1)": "forward to the next view in the history",
    "last_view": "the last view shown; again to come back (as k9s)",
    "ssh": "nodes: log in with ssh (a node user with your key, expiring in 8 h; offered for deletion after)",
    "autoscale": "pools: the autoscale editor (formula, evaluate with ctrl+e, apply, disable)",
    "editor('edit')": "edit the pool's, job's, job schedule's or task's updatable properties in $EDITOR; a diff "
                      "to confirm, then sent",
    "editor('clone')": "clone the pool, job, job schedule or task: its create body, with a new id, in $EDITOR; created "
                       "once confirmed",
    "editor('rerun')": "tasks: rerun the task (or the marked ones) with a changed command line, environment, "
                       "resource files or constraints, edited in $EDITOR (deleted and added again, same id)",
    "editor('export')": "save the pool's, job's or job schedule's create body (tasks: the marked ones', a list) as "
                        "batchtui create takes",
}


EXPLORER_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit"),
    Binding("question_mark", "help", "Help"),
    Binding("colon", "command", "Cmd"),
    Binding("slash", "filter", "Filter"),
    Binding("r", "refresh", "Refresh", show=False),
    Binding("escape", "back", "Back", show=False),
    Binding("d", "toggle_details", "Details", show=False),
    Binding("y", "raw_json", "JSON"),
    Binding("f6", "toggle_focus", "Tree/table", show=False),
    Binding("z", "act('z')", "Resize"),
    Binding("x", "act('x')", "Stop resize"),
    Binding("o", "act('o')", "Reboot"),
    Binding("i", "act('i')", "Reimage"),
    Binding("t", "act('t')", "Terminate"),
    Binding("a", "act('a')", "Rerun"),
    Binding("p", "act('p')", "Disable"),
    Binding("P", "act('P')", "Enable"),
    Binding("ctrl+d", "act('ctrl+d')", "Delete"),
    Binding("A", "rerun_failed", "Rerun failed"),
    # (out of the footer, so the pools view's stays as it was; `?` and the pool's details name it)
    Binding("A", "autoscale", "Autoscale", show=False),
    Binding("l", "open_log('stdout.txt')", "Logs"),
    Binding("e", "open_log('stderr.txt')", "Stderr"),
    Binding("b", "browse_files", "Files"),
    Binding("s", "ssh", "SSH"),
    Binding("O", "open_outputs", "Outputs"),
    Binding("F", "failed_only", "Failed only"),
    Binding("J", "jump('node')", "Its node"),
    Binding("J", "jump('pool')", "Its pool"),
    Binding("J", "jump('tasks')", "Tasks run here"),
    Binding("D", "jump('deps')", "Dependencies", show=False),  # before sort('D'), which other views use
    Binding("s", "jump('schedule')", "Its schedule"),
    Binding("left_square_bracket", "history(-1)", "Prev view"),
    Binding("right_square_bracket", "history(1)", "Next view"),
    Binding("minus", "last_view", "Last view"),
    Binding("exclamation_mark", "failures", "Failures"),
    Binding("percent_sign", "histograms", "Histograms"),
    Binding("H", "nodes_health", "Nodes health: failing or slow nodes of the job", show=False),
    Binding("W", "watch", "Watch the job: bell and desktop notice when it completes or a task fails",
            show=False),
    Binding("c", "copy_id", "Copy id", show=False),
    Binding("ctrl+y", "copy_menu", "Copy id, command line or JSON", show=False),
    Binding("ctrl+e", "editor('edit')", "Edit in $EDITOR", show=False),
    Binding("ctrl+n", "editor('clone')", "Clone in $EDITOR", show=False),
    Binding("ctrl+r", "editor('rerun')", "Rerun with changes", show=False),
    Binding("ctrl+s", "editor('export')", "Save as JSON", show=False),
    Binding("u", "toggle_utc", "UTC / local time", show=False),
    *[Binding(letter, f"sort('{letter}')", f"Sort by {letter}", show=False) for letter in SORT_LETTERS],
    # Read-only: a mutating key (its binding above is hidden) says so instead of doing nothing.
    *[Binding(key, f"read_only('{key}')", "", show=False) for key in MUTATING_KEYS],
]
