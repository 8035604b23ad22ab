"""Reading a request body into JSON safely: a size limit, a nesting limit (the
decoder's own recursion limit caught for the absurdly deep), no NaN/Infinity
(not JSON, and unstorable), no property name twice in one object (Microsoft's
OData reader refuses duplicates by default)."""

from __future__ import annotations

import json
import math
from typing import Any

from . import problems
from .limits import MAX_JSON_DEPTH, MAX_REQUEST_BODY_BYTES, MAX_TASK_COLLECTION_BYTES


def max_body_bytes(kind: str) -> int:
    """The size a body of `kind` must stay below (see limits.py)."""
    return MAX_TASK_COLLECTION_BYTES if kind == "task.addcollection" else MAX_REQUEST_BODY_BYTES


def nesting_depth(value: object, limit: int = MAX_JSON_DEPTH) -> int:
    """How deeply `value`'s lists and dicts nest (a scalar is 0), counted no further than limit + 1."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the property {key[:64]!r} appears twice in one object")
        out[key] = value
    return out


def parse_body(raw: bytes, kind: str = "") -> object:
    """The JSON value of a request body (json.loads' types).

    Raises BatchError 413 RequestBodyTooLarge when `raw` is not below
    max_body_bytes(kind), and 400 InvalidRequestBody for text that is not UTF-8
    JSON, nests deeper than MAX_JSON_DEPTH, holds NaN/Infinity or an out-of-range
    number, or repeats a property name within an object."""
    limit = max_body_bytes(kind)
    if len(raw) >= limit:
        raise problems.body_too_large(len(raw), limit)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise problems.invalid_body("The body is not UTF-8 text.") from None
    too_deep = problems.invalid_body(f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_number, object_pairs_hook=_unique)
    except RecursionError:  # the decoder recurses per level: far too deep
        raise too_deep from None
    except ValueError as exc:
        raise problems.invalid_body(f"The body is not valid JSON: {str(exc)[:200]}.") from None
    if nesting_depth(value) > MAX_JSON_DEPTH:
        raise too_deep
    return value
