"""Helpers for driving the explorer with Textual's pilot against a live emulator."""

from __future__ import annotations

import time

from azure.core.credentials import AzureNamedKeyCredential

from batchtui.account import AUTH_SHARED_KEY, Account
from batchtui.service.client import BatchService


def account_for(emulator, name: str = "emu") -> Account:
    import os

    os.environ["BATCHTUI_TEST_KEY"] = emulator.key
    return Account(name=name, endpoint=emulator.endpoint, account_name=emulator.account, auth=AUTH_SHARED_KEY,
                   key_env="BATCHTUI_TEST_KEY", source="demo")


def service_for(emulator, **options) -> BatchService:
    return BatchService(emulator.endpoint, AzureNamedKeyCredential(emulator.account, emulator.key), **options)


async def until(pilot, predicate, timeout: float = 15.0, what: str = "condition"):
    """Let the app run until predicate() is truthy; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def row_texts(table) -> list[str]:
    """The table's rendered lines (header excluded) as plain text."""
    return [table.render_line(y).text for y in range(1, table.size.height)]


def screen_lines(app) -> list[str]:
    """What the terminal shows, line by line, as plain text (modal screens, toasts and all):
    the text of the app's own SVG screenshot. Toasts need `run_test(notifications=True)`."""
    import html
    import re

    cell = 12.2  # the width of one cell in Rich's SVG export (blank cells are drawn as rectangles only)
    lines = [[" "] * app.size.width for _ in range(app.size.height)]
    pattern = r'<text[^>]*?x="([\d.]+)"[^>]*?clip-path="url\(#[\w-]+-line-(\d+)\)"[^>]*>(.*?)</text>'
    for match in re.finditer(pattern, app.export_screenshot()):
        text = html.unescape(match.group(3)).replace("\xa0", " ")
        row, column = int(match.group(2)), round(float(match.group(1)) / cell)
        if row < len(lines):
            lines[row][column:column + len(text)] = list(text)
    return ["".join(line).rstrip() for line in lines]


def screen_text(app) -> str:
    """screen_lines joined by newlines."""
    return "\n".join(screen_lines(app))


def screen_words(app) -> str:
    """screen_lines as one line of words: box-drawing dropped and whitespace collapsed,
    so a sentence wrapped inside a dialog still reads as one. With a dialog up, only the
    dialog's box is read (the table rows drawn beside it would split its sentences)."""
    import re

    lines = screen_lines(app)
    boxes = app.screen.query("DialogBox")
    if boxes:
        region = boxes.first().region
        lines = [line[region.x:region.right] for line in lines[region.y:region.bottom]]
    return re.sub(r"\s+", " ", re.sub(r"[█▀▄▔▁▕▎│]", " ", " ".join(lines))).strip()
