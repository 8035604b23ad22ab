"""The pool's node heatmap at every pool size: one square a node while they fit, then shares of the squares
by state in which a troubled state never disappears (issue 19: a 5,000-node pool)."""

from __future__ import annotations

from batchtui.service.models import NodeRow
from batchtui.ui.summaries import node_heatmap, pool_summary


def nodes(**states: int) -> list[NodeRow]:
    out = []
    for state, number in states.items():
        out += [NodeRow(id=f"{state}-{i}", pool_id="p", state=state, scheduling_state="enabled", is_dedicated=True,
                        running_tasks=0, running_slots=0, total_tasks_run=0, total_tasks_succeeded=0,
                        ip_address="10.0.0.1", state_transition_time=None) for i in range(number)]
    return out


def squares_by_style(text) -> dict[str, int]:
    counts: dict[str, int] = {}
    for span in text.spans:
        part = text.plain[span.start:span.end]
        counts[str(span.style)] = counts.get(str(span.style), 0) + part.count("■")
    return counts


def test_one_square_a_node_while_they_fit():
    text = node_heatmap(nodes(idle=3, running=2), 120)
    assert text.plain == "■■■■■"


def test_five_thousand_nodes_keep_three_failed_ones_visible():
    pool = nodes(idle=3_000, running=1_997, starttaskfailed=3)
    for squares in (120, 40, 10):
        text = node_heatmap(pool, squares)
        assert text.plain.count("■") == squares + 1  # the squares, and the one in the legend
        assert text.plain.startswith("■")
        assert text.plain.endswith(f" ■≈{-(-5_000 // squares):,} nodes")
        by_style = squares_by_style(text)
        failed_style = next(style for style in by_style if "red" in style)
        assert by_style[failed_style] >= 1  # 3 of 5,000 still have their square
        # Troubled states come first.
        assert "red" in str(text.spans[0].style)


def test_the_pool_summary_fits_a_narrow_terminal_with_a_big_pool():
    summary = pool_summary(nodes(idle=4_990, unusable=10), None)
    line = summary.at(80)
    assert line.cell_len <= 80
    assert "unusable 10" in line.plain and "idle 4990" in line.plain


def test_the_heatmap_stays_at_every_width_the_troubled_states_first():
    summary = pool_summary(nodes(idle=4_986, unusable=7, offline=4, starttaskfailed=3), None)
    for width in (40, 54, 80, 96, 150, 200):
        line = summary.at(width)
        assert line.cell_len <= width and "■" in line.plain, (width, line.plain)
        assert "unusable 7" in line.plain, width  # the cut takes the idle nodes first, the trouble last
    assert summary.at(54).plain.endswith("…")  # cut, and it says so
    assert "idle 4986" in summary.at(96).plain  # wide enough: every state counted beside the squares
