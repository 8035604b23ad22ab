"""The layers stay apart: no Textual in the Batch access layer or the emulator,
and the emulator shares no code path with the client."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "batchtui"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.add(base)
    return names


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", modules("service") + modules("emulator"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_textual_outside_the_ui(path):
    assert not any(name.split(".")[0] in ("textual", "rich") for name in imports_of(path)), \
        f"{path.relative_to(ROOT)} imports Textual/Rich"


@pytest.mark.parametrize("path", modules("emulator"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_emulator_does_not_use_the_client_layer(path):
    bad = [n for n in imports_of(path) if "service" in n.split(".") or n.startswith("..ui") or "batchtui.ui" in n]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
