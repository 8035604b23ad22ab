"""Failure clusters as plain text lines for a terminal or a CI log (`batchtui wait`).

Each cluster takes up to three lines: its count and signature; an example task,
its node and the line its output printed; the nodes it hit and when it first
failed. Text from tasks and the service is made inert (`textsafe.inert`).
"""

from __future__ import annotations

from ..service.triage import Cluster
from ..textsafe import inert

MAX_CLUSTERS = 10  # shown; the rest are counted on one line
MAX_NODES = 3  # named per cluster
LINE_CHARS = 200  # of an example line


def _cut(text: str, limit: int = LINE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cluster_lines(cluster: Cluster) -> list[str]:
    """The lines of one cluster (see the module notes), each made inert."""
    lines = [f"{cluster.count:>6} × {inert(cluster.signature.describe())}"]
    example = cluster.example
    if example is not None:
        where = f" on {inert(example.node_id)}" if example.node_id else ""
        said = ""
        if cluster.example_line:
            said = f" ({inert(cluster.example_file or 'output')}): {inert(_cut(cluster.example_line))}"
        lines.append(f"         e.g. task {inert(example.id)}{where}{said}")
    facts = []
    if cluster.nodes:
        named = ", ".join(f"{inert(node)} ({count})" for node, count in cluster.nodes.most_common(MAX_NODES))
        more = len(cluster.nodes) - MAX_NODES
        facts.append(f"{len(cluster.nodes)} node{'s' if len(cluster.nodes) != 1 else ''}: {named}"
                     + (f" and {more} more" if more > 0 else ""))
    if cluster.first_failure is not None:
        facts.append(f"first failed {cluster.first_failure.strftime('%Y-%m-%d %H:%M:%S %Z').strip()}")
    if facts:
        lines.append("         " + "; ".join(facts))
    return lines


def summary_lines(clusters: list[Cluster], limit: int = MAX_CLUSTERS) -> list[str]:
    """The clusters (biggest first, as given), at most `limit` of them, then a line counting the rest."""
    lines: list[str] = []
    for cluster in clusters[:limit]:
        lines.extend(cluster_lines(cluster))
    rest = clusters[limit:]
    if rest:
        tasks = sum(c.count for c in rest)
        lines.append(f"         … and {len(rest)} more cluster{'s' if len(rest) != 1 else ''} "
                     f"({tasks} task{'s' if tasks != 1 else ''})")
    return lines
