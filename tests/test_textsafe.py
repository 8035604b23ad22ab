"""Text made safe for a terminal (batchtui.textsafe): what `batchtui tail` and every CLI message use."""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from batchtui.textsafe import CONTROL, SGR, TerminalFilter, inert, stand_in

HOSTILE = ("title\x1b]0;pwned\x07 query\x1b[6n clip\x1b]52;c;aGk=\x1b\\ dcs\x1bP$q m\x1b\\ c1\x9b2J "
           "bidi\u202e cursor\x1b[10;10H green\x1b[32mG\x1b[0m bs\x08 nul\x00 del\x7f\r\n")


def test_inert_shows_every_control_as_a_visible_stand_in():
    assert inert(HOSTILE) == (
        "title^[]0;pwned^G query^[[6n clip^[]52;c;aGk=^[\\ dcs^[P$q m^[\\ c1<9B>2J bidi<U+202E> "
        "cursor^[[10;10H green^[[32mG^[[0m bs^H nul^@ del^?^M^J")
    assert inert("[/x] [bold]literal[/]") == "[/x] [bold]literal[/]"
    assert inert(ValueError("a\tb")) == "a^Ib"
    assert inert("two\nlines\x1b[2J\t", keep="\n") == "two\nlines^[[2J^I"


def test_stand_ins_are_the_log_views():
    from batchtui.ui.model import log_buffer, log_line

    controls = [chr(c) for c in range(0x3000) if CONTROL.match(chr(c))]
    assert len(controls) == 32 + 1 + 32 + 1 + 2 + 2 + 5 + 4
    # The log view cleans lines with these very definitions, not a copy of them.
    assert log_line.stand_in is stand_in and log_line.CONTROL is CONTROL and log_line.SGR is SGR
    assert log_buffer.clean_line("a\x1b[2Jb\u202e") == "a^[[2Jb<U+202E>"


def test_stream_keeps_layout_and_colours_and_makes_the_rest_inert():
    f = TerminalFilter()
    assert f.feed(HOSTILE) == (
        "title^[]0;pwned^G query^[[6n clip^[]52;c;aGk=^[\\ dcs^[P$q m^[\\ c1<9B>2J bidi<U+202E> "
        "cursor^[[10;10H green\x1b[32mG\x1b[0m bs^H nul^@ del^?\r\n")
    assert f.finish() == "\x1b[0m"  # a colour passed: the terminal is reset at the end
    assert f.finish() == ""


def test_stream_modes_for_colour():
    assert TerminalFilter("drop").feed("a\x1b[1;38;5;196mb\x1b[m") == "ab"
    assert TerminalFilter("inert").feed("a\x1b[31mb") == "a^[[31mb"
    too_long = "\x1b[" + "1;" * 40 + "m"
    assert TerminalFilter().feed(too_long) == "^[[" + "1;" * 40 + "m"


def test_a_sequence_split_between_pieces_is_judged_whole():
    text = "a\x1b[32mgreen\x1b[0m b\x1b]0;t\x07 c\x1b[6n\x1b"
    whole = TerminalFilter()
    expected = whole.feed(text) + whole.finish()
    for cut in range(len(text) + 1):
        f = TerminalFilter()
        assert f.feed(text[:cut]) + f.feed(text[cut:]) + f.finish() == expected, cut
    assert expected == "a\x1b[32mgreen\x1b[0m b^[]0;t^G c^[[6n^[\x1b[0m"


@given(st.lists(st.text(alphabet=st.sampled_from("ab[];0m6n\x1b\x07\x9b\n\r\t\u202e"), max_size=30), max_size=6),
       st.sampled_from(["pass", "drop", "inert"]))
def test_nothing_but_layout_and_colour_ever_gets_through(pieces, mode):
    f = TerminalFilter(mode)
    out = "".join(f.feed(piece) for piece in pieces) + f.finish()
    rest = SGR.sub("", out) if mode == "pass" else out
    assert not re.search("[^\n\r\t]", "".join(CONTROL.findall(rest)))
    if mode != "pass":
        assert "\x1b" not in out


def test_no_textual_for_the_commands_but_the_explorer():
    code = ("import sys, batchtui.cli, batchtui.textsafe, batchtui.prefs, batchtui.cli.tail; "
            "sys.exit(any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_the_stream_filter_acts_on_every_control_but_layout():
    from batchtui.textsafe import _STREAM_CONTROL, LAYOUT

    stream = re.compile(_STREAM_CONTROL)
    for code in range(0x3000):
        char = chr(code)
        assert bool(stream.match(char)) == (bool(CONTROL.match(char)) and char not in LAYOUT), hex(code)
