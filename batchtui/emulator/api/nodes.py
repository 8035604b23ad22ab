"""Compute nodes: list, get, reboot, reimage, deallocate, start, enable/disable
scheduling, their VM extensions, the upload of their service logs, their user
accounts (node_users) and remote login settings (node_ssh)."""

from __future__ import annotations

from aiohttp import web

from .. import errors, node_users, versions
from ..node_logs import UploadFailed, upload_node_logs
from ..node_ssh import LOOPBACK, node_up
from ..shapes import shape
from ..store import Collection, Doc
from .http import (
    accepted,
    api_version,
    base_url,
    created,
    engine_of,
    entity_response,
    expand_stats,
    json_response,
    list_view,
    paged,
    read_body,
    select_fields,
    updated,
)
from .pools import get_node, get_pool

NODE_FIELDS = {"id": "string", "state": "string", "schedulingState": "string", "vmSize": "string"}


def _node_path(pool: Doc, node: Doc) -> str:
    return f"/pools/{pool['id']}/nodes/{node['id']}"


def _node_ready(request: web.Request, operation: str) -> tuple[Doc, Doc]:
    """The pool and node of the request, when the node is idle or running (409 else)."""
    pool = get_pool(request)
    node = get_node(request, pool)
    if node["state"] not in ("idle", "running") or node.get("_pending"):
        state = versions.node_state(node["state"], api_version(request))
        raise errors.invalid_state(f"The node is {state}; it can be {operation} only when idle or running.")
    return pool, node


async def reboot_node(request: web.Request) -> web.Response:
    body = await read_body(request, "node.reboot", required=False)
    pool, node = _node_ready(request, "rebooted")
    engine_of(request).nodes.restart(pool, node, "rebooting", body.get("nodeRebootOption", "requeue"))
    return accepted(request, _node_path(pool, node))


async def reimage_node(request: web.Request) -> web.Response:
    body = await read_body(request, "node.reimage", required=False)
    pool, node = _node_ready(request, "reimaged")
    engine_of(request).nodes.restart(pool, node, "reimaging", body.get("nodeReimageOption", "requeue"))
    return accepted(request, _node_path(pool, node))


async def deallocate_node(request: web.Request) -> web.Response:
    """deallocating (its tasks dealt with by nodeDeallocateOption), then deallocated; 202."""
    body = await read_body(request, "node.deallocate", required=False)
    pool, node = _node_ready(request, "deallocated")
    engine_of(request).nodes.deallocate(pool, node, body.get("nodeDeallocateOption", "requeue"))
    return accepted(request, _node_path(pool, node))


async def start_node(request: web.Request) -> web.Response:
    """A deallocated node boots again (starting, its start task, idle); 202."""
    pool = get_pool(request)
    node = get_node(request, pool)
    if node["state"] != "deallocated":
        raise errors.invalid_state(f"The node is {node['state']}; only a deallocated node can be started.")
    engine_of(request).nodes.start(pool, node)
    return accepted(request, _node_path(pool, node))


async def disable_scheduling(request: web.Request) -> web.Response:
    body = await read_body(request, "node.disablescheduling", required=False)
    pool = get_pool(request)
    node = get_node(request, pool)
    option = body.get("nodeDisableSchedulingOption", "requeue")
    engine_of(request).nodes.set_scheduling(pool, node, False, option)
    return _node_changed(request, pool, node)


async def enable_scheduling(request: web.Request) -> web.Response:
    pool = get_pool(request)
    node = get_node(request, pool)
    engine_of(request).nodes.set_scheduling(pool, node, True)
    return _node_changed(request, pool, node)


def _node_changed(request: web.Request, pool: Doc, node: Doc) -> web.Response:
    """200, naming the node (Batch's answer to enable/disable scheduling)."""
    return web.Response(status=200, headers={"DataServiceId": base_url(request) + _node_path(pool, node)})


async def list_nodes(request: web.Request) -> web.Response:
    engine = engine_of(request)
    pool = get_pool(request)
    expand_stats(request, allowed=False)
    pool_id, version = pool["id"], api_version(request)
    return paged(
        request,
        engine.store.pool_nodes(pool_id),
        list_view(request, "node", pool_id),
        NODE_FIELDS,
        f"pools/{pool_id}/nodes",
        view=lambda node: {**node, "state": versions.node_state(node["state"], version)},
    )


async def get_node_handler(request: web.Request) -> web.Response:
    pool = get_pool(request)
    node = get_node(request, pool)
    return entity_response(request, "node", node, pool["id"], metadata="nodes/@Element")


def _extensions(request: web.Request) -> Collection:
    """The node's VM extensions: those of its pool's virtualMachineConfiguration, as
    provisioned (the emulator runs no VM extensions, and says so in each status)."""
    pool = get_pool(request)
    node = get_node(request, pool)
    found = Collection()
    for ext in (pool.get("virtualMachineConfiguration") or {}).get("extensions") or []:
        vm_extension = {k: v for k, v in ext.items() if k != "protectedSettings"}
        status = {
            "code": "ProvisioningState/succeeded",
            "level": "Info",
            "displayStatus": "Provisioning succeeded",
            "message": "The batchtui emulator runs no VM extensions: this one is listed as the pool configures it.",
            "time": node.get("lastBootTime") or node["allocationTime"],
        }
        found.add({"id": ext["name"], "provisioningState": "Succeeded", "vmExtension": vm_extension,
                   "instanceView": {"name": ext["name"], "statuses": [status]}})
    return found


def _extension_view(request: web.Request, ext: Doc) -> Doc:
    return shape("extension", {k: v for k, v in ext.items() if k != "id"}, api_version(request))


async def list_extensions(request: web.Request) -> web.Response:
    return paged(request, _extensions(request), lambda ext: _extension_view(request, ext), {},
                 "Collection(Microsoft.Azure.Batch.Protocol.Entities.NodeVMExtension)")


async def get_extension(request: web.Request) -> web.Response:
    ext = _extensions(request).get(request.match_info["extension"])
    if ext is None:
        raise errors.BatchError(404, "NodeExtensionNotFound", "The specified node extension does not exist.")
    body = _extension_view(request, ext)
    fields = select_fields(request)
    return json_response(request, {k: v for k, v in body.items() if not fields or k in fields},
                         metadata="Microsoft.Azure.Batch.Protocol.Entities.NodeVMExtension/@Element")


async def upload_logs(request: web.Request) -> web.Response:
    """The node's logs (see node_logs) written to the given container; 200
    {virtualDirectoryName, numberOfFilesUploaded}. A container the emulator cannot
    write is 400 InvalidPropertyValue naming containerUrl."""
    body = await read_body(request, "node.uploadbatchservicelogs")
    pool = get_pool(request)
    node = get_node(request, pool)
    root = engine_of(request).runtime.node_root(node["id"])
    try:
        done = await upload_node_logs(pool["id"], node, root, body["containerUrl"], body["startTime"],
                                      body.get("endTime"))
    except UploadFailed as exc:
        raise errors.invalid_property("containerUrl", "(the URL given)", str(exc)) from None
    return json_response(request, {"virtualDirectoryName": done.virtual_directory,
                                   "numberOfFilesUploaded": done.files},
                         metadata="Microsoft.Azure.Batch.Protocol.Entities.UploadBatchServiceLogsResult")


async def create_user(request: web.Request) -> web.Response:
    """201; 409 NodeUserExists, 409 OperationInvalidForCurrentState (node not idle or running)."""
    body = await read_body(request, "node.adduser")
    pool, node = _node_ready(request, "given a user account")
    node_users.add_user(node, body)
    engine_of(request).store.touch("node", node, pool["id"])
    return created(request, f"{_node_path(pool, node)}/users/{body['name']}", node)


async def replace_user(request: web.Request) -> web.Response:
    """200; 404 NodeUserNotFound; 409 as create_user."""
    body = await read_body(request, "node.replaceuser")
    pool, node = _node_ready(request, "given a user account")
    node_users.replace_user(node, request.match_info["user"], body)
    engine_of(request).store.touch("node", node, pool["id"])
    return updated(request, f"{_node_path(pool, node)}/users/{request.match_info['user']}")


async def delete_user(request: web.Request) -> web.Response:
    """200; 404 NodeUserNotFound; 409 as create_user."""
    pool, node = _node_ready(request, "cleared of a user account")
    node_users.delete_user(node, request.match_info["user"])
    engine_of(request).store.touch("node", node, pool["id"])
    return web.Response(status=200)


async def remote_login_settings(request: web.Request) -> web.Response:
    """{remoteLoginIPAddress, remoteLoginPort} of the node's SSH endpoint (opened
    now if need be); 409 OperationInvalidForCurrentState while the node is not up."""
    pool = get_pool(request)
    node = get_node(request, pool)
    if not node_up(node):
        state = versions.node_state(node["state"], api_version(request))
        raise errors.invalid_state(f"The node is {state}; it can be logged in to only once it is up.")
    try:
        port = await engine_of(request).node_ssh.port_of(pool["id"], node["id"])
    except OSError as exc:
        raise errors.BatchError(503, "ServerBusy", f"The node's SSH endpoint cannot be opened: {exc}") from None
    return json_response(request, {"remoteLoginIPAddress": LOOPBACK, "remoteLoginPort": port},
                         metadata="Microsoft.Azure.Batch.Protocol.Entities.ComputeNodeGetRemoteLoginSettingsResult")


def routes() -> list[web.RouteDef]:
    node = "/pools/{pool}/nodes/{node}"
    return [
        web.get("/pools/{pool}/nodes", list_nodes),
        web.get(node, get_node_handler),
        web.post(node + "/reboot", reboot_node),
        web.post(node + "/reimage", reimage_node),
        web.post(node + "/deallocate", deallocate_node),
        web.post(node + "/start", start_node),
        web.post(node + "/disablescheduling", disable_scheduling),
        web.post(node + "/enablescheduling", enable_scheduling),
        web.get(node + "/extensions", list_extensions),
        web.get(node + "/extensions/{extension}", get_extension),
        web.post(node + "/uploadbatchservicelogs", upload_logs),
        web.post(node + "/users", create_user),
        web.put(node + "/users/{user}", replace_user),
        web.delete(node + "/users/{user}", delete_user),
        web.get(node + "/remoteloginsettings", remote_login_settings),
    ]
