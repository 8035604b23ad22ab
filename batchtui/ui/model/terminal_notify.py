"""How the terminal is told about a watched job: the bell, and a desktop notification by an OSC sequence
where the terminal has one. What is written, never how (the app writes it through Textual's driver).

Chosen by ``BATCHTUI_NOTIFY``:

- ``auto`` (the default): from the terminal's environment. iTerm2 (``TERM_PROGRAM=iTerm.app``): OSC 9;
  WezTerm, Ghostty, foot, rxvt-unicode and VTE terminals (``VTE_VERSION``): OSC 777; kitty
  (``KITTY_WINDOW_ID``, ``TERM=xterm-kitty``): its OSC 99; anything else, and inside tmux or screen
  (which would swallow an OSC they do not know): the bell alone.
- ``bell``: the bell alone; ``off``: nothing written (the toast in the app stays);
- ``osc9``, ``osc777``, ``osc99``: the bell and that sequence. Inside tmux (``TMUX`` set) the sequence is
  wrapped for tmux's passthrough (needs ``set -g allow-passthrough on``).

The message is made inert first (no control character reaches the terminal inside the sequence), a ";"
cannot split OSC 777's title from its body, a digit cannot start OSC 9's text (ConEmu and Windows Terminal
read "9;4" as a progress command), and it is cut to `MAX_TEXT` characters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ...textsafe import CONTROL, inert

__all__ = ["METHODS", "Method", "choose", "sequence"]

METHODS = ("auto", "off", "bell", "osc9", "osc777", "osc99")
MAX_TEXT = 200
BEL, ESC, ST = "\x07", "\x1b", "\x1b\\"


@dataclass(frozen=True)
class Method:
    """bell: ring it; osc: "osc9", "osc777", "osc99" or None; tmux: wrap the OSC for tmux's passthrough;
    problem: why the setting was not understood (then the default applies)."""

    bell: bool
    osc: str | None = None
    tmux: bool = False
    problem: str | None = None


def _detected(environ: Mapping[str, str]) -> str | None:
    term = environ.get("TERM", "")
    program = environ.get("TERM_PROGRAM", "")
    if environ.get("TMUX") or term.startswith(("screen", "tmux")):
        return None
    if program == "iTerm.app":
        return "osc9"
    if environ.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return "osc99"
    if (program in ("WezTerm", "ghostty") or term in ("xterm-ghostty", "wezterm") or term.startswith(("foot", "rxvt"))
            or environ.get("VTE_VERSION")):
        return "osc777"
    return None


def choose(environ: Mapping[str, str]) -> Method:
    """The method `BATCHTUI_NOTIFY` (else the terminal's environment) asks for."""
    setting = environ.get("BATCHTUI_NOTIFY", "auto").strip().lower() or "auto"
    problem = None
    if setting not in METHODS:
        problem = f"BATCHTUI_NOTIFY={inert(setting)[:20]} is not one of {', '.join(METHODS)}: auto is used"
        setting = "auto"
    if setting == "off":
        return Method(bell=False)
    if setting == "bell":
        return Method(bell=True)
    if setting == "auto":
        return Method(bell=True, osc=_detected(environ), problem=problem)
    return Method(bell=True, osc=setting, tmux=bool(environ.get("TMUX")))


def _clean(text: str, forbid: str = "") -> str:
    text = CONTROL.sub(" ", inert(text))  # stand-ins for controls; then nothing below U+0020 is left
    for char in forbid:
        text = text.replace(char, ",")
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def sequence(method: Method, title: str, body: str) -> str:
    """What to write for one notification ("" for none): the bell, then the OSC sequence."""
    out = BEL if method.bell else ""
    if method.osc == "osc9":
        text = _clean(f"{title}: {body}" if title else body)
        osc = f"{ESC}]9;{'batchtui: ' if text[:1].isdigit() else ''}{text}{BEL}"
    elif method.osc == "osc777":
        osc = f"{ESC}]777;notify;{_clean(title, ';')};{_clean(body, ';')}{BEL}"
    elif method.osc == "osc99":
        osc = f"{ESC}]99;;{_clean(f'{title}: {body}' if title else body)}{ST}"
    else:
        return out
    if method.tmux:
        osc = f"{ESC}Ptmux;" + osc.replace(ESC, ESC + ESC) + ST
    return out + osc
