"""View preferences remembered between runs, per view kind (jobs, tasks, pools, nodes, ...):
the sort column and direction, the visible columns, and UTC or local time.

They live in prefs.json in batchtui's state dir (`paths.state_dir`, moved by
``BATCHTUI_STATE_DIR``)::

    {"version": 1, "views": {"tasks": {"sort": {"column": "exit", "descending": true},
                                       "columns": ["id", "state", "exit"], "utc": false}}}

Saving writes a temporary file beside it and renames it over (a reader never
sees half a file), mode 0600. Reading never fails: a missing file gives the
defaults; a file that is not JSON, or a value of the wrong shape, gives the
defaults for what is wrong and a one-line `problem` to show, and the next save
replaces it. The file is small: sorting a column and saving it from the UI's
thread is fine.

    prefs = Prefs.load()
    if prefs.problem: notify(prefs.problem)
    view = prefs.view("tasks")                      # ViewPrefs
    prefs.update("tasks", sort_column="exit", sort_descending=True)
    error = prefs.save()                            # None, or why it could not be written

No Textual here: the UI keeps a Prefs and calls it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeGuard

from .paths import state_dir

__all__ = ["PREFS_FILE", "Prefs", "ViewPrefs", "prefs_path"]

PREFS_FILE = "prefs.json"
VERSION = 1
MAX_BYTES = 256 * 1024  # a bigger file is not ours: defaults
MAX_NAME = 64  # characters in a view kind or column name
MAX_COLUMNS = 64


@dataclass(frozen=True)
class ViewPrefs:
    """One view kind's choices. None: the view's own default."""

    sort_column: str | None = None
    sort_descending: bool = False
    columns: tuple[str, ...] | None = None  # the visible columns, in order
    utc: bool = False  # times in UTC rather than local time

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.sort_column is not None:
            data["sort"] = {"column": self.sort_column, "descending": self.sort_descending}
        if self.columns is not None:
            data["columns"] = list(self.columns)
        if self.utc:
            data["utc"] = True
        return data


def prefs_path(environ: Mapping[str, str] | None = None) -> Path:
    """prefs.json in the state dir."""
    return state_dir(environ) / PREFS_FILE


class Prefs:
    """The preferences of every view kind, as read from (and saved to) one file."""

    def __init__(self, path: Path, views: Mapping[str, ViewPrefs] | None = None, problem: str | None = None) -> None:
        self.path = path
        self.problem = problem  # why (part of) the file was not used, or None
        self._views: dict[str, ViewPrefs] = dict(views or {})

    @classmethod
    def load(cls, path: Path | None = None) -> Prefs:
        """The preferences in `path` (default: prefs_path()); never raises (see the module notes)."""
        path = prefs_path() if path is None else path
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            return cls(path, problem=f"cannot read {path}: {exc.strerror or exc}; using the default views")
        if len(data) > MAX_BYTES:
            return cls(path, problem=f"{path} is larger than {MAX_BYTES // 1024} KiB; using the default views")
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return cls(path, problem=f"{path} is not valid JSON ({exc}); using the default views")
        views, problems = _parse(document)
        problem = f"{path}: {'; '.join(problems[:3])}; using the defaults there" if problems else None
        return cls(path, views, problem)

    @property
    def views(self) -> dict[str, ViewPrefs]:
        """Every view kind with choices (a copy)."""
        return dict(self._views)

    def view(self, kind: str) -> ViewPrefs:
        """The choices for a view kind (the defaults when there are none)."""
        return self._views.get(kind, ViewPrefs())

    def update(self, kind: str, **changes: Any) -> ViewPrefs:
        """Change some of a view kind's choices (ViewPrefs' field names); the new choices. Not saved yet.
        ValueError for a field that does not exist or a value of the wrong shape."""
        current = self.view(kind)
        try:
            new = replace(current, **changes)
        except TypeError as exc:
            raise ValueError(str(exc)) from None
        if isinstance(new.columns, list):
            new = replace(new, columns=tuple(new.columns))
        problems = _view_problems(new.to_json(), new)
        if problems or not _valid_name(kind):
            raise ValueError(f"view {kind!r}: {'; '.join(problems) or 'not a view kind name'}")
        self._views[kind] = new
        return new

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION,
                "views": {kind: data for kind, view in sorted(self._views.items()) if (data := view.to_json())}}

    def save(self) -> str | None:
        """Write the file (atomically, mode 0600); None when written, else why not (one line). Never raises."""
        text = json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temporary = tempfile.mkstemp(prefix=".prefs.", suffix=".tmp", dir=self.path.parent)
        except OSError as exc:
            return f"cannot save the view preferences in {self.path.parent}: {exc.strerror or exc}"
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(text)
            os.replace(temporary, self.path)
        except OSError as exc:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            return f"cannot save the view preferences in {self.path}: {exc.strerror or exc}"
        self.problem = None
        return None


def _valid_name(name: object) -> bool:
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME and name.isprintable()


def _parse(document: object) -> tuple[dict[str, ViewPrefs], list[str]]:
    """The views a prefs document holds, and what was wrong in it (those parts left out)."""
    if not isinstance(document, dict):
        return {}, ["not a JSON object"]
    if document.get("version", VERSION) != VERSION:
        return {}, [f"version {document.get('version')!r} is not {VERSION}"]
    raw_views = document.get("views", {})
    if not isinstance(raw_views, dict):
        return {}, ["'views' is not an object"]
    views: dict[str, ViewPrefs] = {}
    problems: list[str] = []
    for kind, raw in raw_views.items():
        if not _valid_name(kind) or not isinstance(raw, dict):
            problems.append(f"view {kind!r} is not a view's choices")
            continue
        view = _view_from(raw)
        wrong = _view_problems(raw, view)
        problems += [f"view {kind!r}: {p}" for p in wrong]
        views[kind] = view
    return views, problems


def _view_from(raw: dict[str, Any]) -> ViewPrefs:
    """The well-shaped parts of one view's JSON (the rest: defaults)."""
    view = ViewPrefs()
    sort = raw.get("sort")
    if isinstance(sort, dict) and _valid_name(sort.get("column")):
        view = replace(view, sort_column=sort["column"], sort_descending=sort.get("descending") is True)
    columns = raw.get("columns")
    if _valid_columns(columns):
        view = replace(view, columns=tuple(columns))
    if raw.get("utc") is True:
        view = replace(view, utc=True)
    return view


def _valid_columns(columns: object) -> TypeGuard[list[str] | tuple[str, ...]]:
    return (isinstance(columns, list | tuple) and len(columns) <= MAX_COLUMNS
            and all(_valid_name(c) for c in columns) and len(set(columns)) == len(columns))


def _view_problems(raw: dict[str, Any], view: ViewPrefs) -> list[str]:
    """What in one view's JSON (or a ViewPrefs' fields) is of the wrong shape."""
    problems = []
    sort = raw.get("sort")
    if sort is not None and not (isinstance(sort, dict) and _valid_name(sort.get("column"))
                                 and isinstance(sort.get("descending", False), bool)):
        problems.append("'sort' is not {\"column\": NAME, \"descending\": true|false}")
    if raw.get("columns") is not None and not _valid_columns(raw["columns"]):
        problems.append(f"'columns' is not a list of up to {MAX_COLUMNS} different column names")
    if not isinstance(raw.get("utc", False), bool):
        problems.append("'utc' is not true or false")
    if not isinstance(view.sort_descending, bool) or not isinstance(view.utc, bool):
        problems.append("sort_descending and utc are true or false")
    if view.sort_column is not None and not _valid_name(view.sort_column):
        problems.append("sort_column is not a column name")
    if view.columns is not None and not isinstance(view.columns, tuple):
        problems.append("columns is not a list of column names")
    return problems
