"""Check a REST request body (a pool, a job, a task) against `rest_schema`, at every level.

`problems(body, type_name, where)` lists what is wrong, one "path: what" per
problem, the path as in the file (``tasks[0].resourceFiles[1].httpUrl``):
unknown properties (with the likely one meant, and the new name of a renamed
one, e.g. a resource file's ``blobSource`` is ``httpUrl`` now), missing
required ones, values of the wrong type, enum values that are not one of
theirs, durations that are not ISO 8601, and ids that are not ids.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from .rest_schema import ENUMS, ID_PROPERTIES, RENAMED, TYPES

ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
ID_RULE = "1 to 64 letters, digits, hyphens and underscores"
DURATION = re.compile(r"-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?"  # P1Y2M3W4D, then T5H6M7.5S
                      r"(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?")
KIND_NAMES = {"str": "a string", "int": "a whole number", "number": "a number", "bool": "true or false",
              "duration": "an ISO 8601 duration (e.g. PT1H30M, P2D)", "datetime": "an ISO 8601 time"}


@dataclass(frozen=True)
class Property:
    name: str
    required: bool
    kind: str  # see rest_schema's notes


@lru_cache(maxsize=None)
def properties(type_name: str) -> dict[str, Property]:
    """The properties of one of rest_schema's TYPES, by name."""
    found = {}
    for spec in TYPES[type_name].split():
        head, _, kind = spec.partition(":")
        name = head.rstrip("!")
        found[name] = Property(name, head.endswith("!"), kind or "str")
    return found


def problems(body: object, type_name: str, where: str = "") -> list[str]:
    """What is wrong with `body` as a `type_name` (e.g. rest_schema.POOL), each "path: problem"; [] if
    nothing. `where` prefixes the paths (e.g. "tasks[3]")."""
    found: list[str] = []
    _object(body, type_name, where, found)
    return found


def _object(body: object, type_name: str, where: str, found: list[str]) -> None:
    if not isinstance(body, dict):
        found.append(f"{where or 'the file'}: must be an object, not {_shown(body)}")
        return
    known = properties(type_name)
    for required in known.values():
        if required.required and body.get(required.name) in (None, ""):
            found.append(f"{_join(where, required.name)}: required")
    for name, value in body.items():
        prop = known.get(name)
        if prop is None:
            found.append(f"{_join(where, name)}: {_unknown(str(name), known)}")
        elif value is not None:
            _value(value, prop.kind, _join(where, name), (type_name, name) in ID_PROPERTIES, found)


def _value(value: object, kind: str, path: str, is_id: bool, found: list[str]) -> None:
    if kind.startswith("["):
        if not isinstance(value, list):
            found.append(f"{path}: must be a list, not {_shown(value)}")
            return
        for index, item in enumerate(value):
            _value(item, kind[1:-1], f"{path}[{index}]", is_id, found)
    elif kind.startswith("{"):
        if not isinstance(value, dict):
            found.append(f"{path}: must be an object, not {_shown(value)}")
            return
        for key, item in value.items():
            _value(item, kind[1:-1], f"{path}.{key}", False, found)
    elif kind in TYPES:
        _object(value, kind, path, found)
    elif kind in ENUMS:
        allowed = ENUMS[kind].split()
        if not isinstance(value, str) or value.lower() not in {a.lower() for a in allowed}:
            found.append(f"{path}: must be one of {', '.join(allowed)}, not {_shown(value)}")
    elif not _is(value, kind):
        found.append(f"{path}: must be {KIND_NAMES[kind]}, not {_shown(value)}")
    elif is_id and not ID.fullmatch(str(value)):
        found.append(f"{path}: must be {ID_RULE}, not {_shown(value)}")


def _is(value: object, kind: str) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if not isinstance(value, str):
        return False
    if kind == "duration":
        return bool(DURATION.fullmatch(value))
    if kind == "datetime":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
    return True


def _unknown(name: str, known: dict[str, Property]) -> str:
    renamed = RENAMED.get(name)
    if renamed in known:
        return f"unknown property (did you mean {renamed}? {name} is its name in older api-versions)"
    same_but_case = [k for k in known if k.lower() == name.lower()]
    close = same_but_case or difflib.get_close_matches(name, known, n=1)
    return f"unknown property (did you mean {close[0]}?)" if close else "unknown property"


def _join(where: str, name: object) -> str:
    return f"{where}.{name}" if where else str(name)


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"
