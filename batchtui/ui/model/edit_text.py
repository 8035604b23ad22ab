"""The text a user edits in $EDITOR: a comment header (lines starting `//`) above a JSON object, and
what comes back: the object parsed, or the problems, each "line N, column M: …" or "field: …".

`render(header, body)` writes the file; `parse(text)` reads it back (comment lines blanked, so the JSON
parser's line numbers are the file's); `changes(before, after)` lists what differs, property by
property (nested objects compared inside, lists as a whole), and `diff_lines` words them for a
confirmation. No Textual here: the screens show what these return.
"""

from __future__ import annotations

import json
import os
import textwrap
from dataclasses import dataclass
from typing import Any

COMMENT = "//"
MISSING: Any = object()  # a property absent on one side of a change
SHOWN_WIDTH = 60  # characters of a value shown before it is cut with …
HEADER_WIDTH = 77  # characters of a header line after its "// " (an 80-column editor shows it whole)
CONTEXT = 16  # characters before the first difference shown in a long changed value
DIFF_WIDTH = 64  # characters of a diff line (a confirmation dialog's width at 80 columns)


class EditProblems(ValueError):
    """What is wrong with the edited text; `problems` lists "where: what" (a field's path, or a line)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def render(header: str, body: dict[str, Any]) -> str:
    """The file's text: the header as `//` comment lines (each of its lines a paragraph, wrapped to fit
    80 columns), then `body` as JSON indented by 2."""
    lines = [f"{COMMENT} {part}" for line in header.splitlines()
             for part in textwrap.wrap(line, HEADER_WIDTH, break_on_hyphens=False) or [""]]
    return "\n".join(lines) + "\n" + json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def strip_comments(text: str) -> str:
    """`text` with each line starting `//` (after blanks) made empty: line numbers stay those of the file."""
    return "\n".join("" if line.lstrip().startswith(COMMENT) else line for line in text.splitlines())


def parse(text: str) -> dict[str, Any]:
    """The JSON object in the edited `text` (comment lines ignored); EditProblems when it is not JSON
    ("line N, column M: …", the file's numbering) or not an object."""
    try:
        value = json.loads(strip_comments(text))
    except json.JSONDecodeError as exc:
        raise EditProblems([f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"]) from None
    if not isinstance(value, dict):
        raise EditProblems([f"the file: must be a JSON object ({{…}}), not {type(value).__name__}"])
    return value


@dataclass(frozen=True)
class Change:
    """One property changed: its path ("constraints.maxTaskRetryCount"), the value before and after
    (MISSING where the property is absent on that side)."""

    path: str
    old: Any
    new: Any

    @property
    def sign(self) -> str:
        """"+" added, "-" removed, "~" changed."""
        return "+" if self.old is MISSING else "-" if self.new is MISSING else "~"


def changes(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[Change]:
    """What differs from `before` to `after`: objects compared property by property (in the order of
    `before`, then the new ones), anything else (lists too) as a whole."""
    found: list[Change] = []
    for name in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(name, MISSING), after.get(name, MISSING)
        path = f"{prefix}{name}"
        if isinstance(old, dict) and isinstance(new, dict):
            found += changes(old, new, f"{path}.")
        elif old is MISSING or new is MISSING or old != new or type(old) is not type(new):
            found.append(Change(path, old, new))
    return found


def shown(value: Any, width: int = SHOWN_WIDTH) -> str:
    """A value as compact JSON on one line, cut with … past `width` characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= width else text[:width - 1] + "…"


def diff_lines(found: list[Change], width: int = DIFF_WIDTH) -> list[str]:
    """Each change as a line of at most `width` characters: "~ priority: 0 → 500", "+ metadata: [...]",
    "- startTask: {...} (removed)"; a change too long for one line takes three ("~ path:", then
    "    was …" and "    now …")."""
    lines = []
    for change in found:
        if change.sign == "+":
            lines.append(_cut(f"+ {change.path}: {shown(change.new, width)}", width))
        elif change.sign == "-":
            lines.append(_cut(f"- {change.path}: {shown(change.old, width)} (removed)", width))
        else:
            line = f"~ {change.path}: {shown(change.old, width)} → {shown(change.new, width)}"
            if len(line) <= width:
                lines.append(line)
            else:
                was, now = _around_difference(change.old, change.new, width - 8)
                lines += [_cut(f"~ {change.path}:", width), f"    was {was}", f"    now {now}"]
    return lines


def _around_difference(old: Any, new: Any, width: int) -> tuple[str, str]:
    """Both values as `shown`, each cut to `width` around where they first differ (a long command line
    changed near its end shows its end), "…" where a part is left out."""
    texts = [json.dumps(v, ensure_ascii=False, separators=(", ", ": ")) for v in (old, new)]
    fits = all(len(t) <= width for t in texts)
    start = 0 if fits else max(0, len(os.path.commonprefix(texts)) - CONTEXT)
    lead = "…" if start else ""
    return _cut(lead + texts[0][start:], width), _cut(lead + texts[1][start:], width)


def _cut(line: str, width: int) -> str:
    return line if len(line) <= width else line[:width - 1] + "…"


def top_level(found: list[Change]) -> list[str]:
    """The top-level properties the changes touch, in order, each once."""
    return list(dict.fromkeys(c.path.split(".")[0] for c in found))
