"""The Batch api-versions the emulator's request schema knows, oldest first.

Up to 2024-07-01 a version reads `YYYY-MM-DD.major.minor`; from 2025-06-01 it is
a plain date. Which clients send which version: /work/shared/BATCH-PROTOCOL.md,
"api-versions real clients send"."""

from __future__ import annotations

from ..errors import BatchError

V16 = "2022-10-01.16.0"  # azure-batch 13.0.0, npm @azure/batch 10.2.0
V17 = "2023-05-01.17.0"  # azure-batch 14.0.0
V18 = "2023-11-01.18.0"  # azure-batch 14.1.0
V19 = "2024-02-01.19.0"  # azure-batch 14.2.0 and 15.0.0b1, Azure CLI 2.91
V20 = "2024-07-01.20.0"  # azure-batch 15.0.0b2
V2025 = "2025-06-01"  # azure-batch 15.1.0

API_VERSIONS: tuple[str, ...] = (V16, V17, V18, V19, V20, V2025)
OLDEST = API_VERSIONS[0]
LATEST = API_VERSIONS[-1]
_INDEX = {version: index for index, version in enumerate(API_VERSIONS)}


def version_index(api_version: str) -> int:
    """The position of `api_version` in API_VERSIONS (0 = oldest).

    Raises BatchError 400 UnsupportedRequestVersion for a version not listed."""
    index = _INDEX.get(api_version)
    if index is None:
        raise BatchError(
            400,
            "UnsupportedRequestVersion",
            "The specified request version is not supported.",
            [("QueryParameterName", "api-version"), ("QueryParameterValue", str(api_version)[:64])],
        )
    return index


def index_of(api_version: str) -> int:
    """version_index for the schema's own since/until marks (a typo there is a bug: KeyError)."""
    return _INDEX[api_version]
