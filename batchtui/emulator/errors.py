"""Batch's error responses: status, code, message and key/value details."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .formats import now_iso


@dataclass
class BatchError(Exception):
    """An error the service answers with. Raise it anywhere in a handler."""

    status: int
    code: str
    message: str
    values: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self, base_url: str, request_id: str) -> bytes:
        doc: dict[str, Any] = {
            "odata.metadata": f"{base_url}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element",
            "code": self.code,
            "message": {
                "lang": "en-US",
                "value": f"{self.message}\nRequestId:{request_id}\nTime:{now_iso()}",
            },
        }
        if self.values:
            doc["values"] = [{"key": k, "value": v} for k, v in self.values]
        return json.dumps(doc).encode()


def not_found(kind: str, ident: str) -> BatchError:
    """PoolNotFound, JobNotFound, TaskNotFound, NodeNotFound, FileNotFound."""
    return BatchError(404, f"{kind}NotFound", f"The specified {kind.lower()} does not exist.")


def exists(kind: str, ident: str) -> BatchError:
    return BatchError(409, f"{kind}Exists", f"The specified {kind.lower()} already exists.")


def invalid_state(reason: str) -> BatchError:
    return BatchError(
        409,
        "OperationInvalidForCurrentState",
        "The specified operation is not valid for the current state of the resource.",
        [("Reason", reason)],
    )


def invalid_query(name: str, value: str, reason: str) -> BatchError:
    return BatchError(
        400,
        "InvalidQueryParameterValue",
        "Value for one of the query parameters specified in the request URI is invalid.",
        [("QueryParameterName", name), ("QueryParameterValue", value), ("Reason", reason)],
    )


def missing_property(name: str) -> BatchError:
    return BatchError(
        400,
        "MissingRequiredProperty",
        "A required property was not specified in the request body.",
        [("PropertyName", name)],
    )


def invalid_property(name: str, value: object, reason: str) -> BatchError:
    return BatchError(
        400,
        "InvalidPropertyValue",
        "The value provided for one of the properties in the request body is invalid.",
        [("PropertyName", name), ("PropertyValue", str(value)), ("Reason", reason)],
    )
