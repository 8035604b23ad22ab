"""What the log view makes of following a file: the verdict on each poll, the wait after a failure, and what
the status line says. Plain values (messages and Rich style names), no widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...service.errors import ServiceError
from ...service.tail import Chunk
from .log_buffer import one_line

__all__ = ["MAX_BACKOFF", "PENDING_DELAY", "StatusLine", "Verdict", "backoff_delay", "exit_text", "judge_poll",
           "missing_message"]

MAX_BACKOFF = 30.0  # seconds, at most, between polls after failures
PENDING_DELAY = 2.0  # seconds between polls, at most, while the task has not started or the file not appeared


@dataclass(frozen=True)
class Verdict:
    """What one poll means: the state to show (`message` in `style`), and what to do next.

    `stop`: polling ends (the message says why); `soon`: poll again within PENDING_DELAY; `finish`: the task
    is done and the file read to its end: flush the decoder into the window, then stop; `jump`: the file is
    further ahead than the window holds: start again at its tail."""

    message: str
    style: str
    stop: bool = False
    soon: bool = False
    finish: bool = False
    jump: bool = False


def exit_text(exit_code: int | None) -> str:
    return f", exit {exit_code}" if exit_code is not None else ""


def judge_poll(chunk: Chunk, *, done: bool, exit_code: int | None, started: bool, task: bool, path: str,
               window_chars: int, at_tail: bool) -> Verdict:
    """The verdict on `chunk`. `done`: the followed task has completed (`exit_code`); `started`: anything of
    the file was read already; `task`: a task is followed (not just a file); `window_chars`: what the
    window holds; `at_tail`: the view shows the tail and follows it."""
    if chunk.gone:
        if done or started or not task:
            return Verdict(f"gone: {one_line(chunk.gone)}", "bold red", stop=True)
        return Verdict(f"waiting for {one_line(path)} to appear", "yellow", soon=True)  # not created yet
    if chunk.pending:
        if done:
            return Verdict(f"task completed{exit_text(exit_code)} without running", "bold red", stop=True)
        return Verdict("waiting for the task to start", "yellow", soon=True)
    if done and not chunk.behind:
        style = "green" if exit_code == 0 else "bold red"
        return Verdict(f"task completed{exit_text(exit_code)}", style, stop=True, finish=True)
    if chunk.behind:
        # jump: the window could not hold it all anyway
        return Verdict(f"catching up: {chunk.behind:,} bytes to go", "yellow",
                       jump=chunk.behind > window_chars and at_tail)
    return following_verdict(task)


def following_verdict(task: bool) -> Verdict:
    """The state while all is well: the task is running; for a file, nothing to add to what the status
    line says already (e.g. "following")."""
    return Verdict("running" if task else "", "dim")


def missing_message(err: ServiceError, job_id: str | None, task_id: str | None) -> str:
    """What a NOT_FOUND error means for the followed task's file."""
    if err.code == "TaskNotFound":
        return f"task {task_id} of job {job_id} no longer exists (deleted?)"
    if err.code == "JobNotFound":
        return f"job {job_id} no longer exists (deleted?)"
    return str(err)


def backoff_delay(failures: int, min_delay: float) -> float:
    """Seconds to wait after `failures` failed polls in a row: doubling from `min_delay`, up to MAX_BACKOFF."""
    return float(min(MAX_BACKOFF, min_delay * 2 ** min(failures, 5)))


@dataclass(frozen=True)
class StatusLine:
    """The facts the log view's status line tells; `pieces()` says how, as (text, style) pairs."""

    showing_head: bool
    start: int  # bytes of the file shown: start to end
    end: int
    size: int | None  # the file's size at the last poll
    following: bool
    stopped: bool
    new_lines: int  # lines that arrived while the tail was not followed (0: none, or following)
    search: str = ""
    matches: int = 0
    current: int | None = None
    capped: bool = False
    wrap: bool = False
    numbers: bool = False
    colour: bool = True
    columns: tuple[int, int, int] | None = None  # (first cell shown, past the last, widest line) if cut
    state: tuple[str, str] = ("", "")  # what polling says (text, style): "running", "task completed", …

    def pieces(self) -> list[tuple[str, str]]:
        """(text, style) pairs: where the view is, the state, then the view's options (the least needed
        last, as a narrow terminal cuts the end)."""
        out: list[tuple[str, str]] = []
        if self.showing_head:
            out.append(("head ", "bold magenta"))
        elif self.start > 0:
            out.append(("tail ", "bold"))
        if self.size is None:
            out.append(("size unknown", "dim"))
        else:
            out.append((f"bytes {self.start:,}–{self.end:,} of {self.size:,}", ""))
        if self.showing_head:
            out.append(("  G: back to the tail", "dim"))
        elif self.following:
            out.append(("  following" if not self.stopped else "  at end", "green"))
        if self.new_lines:
            out.append((f"  +{self.new_lines:,} new lines (f to follow)", "bold yellow"))
        if self.search:
            if self.matches:
                more = "+" if self.capped else ""
                position = f"{self.current + 1}/" if self.current is not None else ""
                out.append((f"  /{one_line(self.search)}: {position}{self.matches}{more}", "cyan"))
            else:
                out.append((f"  /{one_line(self.search)}: no match", "bold red"))
        if self.state[0]:
            out.append(("  " + self.state[0], self.state[1]))
        if self.columns is not None:
            first, last, widest = self.columns
            out.append((f"  cols {first + 1:,}–{last:,} of {widest:,}", "dim"))
        flags = [name for name, on in (("wrap", self.wrap), ("#", self.numbers), ("no colour", not self.colour))
                 if on]
        if flags:
            out.append(("  [" + " ".join(flags) + "]", "dim"))
        return out
