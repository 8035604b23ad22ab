"""The details pane: a resource's key properties first, its errors highlighted
(resize errors, start-task failures, a task's failureInfo); an autoscale pool's
formula and last evaluation (its variables as a table, its error)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from ...service.autoscale import AutoScaleSettings, interval_text
from ...service.models import parse_time
from ...service.schedules import schedule_of
from ..format import limit, redact_urls, retries
from .autoscale_view import error_text, variables_table
from .hanging import HangingStatic
from .safe_text import inert, state_text

ERROR_STYLE = "bold red"
LABEL_WIDTH = 14  # the labels' column


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def _readable(value: Any, zone: tzinfo | None) -> Any:
    """A copy of a document with its ISO timestamps in `zone` (None: local time), to the second."""
    if isinstance(value, dict):
        return {key: _readable(item, zone) for key, item in value.items()}
    if isinstance(value, list):
        return [_readable(item, zone) for item in value]
    if isinstance(value, str) and _ISO.match(value):
        when = parse_time(value)
        if when is not None:
            return when.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")
    return value


def _line(text: Text, label: str, value: object, style: str = "") -> None:
    if value in (None, "", [], {}):
        return
    text.append(f"{label:<{LABEL_WIDTH}}", style="dim")
    if isinstance(value, Text):
        text.append_text(value)
    else:
        text.append(inert(value), style=style)
    text.append("\n")


def _packages(text: Text, doc: dict[str, Any]) -> None:
    """A pool's or task's applicationPackageReferences, one line each (no version: the default)."""
    for package in doc.get("applicationPackageReferences") or []:
        app_id = str(package.get("applicationId") or "").rstrip("/").rsplit("/applications/", 1)[-1]
        _line(text, "package", f"{app_id} {package.get('version') or '(default version)'}")


def _failure(text: Text, label: str, failure: dict[str, Any] | None) -> None:
    if not failure:
        return
    _line(text, label, f"{failure.get('code')} ({failure.get('category', '')})", ERROR_STYLE)
    _line(text, "", failure.get("message"), ERROR_STYLE)
    for detail in failure.get("details") or []:
        _line(text, "", f"{detail.get('name')}: {detail.get('value')}", "red")


def task_details(doc: dict[str, Any], workflow: list[tuple[str, str, str]] | None = None) -> Text:
    """`workflow`: (label, value, tone) lines of its dependencies and exit option (ui.model.task_workflow)."""
    info = doc.get("executionInfo") or {}
    node = doc.get("nodeInfo") or {}
    failed = doc.get("state") == "completed" and info.get("result") == "failure"
    text = Text()
    _line(text, "task", doc.get("id"), "bold")
    _line(text, "state", state_text(doc.get("state", ""), failed))
    _line(text, "command", doc.get("commandLine"))
    _line(text, "exit code", info.get("exitCode"), ERROR_STYLE if failed else "")
    for label, value, tone in workflow or []:
        _line(text, label, value, {"error": ERROR_STYLE, "dim": "dim"}.get(tone, ""))
    _failure(text, "failure", info.get("failureInfo"))
    _line(text, "node", node.get("nodeId"))
    _line(text, "pool", node.get("poolId"))
    _line(text, "started", info.get("startTime"))
    _line(text, "ended", info.get("endTime"))
    _line(text, "retries", f"{info.get('retryCount', 0)} of "
                           f"{retries((doc.get('constraints') or {}).get('maxTaskRetryCount', 0))}")
    _line(text, "requeues", info.get("requeueCount") or None)
    _line(text, "wall clock", limit((doc.get("constraints") or {}).get("maxWallClockTime")))
    _line(text, "slots", doc.get("requiredSlots"))
    _line(text, "created", doc.get("creationTime"))
    for setting in doc.get("environmentSettings") or []:
        _line(text, "env", f"{setting.get('name')}={redact_urls(setting.get('value', ''))}")
    for resource in doc.get("resourceFiles") or []:
        _line(text, "input", _resource_label(resource))
    for output in doc.get("outputFiles") or []:
        _line(text, "output", _output_label(output))
    _packages(text, doc)
    if doc.get("outputFiles") or doc.get("resourceFiles"):
        _line(text, "", "O opens these in the storage view", "dim")
    return text


def _without_query(url: str) -> str:
    """A URL without its query: SAS tokens never reach the screen."""
    return url.split("?", 1)[0]


def _resource_label(spec: dict[str, Any]) -> str:
    where = spec.get("filePath") or ""
    if spec.get("autoStorageContainerName"):
        source = f"{spec['autoStorageContainerName']}/{spec.get('blobPrefix', '')}"
    elif spec.get("storageContainerUrl"):
        source = f"{_without_query(spec['storageContainerUrl'])}/{spec.get('blobPrefix', '')}"
    else:
        source = _without_query(spec.get("httpUrl", ""))
    return f"{source} → wd/{where}".rstrip("/")


def _output_label(spec: dict[str, Any]) -> str:
    container = (spec.get("destination") or {}).get("container") or {}
    condition = (spec.get("uploadOptions") or {}).get("uploadCondition", "")
    target = f"{_without_query(container.get('containerUrl', ''))}/{container.get('path', '')}"
    return f"{spec.get('filePattern')} → {target} ({condition})"


def storage_location(doc: dict[str, Any]) -> tuple[str, str] | None:
    """(container, prefix) of a task's first output destination, else of its first
    auto-storage input: where 'open outputs' goes."""
    for output in doc.get("outputFiles") or []:
        container = (output.get("destination") or {}).get("container") or {}
        url = _without_query(container.get("containerUrl", ""))
        if url:
            name = url.rstrip("/").rsplit("/", 1)[-1]
            path = container.get("path", "")
            return name, path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    for resource in doc.get("resourceFiles") or []:
        if resource.get("autoStorageContainerName"):
            return resource["autoStorageContainerName"], resource.get("blobPrefix", "")
    return None


def job_details(doc: dict[str, Any]) -> Text:
    info = doc.get("executionInfo") or {}
    text = Text()
    pool_info = doc.get("poolInfo") or {}
    _line(text, "job", doc.get("id"), "bold")
    _line(text, "schedule", schedule_of(str(doc.get("id", ""))))  # a job a job schedule created (key s)
    _line(text, "state", state_text(doc.get("state", "")))
    _line(text, "pool", pool_info.get("poolId"))
    if pool_info.get("autoPoolSpecification"):
        _auto_pool(text, pool_info["autoPoolSpecification"], info.get("poolId"))
    _line(text, "priority", doc.get("priority"))
    _line(text, "created", doc.get("creationTime"))
    _line(text, "started", info.get("startTime"))
    _line(text, "ended", info.get("endTime"))
    _line(text, "reason", info.get("terminateReason"))
    scheduling = info.get("schedulingError")
    if scheduling:
        _line(text, "sched. error", f"{scheduling.get('code')}: {scheduling.get('message')}", ERROR_STYLE)
    _line(text, "on all done", doc.get("onAllTasksComplete"))
    _line(text, "on failure", doc.get("onTaskFailure"))
    if doc.get("usesTaskDependencies"):
        _line(text, "task deps", "used: tasks may depend on others (D on a task)")
    constraints = doc.get("constraints") or {}
    _line(text, "max retries", retries(constraints.get("maxTaskRetryCount")))
    _line(text, "wall clock", limit(constraints.get("maxWallClockTime")))
    return text


def _auto_pool(text: Text, spec: dict[str, Any], pool_id: str | None) -> None:
    """An auto pool: its id once created, how long it lives, whether it is kept."""
    lifetime = spec.get("poolLifetimeOption", "")
    _line(text, "auto pool", pool_id or "(not created yet)")
    _line(text, "pool lives", f"as long as its {'job schedule' if lifetime == 'jobschedule' else 'job'}"
          + (", then kept (keepAlive)" if spec.get("keepAlive") else ""))


def _next_run(doc: dict[str, Any], due: bool) -> str:
    """A schedule's next run: "—" unless it is active (a disabled one creates no job until enabled); a `due`
    run (its time has passed) waits while the recent job is unfinished."""
    info = doc.get("executionInfo") or {}
    if doc.get("state") != "active" or not info.get("nextRunTime"):
        return "—"
    recent = (info.get("recentJob") or {}).get("id")
    if due and recent:
        return f"{info['nextRunTime']}, due: created once {recent} ends (if it is still running)"
    return str(info["nextRunTime"])


def schedule_details(doc: dict[str, Any], due: bool = False) -> Text:
    """A job schedule: when it runs (`due`: its next run time has passed), what it last created, and the
    jobs' pool."""
    schedule = doc.get("schedule") or {}
    info = doc.get("executionInfo") or {}
    spec = doc.get("jobSpecification") or {}
    pool_info = spec.get("poolInfo") or {}
    text = Text()
    _line(text, "schedule", doc.get("id"), "bold")
    _line(text, "name", doc.get("displayName"))
    _line(text, "state", state_text(doc.get("state", "")))
    _line(text, "next run", _next_run(doc, due))
    _line(text, "recent job", (info.get("recentJob") or {}).get("id"))
    _line(text, "every", limit(schedule.get("recurrenceInterval")) or "once (no recurrence)")
    _line(text, "not before", schedule.get("doNotRunUntil"))
    _line(text, "not after", schedule.get("doNotRunAfter"))
    _line(text, "start window", limit(schedule.get("startWindow")))
    _line(text, "ended", info.get("endTime"))
    _line(text, "pool", pool_info.get("poolId"))
    if pool_info.get("autoPoolSpecification"):
        _auto_pool(text, pool_info["autoPoolSpecification"], None)
    _line(text, "job priority", spec.get("priority"))
    _line(text, "on all done", spec.get("onAllTasksComplete"))
    _line(text, "created", doc.get("creationTime"))
    return text


def pool_details(doc: dict[str, Any]) -> Text:
    text = Text()
    _line(text, "pool", doc.get("id"), "bold")
    _line(text, "state", state_text(doc.get("state", "")))
    allocation = state_text(doc.get("allocationState", "")).copy()
    if doc.get("enableAutoScale"):
        allocation.append(" (autoscale)", style="cyan")
    _line(text, "allocation", allocation)
    _line(text, "dedicated", f"{doc.get('currentDedicatedNodes', 0)} of {doc.get('targetDedicatedNodes', 0)}")
    _line(text, "low priority", f"{doc.get('currentLowPriorityNodes', 0)} of {doc.get('targetLowPriorityNodes', 0)}")
    for error in doc.get("resizeErrors") or []:
        _line(text, "resize error", f"{error.get('code')}: {error.get('message')}", ERROR_STYLE)
    _line(text, "vm size", doc.get("vmSize"))
    vm = doc.get("virtualMachineConfiguration") or {}
    image = vm.get("imageReference") or {}
    _line(text, "image", " ".join(str(image[k]) for k in ("publisher", "offer", "sku") if image.get(k)))
    _line(text, "node agent", vm.get("nodeAgentSKUId"))
    _line(text, "slots/node", doc.get("taskSlotsPerNode"))
    _line(text, "start task", (doc.get("startTask") or {}).get("commandLine"))
    _packages(text, doc)
    _line(text, "created", doc.get("creationTime"))
    if doc.get("enableAutoScale"):
        _autoscale(text, doc)
    return text


def _autoscale(text: Text, doc: dict[str, Any]) -> None:
    """An autoscale pool's formula, interval and last evaluation (variables table, error)."""
    settings = AutoScaleSettings.from_pool(doc)
    _line(text, "autoscale", f"on, evaluated every {interval_text(settings.interval) or '?'} (A edits it)", "cyan")
    for index, line in enumerate(settings.formula.splitlines()):
        _line(text, "formula" if index == 0 else "", line or " ")
    run = doc.get("autoScaleRun") or {}
    _line(text, "last run", run.get("timestamp") or "not yet")
    if settings.last_run is not None:
        text.append_text(variables_table(settings.last_run.variables, indent=LABEL_WIDTH))
        if settings.last_run.error is not None:
            text.append_text(error_text(settings.last_run.error, LABEL_WIDTH, "autoscale err"))


def node_details(doc: dict[str, Any]) -> Text:
    text = Text()
    info = doc.get("startTaskInfo") or {}
    _line(text, "node", doc.get("id"), "bold")
    _line(text, "state", state_text(doc.get("state", "")))
    _line(text, "scheduling", doc.get("schedulingState"))
    _line(text, "kind", "dedicated" if doc.get("isDedicated", True) else "low priority")
    _line(text, "ip", doc.get("ipAddress"))
    _line(text, "vm size", doc.get("vmSize"))
    _line(text, "running", f"{doc.get('runningTasksCount', 0)} tasks, {doc.get('runningTaskSlotsCount', 0)} slots")
    _line(text, "tasks run", f"{doc.get('totalTasksRun', 0)} ({doc.get('totalTasksSucceeded', 0)} succeeded)")
    if info:
        failed = info.get("result") == "failure"
        outcome = f"{info.get('state')} exit {info.get('exitCode', '—')}"
        _line(text, "start task", outcome, ERROR_STYLE if failed else "")
        _failure(text, "failure", info.get("failureInfo"))
    for error in doc.get("errors") or []:
        _line(text, "error", f"{error.get('code')}: {error.get('message')}", ERROR_STYLE)
    _line(text, "booted", doc.get("lastBootTime"))
    _line(text, "allocated", doc.get("allocationTime"))
    return text


RENDERERS = {"tasks": task_details, "jobs": job_details, "pools": pool_details, "nodes": node_details,
             "schedules": schedule_details}


def render_details(kind: str, doc: dict[str, Any], zone: tzinfo | None = None,
                   workflow: list[tuple[str, str, str]] | None = None, now: datetime | None = None) -> Text:
    """The details of a `kind` ("tasks", "jobs", "pools", "nodes", "schedules") document, times in `zone`
    (None: local); `workflow`: a task's dependency and exit-option lines; `now` (aware; None: the wall
    clock's): whether a schedule's next run is due."""
    if kind == "tasks":
        return task_details(_readable(doc, zone), workflow)
    if kind == "schedules":
        next_run = parse_time((doc.get("executionInfo") or {}).get("nextRunTime"))
        return schedule_details(_readable(doc, zone), next_run is not None and next_run <= (now or datetime.now(UTC)))
    return RENDERERS[kind](_readable(doc, zone))


class DetailsPane(VerticalScroll, can_focus=False):
    """Takes no keys (tab skips it; `y` shows the whole document, scrollable)."""

    DEFAULT_CSS = """
    DetailsPane {
        height: 35%; min-height: 4; max-height: 18; border-top: hkey $foreground 20%; padding: 0 1;
    }
    DetailsPane > Static { width: 100%; }
    """

    def compose(self) -> ComposeResult:
        yield HangingStatic("", id="details-body", markup=False)

    _shown: tuple[object, ...] | None = None

    def show(self, content: Text | str, hang: int = 0) -> None:
        """Show `content`; `hang` > 0: its lines are label (`hang` cells) then value, and a value too wide
        for the pane wraps under the value's column (render_details' Text: hang=LABEL_WIDTH)."""
        key = (content.plain, tuple(content.spans), hang) if isinstance(content, Text) else (content,)
        if key == self._shown:
            return  # unchanged: no repaint (bytes over SSH)
        self._shown = key
        for body in self.query("#details-body").results(HangingStatic):  # none while the app shuts down
            body.show(content, hang)
