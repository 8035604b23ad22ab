"""The storage browser's tree wishes without an app: the way down to a prefix, and a reload's wishes."""

from __future__ import annotations

from batchtui.ui.model.blob_tree import Landing, TreeWishes, dirs_of, step_toward


def test_paths() -> None:
    assert dirs_of("a/b/c.txt") == ["a/", "a/b/"] and dirs_of("a/b/") == ["a/", "a/b/"] and dirs_of("x") == []
    assert step_toward("a/", "a/b/c.txt") == "a/b/" and step_toward("a/b/", "a/b/c.txt") == "a/b/c.txt"


def test_the_way_down_to_a_prefix_expands_each_level_and_lands_on_the_first_match() -> None:
    wishes = TreeWishes.way_down("c", "logs/2024/run")
    assert wishes.expand == {("c", ""), ("c", "logs/"), ("c", "logs/2024/")}
    assert wishes.cursor == ("c", "logs/2024/") and wishes.jump == ("c", "logs/2024/run")
    assert wishes.appeared(("c", ""), is_level=True) == (True, False)
    assert wishes.appeared(("c", ""), is_level=True) == (False, False)  # granted once
    assert wishes.settle("c", "", True, ["logs/", "other.txt"]) == Landing()
    assert wishes.appeared(("c", "logs/"), is_level=True) == (True, False)
    assert wishes.settle("c", "logs/", True, ["logs/2024/"]) == Landing()
    assert wishes.appeared(("c", "logs/2024/"), is_level=True) == (True, True)
    landing = wishes.settle("c", "logs/2024/", True, ["logs/2024/a.txt", "logs/2024/run-1.txt", "logs/2024/run-2"])
    assert landing == Landing(False, "logs/2024/run-1.txt") and wishes.jump is None and not wishes.expand


def test_a_missing_directory_on_the_way_lands_on_the_level_with_a_warning() -> None:
    wishes = TreeWishes.way_down("c", "a/b/c/")
    landing = wishes.settle("c", "a/", True, ["a/x/", "a/y.txt"])
    assert landing == Landing(True, None, "nothing under a/b/ in container c")
    assert wishes.jump is None and wishes.expand == {("c", ""), ("c", "a/")}  # the wishes below a/b/ are gone
    assert wishes.cursor is None


def test_a_failed_listing_ends_the_jump_quietly() -> None:
    wishes = TreeWishes.way_down("c", "a/b")
    assert wishes.settle("c", "", False, []) == Landing() and wishes.jump is None
    assert wishes.expand == {("c", "")}  # a/ cannot appear under a level that failed


def test_a_reload_keeps_only_what_the_containers_still_hold() -> None:
    wishes = TreeWishes({("c", ""), ("c", "d/"), ("gone", "")}, ("gone", "x"))
    wishes.keep_containers({"c"})
    assert wishes.expand == {("c", ""), ("c", "d/")} and wishes.cursor is None
    assert wishes.appeared(("c", "d/"), is_level=False) == (False, False)  # only levels expand
