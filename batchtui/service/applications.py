"""Application packages: the applications Batch's data plane lists (GET /applications),
and their package versions as the package store holds them.

The data plane gives an application's id, display name and version names only;
a version's state and last activation, and uploading or choosing the default,
are the management plane's (ARM) on a real account. For the local emulator the
package store is the `batchtui-applications` container of its auto-storage
account: one blob APP/VERSION.zip per version (active once it is there; its
last activation is the blob's last modification) and APP/application.json with
the application's properties in ARM's shape (displayName, defaultVersion,
allowUpdates). `PackageStore` reads and writes that container.

No Textual import here.
"""
from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .blob_writes import Transfer, upload
from .client import BatchService
from .errors import INVALID, NOT_FOUND, ServiceError
from .models import RestDict
from .storage import BlobStore, storage_error

__all__ = ["APPLICATIONS_CONTAINER", "ApplicationRow", "PackageStore", "PackageVersion", "list_applications"]

APPLICATIONS_CONTAINER = "batchtui-applications"
PROPERTIES_BLOB = "application.json"
_APP_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_VERSION_RE = re.compile(r"(?!\.{1,2}$)[A-Za-z0-9_.-]{1,64}")


@dataclass(frozen=True)
class ApplicationRow:
    """An application as the data plane lists it (`default_version`: only where the service says)."""

    id: str
    display_name: str
    versions: tuple[str, ...]
    default_version: str | None = None

    @classmethod
    def from_rest(cls, doc: RestDict) -> ApplicationRow:
        return cls(str(doc.get("id") or ""), str(doc.get("displayName") or doc.get("id") or ""),
                   tuple(str(v) for v in doc.get("versions") or ()), doc.get("defaultVersion") or None)


@dataclass(frozen=True)
class PackageVersion:
    """One package version in the store: its state (active, or pending) and last activation."""

    version: str
    state: str
    last_activation: datetime | None
    size: int


def _natural(text: str) -> list[tuple[int, int, str]]:
    """Sort key: digit runs compare as numbers (1.10 after 1.9)."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p]


async def list_applications(service: BatchService) -> list[ApplicationRow]:
    """The account's applications (GET /applications, every page), by id."""
    rows: list[ApplicationRow] = []
    async for page in service.pages("/applications"):
        rows.extend(ApplicationRow.from_rest(doc) for doc in page)
    return sorted(rows, key=lambda row: row.id.lower())


def check_names(app_id: str, version: str | None = None) -> None:
    """ServiceError invalid unless these are an application id and a version Batch takes."""
    if not _APP_ID_RE.fullmatch(app_id):
        raise ServiceError(INVALID, f"not an application id: {app_id!r} (letters, digits, _ and -; 1-64)")
    if version is not None and not _VERSION_RE.fullmatch(version):
        raise ServiceError(INVALID, f"not a package version: {version!r} (letters, digits, _ - and .; 1-64)")


class PackageStore:
    """The emulator's package store: the `batchtui-applications` container of a storage account."""

    def __init__(self, store: BlobStore, container: str = APPLICATIONS_CONTAINER) -> None:
        self.store = store
        self.container = container

    async def exists(self) -> bool:
        """Whether the package store's container is there (a real account's linked storage has none)."""
        try:
            self.store.requests += 1
            return bool(await self.store.client.get_container_client(self.container).exists())
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
            raise storage_error(exc, container=self.container, endpoint=self.store.url) from None

    async def versions(self, app_id: str) -> list[PackageVersion]:
        """The application's package versions, naturally sorted ([] when the container is missing)."""
        try:
            rows = await self.store.list_blobs(self.container, f"{app_id}/", delimiter="")
        except ServiceError as err:
            if err.kind == NOT_FOUND:
                return []
            raise
        found = []
        for row in rows:
            rest = row.name[len(app_id) + 1:]
            if "/" in rest or not rest.lower().endswith(".zip") or not _VERSION_RE.fullmatch(rest[:-4]):
                continue
            found.append(PackageVersion(rest[:-4], "active", row.last_modified, row.size or 0))
        return sorted(found, key=lambda v: _natural(v.version))

    async def properties(self, app_id: str) -> dict[str, Any]:
        """APP/application.json ({} when there is none, or it is not a JSON object)."""
        try:
            data = await self.store.read_range(self.container, f"{app_id}/{PROPERTIES_BLOB}", 0)
            props = json.loads(data)
        except ServiceError as err:
            if err.kind == NOT_FOUND:
                return {}
            raise
        except ValueError:
            return {}
        return props if isinstance(props, dict) else {}

    async def default_version(self, app_id: str) -> str | None:
        value = (await self.properties(app_id)).get("defaultVersion")
        return value if isinstance(value, str) and value else None

    async def set_default(self, app_id: str, version: str) -> None:
        """Make `version` the application's default (APP/application.json's defaultVersion; its other
        properties kept). ServiceError not_found when there is no such version."""
        check_names(app_id, version)
        if version not in {v.version for v in await self.versions(app_id)}:
            raise ServiceError(NOT_FOUND, f"application {app_id} has no package version {version}")
        props = await self.properties(app_id)
        props.setdefault("displayName", app_id)
        props.setdefault("allowUpdates", True)
        props["defaultVersion"] = version
        body = json.dumps(props, indent=2).encode()
        blob = self.store.client.get_blob_client(self.container, f"{app_id}/{PROPERTIES_BLOB}")
        try:
            self.store.requests += 1
            await blob.upload_blob(body, overwrite=True)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a ServiceError
            raise storage_error(exc, container=self.container, name=blob.blob_name, endpoint=self.store.url) from None

    async def upload_version(self, app_id: str, version: str, archive: str | Path, *, overwrite: bool = False,
                             progress: Callable[[int, int], None] | None = None) -> int:
        """Upload a zip as APP/VERSION.zip (the container made if missing); the bytes sent. ServiceError
        invalid for a bad id, version or a file that is not a zip; conflict when the version exists and
        not `overwrite`."""
        check_names(app_id, version)
        path = Path(archive).expanduser()
        if not path.is_file():
            raise ServiceError(INVALID, f"{path} is not a file")
        if not zipfile.is_zipfile(path):
            raise ServiceError(INVALID, f"{path} is not a zip archive (a package is a .zip)")
        try:
            self.store.requests += 1
            await self.store.client.create_container(self.container)
        except Exception as exc:  # noqa: BLE001 - it exists already (409), or the next call says what is wrong
            if getattr(exc, "status_code", None) != 409:
                raise storage_error(exc, container=self.container, endpoint=self.store.url) from None
        item = Transfer(path, f"{app_id}/{version}.zip", path.stat().st_size)
        return await upload(self.store, self.container, [item], overwrite=overwrite, progress=progress)
