"""The create pre-check's schema (batchtui/rest_schema.py) is azure-batch's create models, spelled out.

If this fails after an SDK upgrade, the message holds the new tables to paste into rest_schema.py.
"""

from __future__ import annotations

import datetime
import enum
import pprint
import types
import typing

from batchtui import rest_schema

ROOTS = ("BatchPoolCreateOptions", "BatchJobCreateOptions", "BatchTaskCreateOptions", "BatchJobScheduleCreateOptions")


def _namespace() -> dict[str, typing.Any]:
    from azure.batch.models import _enums, _models

    # The models' annotations name enums as _models.X although they live in _enums.
    both = types.SimpleNamespace(**{**vars(_models), **vars(_enums)})
    return {**vars(_models), "_models": both, "_enums": _enums}


def _spec(hint: typing.Any, enums: dict[str, str], objects: list[type]) -> str:
    """The rest_schema spelling of a field's type (see its notes); records the enums and objects met."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin is typing.Union:
        enum_types = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
        if enum_types:
            enums[enum_types[0].__name__] = " ".join(e.value for e in enum_types[0])
            return enum_types[0].__name__
        (inner,) = args
        return _spec(inner, enums, objects)
    if origin is list:
        return f"[{_spec(args[0], enums, objects)}]"
    if origin is dict:
        return "{" + _spec(args[1], enums, objects) + "}"
    simple = {str: "str", int: "int", bool: "bool", float: "number", datetime.timedelta: "duration",
              datetime.datetime: "datetime"}
    if hint in simple:
        return simple[hint]
    objects.append(hint)
    return hint.__name__


def sdk_tables() -> tuple[dict[str, str], dict[str, str]]:
    """(TYPES, ENUMS) as azure-batch's create models define them."""
    namespace = _namespace()
    tables: dict[str, str] = {}
    enums: dict[str, str] = {}
    from azure.batch import models

    todo = [getattr(models, name) for name in ROOTS]
    while todo:
        cls = todo.pop(0)
        if cls.__name__ in tables:
            continue
        hints = typing.get_type_hints(cls, globalns=namespace)
        fields = []
        for klass in reversed(cls.__mro__):
            for attr, field in vars(klass).items():
                if not hasattr(field, "_rest_name_input") or "create" not in (field._visibility or ["create"]):
                    continue
                hint = hints[attr]
                optional = type(None) in typing.get_args(hint)
                spec = _spec(hint, enums, todo)
                name = (field._rest_name_input or attr) + ("" if optional else "!")
                fields.append(name if spec == "str" else f"{name}:{spec}")
        tables[cls.__name__] = " ".join(fields)
    return tables, dict(sorted(enums.items()))


def test_the_schema_is_the_sdks():
    tables, enums = sdk_tables()
    message = ("rest_schema.py differs from azure-batch's models; its tables are now:\n"
               f"TYPES = {pprint.pformat(tables, width=116, sort_dicts=False)}\n"
               f"ENUMS = {pprint.pformat(enums, width=116)}")
    assert rest_schema.TYPES == tables, message
    assert rest_schema.ENUMS == enums, message
