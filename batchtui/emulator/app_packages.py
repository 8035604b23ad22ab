"""Application packages: live in the auto-storage account, container
`batchtui-applications`, one blob `APP/VERSION.zip` per package version, and
optionally `APP/application.json`: the application's own properties in the
management plane's shape (`{"displayName": …, "defaultVersion": …,
"allowUpdates": …}`, Microsoft.Batch/batchAccounts/applications), which is
where the default version (used by a reference without a version) is kept.
Deployed once per node into <node root>/applications/APP_VERSION (unzipped,
Unix modes kept) and announced to the task as AZ_BATCH_APP_PACKAGE_* variables.
Every deployment problem raises StorageFailure("ApplicationPackageError")."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import zipfile
from pathlib import Path

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.blob.aio import ContainerClient

from . import nodefs
from .blob_clients import AutoStorage
from .formats import now_iso
from .storage_failures import StorageFailure, StorageUnavailable, reason
from .store import Doc

APPLICATIONS_CONTAINER = "batchtui-applications"
APPLICATION_PROPERTIES = "application.json"  # APP/application.json: displayName, defaultVersion, allowUpdates
DEPLOYED_MARKER = ".batchtui-deployed"
# Batch's rules for application ids and versions, always matched whole (fullmatch: "$" alone lets "\n" through)
_APP_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_VERSION_RE = re.compile(r"(?!\.{1,2}$)[A-Za-z0-9_.-]{1,64}")


def package_env_names(app_id: str, version: str) -> list[str]:
    """AZ_BATCH_APP_PACKAGE_<APP> and …_<APP>_<VERSION>: non-alphanumerics
    become `_`; both the documented Linux spelling (the id's case kept) and
    the upper-cased one are set."""
    flat_app, flat_version = (re.sub(r"[^A-Za-z0-9]", "_", s) for s in (app_id, version))
    names = []
    for app in dict.fromkeys((flat_app, flat_app.upper())):
        names += [f"AZ_BATCH_APP_PACKAGE_{app}", f"AZ_BATCH_APP_PACKAGE_{app}_{flat_version}"]
    return names


class AppPackages:
    """The application packages of one Batch account's auto-storage account."""

    def __init__(self, auto_storage: AutoStorage) -> None:
        self.auto_storage = auto_storage
        self._deploy_locks: dict[Path, asyncio.Lock] = {}

    async def deploy(self, ref: Doc, node_root: Path) -> dict[str, str]:
        """Download and unzip APP/VERSION.zip into <node root>/applications/APP_VERSION
        (once per node); its environment variables. `ref` is an
        applicationPackageReferences entry (no version: the app's only one)."""
        raw_id = str(ref.get("applicationId") or "")
        app_id = raw_id.rstrip("/").rsplit("/applications/", 1)[-1]  # pools name it by its ARM id
        version = ref.get("version")
        if not _APP_ID_RE.fullmatch(app_id):
            raise StorageFailure("ApplicationPackageError", f"Not an application id: {raw_id!r}", ApplicationId=raw_id)
        if version is not None and not _VERSION_RE.fullmatch(str(version)):
            raise StorageFailure("ApplicationPackageError", f"Not a package version: {version!r}", ApplicationId=app_id)
        if version:
            target = node_root / "applications" / f"{app_id}_{version}"
            if (target / DEPLOYED_MARKER).exists():
                return dict.fromkeys(package_env_names(app_id, version), str(target))
        try:
            container = self.auto_storage.container(APPLICATIONS_CONTAINER)
        except ValueError as exc:
            raise StorageFailure("ApplicationPackageError", str(exc), ApplicationId=app_id) from None
        async with container:
            if not version:
                version = await _default_version(container, app_id)
            target = node_root / "applications" / f"{app_id}_{version}"
            lock = self._deploy_locks.setdefault(target, asyncio.Lock())
            async with lock:
                if not (target / DEPLOYED_MARKER).exists():
                    await _fetch_package(container, app_id, version, target)
        return dict.fromkeys(package_env_names(app_id, version), str(target))

    async def list_applications(self) -> list[Doc]:
        """The applications in the auto-storage account (none without one), as
        Batch lists them: {id, displayName, versions}. StorageUnavailable when
        the account cannot be read."""
        if not self.auto_storage.connection_string:
            return []
        try:
            container = self.auto_storage.container(APPLICATIONS_CONTAINER)
        except ValueError as exc:
            raise StorageUnavailable(str(exc)) from None
        async with container:
            try:
                names = [b.name async for b in container.list_blobs()]
            except ResourceNotFoundError:
                return []
            except AzureError as exc:
                raise StorageUnavailable(f"the auto-storage account could not be read: {reason(exc)}") from None
            apps: dict[str, list[str]] = {}
            described: set[str] = set()
            for name in names:
                app_id, _, rest = name.partition("/")
                version = _package_version(name, app_id)
                if version:
                    apps.setdefault(app_id, []).append(version)
                elif rest == APPLICATION_PROPERTIES and _APP_ID_RE.fullmatch(app_id):
                    apps.setdefault(app_id, [])
                    described.add(app_id)
            listed = []
            for app_id, versions in sorted(apps.items()):
                try:
                    props = await _properties(container, app_id) if app_id in described else {}
                except StorageFailure as exc:
                    raise StorageUnavailable(f"the auto-storage account could not be read: {exc}") from None
                # (defaultVersion is not in Batch's data-plane shape: an emulator extra, ignored by the SDKs)
                doc: Doc = {"id": app_id, "displayName": str(props.get("displayName") or app_id),
                            "versions": sorted(versions, key=_natural)}
                if props.get("defaultVersion"):
                    doc["defaultVersion"] = str(props["defaultVersion"])
                listed.append(doc)
        return listed


async def _properties(container: ContainerClient, app_id: str) -> Doc:
    """APP/application.json as a dict ({} when missing or not a JSON object)."""
    try:
        data = await (await container.get_blob_client(f"{app_id}/{APPLICATION_PROPERTIES}").download_blob()).readall()
        props = json.loads(data)
    except ResourceNotFoundError:
        return {}
    except (ValueError, UnicodeDecodeError):
        return {}
    except AzureError as exc:
        raise StorageFailure("ApplicationPackageError", reason(exc), ApplicationId=app_id) from None
    return props if isinstance(props, dict) else {}


async def _default_version(container: ContainerClient, app_id: str) -> str:
    """The version a reference without one gets: the application's defaultVersion, else its only version."""
    default = (await _properties(container, app_id)).get("defaultVersion")
    if isinstance(default, str) and _VERSION_RE.fullmatch(default):
        return default
    versions = await _package_versions(container, app_id)
    if len(versions) != 1:
        raise StorageFailure(
            "ApplicationPackageError",
            f"No version was given for application {app_id} and it has "
            + ("no packages" if not versions else f"{len(versions)} versions, none of them the default"),
            ApplicationId=app_id,
        )
    return versions[0]


async def _package_versions(container: ContainerClient, app_id: str) -> list[str]:
    try:
        names = [b.name async for b in container.list_blobs(name_starts_with=f"{app_id}/")]
    except ResourceNotFoundError:
        names = []
    except AzureError as exc:
        raise StorageFailure("ApplicationPackageError", reason(exc), ApplicationId=app_id) from None
    return sorted((v for v in (_package_version(n, app_id) for n in names) if v), key=_natural)


async def _fetch_package(container: ContainerClient, app_id: str, version: str, target: Path) -> None:
    blob = f"{app_id}/{version}.zip"
    staging = target.parent / f".staging-{target.name}-{secrets.token_hex(4)}"
    archive = staging.parent / f"{staging.name}.zip"
    try:
        try:
            downloader = await container.get_blob_client(blob).download_blob()
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(archive, "wb") as out:
                await downloader.readinto(out)
        except ResourceNotFoundError:
            raise StorageFailure(
                "ApplicationPackageError", f"Application {app_id} has no package version {version}",
                ApplicationId=app_id, Version=version,
            ) from None
        except AzureError as exc:
            raise StorageFailure(
                "ApplicationPackageError", reason(exc), ApplicationId=app_id, Version=version
            ) from None
        try:
            await asyncio.to_thread(_unzip, archive, staging)
        except (zipfile.BadZipFile, nodefs.PathRefused, OSError) as exc:
            raise StorageFailure(
                "ApplicationPackageError", f"The package {blob} could not be unpacked: {exc}",
                ApplicationId=app_id, Version=version,
            ) from None
        (staging / DEPLOYED_MARKER).write_text(now_iso())
        nodefs.remove_tree(target)
        staging.rename(target)
    except OSError as exc:
        raise StorageFailure("ApplicationPackageError", exc.strerror or str(exc), ApplicationId=app_id) from None
    finally:
        archive.unlink(missing_ok=True)
        nodefs.remove_tree(staging)


def _natural(text: str) -> list[tuple[int, int, str]]:
    """Sort key: digit runs compare as numbers (1.10 after 1.9)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


def _package_version(blob_name: str, app_id: str) -> str | None:
    app, sep, rest = blob_name.partition("/")
    if app != app_id or not sep or not rest.lower().endswith(".zip") or not _APP_ID_RE.fullmatch(app):
        return None
    version = rest[:-4]
    return version if _VERSION_RE.fullmatch(version) else None


def _unzip(archive: Path, folder: Path) -> None:
    """Extract a package, refusing members that leave `folder`; keeps Unix modes."""
    folder.mkdir(parents=True)
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            dest = nodefs.resolve_inside(folder, info.filename)
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
            mode = (info.external_attr >> 16) & 0o7777
            if mode:
                os.chmod(dest, mode)
