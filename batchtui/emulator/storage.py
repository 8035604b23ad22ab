"""Blob storage around a task's run, as a Batch node does it: application
packages and resource files before the command starts, output files after it
exits. Uses azure-storage-blob (aio) against any blob service — Azurite
locally — and aiohttp for plain `httpUrl` downloads.

Timing, as on Batch: the task is `running` while its inputs download (the
download is part of the run: `executionInfo.startTime` is set before it), and
`maxWallClockTime` applies to the process alone. A failed download fails the
task without running its command (`result` failure, no exit code); a failed
upload fails a task whose process succeeded (its exit code is kept). Neither
is retried: `maxTaskRetryCount` counts non-zero exits only.

The steps live in app_packages, resource_files and output_files; the failure
codes and the scrubbing of SAS tokens in storage_failures.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from . import output_files
from .app_packages import AppPackages
from .blob_clients import AutoStorage
from .executor import FailureInfo
from .resource_files import download_resource_file
from .storage_failures import StorageFailure, scrub
from .store import Doc

log = logging.getLogger("batchtui.emulator")


@dataclass
class TaskStorage:
    """What one run needs from storage: where, and the task's (or start task's)
    resourceFiles, outputFiles and application packages (the pool's, then its own)."""

    node_root: Path
    task_dir: Path
    resource_files: list[Doc] = field(default_factory=list)
    output_files: list[Doc] = field(default_factory=list)
    packages: list[Doc] = field(default_factory=list)

    @property
    def has_inputs(self) -> bool:
        return bool(self.resource_files or self.packages)


def task_storage(spec: Doc, pool: Doc | None, node_root: Path, task_dir: Path) -> TaskStorage:
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
        self.auto_storage = AutoStorage(connection_string)
        self.packages = AppPackages(self.auto_storage)

    async def prepare(self, work: TaskStorage) -> tuple[FailureInfo | None, dict[str, str]]:
        """Deploy the packages, then download the resource files into wd/.
        (failureInfo or None, the environment variables the packages add)."""
        env: dict[str, str] = {}
        try:
            for ref in work.packages:
                env.update(await self.packages.deploy(ref, work.node_root))
            workdir = work.task_dir / "wd"
            workdir.mkdir(parents=True, exist_ok=True)
            for spec in work.resource_files:
                await download_resource_file(spec, workdir, self.auto_storage)
        except StorageFailure as exc:
            return exc.failure, env
        except OSError as exc:
            return StorageFailure("ResourceFileCreateFailed", exc.strerror or str(exc)).failure, env
        except Exception as exc:  # noqa: BLE001 - a bug must fail the task, not leave it running
            log.error("resource files failed: %s", scrub(repr(exc)))
            return StorageFailure("BlobDownloadMiscError", f"Internal error: {type(exc).__name__}").failure, env
        return None, env

    async def upload_outputs(self, work: TaskStorage, succeeded: bool, env: dict[str, str]) -> FailureInfo | None:
        """Upload the outputFiles whose uploadCondition the run meets; the first
        failure (all are attempted). Writes fileuploadout.txt / fileuploaderr.txt."""
        return await output_files.upload_outputs(work.output_files, work.task_dir, succeeded, env)

    async def list_applications(self) -> list[Doc]:
        """The applications in the auto-storage account (none without one), as
        Batch lists them: {id, displayName, versions}. StorageUnavailable when
        the account cannot be read."""
        return await self.packages.list_applications()
