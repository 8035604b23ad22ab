"""The typed vocabulary Batch's request bodies are described in.

Each Type checks one JSON value (as json.loads returned it) and returns it
normalised: integers and booleans the Azure CLI sends as JSON strings become
numbers (as the service's OData reader accepts them), enum values take their
canonical spelling (Batch compares them case-insensitively). A value that does
not fit raises BatchError 400 naming the property's full path
(`startTask.resourceFiles[2].httpUrl`)."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import errors
from . import problems
from .limits import INT32_MAX, INT32_MIN, MAX_JSON_DEPTH
from .versions import API_VERSIONS, LATEST, OLDEST, index_of


@dataclass(frozen=True)
class Ctx:
    """What a check needs besides the value: the api-version (an index into
    API_VERSIONS) and the "not emulated" marks (see emulated.py)."""

    version: int
    not_emulated: Mapping[str, tuple[object, ...]]

    @property
    def api_version(self) -> str:
        return API_VERSIONS[self.version]


def join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class Type:
    """A JSON value's type. `expected` completes "Expected ..." in messages."""

    expected = "a value"
    allow_empty = False  # for a required property: is "" a value (else it counts as missing)?

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        """The normalised value; BatchError 400 naming `path` when it does not fit."""
        raise NotImplementedError

    def wrong(self, value: object, path: str) -> errors.BatchError:
        return problems.invalid(path, value, f"Expected {self.expected}.")


def _clean_text(value: str, path: str) -> None:
    if "\x00" in value:
        raise problems.invalid(path, value, "The value contains a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise problems.invalid(path, value, "The value is not valid Unicode (a lone surrogate).") from None


class String(Type):
    """A string of at most `max_length` characters, no NUL, fully matching `pattern` if given."""

    expected = "a string"

    def __init__(self, max_length: int | None = None, pattern: str | None = None, rule: str = "",
                 allow_empty: bool = False) -> None:
        self.max_length = max_length
        self.pattern = re.compile(pattern) if pattern else None
        self.rule = rule
        self.allow_empty = allow_empty

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        if not isinstance(value, str):
            raise self.wrong(value, path)
        _clean_text(value, path)
        if self.max_length is not None and len(value) > self.max_length:
            raise problems.invalid(path, value, f"The value is longer than {self.max_length} characters.")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise problems.invalid(path, value, self.rule or f"The value does not match {self.pattern.pattern}.")
        return value


_INT_TEXT = re.compile(r"[+-]?[0-9]{1,20}")


class Int(Type):
    """An int32 in [minimum, maximum], none of `forbidden`; a decimal JSON string is converted."""

    expected = "an integer"

    def __init__(self, minimum: int = INT32_MIN, maximum: int = INT32_MAX, forbidden: tuple[int, ...] = (),
                 rule: str = "") -> None:
        self.minimum, self.maximum, self.forbidden = minimum, maximum, forbidden
        self.rule = rule or (f"The value must be {minimum} or more." if maximum == INT32_MAX
                             else f"The value must be from {minimum} to {maximum}.")

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        if isinstance(value, str) and _INT_TEXT.fullmatch(value):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.wrong(value, path)
        if not self.minimum <= value <= self.maximum or value in self.forbidden:
            raise problems.invalid(path, value, self.rule)
        return value


class Bool(Type):
    """true or false; the JSON strings "true" and "false" (any case) are converted."""

    expected = "true or false"

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise self.wrong(value, path)
        return value


class Float(Type):
    """A finite number (an integer is converted); NaN and the infinities are refused."""

    expected = "a finite number"

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.wrong(value, path)
        try:
            number = float(value)
        except OverflowError:
            raise self.wrong(value, path) from None
        if not math.isfinite(number):
            raise self.wrong(value, path)
        return number


_DURATION = re.compile(r"P(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?")


def duration_seconds(text: str) -> float | None:
    """Seconds in an ISO-8601 duration of days, hours, minutes and seconds, or None.
    "P" alone is zero: azure-batch 15.x sends a zero timedelta so."""
    match = _DURATION.fullmatch(text)
    if not match or text == "PT":
        return None
    days, hours, minutes, seconds = (float(part) if part else 0.0 for part in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


class Duration(Type):
    """An ISO-8601 duration (PnDTnHnMn.nS) of `minimum` to `maximum` seconds; "P" becomes "PT0S"."""

    expected = "an ISO-8601 duration such as PT15M or P1DT2H"

    def __init__(self, minimum: float = 0, maximum: float | None = None, rule: str = "") -> None:
        self.minimum, self.maximum, self.rule = minimum, maximum, rule

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        seconds = duration_seconds(value) if isinstance(value, str) else None
        if seconds is None:
            raise self.wrong(value, path)
        if seconds < self.minimum or (self.maximum is not None and seconds > self.maximum):
            raise problems.invalid(path, value, self.rule or f"The duration must be at least {self.minimum:g} seconds.")
        return "PT0S" if value == "P" else value


_DATETIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,7}))?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


class DateTime(Type):
    """An ISO-8601 date and time with seconds (2026-01-02T03:04:05Z; no zone means UTC), kept as sent."""

    expected = "an ISO-8601 date and time such as 2026-01-02T03:04:05Z"

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        match = _DATETIME.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            raise self.wrong(value, path)
        clock, fraction, zone = match.groups()
        try:
            datetime.fromisoformat(f"{clock}.{(fraction or '0')[:6]:0<6}{'+00:00' if zone in (None, 'Z') else zone}")
        except ValueError:
            raise self.wrong(value, path) from None
        return value


class Enum(Type):
    """One of `values`, compared case-insensitively and returned in its canonical spelling.
    `since` maps a value added after the oldest api-version to its first version."""

    def __init__(self, *values: str, since: Mapping[str, str] | None = None) -> None:
        self.values = {value.lower(): value for value in values}
        self.since = {value.lower(): index_of(version) for value, version in (since or {}).items()}
        self.expected = "one of " + ", ".join(values)

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        key = value.lower() if isinstance(value, str) else None
        if key is None or key not in self.values or self.since.get(key, 0) > ctx.version:
            allowed = [v for k, v in self.values.items() if self.since.get(k, 0) <= ctx.version]
            reason = f"Expected one of {', '.join(allowed)} (api-version {ctx.api_version})."
            raise problems.invalid(path, value, reason)
        return self.values[key]


@dataclass(frozen=True)
class Prop:
    """One property of an object: its JSON name, type, whether it is required, and
    the api-versions it exists in (`since` and `until` inclusive)."""

    name: str
    type: Type
    required: bool = False
    since: str = OLDEST
    until: str = LATEST
    required_until: str = LATEST  # the last api-version in which `required` holds

    def exists_in(self, version: int) -> bool:
        return index_of(self.since) <= version <= index_of(self.until)

    def required_in(self, version: int) -> bool:
        return self.required and version <= index_of(self.required_until)


@dataclass(frozen=True)
class OneOf:
    """Properties of which at most one may be given (exactly one when `required`)."""

    names: tuple[str, ...]
    required: bool = True


class Object(Type):
    """A JSON object with the given properties; `name` is the Batch model's name
    (azure-batch 15.1), which keys the "not emulated" marks (`Name.property`)."""

    expected = "a JSON object"

    def __init__(self, name: str, props: Iterable[Prop], one_of: Iterable[OneOf] = ()) -> None:
        self.name = name
        self.props = {prop.name: prop for prop in props}
        self.one_of = tuple(one_of)

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            raise self.wrong(value, path)
        out = {key: self._property(key, item, path, ctx) for key, item in value.items()}
        for prop in self.props.values():
            if prop.name not in out and prop.required_in(ctx.version) and prop.exists_in(ctx.version):
                raise errors.missing_property(join(path, prop.name))
        for group in self.one_of:
            given = [name for name in group.names if name in out]
            if len(given) > 1:
                raise problems.invalid(join(path, given[1]), out[given[1]],
                                       f"{' and '.join(given)} are mutually exclusive: give only one.")
            present = [name for name in group.names if self.props[name].exists_in(ctx.version)]
            if group.required and not given and present:
                raise errors.missing_property(join(path, present[0]))
        return out

    def _property(self, key: object, item: object, path: str, ctx: Ctx) -> Any:
        """One property's normalised value, in the order: known in this version, present,
        well-typed, emulated."""
        where = join(path, str(key))
        prop = self.props.get(key) if isinstance(key, str) else None
        if prop is None or not prop.exists_in(ctx.version):
            raise problems.unsupported_property(where, self._unknown(str(key), prop, ctx))
        required = prop.required_in(ctx.version)
        if item is None or (required and item == "" and not prop.type.allow_empty):
            if required:
                raise errors.missing_property(where)
            raise problems.invalid(where, item, "null is not a value of this property; leave the property out.")
        normal = prop.type.check(item, where, ctx)
        off = ctx.not_emulated.get(f"{self.name}.{key}")
        if off is not None and normal != [] and not any(type(normal) is type(o) and normal == o for o in off):
            raise problems.not_emulated(where)
        return normal

    def _unknown(self, key: str, prop: Prop | None, ctx: Ctx) -> str:
        where = f"The property {key} is not part of api-version {ctx.api_version}"
        if prop is not None:
            return f"{where}: it exists from {prop.since} to {prop.until}."
        known = [name for name, p in self.props.items() if p.exists_in(ctx.version)]
        close = difflib.get_close_matches(key, known, n=1)
        return f"{where}" + (f" (did you mean {close[0]}?)." if close else ".")


class List(Type):
    """A JSON array of `item`s, `min_items` to `max_items` long."""

    expected = "a JSON array"

    def __init__(self, item: Type, max_items: int | None = None, min_items: int = 0) -> None:
        self.item, self.max_items, self.min_items = item, max_items, min_items

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        if not isinstance(value, list):
            raise self.wrong(value, path)
        if self.max_items is not None and len(value) > self.max_items:
            raise problems.invalid(path, value, f"The list holds more than {self.max_items} items.")
        if len(value) < self.min_items:
            raise problems.invalid(path, value, f"The list must hold at least {self.min_items} item(s).")
        return [self.item.check(item, f"{path}[{index}]", ctx) for index, item in enumerate(value)]


class Unchecked(Type):
    """Any value, returned as it is (for a caller that checks it later)."""

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        return value


class StringMap(Type):
    """A JSON object of string values under any names (resourceTags)."""

    expected = "a JSON object of string values"

    def __init__(self, value: String) -> None:
        self.value = value

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            raise self.wrong(value, path)
        for key, item in value.items():
            _clean_text(str(key), path)
            self.value.check(item, join(path, str(key)), ctx)
        return dict(value)


class Opaque(Type):
    """A free-form JSON object whose properties Batch does not define (VM extension
    settings): only checked to be JSON the emulator can store and send back."""

    expected = "a JSON object"

    def check(self, value: object, path: str, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            raise self.wrong(value, path)
        _plain_json(value, path, 0)
        return value


def _plain_json(value: object, path: str, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise problems.invalid(path, value, f"The value nests deeper than {MAX_JSON_DEPTH} levels.")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise problems.invalid(path, value, "Property names must be strings.")
            _clean_text(key, path)
            _plain_json(item, join(path, key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _plain_json(item, f"{path}[{index}]", depth + 1)
    elif isinstance(value, str):
        _clean_text(value, path)
    elif isinstance(value, float) and not math.isfinite(value):
        raise problems.invalid(path, value, "NaN and Infinity are not JSON numbers.")
    elif value is not None and not isinstance(value, (bool, int, float)):
        raise problems.invalid(path, value, "Not a JSON value.")
