"""Reading a request body at the handler without stalling the service: the
schema's parse_body (size, nesting, NaN; schema/body.py) in a worker thread for
a large body, then the per-resource limits of schema/limits.py that cost CPU
or disk later if let through:

- a command line (of a task, start task, job manager, preparation or release
  task) of at most MAX_COMMAND_LINE_LENGTH characters;
- at most MAX_ENVIRONMENT_SETTINGS items in an environmentSettings or
  commonEnvironmentSettings list, and MAX_RESOURCE_FILES in resourceFiles.

Each answers 400 InvalidPropertyValue naming the property's path, with the
message schema.validate() gives for it, so nothing changes for a client when
the handlers come to validate every body against the schema; this walk is then
redundant. It checks no types: a property of the wrong type is skipped here.
"""

from __future__ import annotations

from .schema import MAX_COMMAND_LINE_LENGTH, MAX_ENVIRONMENT_SETTINGS, MAX_RESOURCE_FILES, parse_body
from .schema.problems import invalid

LIST_LIMITS = {
    "environmentSettings": MAX_ENVIRONMENT_SETTINGS,
    "commonEnvironmentSettings": MAX_ENVIRONMENT_SETTINGS,
    "resourceFiles": MAX_RESOURCE_FILES,
}


def parse(raw: bytes, check_limits: bool = True) -> object:
    """The JSON value of `raw` (schema.parse_body: BatchError 413/400) and,
    when `check_limits`, BatchError 400 for a value over a limit (see check).
    Linear in len(raw); the caller runs it in a worker thread when raw is large."""
    value = parse_body(raw)
    if check_limits:
        check(value)
    return value


def check(doc: object) -> None:
    """BatchError 400 InvalidPropertyValue when `doc` (a body, or one task of
    a task collection) holds a command line or list over its limit."""
    stack: list[tuple[object, str]] = [(doc, "")]
    while stack:  # parse_body bounded the nesting; an explicit stack all the same
        value, path = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                _check_property(str(key), name, item)
                if isinstance(item, (dict, list)):
                    stack.append((item, name))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value) if isinstance(item, (dict, list)))


def _check_property(key: str, name: str, value: object) -> None:
    if key == "commandLine" and isinstance(value, str) and len(value) > MAX_COMMAND_LINE_LENGTH:
        raise invalid(name, value, f"The value is longer than {MAX_COMMAND_LINE_LENGTH} characters.")
    limit = LIST_LIMITS.get(key)
    if limit is not None and isinstance(value, list) and len(value) > limit:
        raise invalid(name, value, f"The list holds more than {limit} items.")
