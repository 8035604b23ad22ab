"""`:grep [--tail SIZE | --all] PATTERN`: search the output of the tasks the table shows (screens/grep_view.py).

Only a tasks view can be searched, and only the rows it shows: its filter (and a $filter, e.g. `F`'s
failed tasks) decides which tasks are read. A line that cannot run says why at the prompt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model.grep_command import parse_grep
from ..views import TASKS

if TYPE_CHECKING:
    from ..app import BatchApp
    from .prompt import Prompt


def open_grep(app: BatchApp, prompt: Prompt, line: str) -> None:
    """Run a `:grep` line typed at `prompt`: the grep view over the explorer, or the reason at the prompt."""
    view = app.view
    if view.kind != TASKS:
        prompt.error(":grep searches the output of the tasks shown: open a job's tasks first (:tasks JOB)")
        return
    try:
        request = parse_grep(line)
    except ValueError as error:
        prompt.error(str(error))
        return
    task_ids = app.table.visible_keys
    if not task_ids:
        prompt.error("no task shown to search" + (" (the filter hides them all)" if app.table.filter_text else ""))
        return
    from ..screens.grep_view import GrepScreen

    prompt.close()
    app.push_screen(GrepScreen(app.services[view.account], view.parent, task_ids, request))
