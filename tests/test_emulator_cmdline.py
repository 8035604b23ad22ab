"""The emulator splits a command line as shlex.split does (Batch runs it
without a shell; users rely on POSIX quoting), in time linear in its length."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.emulator.cmdline import split_command_line


def outcome(split, text: str) -> tuple[str, object]:
    try:
        return "ok", split(text)
    except ValueError as exc:
        return "error", str(exc)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=" \t\r\n\x0b'\"\\ab\x00é$`#;|", max_size=40))
def test_quotes_escapes_and_spaces_split_as_shlex_does(text):
    assert outcome(split_command_line, text) == outcome(shlex.split, text)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=80))
def test_any_text_splits_as_shlex_does(text):
    assert outcome(split_command_line, text) == outcome(shlex.split, text)


@pytest.mark.parametrize("text, args", [
    ("/bin/sh -c 'echo \"$X\" > out.txt'", ["/bin/sh", "-c", 'echo "$X" > out.txt']),
    ('python3 -c "print(\\"hi\\")" a\\ b \'\'', ["python3", "-c", 'print("hi")', "a b", ""]),
    ('"a\\b\\\\c"', ["a\\b\\c"]),
])
def test_examples(text, args):
    assert split_command_line(text) == shlex.split(text) == args


@pytest.mark.parametrize("text, message", [
    ("echo 'open", "No closing quotation"), ('echo "open', "No closing quotation"),
    ("echo end\\", "No escaped character"), ('echo "end\\', "No escaped character"),
])
def test_errors_are_shlex_errors(text, message):
    with pytest.raises(ValueError, match=message):
        split_command_line(text)


def test_a_megabyte_splits_without_backtracking():
    """shlex.split took 27 s on a 1 MiB command line here (it is quadratic); this is linear."""
    text = "/bin/sh -c \"echo " + "x\\\\y " * 200_000 + "\" 'a b' c\\ d " + "w " * 100_000
    args = split_command_line(text)
    assert args[:2] == ["/bin/sh", "-c"] and args[3:5] == ["a b", "c d"] and len(args) == 5 + 100_000
    with pytest.raises(ValueError):
        split_command_line('"' + "a\\b" * 300_000)  # unclosed: fails in one pass, no backtracking
