"""The grep view's rows and its progress line, as plain values (Rich text, no widgets).

Each matching line is a row: the task, where (file and line number, when known), and the line with
every control character inert and each match highlighted. A task whose files could not be listed or
read is a row too, with the reason. Rows sort by task, then stdout.txt before stderr.txt, then offset, so
the order does not depend on which read finished first.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from ...service.grep_lines import GrepHit
from ...service.log_grep import GREP_FILES, TaskGrep
from ...textsafe import inert
from .grep_command import human_bytes
from .table_row import Column, TableRow

__all__ = ["COLUMNS", "GrepProgress", "MATCH_STYLE", "hit_row", "match_text", "task_rows"]

COLUMNS = (Column("task", "TASK", 16, flex=True), Column("where", "FILE:LINE", 15),
           Column("line", "MATCHING LINE", 40, flex=True))
MATCH_STYLE = "bold reverse"  # (reverse: it shows without colour too)
ERROR_STYLE = "bold red"


def match_text(text: str, spans: tuple[tuple[int, int], ...]) -> Text:
    """The line as shown: control characters as their inert stand-ins, the matches in MATCH_STYLE."""
    out = Text(no_wrap=True, end="")
    at = 0
    for start, end in spans:
        if start < at:
            continue
        if start > at:
            out.append(inert(text[at:start]))
        out.append(inert(text[start:end]), style=MATCH_STYLE)
        at = end
    out.append(inert(text[at:]))
    return out


def where(hit: GrepHit) -> str:
    return f"{hit.file}:{hit.number}" if hit.number is not None else hit.file


def hit_key(hit: GrepHit) -> str:
    return f"{hit.task_id}\n{hit.file}\n{hit.offset}"


def _order(task_id: str, file: str, offset: int) -> tuple[str, int, int]:
    rank = GREP_FILES.index(file) if file in GREP_FILES else len(GREP_FILES)
    return task_id, rank, offset


def hit_row(hit: GrepHit) -> TableRow:
    place = where(hit)
    return TableRow(hit_key(hit), (inert(hit.task_id), place, match_text(hit.text, hit.spans)),
                    (_order(hit.task_id, hit.file, hit.offset), place, hit.text))


def task_rows(result: TaskGrep) -> list[TableRow]:
    """The rows of one task's result: its matching lines, then a row for each error."""
    rows = [hit_row(hit) for hit in result.hits]
    for index, error in enumerate(result.errors):
        rows.append(TableRow(f"{result.task_id}\nerror\n{index}",
                             (inert(result.task_id), Text("(error)", style=ERROR_STYLE),
                              Text(inert(error), style=ERROR_STYLE, no_wrap=True, end="")),
                             (_order(result.task_id, "~", index), "(error)", error)))
    return rows


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


@dataclass
class GrepProgress:
    """How far a search is: tasks listed (before a big search), tasks searched, bytes read, what matched."""

    tasks: int
    listed: int = 0
    searched: int = 0
    bytes_read: int = 0
    lines: int = 0
    tasks_matched: int = 0
    unreadable: int = 0  # tasks with an error
    capped: int = 0  # files whose listed lines stopped at the cap
    state: str = "searching"  # listing, asking, searching, done, cancelled, failed
    error: str = ""  # why it failed

    def add(self, result: TaskGrep) -> None:
        self.searched += 1
        self.bytes_read += result.bytes_read
        self.lines += len(result.hits)
        self.tasks_matched += bool(result.hits)
        self.unreadable += bool(result.errors)
        self.capped += len(result.capped)

    def describe(self) -> Text:
        """The status line: where the search is, what it found, what to press."""
        out = Text(no_wrap=True, end="")
        if self.state == "listing":
            out.append(f"listing the files of {self.listed:,}/{self.tasks:,} tasks", style="yellow")
            out.append("  esc cancels", style="dim")
            return out
        if self.state == "asking":
            out.append(f"listed the files of {self.tasks:,} tasks", style="yellow")
            return out
        so_far = f"{self.searched:,}/{self.tasks:,} tasks"
        if self.state == "done":
            out.append(f"searched {_count(self.tasks, 'task')}", style="green")
        elif self.state == "cancelled":
            out.append(f"cancelled after {so_far}", style="bold yellow")
        elif self.state == "failed":
            out.append(f"failed after {so_far}: {inert(self.error)}", style=ERROR_STYLE)
        else:
            out.append(f"searching {so_far}", style="yellow")
        out.append(f" · {human_bytes(self.bytes_read)} read")
        out.append(f" · {_count(self.lines, 'matching line')} in {_count(self.tasks_matched, 'task')}",
                   style="bold" if self.lines else "")
        if self.capped:
            out.append(f" · more matches than listed in {_count(self.capped, 'file')}", style="yellow")
        if self.unreadable:
            out.append(f" · {_count(self.unreadable, 'task')} unreadable", style=ERROR_STYLE)
        out.append("  esc cancels" if self.state == "searching" else "  enter: log at the line", style="dim")
        return out
