"""The emulator's index of tasks by stateTransitionTime: an incremental `$filter` reads only the tasks that
changed, and gives exactly what a scan of every task gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.emulator.odata import compile_filter, time_floor
from batchtui.emulator.store import Collection

FIELDS = {"stateTransitionTime": "datetime", "state": "string", "id": "string"}


def stamp(second: int, micro: int = 0) -> str:
    return f"2026-11-30T10:{second // 60:02d}:{second % 60:02d}.{micro:06d}0Z"


def test_time_floor_is_taken_only_from_a_conjunction():
    assert time_floor("stateTransitionTime ge datetime'2026-11-30T10:00:05Z'", "stateTransitionTime") \
        == "2026-11-30T10:00:05.0000000"
    assert time_floor("state eq 'running' and stateTransitionTime gt datetime'2026-11-30T10:00:05.5Z'",
                      "stateTransitionTime") == "2026-11-30T10:00:05.5000000"
    # An `or` or a `not` anywhere: the bound may not hold for every match.
    assert time_floor("stateTransitionTime ge datetime'2026-11-30T10:00:05Z' or state eq 'active'",
                      "stateTransitionTime") is None
    assert time_floor("not (stateTransitionTime ge datetime'2026-11-30T10:00:05Z')", "stateTransitionTime") is None
    assert time_floor("stateTransitionTime le datetime'2026-11-30T10:00:05Z'", "stateTransitionTime") is None
    assert time_floor("state eq 'x", "stateTransitionTime") is None  # does not parse: no bound
    assert time_floor(None, "stateTransitionTime") is None


def make(docs: list[tuple[str, int]]) -> Collection:
    items = Collection("stateTransitionTime")
    for ident, second in docs:
        items.add({"id": ident, "state": "active", "stateTransitionTime": stamp(second)})
    return items


def all_pages(items: Collection, text: str, limit: int, use_index: bool) -> list[str]:
    keep = compile_filter(text, FIELDS)
    since = time_floor(text, "stateTransitionTime") if use_index else None
    out: list[str] = []
    after = None
    while True:
        page, after = items.page(after, keep, limit, since)
        out += [doc["id"] for doc in page]
        if after is None:
            return out


def test_a_change_in_place_is_indexed_again():
    items = make([(f"t{i:04d}", 0) for i in range(1000)])
    # kept from the first document on (built on the first query, it made that query wait 3 s at 1,000,000)
    assert items.index is not None and len(items.index) == 1000
    changed = items.get("t0500")
    assert changed is not None
    changed["stateTransitionTime"] = stamp(30, 250_000)
    items.changed(changed)
    text = "stateTransitionTime ge datetime'2026-11-30T10:00:30.1Z'"
    assert all_pages(items, text, 100, use_index=True) == ["t0500"]
    items.remove("t0500")
    assert all_pages(items, text, 100, use_index=True) == []
    assert items.index is not None and len(items.index) == 999


@settings(max_examples=60, deadline=None)
@given(seconds=st.lists(st.integers(0, 120), min_size=0, max_size=300),
       moves=st.lists(st.tuples(st.integers(0, 299), st.integers(0, 120)), max_size=50),
       floor=st.integers(0, 121), micro=st.integers(0, 999_999), limit=st.integers(1, 40),
       op=st.sampled_from(["ge", "gt", "eq"]), extra=st.booleans())
def test_pages_through_the_index_equal_a_scan(seconds, moves, floor, micro, limit, op, extra):
    items = make([(f"t{i:04d}", s) for i, s in enumerate(seconds)])
    for index, second in moves:
        doc = items.get(f"t{index:04d}")
        if doc is not None:
            doc["stateTransitionTime"] = stamp(second, micro)
            items.changed(doc)
    text = f"stateTransitionTime {op} datetime'{stamp(floor, micro)}'"
    if extra:
        text += " and state eq 'active'"
    assert all_pages(items, text, limit, use_index=True) == all_pages(items, text, limit, use_index=False)
