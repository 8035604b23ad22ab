"""What the user chose for each view kind and keeps across restarts: the sort column and direction, the
columns shown, and UTC or local time (stored by `batchtui.prefs` in the state dir).

Loaded once when the app starts (a malformed file: its one-line problem as a toast, the defaults
apply); saved whenever a choice changes (a file that cannot be written: one toast, the choice still
applies for this run). Times: `u` switches every time in the tables and the details pane between UTC
and local time, for every view kind at once; time columns are labelled "… UTC" while in UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from ...prefs import Prefs
from ..format import local_now
from ..views import COLUMNS, columns
from ..widgets.resource_table import Column

if TYPE_CHECKING:
    from ..app import BatchApp


class ViewChoices:
    """The app's per-view-kind choices; `prefs` None: defaults, nothing read or saved (tests, bench)."""

    def __init__(self, app: BatchApp, prefs: Prefs | None) -> None:
        self.app = app
        self.saving = prefs is not None
        self.prefs = prefs if prefs is not None else Prefs(Path("prefs.json"))
        self._save_failed = False

    def announce(self) -> None:
        """Show the prefs file's problem (once, at start), if it had one."""
        if self.prefs.problem:
            self.app.notify(self.prefs.problem, title="View preferences", severity="warning", timeout=10)

    # -- times ------------------------------------------------------------------------------
    def utc(self, kind: str) -> bool:
        return self.prefs.view(kind).utc

    def zone(self, kind: str) -> tzinfo | None:
        """Where times of `kind` are shown: UTC, or None for the local time zone."""
        return timezone.utc if self.utc(kind) else None

    def now(self, kind: str) -> datetime:
        """The app's clock in the time zone `kind` shows times in (what rows are built with)."""
        now = self.app.clock()
        return now.astimezone(timezone.utc) if self.utc(kind) else local_now(now)

    def toggle_utc(self) -> None:
        """`u`: UTC ⇄ local time, for every view kind; the current view is redrawn in the new zone."""
        app = self.app
        utc = not self.utc(app.view.kind)
        for kind in COLUMNS:
            self.prefs.update(kind, utc=utc)
        self._save()
        app.table.set_columns(self.columns(app.view.kind))
        app.refresher.trackers.pop(app.view, None)  # a tasks view lists every task again, in the new zone
        app.refresh_now()
        app.details.rerender()
        app.notify("times in UTC" if utc else "times in local time", timeout=2)

    # -- columns and sort -------------------------------------------------------------------
    def columns(self, kind: str) -> list[Column]:
        """The columns to show for `kind`: the chosen ones (else all), labelled for the time zone."""
        view = self.prefs.view(kind)
        return columns(kind, view.utc, view.columns, self.app.dependencies.extra_columns(kind))

    def apply_sort(self, kind: str) -> None:
        """Sort the table as last chosen for `kind` (insertion order if never, or if that column is gone)."""
        view = self.prefs.view(kind)
        table = self.app.table
        column = view.sort_column if view.sort_column in {c.key for c in table.columns} else None
        if (table.sort_column, table.sort_reverse) != (column, view.sort_descending and column is not None):
            table.sort_by(column, view.sort_descending and column is not None)

    def sort_changed(self, kind: str, column: str | None, descending: bool) -> None:
        """The table was sorted (a key, a header click): remember it for `kind`."""
        view = self.prefs.view(kind)
        if (view.sort_column, view.sort_descending) != (column, descending):
            self.prefs.update(kind, sort_column=column, sort_descending=descending)
            self._save()

    def _save(self) -> None:
        if not self.saving:
            return
        problem = self.prefs.save()
        if problem and not self._save_failed:
            self._save_failed = True  # said once; the choices still apply for this run
            self.app.notify(problem, severity="warning", timeout=8)
