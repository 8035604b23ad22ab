"""What a `:` line does (parsed by `ui.commands`), and the words Tab offers after each command.

`:tasks JOB` and `:nodes POOL` open the view at once when the id is known (listed in this session); an id
never seen is looked up first, so a typo says "no job named …" at the prompt, with the nearest known ids,
and the view stays where it was. `:mark STATE` marks every shown row in that state, `:mark` (or
`:mark all`) every shown row, `:unmark` clears the marks. `:nodes-health [JOB]` opens the nodes health view
(of the open job, or the cursor's); `:stragglers` filters a tasks view to its stragglers; `:prep [JOB]` opens
the job's preparation and release tasks per node (the open job's, or the cursor's); `:subtasks [TASK]` a
multi-instance task's subtasks (a task of the open job; the cursor's by default).
"""

from __future__ import annotations

import difflib
import time
from typing import TYPE_CHECKING

from ...service.errors import NOT_FOUND, ServiceError
from ..commands import COMMANDS, TAKES_ARGUMENT, CommandError, matching_commands, parse_command
from ..views import JOBS, NODES, POOLS, SCHEDULES, STRAGGLER_FILTER, TASKS, ViewKey
from .workers import start_worker

if TYPE_CHECKING:
    from ..app import BatchApp
    from .prompt import Prompt

PREFETCH_SECONDS = 30.0  # ids listed for Tab completion are fetched again after this long, at most
_PARENT = {TASKS: (JOBS, "job"), NODES: (POOLS, "pool")}


class CommandRunner:
    """Runs `:` lines for the app's prompt; knows the job and pool ids seen in this session."""

    def __init__(self, app: BatchApp, prompt: Prompt) -> None:
        self.app = app
        self.prompt = prompt
        self.known: dict[tuple[str, str], set[str]] = {}  # (account, JOBS|POOLS) → ids fetched for the prompt
        self._prefetched: dict[str, float] = {}  # account → when its ids were last fetched

    # -- running a line ---------------------------------------------------------------------
    def run(self, text: str) -> None:
        """Run one `:` line: the prompt closes, or shows why the line cannot run."""
        app = self.app
        prompt = self.prompt
        try:
            command = parse_command(text)
        except CommandError as error:
            prompt.error(str(error))
            return
        name, argument = command.name, command.argument
        if name in _PARENT:
            self._open_child(name, argument, text)
            return
        if name == "acct" and argument not in app.services:
            configured = ", ".join(app.accounts)
            problem = app.problems.get(argument) or f"no account named {argument}; configured: {configured}"
            prompt.error(f"{argument}: {problem}" if argument in app.accounts else problem)
            return
        if name == "mark" and not self._mark(argument):
            return
        if name == "grep":
            from .grep import open_grep  # (its search pulls in the tails: imported when first typed)

            open_grep(app, prompt, text)
            return
        if name in ("stragglers", "nodes-health", "prep", "subtasks") and not self._job_command(name, argument):
            return
        prompt.close()
        account = app.view.account
        if name == "quit":
            app.exit(None)
        elif name == "help":
            app.action_help()
        elif name in (POOLS, JOBS, SCHEDULES):
            app.navigator.show_view(ViewKey(account, name))
        elif name == "storage":
            container, _, prefix = argument.partition("/")
            app.navigator.open_storage(account, container or None, prefix)
        elif name == "create":
            app.actions.create_from_file(argument)
        elif name == "acct":
            app.navigator.show_view(ViewKey(argument, app.view.kind if not app.view.parent else JOBS))
        elif name == "unmark":
            app.table.clear_marks()
        elif name == "failures":
            app.triage.open_failures(argument)
        elif name == "histogram":
            app.triage.open_histograms(argument)
        elif name == "nodes-health":
            app.monitor.open_nodes_health(argument)
        elif name == "stragglers":
            app.table.set_filter(STRAGGLER_FILTER)
        elif name == "autoscale":
            app.autoscale.open(argument)
        elif name == "prep":
            from ..screens.prep_release import PrepReleaseScreen

            view = app.view
            job = argument or (view.parent if view.kind == TASKS else app.table.cursor_key or "")
            app.push_screen(PrepReleaseScreen(account, job))
        elif name == "subtasks":
            from ..screens.subtasks import SubtasksScreen

            app.push_screen(SubtasksScreen(account, app.view.parent, argument or app.table.cursor_key or ""))

    def cancel(self) -> None:
        """The prompt was cancelled: forget a lookup under way."""
        self.app.workers.cancel_group(self.app, "prompt")

    def _mark(self, state: str) -> bool:
        """`:mark [STATE|all]`; False (and the reason at the prompt) when no row is shown in that state."""
        table = self.app.table
        if not table.row_count:
            self.prompt.error("no rows to mark here")
            return False
        if not state or state.lower() == "all":
            table.mark_all()
            return True
        if table.mark_where("state", state) or any(self._state_of(key) == state.lower() for key in table.marked):
            return True
        shown = sorted({self._state_of(key) for key in table.visible_keys})
        self.prompt.error(f"no row shown is {state}; states shown: {', '.join(shown)}")
        return False

    def _job_command(self, name: str, argument: str) -> bool:
        """`:stragglers` needs a tasks view; `:nodes-health` a job (named, open, or the cursor's)."""
        kind = self.app.view.kind
        if name == "stragglers" and kind != TASKS:
            self.prompt.error(":stragglers filters a job's tasks: open them first (:tasks JOB)")
            return False
        if name == "subtasks" and kind != TASKS:
            self.prompt.error(":subtasks lists a multi-instance task's subtasks: "
                              "open its job's tasks first (:tasks JOB)")
            return False
        if name == "subtasks" and not argument and not self.app.table.cursor_key:
            self.prompt.error(":subtasks TASK, or put the cursor on the task")
            return False
        if name in ("nodes-health", "prep") and not argument and (
                kind not in (TASKS, JOBS) or (kind == JOBS and not self.app.table.cursor_key)):
            self.prompt.error(f":{name} JOB, or open the job's tasks first")
            return False
        return True

    def _state_of(self, key: str) -> str:
        table = self.app.table
        row = table.get_row(key)
        index = [column.key for column in table.columns].index("state")
        return str(row.sort_keys[index]).lower() if row is not None else ""

    # -- :tasks JOB and :nodes POOL ---------------------------------------------------------
    def _open_child(self, kind: str, ident: str, typed: str) -> None:
        parent, noun = _PARENT[kind]
        account = self.app.view.account
        if ident in self.ids(parent):
            self.prompt.close()
            self.app.navigator.show_view(ViewKey(account, kind, ident))
            return
        self.prompt.line.show_message(f"looking up {noun} {ident} …")
        start_worker(self.app, self._look_up, account, kind, ident, typed, group="prompt", exclusive=True)

    async def _look_up(self, account: str, kind: str, ident: str, typed: str) -> None:
        app = self.app
        parent, noun = _PARENT[kind]
        service = app.services[account]
        try:
            await (service.get_job(ident) if kind == TASKS else service.get_pool(ident))
        except ServiceError as error:
            if not self._still_typed(account, typed):
                return
            if error.kind == NOT_FOUND:
                near = difflib.get_close_matches(ident, sorted(self.ids(parent)), n=3)
                hint = f"; did you mean {' or '.join(near)}?" if near else ""
                self.prompt.error(f"no {noun} named {ident}{hint}")
            else:
                self.prompt.error(f"cannot look up {noun} {ident}: {error}")
            return
        self.known.setdefault((account, parent), set()).add(ident)
        if self._still_typed(account, typed):
            self.prompt.close()
            app.navigator.show_view(ViewKey(account, kind, ident))

    def _still_typed(self, account: str, typed: str) -> bool:
        app = self.app
        return (app.ui_alive() and app.view.account == account and self.prompt.mode == "command"
                and self.prompt.line.value == typed)

    # -- ids and Tab completion -------------------------------------------------------------
    def ids(self, kind: str) -> set[str]:
        """The ids of the account's jobs or pools (`kind`) seen in this session: the table if it lists
        them, the rows the view showed when last left, and those fetched for the prompt."""
        app = self.app
        account = app.view.account
        found = set(self.known.get((account, kind), ()))
        found.update(row.key for row in app.refresher.cached(ViewKey(account, kind)))
        if app.view.kind == kind:
            found.update(app.table.all_keys())
        return found

    def words(self, head: str) -> tuple[list[str], str]:
        """What Tab offers after `head` (see `PromptHandler.prompt_words`)."""
        words = head.split()
        if not words:
            return list(COMMANDS), " "
        names = matching_commands(words[0])
        if len(words) > 1 or len(names) != 1 or names[0] not in TAKES_ARGUMENT:
            return [], ""
        name = names[0]
        if name in _PARENT:
            return sorted(self.ids(_PARENT[name][0])), ""
        if name in ("failures", "histogram"):
            return sorted(self.ids(JOBS)), ""
        if name == "acct":
            return list(self.app.accounts), ""
        if name in ("nodes-health", "prep"):
            return sorted(self.ids(JOBS)), ""
        if name == "autoscale":
            return sorted(self.ids(POOLS)), ""
        if name == "mark":
            return ["all", *sorted({self._state_of(key) for key in self.app.table.visible_keys})], ""
        if name == "create":
            return ["pool", "job", "jobschedule", "tasks"], " "
        return [], ""

    def prefetch_ids(self) -> None:
        """List the account's job and pool ids in the background for Tab, unless this session has them."""
        app = self.app
        account = app.view.account
        if account not in app.services:
            return
        if all(app.refresher.cached(ViewKey(account, kind)) or app.view.kind == kind for kind in (JOBS, POOLS)):
            return
        now = time.monotonic()
        if now - self._prefetched.get(account, -PREFETCH_SECONDS) < PREFETCH_SECONDS:
            return
        self._prefetched[account] = now
        start_worker(app, self._fetch_ids, account, group="prompt-ids")

    async def _fetch_ids(self, account: str) -> None:
        service = self.app.services[account]
        try:
            jobs = await service.list_jobs()
            pools = await service.list_pools()
        except ServiceError:
            return  # Tab offers what the session has seen
        self.known[(account, JOBS)] = {job.id for job in jobs}
        self.known[(account, POOLS)] = {pool.id for pool in pools}
