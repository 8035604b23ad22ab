"""The 16 ANSI colours as the explorer paints them.

Textual does not write a named colour ("red", "yellow") as the terminal's own
colour: it paints it with an RGB value from an ANSI theme, and on a terminal
with fewer colours (TERM=screen: 16; xterm-256color: 256) Rich then writes the
nearest colour that terminal has. With Textual's own theme (Monokai) red's RGB
is nearest to magenta and yellow's to bright red, so at 16 colours a running
task showed bright red and a failed one magenta.

Here every RGB value is chosen so that its nearest 16-colour match is its own
ANSI colour (red comes back as red, yellow as yellow, ...), it reads well on the
dark (or light) background, and its 256-colour match keeps its hue
(tests/test_ui_palette.py checks all three). So a named colour is that colour
at 16, 256 and true colour alike.

Under NO_COLOR Textual paints everything in greys of the colours' lightness,
which makes red (a failure) darker than plain text: `ANSI_NO_COLOUR` paints
every named colour as the plain text colour instead, so states differ by their
glyph and weight (failures are bold), and nothing is hidden by being dim.
"""

from __future__ import annotations

from rich.terminal_theme import TerminalTheme

__all__ = ["ANSI_DARK", "ANSI_LIGHT", "ANSI_NAMES", "ANSI_NO_COLOUR"]

ANSI_NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
              "bright_black", "bright_red", "bright_green", "bright_yellow", "bright_blue", "bright_magenta",
              "bright_cyan", "bright_white")

# For Textual's dark themes: background, foreground, the 8 normal colours, the 8 bright ones.
ANSI_DARK = TerminalTheme(
    (12, 12, 12), (217, 217, 217),
    [(12, 12, 12), (204, 36, 36), (78, 170, 6), (200, 160, 0),
     (28, 70, 184), (170, 70, 180), (6, 160, 170), (208, 208, 208)],
    [(100, 100, 100), (240, 70, 70), (138, 226, 52), (252, 233, 79),
     (100, 150, 250), (230, 120, 230), (60, 226, 226), (245, 245, 245)],
)

# For Textual's light themes: darker colours, readable on a light background.
ANSI_LIGHT = TerminalTheme(
    (247, 247, 247), (0, 0, 0),
    [(0, 0, 0), (180, 30, 30), (40, 130, 20), (170, 110, 0),
     (30, 60, 180), (140, 40, 150), (0, 130, 150), (200, 200, 200)],
    [(110, 110, 110), (230, 60, 60), (68, 192, 52), (220, 180, 40),
     (70, 110, 240), (210, 80, 210), (56, 200, 220), (250, 250, 250)],
)

# NO_COLOR: every colour is the text's own (the greys stay greys).
_TEXT, _BRIGHT = (217, 217, 217), (245, 245, 245)
ANSI_NO_COLOUR = TerminalTheme(
    (12, 12, 12), _TEXT,
    [(12, 12, 12), _TEXT, _TEXT, _TEXT, _TEXT, _TEXT, _TEXT, _TEXT],
    [(128, 128, 128), _BRIGHT, _BRIGHT, _BRIGHT, _BRIGHT, _BRIGHT, _BRIGHT, _BRIGHT],
)
