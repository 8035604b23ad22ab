"""What the failure clusters view says, as plain strings (the grouping itself is `service.triage`):
the progress line while tails stream in, a cluster's nodes in a few words, the name of the tasks table's
filter to one cluster's tasks, and the text of an export of task ids.

Pure: no Textual; service strings stay as given (the screen makes them inert before they are shown).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ...service.triage import Cluster

__all__ = ["Progress", "filter_name", "ids_preview", "ids_text", "nodes_text"]


@dataclass
class Progress:
    """How far the gathering of a job's failure clusters is.

    failed: how many failed tasks were listed (None while listing); read: tails in (cached ones included);
    cached: of those, from the session's cache; unread: tails that could not be read (their tasks are
    grouped by their failureInfo alone); causes: clusters so far; done: every tail is in; problem: why the
    failed tasks could not be listed (then nothing else applies)."""

    failed: int | None = None
    read: int = 0
    cached: int = 0
    unread: int = 0
    causes: int = 0
    done: bool = False
    problem: str | None = None

    def text(self) -> str:
        """One line, e.g. "read 812 of 1,200 tails (300 cached) · 3 causes so far"."""
        if self.problem is not None:
            return f"cannot list the failed tasks: {self.problem}"
        if self.failed is None:
            return "listing the failed tasks…"
        if self.failed == 0:
            return "no failed task"
        causes = f"{self.causes:,} cause{'' if self.causes == 1 else 's'}"
        cached = f" ({self.cached:,} cached)" if self.cached else ""
        unread = f" · {self.unread:,} could not be read (grouped by failureInfo)" if self.unread else ""
        if self.done:
            failed = f"{self.failed:,} failed task{'' if self.failed == 1 else 's'}"
            return f"{failed}, {causes} · every tail read{cached}{unread}"
        return f"read {self.read:,} of {self.failed:,} tails{cached} · {causes} so far{unread}"


def nodes_text(nodes: Counter[str], most: int = 2) -> str:
    """The nodes a cluster hit, busiest first: "tvm-1 ×3, tvm-2 ×2 +4 nodes"; "no node" when none."""
    if not nodes:
        return "no node"
    top = nodes.most_common()
    text = ", ".join(f"{node} ×{count}" for node, count in top[:most])
    more = len(top) - most
    return text + (f" +{more} node{'' if more == 1 else 's'}" if more > 0 else "")


def filter_name(cluster: Cluster, width: int = 48) -> str:
    """The tasks table's filter to this cluster's tasks, as named in the title and at the prompt:
    "5 tasks of: exit 3, FailureExitCode (usererror): ERROR shard <n>…" (cut to `width` characters)."""
    head = f"{cluster.count} task{'' if cluster.count == 1 else 's'} of: "
    text = head + cluster.signature.describe()
    return text if len(text) <= width else text[:width - 1] + "…"


def ids_preview(ids: Iterable[str], most: int = 4) -> str:
    """The first few ids: "a, b, c, … (+9)"."""
    listed = list(ids)
    shown = ", ".join(listed[:most])
    return shown + (f", … (+{len(listed) - most})" if len(listed) > most else "")


def ids_text(ids: Iterable[str]) -> str:
    """Task ids as an export: one a line, sorted, with a final line break."""
    return "".join(f"{task_id}\n" for task_id in sorted(ids))
