"""Keeping a big table's rows out of Python's cyclic garbage collector.

A full collection (generation 2) walks every container object the collector tracks, and CPython runs one
whenever the long-lived objects have grown by a quarter since the last. While a 1,000,000-task job streams
into its table, that is some thirty walks over millions of row objects: on a 200,000-task fill
(`bench/tasks.py`, its `tui_fill_gc_s` timed through `gc.callbacks`), 17 full collections took 2.9-3.3 s of
CPU; with the rows frozen after each page, 1 takes 0.4-0.6 s. Once filled, the same walks would pause the
screen for a second at a time while the user reads.

Table rows hold strings, numbers, tuples and shared styled texts: they never form reference cycles, so
reference counting frees them (frozen or not) when their view goes. `gc.freeze` only keeps the collector
from walking them again; what is frozen is what lives at that moment, after a young collection, so the
garbage of the last page's work is not frozen with them.

See https://docs.python.org/3/library/gc.html#gc.freeze.
"""

from __future__ import annotations

import gc

__all__ = ["FREEZE_FROM", "settle_rows"]

#: Tables of at least this many rows are frozen after each batch applied to them; below it, a full collection
#: costs little, and freezing would keep short-lived views' cycles (if any) alive for nothing.
FREEZE_FROM = 10_000


def settle_rows(row_count: int) -> bool:
    """After a batch was applied to a table of `row_count` rows: when it is big (≥ FREEZE_FROM), collect the
    young generations and move every object that survives into the collector's permanent generation.
    Returns whether it did."""
    if row_count < FREEZE_FROM:
        return False
    gc.collect(1)
    gc.freeze()
    return True
