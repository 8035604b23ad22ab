"""One declarative description of the Batch REST request bodies the emulator
reads, per api-version: every property's type, range, the versions it exists in,
and whether the emulator acts on it.

    body = parse_body(raw, kind)                      # size, nesting, NaN, duplicates
    clean = validate(kind, body, api_version)         # types, ranges, versions, emulated?

Layout: versions (the api-versions), limits (documented limits as constants),
vocabulary (the typed vocabulary), common/tasks/machines/pools/jobs (the bodies),
emulated (the "not emulated" marks), problems (error constructors), body
(parsing), validate (the entry points)."""

from __future__ import annotations

from .body import max_body_bytes, parse_body
from .emulated import NOT_EMULATED
from .limits import (
    MAX_COMMAND_LINE_LENGTH,
    MAX_ENVIRONMENT_SETTINGS,
    MAX_JSON_DEPTH,
    MAX_REQUEST_BODY_BYTES,
    MAX_RESOURCE_FILES,
    MAX_TASK_COLLECTION_BYTES,
    MAX_TASKS_PER_COLLECTION,
)
from .validate import KINDS, validate, validate_task_collection
from .versions import API_VERSIONS, LATEST, version_index

__all__ = [
    "API_VERSIONS",
    "KINDS",
    "LATEST",
    "MAX_COMMAND_LINE_LENGTH",
    "MAX_ENVIRONMENT_SETTINGS",
    "MAX_JSON_DEPTH",
    "MAX_REQUEST_BODY_BYTES",
    "MAX_RESOURCE_FILES",
    "MAX_TASKS_PER_COLLECTION",
    "MAX_TASK_COLLECTION_BYTES",
    "NOT_EMULATED",
    "max_body_bytes",
    "parse_body",
    "validate",
    "validate_task_collection",
    "version_index",
]
