"""View preferences (batchtui.prefs): per view kind, kept in the state dir, never a crash."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from batchtui.prefs import Prefs, ViewPrefs, prefs_path


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def test_defaults_when_there_is_no_file(state):
    prefs = Prefs.load()
    assert prefs.path == state / "prefs.json" == prefs_path()
    assert prefs.problem is None and prefs.views == {}
    assert prefs.view("tasks") == ViewPrefs(sort_column=None, sort_descending=False, columns=None, utc=False)


def test_choices_round_trip_per_view_kind(state):
    prefs = Prefs.load()
    prefs.update("tasks", sort_column="exit", sort_descending=True)
    prefs.update("tasks", columns=["id", "state", "exit"])
    prefs.update("jobs", utc=True)
    assert prefs.save() is None
    again = Prefs.load()
    assert again.problem is None
    assert again.view("tasks") == ViewPrefs("exit", True, ("id", "state", "exit"), False)
    assert again.view("jobs") == ViewPrefs(utc=True)
    assert again.view("pools") == ViewPrefs()
    assert json.loads((state / "prefs.json").read_text()) == {"version": 1, "views": {
        "jobs": {"utc": True},
        "tasks": {"columns": ["id", "state", "exit"], "sort": {"column": "exit", "descending": True}}}}


def test_saved_privately_and_atomically(state):
    prefs = Prefs.load()
    prefs.update("nodes", sort_column="state")
    assert prefs.save() is None
    assert stat.S_IMODE((state / "prefs.json").stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert sorted(os.listdir(state)) == ["prefs.json"]  # no temporary file left


@pytest.mark.parametrize(("text", "problem"), [
    ("{not json", "is not valid JSON"),
    ("\xff\xfe", "is not valid JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"version": 99}', "version 99 is not 1"),
    ('{"views": []}', "'views' is not an object"),
])
def test_a_malformed_file_gives_defaults_and_a_message(state, text, problem):
    state.mkdir()
    (state / "prefs.json").write_bytes(text.encode("latin-1"))
    prefs = Prefs.load()
    assert prefs.views == {} and problem in prefs.problem
    prefs.update("tasks", utc=True)
    assert prefs.save() is None and prefs.problem is None
    assert Prefs.load().view("tasks").utc is True


def test_a_wrong_value_drops_only_that_choice(state):
    state.mkdir()
    (state / "prefs.json").write_text(json.dumps({"version": 1, "views": {
        "tasks": {"sort": {"column": "exit", "descending": "yes"}, "columns": "id,state", "utc": 1},
        "jobs": {"sort": {"column": "id"}},
        "": {}, "pools": "nope"}}))
    prefs = Prefs.load()
    assert prefs.view("tasks") == ViewPrefs(sort_column="exit")
    assert prefs.view("jobs") == ViewPrefs(sort_column="id")
    assert prefs.view("pools") == ViewPrefs()
    assert prefs.problem.startswith(f"{state / 'prefs.json'}: view 'tasks': 'sort' is not")
    assert prefs.problem.endswith("; using the defaults there")


def test_a_huge_or_unreadable_file_gives_defaults(state):
    state.mkdir()
    (state / "prefs.json").write_text(" " * (300 * 1024))
    assert "larger than 256 KiB" in Prefs.load().problem
    (state / "prefs.json").unlink()
    (state / "prefs.json").mkdir()
    prefs = Prefs.load()
    assert prefs.problem.startswith("cannot read") and prefs.views == {}
    assert prefs.save().startswith("cannot save the view preferences")  # a message, never an exception


def test_update_refuses_what_it_could_not_read_back():
    prefs = Prefs.load()
    with pytest.raises(ValueError):
        prefs.update("tasks", colour="red")
    with pytest.raises(ValueError):
        prefs.update("tasks", columns=("id", "id"))
    with pytest.raises(ValueError):
        prefs.update("tasks", columns="id,state")
    with pytest.raises(ValueError):
        prefs.update("tasks", sort_descending="yes")
    with pytest.raises(ValueError):
        prefs.update("x" * 65, utc=True)
    assert prefs.views == {}


def test_prefs_need_no_textual():
    code = "import sys, batchtui.prefs; sys.exit('textual' in sys.modules or 'rich' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
