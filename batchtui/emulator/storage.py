"""Blob storage around a task's run, as a Batch node does it: resource files
and application packages before the command starts, output files after it
exits. Uses azure-storage-blob (aio) against any blob service — Azurite
locally — and aiohttp for plain `httpUrl` downloads.

Timing, as on Batch: the task is `running` while its inputs download (the
download is part of the run: `executionInfo.startTime` is set before it), and
`maxWallClockTime` applies to the process alone. A failed download fails the
task without running its command (`result` failure, no exit code); a failed
upload fails a task whose process succeeded (its exit code is kept). Neither
is retried: `maxTaskRetryCount` counts non-zero exits only.

Failure codes (Batch's TaskFailureInformationCodes, category usererror):

    listing a container   ResourceContainerAccessDenied (401/403),
                          ResourceContainerListMiscError (anything else, a missing container too)
    downloading a file    BlobAccessDenied (401/403), BlobNotFound (404),
                          BlobDownloadTimedOut, BlobDownloadMiscError
    writing it locally    ResourceFileCreateFailed (a path outside wd/, a bad
                          fileMode, an invalid resource file), ResourceFileWriteFailed
    application packages  ApplicationPackageError
    uploading outputs     FileUploadAccessDenied (401/403), FileUploadContainerNotFound (404),
                          FileUploadMiscError

Messages and details name URLs without their query string, so a SAS token is
never copied out of the task document (not into failureInfo, the upload logs
fileuploadout.txt/fileuploaderr.txt, or the emulator's log).

Application packages live in the auto-storage account: container
`batchtui-applications`, one blob `APP/VERSION.zip` per package version.
"""

from __future__ import annotations

import asyncio
import glob
import logging
import os
import re
import secrets
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError
from azure.storage.blob import ContentSettings
from azure.storage.blob.aio import ContainerClient

from . import executor, nodefs
from .formats import now_iso

log = logging.getLogger("batchtui.emulator")

APPLICATIONS_CONTAINER = "batchtui-applications"
DEFAULT_FILE_MODE = 0o770  # Batch's default for resource files on Linux nodes
DEPLOYED_MARKER = ".batchtui-deployed"
# Keep failures quick: a dead storage endpoint should fail the task in seconds.
CLIENT_OPTIONS = {"retry_total": 2, "connection_timeout": 20, "read_timeout": 120}
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=20, sock_read=120)

STORAGE_FAILURE_CODES = frozenset({
    "ResourceContainerAccessDenied", "ResourceContainerListMiscError", "BlobAccessDenied", "BlobNotFound",
    "BlobDownloadTimedOut", "BlobDownloadMiscError", "ResourceFileCreateFailed", "ResourceFileWriteFailed",
    "ApplicationPackageError", "FileUploadAccessDenied", "FileUploadContainerNotFound", "FileUploadMiscError",
})

MESSAGES = {
    "ResourceContainerAccessDenied": "Access for one of the specified Azure Blob container(s) is denied",
    "ResourceContainerListMiscError": "Miscellaneous error encountered while listing one of the specified Azure Blob container(s)",
    "BlobAccessDenied": "Access for one of the specified Azure Blob(s) is denied",
    "BlobNotFound": "One of the specified Azure Blob(s) is not found",
    "BlobDownloadTimedOut": "The download of one of the specified Azure Blob(s) timed out",
    "BlobDownloadMiscError": "Miscellaneous error encountered while downloading one of the specified Azure Blob(s)",
    "ResourceFileCreateFailed": "A resource file could not be created in the task's working directory",
    "ResourceFileWriteFailed": "A resource file could not be written to the task's working directory",
    "ApplicationPackageError": "One of the specified application package(s) could not be deployed",
    "FileUploadAccessDenied": "Access for one of the specified Azure container(s) was denied while attempting to upload an output file",
    "FileUploadContainerNotFound": "One of the specified Azure container(s) was not found while attempting to upload an output file",
    "FileUploadMiscError": "Miscellaneous error encountered while uploading one of the output files",
}

_URL_QUERY_RE = re.compile(r"(https?://[^\s?'\"<>]+)\?[^\s'\"<>]*")
_SIG_RE = re.compile(r"(sig=)[^&\s'\"<>]+", re.IGNORECASE)
_MAGIC_RE = re.compile(r"[*?[]")
_ENV_RE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_APP_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # Batch's rules for application ids and versions
_VERSION_RE = re.compile(r"^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,64}$")


class StorageFailure(Exception):
    """A download, deployment or upload failed; `failure` is Batch's failureInfo."""

    def __init__(self, code: str, reason: str, **details: str) -> None:
        super().__init__(reason)
        values = {k: scrub(v) for k, v in details.items() if v}
        values["Message"] = scrub(reason)
        self.failure = executor.failure(code, MESSAGES[code], "usererror", values)


class StorageUnavailable(Exception):
    """The auto-storage account could not be read (message has no secrets)."""


def redact_url(url: str) -> str:
    """The URL without its query string (where a SAS token lives)."""
    return url.split("?", 1)[0]


def scrub(text: str) -> str:
    """`text` with every URL's query string and any sig= value removed."""
    return _SIG_RE.sub(r"\1REDACTED", _URL_QUERY_RE.sub(r"\1", str(text)))


def is_storage_failure(failure: dict | None) -> bool:
    return bool(failure) and failure.get("code") in STORAGE_FAILURE_CODES


def package_env_names(app_id: str, version: str) -> list[str]:
    """AZ_BATCH_APP_PACKAGE_<APP> and …_<APP>_<VERSION>: non-alphanumerics
    become `_`; both the documented Linux spelling (the id's case kept) and
    the upper-cased one are set."""
    flat_app, flat_version = (re.sub(r"[^A-Za-z0-9]", "_", s) for s in (app_id, version))
    names = []
    for app in dict.fromkeys((flat_app, flat_app.upper())):
        names += [f"AZ_BATCH_APP_PACKAGE_{app}", f"AZ_BATCH_APP_PACKAGE_{app}_{flat_version}"]
    return names


def _natural(text: str) -> list:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part]


@dataclass
class TaskStorage:
    """What one run needs from storage: where, and the task's (or start task's)
    resourceFiles, outputFiles and application packages (the pool's, then its own)."""

    node_root: Path
    task_dir: Path
    resource_files: list[dict] = field(default_factory=list)
    output_files: list[dict] = field(default_factory=list)
    packages: list[dict] = field(default_factory=list)

    @property
    def has_inputs(self) -> bool:
        return bool(self.resource_files or self.packages)


def task_storage(spec: dict, pool: dict | None, node_root: Path, task_dir: Path) -> TaskStorage:
    """The storage work of a task (or of a pool's start task: it has no outputs)."""
    packages = list((pool or {}).get("applicationPackageReferences") or [])
    packages += spec.get("applicationPackageReferences") or []
    return TaskStorage(
        node_root=node_root,
        task_dir=task_dir,
        resource_files=list(spec.get("resourceFiles") or []),
        output_files=list(spec.get("outputFiles") or []),
        packages=packages,
    )


class Storage:
    """Storage access for one emulated Batch account (with its optional
    auto-storage account, given as a connection string)."""

    def __init__(self, connection_string: str | None) -> None:
        self.connection_string = connection_string or None
        self._deploy_locks: dict[Path, asyncio.Lock] = {}

    # -- clients -----------------------------------------------------------------
    def _auto_container(self, name: str) -> ContainerClient:
        if not self.connection_string:
            raise ValueError("the Batch account has no auto-storage account (start the emulator with --storage-connection-string)")
        try:
            return ContainerClient.from_connection_string(self.connection_string, name, **CLIENT_OPTIONS)
        except ValueError:
            raise ValueError("the auto-storage connection string is not valid") from None

    @staticmethod
    def _url_container(url: str) -> ContainerClient:
        return ContainerClient.from_container_url(url, **CLIENT_OPTIONS)

    # -- before the command -------------------------------------------------------
    async def prepare(self, work: TaskStorage) -> tuple[dict | None, dict[str, str]]:
        """Deploy the packages, then download the resource files into wd/.
        (failureInfo or None, the environment variables the packages add)."""
        env: dict[str, str] = {}
        try:
            for ref in work.packages:
                env.update(await self._deploy_package(ref, work.node_root))
            workdir = work.task_dir / "wd"
            workdir.mkdir(parents=True, exist_ok=True)
            for spec in work.resource_files:
                await self._download_resource_file(spec, workdir)
        except StorageFailure as exc:
            return exc.failure, env
        except OSError as exc:
            return StorageFailure("ResourceFileCreateFailed", exc.strerror or str(exc)).failure, env
        except Exception as exc:  # noqa: BLE001 - a bug must fail the task, not leave it running
            log.error("resource files failed: %s", scrub(repr(exc)))
            return StorageFailure("BlobDownloadMiscError", f"Internal error: {type(exc).__name__}").failure, env
        return None, env

    async def _download_resource_file(self, spec: dict, workdir: Path) -> None:
        sources = [k for k in ("httpUrl", "storageContainerUrl", "autoStorageContainerName") if spec.get(k)]
        file_path = spec.get("filePath") or ""
        if len(sources) != 1:
            raise StorageFailure(
                "ResourceFileCreateFailed",
                "A resource file needs exactly one of httpUrl, storageContainerUrl and autoStorageContainerName",
                FilePath=file_path,
            )
        mode = _file_mode(spec.get("fileMode"), file_path)
        if sources[0] == "httpUrl":
            if not file_path:
                raise StorageFailure(
                    "ResourceFileCreateFailed", "filePath is required with httpUrl", HttpUrl=redact_url(spec["httpUrl"])
                )
            target = _target(workdir, file_path)
            await self._download_http(spec["httpUrl"], target, file_path)
            _chmod(target, mode, file_path)
            return
        if sources[0] == "storageContainerUrl":
            label = {"ContainerUrl": redact_url(spec["storageContainerUrl"])}
            try:
                container = self._url_container(spec["storageContainerUrl"])
            except ValueError as exc:
                raise StorageFailure("ResourceContainerListMiscError", str(exc), FilePath=file_path, **label) from None
        else:
            label = {"AutoStorageContainerName": spec["autoStorageContainerName"]}
            try:
                container = self._auto_container(spec["autoStorageContainerName"])
            except ValueError as exc:
                raise StorageFailure("ResourceContainerListMiscError", str(exc), FilePath=file_path, **label) from None
        async with container:
            names = await self._list_blobs(container, spec.get("blobPrefix") or None, file_path, label)
            for name in names:
                rel = f"{file_path.rstrip('/')}/{name}" if file_path else name
                target = _target(workdir, rel)
                await self._download_blob(container, name, target, rel, label)
                _chmod(target, mode, rel)

    @staticmethod
    async def _list_blobs(container: ContainerClient, prefix: str | None, file_path: str, label: dict) -> list[str]:
        try:
            return [b.name async for b in container.list_blobs(name_starts_with=prefix) if not b.name.endswith("/")]
        except HttpResponseError as exc:
            code = "ResourceContainerAccessDenied" if exc.status_code in (401, 403) else "ResourceContainerListMiscError"
            raise StorageFailure(code, _reason(exc), FilePath=file_path, **label) from None
        except AzureError as exc:
            raise StorageFailure("ResourceContainerListMiscError", _reason(exc), FilePath=file_path, **label) from None

    @staticmethod
    async def _download_blob(container: ContainerClient, name: str, target: Path, rel: str, label: dict) -> None:
        try:
            downloader = await container.get_blob_client(name).download_blob()
            with _open_target(target, rel) as out:
                await downloader.readinto(out)
        except HttpResponseError as exc:
            raise StorageFailure(_download_code(exc.status_code), _reason(exc), FilePath=rel, BlobName=name, **label) from None
        except AzureError as exc:
            raise StorageFailure("BlobDownloadMiscError", _reason(exc), FilePath=rel, BlobName=name, **label) from None
        except OSError as exc:
            raise StorageFailure("ResourceFileWriteFailed", exc.strerror or str(exc), FilePath=rel) from None

    @staticmethod
    async def _download_http(url: str, target: Path, rel_name: str) -> None:
        safe_url = redact_url(url)
        try:
            async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session:
                async with session.get(url) as response:
                    if response.status >= 400:
                        raise StorageFailure(
                            _download_code(response.status), f"The server answered {response.status} {response.reason}",
                            FilePath=rel_name, HttpUrl=safe_url,
                        )
                    with _open_target(target, rel_name) as out:
                        async for chunk in response.content.iter_chunked(1 << 16):
                            out.write(chunk)
        except asyncio.TimeoutError:
            raise StorageFailure("BlobDownloadTimedOut", "The download timed out", FilePath=rel_name, HttpUrl=safe_url) from None
        except (aiohttp.ClientError, ValueError) as exc:
            raise StorageFailure("BlobDownloadMiscError", _reason(exc), FilePath=rel_name, HttpUrl=safe_url) from None
        except OSError as exc:
            raise StorageFailure("ResourceFileWriteFailed", exc.strerror or str(exc), FilePath=rel_name) from None

    # -- application packages -------------------------------------------------------
    async def _deploy_package(self, ref: dict, node_root: Path) -> dict[str, str]:
        """Download and unzip APP/VERSION.zip into <node root>/applications/APP_VERSION
        (once per node); its environment variables."""
        raw_id = str(ref.get("applicationId") or "")
        app_id = raw_id.rstrip("/").rsplit("/applications/", 1)[-1]  # pools name it by its ARM id
        version = ref.get("version")
        if not _APP_ID_RE.match(app_id):
            raise StorageFailure("ApplicationPackageError", f"Not an application id: {raw_id!r}", ApplicationId=raw_id)
        if version is not None and not _VERSION_RE.match(str(version)):
            raise StorageFailure("ApplicationPackageError", f"Not a package version: {version!r}", ApplicationId=app_id)
        if version:
            target = node_root / "applications" / f"{app_id}_{version}"
            if (target / DEPLOYED_MARKER).exists():
                return dict.fromkeys(package_env_names(app_id, version), str(target))
        try:
            container = self._auto_container(APPLICATIONS_CONTAINER)
        except ValueError as exc:
            raise StorageFailure("ApplicationPackageError", str(exc), ApplicationId=app_id) from None
        async with container:
            if not version:
                versions = await self._package_versions(container, app_id)
                if len(versions) != 1:
                    raise StorageFailure(
                        "ApplicationPackageError",
                        f"No version was given for application {app_id} and it has "
                        + ("no packages" if not versions else f"{len(versions)} versions, none of them the default"),
                        ApplicationId=app_id,
                    )
                version = versions[0]
            target = node_root / "applications" / f"{app_id}_{version}"
            lock = self._deploy_locks.setdefault(target, asyncio.Lock())
            async with lock:
                if not (target / DEPLOYED_MARKER).exists():
                    await self._fetch_package(container, app_id, version, target)
        return dict.fromkeys(package_env_names(app_id, version), str(target))

    @staticmethod
    async def _package_versions(container: ContainerClient, app_id: str) -> list[str]:
        try:
            names = [b.name async for b in container.list_blobs(name_starts_with=f"{app_id}/")]
        except ResourceNotFoundError:
            names = []
        except AzureError as exc:
            raise StorageFailure("ApplicationPackageError", _reason(exc), ApplicationId=app_id) from None
        return sorted((v for v in (_package_version(n, app_id) for n in names) if v), key=_natural)

    @staticmethod
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
                raise StorageFailure("ApplicationPackageError", _reason(exc), ApplicationId=app_id, Version=version) from None
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

    async def list_applications(self) -> list[dict]:
        """The applications in the auto-storage account (none without one), as
        Batch lists them: {id, displayName, versions}. StorageUnavailable when
        the account cannot be read."""
        if not self.connection_string:
            return []
        try:
            container = self._auto_container(APPLICATIONS_CONTAINER)
        except ValueError as exc:
            raise StorageUnavailable(str(exc)) from None
        async with container:
            try:
                names = [b.name async for b in container.list_blobs()]
            except ResourceNotFoundError:
                return []
            except AzureError as exc:
                raise StorageUnavailable(f"the auto-storage account could not be read: {_reason(exc)}") from None
        apps: dict[str, list[str]] = {}
        for name in names:
            app_id = name.partition("/")[0]
            version = _package_version(name, app_id)
            if version:
                apps.setdefault(app_id, []).append(version)
        return [
            {"id": app_id, "displayName": app_id, "versions": sorted(versions, key=_natural)}
            for app_id, versions in sorted(apps.items())
        ]

    # -- after the command -----------------------------------------------------------
    async def upload_outputs(self, work: TaskStorage, succeeded: bool, env: dict[str, str]) -> dict | None:
        """Upload the outputFiles whose uploadCondition the run meets; the first
        failure (all are attempted). Writes fileuploadout.txt / fileuploaderr.txt."""
        out_log: list[str] = []
        err_log: list[str] = []
        failure: dict | None = None
        for spec in work.output_files:
            condition = str((spec.get("uploadOptions") or {}).get("uploadCondition") or "taskcompletion").lower()
            if (condition == "tasksuccess" and not succeeded) or (condition == "taskfailure" and succeeded):
                continue
            try:
                try:
                    await self._upload_output(spec, work.task_dir, env, out_log)
                except StorageFailure:
                    raise
                except Exception as exc:  # noqa: BLE001 - a bug must fail the task, not leave it running
                    log.error("output upload failed: %s", scrub(repr(exc)))
                    raise StorageFailure("FileUploadMiscError", f"Internal error: {type(exc).__name__}") from None
            except StorageFailure as exc:
                details = {d["name"]: d["value"] for d in exc.failure.get("details", [])}
                where = " ".join(details[k] for k in ("FilePath", "ContainerUrl", "BlobName") if k in details)
                err_log.append(f"{now_iso()} {exc.failure['code']} {where}: {scrub(str(exc))}")
                failure = failure or exc.failure
        for name, lines in (("fileuploadout.txt", out_log), ("fileuploaderr.txt", err_log)):
            try:
                with open(work.task_dir / name, "a", encoding="utf-8") as handle:
                    handle.writelines(line + "\n" for line in lines)
            except OSError:
                pass
        return failure

    async def _upload_output(self, spec: dict, task_dir: Path, env: dict[str, str], log: list[str]) -> None:
        pattern = _ENV_RE.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), str(spec.get("filePattern") or ""))
        destination = (spec.get("destination") or {}).get("container") or {}
        url = destination.get("containerUrl")
        if not pattern or not url:
            raise StorageFailure("FileUploadMiscError", "An output file needs a filePattern and destination.container.containerUrl",
                                 FilePattern=pattern)
        files = match_outputs(pattern, task_dir)
        if not files:
            log.append(f"{now_iso()} no files match {pattern}")
            return
        prefix = (destination.get("path") or "").strip("/")
        wildcard = bool(_MAGIC_RE.search(pattern))
        settings = _content_settings(destination.get("uploadHeaders") or [])
        safe_url = redact_url(url)
        try:
            container = self._url_container(url)
        except ValueError as exc:
            raise StorageFailure("FileUploadMiscError", str(exc), ContainerUrl=safe_url) from None
        real_task_dir = os.path.realpath(task_dir)
        async with container:
            for path, rel in files:
                if wildcard:
                    name = f"{prefix}/{rel}" if prefix else rel
                else:
                    name = destination.get("path") or rel
                shown = os.path.relpath(path, real_task_dir)  # e.g. wd/out.txt, stdout.txt
                try:
                    with open(path, "rb") as data:
                        await container.upload_blob(name, data, overwrite=True, content_settings=settings)
                except HttpResponseError as exc:
                    code = {401: "FileUploadAccessDenied", 403: "FileUploadAccessDenied",
                            404: "FileUploadContainerNotFound"}.get(exc.status_code, "FileUploadMiscError")
                    raise StorageFailure(code, _reason(exc), FilePath=shown, ContainerUrl=safe_url, BlobName=name) from None
                except (AzureError, OSError, ValueError) as exc:
                    raise StorageFailure("FileUploadMiscError", _reason(exc), FilePath=shown, ContainerUrl=safe_url,
                                         BlobName=name) from None
                log.append(f"{now_iso()} uploaded {shown} to {safe_url.rstrip('/')}/{name}")


# -- helpers -------------------------------------------------------------------------
def match_outputs(pattern: str, task_dir: Path) -> list[tuple[Path, str]]:
    """Files matching an output filePattern (relative to wd/, `**` recursive,
    dot-files only when named): (real path, name relative to the pattern's
    wildcard-free base). Nothing outside the task directory is ever matched."""
    workdir = task_dir / "wd"
    root = os.path.realpath(task_dir)
    parts = pattern.replace("\\", "/").split("/")
    base_parts: list[str] = []
    for part in parts[:-1]:
        if _MAGIC_RE.search(part):
            break
        base_parts.append(part)
    if os.path.isabs(pattern):
        matches = glob.glob(pattern, recursive=True)
        base = "/".join(base_parts) or "/"
    else:
        matches = [os.path.join(workdir, m) for m in glob.glob(pattern, root_dir=workdir, recursive=True)]
        base = os.path.join(workdir, *base_parts)
    out: list[tuple[Path, str]] = []
    for match in sorted(matches):
        real = os.path.realpath(match)
        if not real.startswith(root + os.sep) or not os.path.isfile(real):
            continue
        rel = os.path.relpath(os.path.normpath(match), os.path.normpath(base)).replace(os.sep, "/")
        out.append((Path(real), rel))
    return out


def _target(workdir: Path, rel: str) -> Path:
    try:
        return nodefs.resolve_inside(workdir, rel)
    except nodefs.PathRefused:
        raise StorageFailure(
            "ResourceFileCreateFailed", "The file path must stay inside the task's working directory", FilePath=rel
        ) from None


class _open_target:
    """Open `target` for writing, creating its folders (errors: ResourceFileCreateFailed)."""

    def __init__(self, target: Path, rel: str) -> None:
        self.target, self.rel = target, rel

    def __enter__(self):
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(self.target, "wb")
        except OSError as exc:
            raise StorageFailure("ResourceFileCreateFailed", exc.strerror or str(exc), FilePath=self.rel) from None
        return self.file

    def __exit__(self, *exc_info) -> None:
        self.file.close()


def _file_mode(raw: object, file_path: str) -> int:
    if raw in (None, ""):
        return DEFAULT_FILE_MODE
    try:
        mode = int(str(raw), 8)
        if not 0 <= mode <= 0o7777:
            raise ValueError
    except ValueError:
        raise StorageFailure("ResourceFileCreateFailed", f"fileMode {raw!r} is not an octal file mode", FilePath=file_path) from None
    return mode


def _chmod(target: Path, mode: int, rel: str) -> None:
    try:
        os.chmod(target, mode)
    except OSError as exc:
        raise StorageFailure("ResourceFileWriteFailed", exc.strerror or str(exc), FilePath=rel) from None


def _download_code(status: int | None) -> str:
    return {401: "BlobAccessDenied", 403: "BlobAccessDenied", 404: "BlobNotFound"}.get(status or 0, "BlobDownloadMiscError")


def _reason(exc: BaseException) -> str:
    """A one-line, secret-free reason: the storage error code when there is one."""
    code = getattr(exc, "error_code", None)
    code = getattr(code, "value", code)  # azure-storage-blob gives a StorageErrorCode
    status = getattr(exc, "status_code", None)
    if code or status:
        return scrub(f"{status or ''} {code or ''}".strip() + f": {str(exc).splitlines()[0] if str(exc) else ''}")
    return scrub(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def _package_version(blob_name: str, app_id: str) -> str | None:
    app, sep, rest = blob_name.partition("/")
    if app != app_id or not sep or not rest.lower().endswith(".zip") or not _APP_ID_RE.match(app):
        return None
    version = rest[:-4]
    return version if _VERSION_RE.match(version) else None


def _content_settings(headers: list[dict]) -> ContentSettings:
    known = {
        "content-type": "content_type",
        "content-encoding": "content_encoding",
        "content-language": "content_language",
        "content-disposition": "content_disposition",
        "cache-control": "cache_control",
    }
    values = {}
    for header in headers:
        name = str(header.get("name") or "").lower().removeprefix("x-ms-blob-")
        if name in known:
            values[known[name]] = header.get("value")
    return ContentSettings(**values)


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
