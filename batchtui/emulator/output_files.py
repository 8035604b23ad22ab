"""Output files: uploaded after the task's process exits, to the container URL
each outputFiles entry names, when the run meets its uploadCondition
(taskcompletion, tasksuccess, taskfailure). A filePattern is relative to wd/
(`**` recursive, $VAR expanded from the task's environment) and never matches
outside the task directory. Each attempt is logged to fileuploadout.txt or
fileuploaderr.txt in the task directory."""

from __future__ import annotations

import glob
import logging
import os
import re
from pathlib import Path

from azure.core.exceptions import AzureError, HttpResponseError
from azure.storage.blob import ContentSettings

from .blob_clients import url_container
from .executor import FailureInfo
from .formats import now_iso
from .storage_failures import StorageFailure, reason, redact_url, scrub
from .store import Doc

log = logging.getLogger("batchtui.emulator")

_MAGIC_RE = re.compile(r"[*?[]")
_ENV_RE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_HEADERS = {
    "content-type": "content_type",
    "content-encoding": "content_encoding",
    "content-language": "content_language",
    "content-disposition": "content_disposition",
    "cache-control": "cache_control",
}


async def upload_outputs(specs: list[Doc], task_dir: Path, succeeded: bool, env: dict[str, str]) -> FailureInfo | None:
    """Upload the outputFiles `specs` whose uploadCondition the run meets; the
    first failure (all are attempted). Writes fileuploadout.txt / fileuploaderr.txt."""
    out_log: list[str] = []
    err_log: list[str] = []
    failure: FailureInfo | None = None
    for spec in specs:
        condition = str((spec.get("uploadOptions") or {}).get("uploadCondition") or "taskcompletion").lower()
        if (condition == "tasksuccess" and not succeeded) or (condition == "taskfailure" and succeeded):
            continue
        try:
            try:
                await _upload_output(spec, task_dir, env, out_log)
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
            with open(task_dir / name, "a", encoding="utf-8") as handle:
                handle.writelines(line + "\n" for line in lines)
        except OSError:
            pass
    return failure


async def _upload_output(spec: Doc, task_dir: Path, env: dict[str, str], out_log: list[str]) -> None:
    pattern = _ENV_RE.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), str(spec.get("filePattern") or ""))
    destination = (spec.get("destination") or {}).get("container") or {}
    url = destination.get("containerUrl")
    if not pattern or not url:
        raise StorageFailure(
            "FileUploadMiscError", "An output file needs a filePattern and destination.container.containerUrl",
            FilePattern=pattern,
        )
    files = match_outputs(pattern, task_dir)
    if not files:
        out_log.append(f"{now_iso()} no files match {pattern}")
        return
    prefix = (destination.get("path") or "").strip("/")
    wildcard = bool(_MAGIC_RE.search(pattern))
    settings = _content_settings(destination.get("uploadHeaders") or [])
    safe_url = redact_url(url)
    try:
        container = url_container(url)
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
                        404: "FileUploadContainerNotFound"}.get(exc.status_code or 0, "FileUploadMiscError")
                raise StorageFailure(code, reason(exc), FilePath=shown, ContainerUrl=safe_url, BlobName=name) from None
            except (AzureError, OSError, ValueError) as exc:
                raise StorageFailure("FileUploadMiscError", reason(exc), FilePath=shown, ContainerUrl=safe_url,
                                     BlobName=name) from None
            out_log.append(f"{now_iso()} uploaded {shown} to {safe_url.rstrip('/')}/{name}")


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


def _content_settings(headers: list[Doc]) -> ContentSettings:
    """uploadHeaders (name/value pairs) as blob content settings; unknown names are ignored."""
    values = {}
    for header in headers:
        name = str(header.get("name") or "").lower().removeprefix("x-ms-blob-")
        if name in _HEADERS:
            values[_HEADERS[name]] = header.get("value")
    return ContentSettings(**values)
