"""The api-versions the emulator serves, in one table: per version, the routes
that exist and whether the emulator acts on them, and the node states (with
their `nodecounts` fields) a response may carry.

Where the facts come from: the routes of each version are those of the
generated SDK of that version (azure-batch 13.0.0 = 2022-10-01.16.0, 14.0.0 =
2023-05-01.17.0, 14.1.0 = 2023-11-01.18.0, 14.2.0 = 2024-02-01.19.0, 15.0.0b2 =
2024-07-01.20.0, 15.1.0 = 2025-06-01; each generated from the REST
specification, Azure/azure-rest-api-specs `specification/batch/`). Every route
has the same URL, method and body shape in all the versions that have it. The
request and response properties of each version are the request schema's
(`schema/`, its `since`/`until` marks); `shapes.py` applies them to responses.

    route_problem(method, canonical_path, api_version) -> BatchError | None
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import errors
from .schema.versions import API_VERSIONS, LATEST, OLDEST, V16, V19, V20, index_of

__all__ = [
    "API_VERSIONS",
    "LATEST",
    "NODE_STATES_SINCE",
    "ROUTES",
    "Route",
    "node_count_fields",
    "node_state",
    "negotiate",
    "not_supported",
    "route_problem",
]

# The values of the path parameters the handlers read: {pool} {node} {job} {task} {path}.
POOL = "/pools/{pool}"
NODE = POOL + "/nodes/{node}"
JOB = "/jobs/{job}"
TASK = JOB + "/tasks/{task}"
SCHEDULE = "/jobschedules/{schedule}"
CERTIFICATE = "/certificates(thumbprintAlgorithm={algorithm},thumbprint={thumbprint})"


@dataclass(frozen=True)
class Route:
    """One operation of Batch's REST API: method and path (aiohttp's canonical
    form), the operation's name (azure-batch 15.1's, else 15.0.0b2's or 13.0's),
    the api-versions it exists in (inclusive), and whether the emulator acts on
    it (`emulated`); when not, `why` says what is missing."""

    method: str
    path: str
    operation: str
    emulated: bool = True
    since: str = OLDEST
    until: str = LATEST
    why: str = ""

    def exists_in(self, api_version: str) -> bool:
        return index_of(self.since) <= index_of(api_version) <= index_of(self.until)


_RDP = "Nodes are Linux-like: there is no RDP file; log in with ssh (remoteloginsettings)."
_CERTIFICATES = "Certificates are retired in Azure Batch (use Azure Key Vault); the batchtui emulator stores none."
_LIFETIME = "Account lifetime statistics (api-version 2022-10-01.16.0 only) are not kept by the emulator."


def _off(method: str, path: str, operation: str, why: str, since: str = OLDEST, until: str = LATEST) -> Route:
    """A route of Batch's API the emulator answers with not_supported()."""
    return Route(method, path, operation, False, since, until, why)


_SCHEDULE_ROUTES = (
    Route("GET", "/jobschedules", "list_job_schedules"),
    Route("POST", "/jobschedules", "create_job_schedule"),
    Route("HEAD", SCHEDULE, "job_schedule_exists"),
    Route("GET", SCHEDULE, "get_job_schedule"),
    Route("PATCH", SCHEDULE, "update_job_schedule"),
    Route("PUT", SCHEDULE, "replace_job_schedule"),
    Route("DELETE", SCHEDULE, "delete_job_schedule"),
    Route("POST", SCHEDULE + "/disable", "disable_job_schedule"),
    Route("POST", SCHEDULE + "/enable", "enable_job_schedule"),
    Route("POST", SCHEDULE + "/terminate", "terminate_job_schedule"),
    Route("GET", SCHEDULE + "/jobs", "list_jobs_from_schedule"),
)


ROUTES: tuple[Route, ...] = (
    # account
    Route("GET", "/applications", "list_applications"),
    Route("GET", "/applications/{application}", "get_application"),
    Route("GET", "/supportedimages", "list_supported_images"),
    Route("GET", "/poolusagemetrics", "list_pool_usage_metrics"),
    Route("GET", "/nodecounts", "list_pool_node_counts"),
    _off("GET", "/lifetimejobstats", "get_all_lifetime_statistics", _LIFETIME, until=V16),
    _off("GET", "/lifetimepoolstats", "get_all_lifetime_statistics", _LIFETIME, until=V16),
    # certificates: an empty store, up to 2024-07-01.20.0
    Route("GET", "/certificates", "list_certificates", until=V20),
    _off("POST", "/certificates", "create_certificate", _CERTIFICATES, until=V20),
    Route("GET", CERTIFICATE, "get_certificate", until=V20),
    Route("DELETE", CERTIFICATE, "delete_certificate", until=V20),
    Route("POST", CERTIFICATE + "/canceldelete", "cancel_certificate_deletion", until=V20),
    # pools
    Route("GET", "/pools", "list_pools"),
    Route("POST", "/pools", "create_pool"),
    Route("GET", POOL, "get_pool"),
    Route("HEAD", POOL, "pool_exists"),
    Route("PATCH", POOL, "update_pool"),
    Route("DELETE", POOL, "delete_pool"),
    Route("POST", POOL + "/resize", "resize_pool"),
    Route("POST", POOL + "/stopresize", "stop_pool_resize"),
    Route("POST", POOL + "/removenodes", "remove_nodes"),
    Route("POST", POOL + "/updateproperties", "replace_pool_properties"),
    Route("POST", POOL + "/disableautoscale", "disable_pool_auto_scale"),
    Route("POST", POOL + "/enableautoscale", "enable_pool_auto_scale"),
    Route("POST", POOL + "/evaluateautoscale", "evaluate_pool_auto_scale"),
    # nodes
    Route("GET", POOL + "/nodes", "list_nodes"),
    Route("GET", NODE, "get_node"),
    Route("POST", NODE + "/reboot", "reboot_node"),
    Route("POST", NODE + "/reimage", "reimage_node"),
    Route("POST", NODE + "/deallocate", "deallocate_node", since=V20),
    Route("POST", NODE + "/start", "start_node", since=V20),
    Route("POST", NODE + "/disablescheduling", "disable_node_scheduling"),
    Route("POST", NODE + "/enablescheduling", "enable_node_scheduling"),
    Route("POST", NODE + "/uploadbatchservicelogs", "upload_node_logs"),
    Route("GET", NODE + "/extensions", "list_node_extensions"),
    Route("GET", NODE + "/extensions/{extension}", "get_node_extension"),
    Route("GET", NODE + "/remoteloginsettings", "get_node_remote_login_settings"),
    _off("GET", NODE + "/rdp", "get_remote_desktop", _RDP, until=V19),
    Route("POST", NODE + "/users", "create_node_user"),
    Route("PUT", NODE + "/users/{user}", "replace_node_user"),
    Route("DELETE", NODE + "/users/{user}", "delete_node_user"),
    Route("GET", NODE + "/files", "list_node_files"),
    Route("GET", NODE + "/files/{path}", "get_node_file"),
    Route("HEAD", NODE + "/files/{path}", "get_node_file_properties"),
    Route("DELETE", NODE + "/files/{path}", "delete_node_file"),
    # jobs
    Route("GET", "/jobs", "list_jobs"),
    Route("POST", "/jobs", "create_job"),
    Route("GET", JOB, "get_job"),
    Route("PATCH", JOB, "update_job"),
    Route("PUT", JOB, "replace_job"),
    Route("DELETE", JOB, "delete_job"),
    Route("POST", JOB + "/disable", "disable_job"),
    Route("POST", JOB + "/enable", "enable_job"),
    Route("POST", JOB + "/terminate", "terminate_job"),
    Route("GET", JOB + "/taskcounts", "get_job_task_counts"),
    Route("GET", JOB + "/jobpreparationandreleasetaskstatus", "list_job_preparation_and_release_task_status"),
    # tasks
    Route("GET", JOB + "/tasks", "list_tasks"),
    Route("POST", JOB + "/tasks", "create_task"),
    Route("POST", JOB + "/addtaskcollection", "create_task_collection"),
    Route("GET", TASK, "get_task"),
    Route("PUT", TASK, "replace_task"),
    Route("DELETE", TASK, "delete_task"),
    Route("POST", TASK + "/terminate", "terminate_task"),
    Route("POST", TASK + "/reactivate", "reactivate_task"),
    Route("GET", TASK + "/subtasksinfo", "list_subtasks"),
    Route("GET", TASK + "/files", "list_task_files"),
    Route("GET", TASK + "/files/{path}", "get_task_file"),
    Route("HEAD", TASK + "/files/{path}", "get_task_file_properties"),
    Route("DELETE", TASK + "/files/{path}", "delete_task_file"),
    *_SCHEDULE_ROUTES,
)

_BY_KEY: Mapping[tuple[str, str], Route] = {(r.method, r.path): r for r in ROUTES}

# Node states added after the oldest version, and the state an older version is
# told instead. "unknown" exists in every version ("The Batch service has lost
# contact with the Compute Node, and does not know its true state"): the honest
# answer for a state that version cannot name.
NODE_STATES_SINCE: Mapping[str, str] = {"upgradingos": V19, "deallocated": V20, "deallocating": V20}
OLDER_NODE_STATE = "unknown"
# The nodecounts field of each such state (the counts use camelCase names).
_COUNT_FIELDS: Mapping[str, str] = {"upgradingos": "upgradingOS", "deallocated": "deallocated",
                                    "deallocating": "deallocating"}


def negotiate(api_version: str | None) -> str:
    """The api-version a request asks for, when the emulator serves it.

    Raises BatchError 400 MissingRequiredQueryParameter when absent, and 400
    InvalidQueryParameterValue (as Batch answers an api-version it does not
    know) when it is not one of API_VERSIONS."""
    if not api_version:
        raise errors.BatchError(
            400, "MissingRequiredQueryParameter",
            "A query parameter that's mandatory for this request is not specified.",
            [("QueryParameterName", "api-version")],
        )
    if api_version not in API_VERSIONS:
        raise errors.invalid_query(
            "api-version", api_version, f"The batchtui emulator serves api-versions {', '.join(API_VERSIONS)}.")
    return api_version


def route_of(method: str, canonical_path: str) -> Route | None:
    """The table's route for a method and an aiohttp canonical path (None: not Batch's)."""
    return _BY_KEY.get((method, canonical_path))


def route_problem(method: str, canonical_path: str, api_version: str) -> errors.BatchError | None:
    """None when the route exists in `api_version`, else the 400 InvalidUri Batch
    answers for a URI that is not part of that version's API."""
    route = route_of(method, canonical_path)
    if route is None or route.exists_in(api_version):
        return None
    span = route.since if route.since == route.until else f"{route.since} to {route.until}"
    return errors.BatchError(
        400, "InvalidUri", "The requested URI does not represent any resource on the server.",
        [("Reason", f"{route.operation} ({method} {route.path}) is not part of api-version {api_version}; "
                    f"it exists in api-version {span}.")],
    )


def not_supported(route: Route) -> errors.BatchError:
    """The answer to a Batch operation the emulator does not act on: 501, so
    that no client retries it (azure-core and msrest treat 501 as final) nor
    mistakes it for a missing resource (404) or a bad request (400)."""
    return errors.BatchError(
        501, "NotSupportedByEmulator",
        f"The operation {route.operation} ({route.method} {route.path}) is not supported by the batchtui emulator.",
        [("Reason", route.why)],
    )


def node_state(state: str, api_version: str) -> str:
    """A node state as `api_version` can name it (see NODE_STATES_SINCE)."""
    since = NODE_STATES_SINCE.get(state)
    if since is not None and index_of(since) > index_of(api_version):
        return OLDER_NODE_STATE
    return state


def node_count_fields(api_version: str) -> tuple[str, ...]:
    """The nodecounts fields (camelCase) that `api_version` lacks."""
    return tuple(_COUNT_FIELDS[state] for state, since in NODE_STATES_SINCE.items()
                 if index_of(since) > index_of(api_version))
