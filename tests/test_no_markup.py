"""The kind of fault behind "crashes on brackets" (issue 12 item 8), checked in the source: every place
where Textual would parse a string as markup gets plain text (DESIGN §7, "No foreign text is markup").

Textual parses markup in: Static and Label content (unless markup=False, and `update` follows the widget's
flag), tree labels given as strings, border titles given as strings, notifications (BatchApp.notify turns
that off for every caller), `Text.from_markup` / `Content.from_markup`, and the command palette's titles
and help. Each rule below names the fix when it fails. The pilot tests in test_ui_foreign_text.py feed
brackets through the running app; this keeps a new call site from slipping past them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parent.parent / "batchtui" / "ui"
SOURCES = sorted(UI.rglob("*.py"))


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    return (node for node in ast.walk(tree) if isinstance(node, ast.Call))


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _literal(node: ast.expr) -> bool:
    """Our own text: a string literal, or a module constant (UPPER_CASE)."""
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or (
        isinstance(node, ast.Name) and node.id.isupper())


def _built_text(node: ast.expr) -> bool:
    """Content that is not a markup string: a Text (or other renderable) built by a call, or a literal."""
    if _literal(node):
        return True
    return isinstance(node, ast.Call) and _name(node.func) not in ("str", "format", "join", "repr")


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(UI.parent.parent)}:{getattr(node, 'lineno', '?')}"


def _problems(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for call in _calls(tree):
        name = _name(call.func)
        first = call.args[0] if call.args else None
        # (Summary is no Static: it renders Text and Fits only, never a markup string.)
        if name in ("Static", "Label"):
            off = _keyword(call, "markup")
            if isinstance(off, ast.Constant) and off.value is False:
                continue
            # Without markup=False: only our own literal (or a renderable) in a widget nothing can find to update.
            if _keyword(call, "id") is not None or (first is not None and not _built_text(first)):
                yield f"{_where(path, call)}: {name}(...) without markup=False (add it; updates follow that flag)"
        elif name == "from_markup" and (first is None or not _literal(first)):
            yield f"{_where(path, call)}: from_markup on text that is not a literal (build a Text instead)"
        elif name in ("add", "add_leaf", "set_label") and first is not None and isinstance(first, ast.JoinedStr):
            yield f"{_where(path, call)}: a tree label as an f-string is parsed as markup (pass Text(...))"
        elif name == "SystemCommand":
            for arg in call.args[:2]:
                if not (_literal(arg) or (isinstance(arg, ast.Call) and _name(arg.func) == "escape")):
                    yield f"{_where(path, call)}: the palette reads titles as markup (escape(...) them)"
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (isinstance(target, ast.Attribute) and target.attr in ("border_title", "border_subtitle")
                        and not (_literal(node.value) or (isinstance(node.value, ast.Call)
                                                          and _name(node.value.func) == "Text"))):
                    yield f"{_where(path, node)}: {target.attr} from a variable is parsed as markup (use Text(...))"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(UI)))
def test_no_foreign_text_reaches_a_markup_parser(path):
    assert list(_problems(path)) == []


def test_the_rules_catch_what_they_are_for(tmp_path):
    sample = UI / "_sample_for_test.py"
    sample.write_text(
        "Static(message, id='x')\n"
        "Static('', id='y')\n"
        "Label(f'{name}')\n"
        "Text.from_markup(message)\n"
        "node.add(f'{name}')\n"
        "SystemCommand(f'Account {name}', 'help', run)\n"
        "box.border_title = heading\n"
        "Static(Text(message), id='ok', markup=False)\n"
        "Static('[b]Keys[/b]')\n"
        "box.border_title = Text(heading)\n", encoding="utf-8")
    try:
        found = list(_problems(sample))
    finally:
        sample.unlink()
    assert [p.split(":")[1] for p in found] == ["1", "2", "3", "4", "5", "6", "7"]
