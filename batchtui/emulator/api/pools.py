"""Pools, their nodes, and node counts."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from .. import errors
from ..resources import new_pool, public, stamp
from ..store import Doc
from .http import (
    accepted,
    base_url,
    created,
    engine_of,
    entity_response,
    expand_stats,
    paged,
    read_body,
)

POOL_FIELDS = {
    "id": "string",
    "state": "string",
    "allocationState": "string",
    "vmSize": "string",
    "creationTime": "datetime",
    "stateTransitionTime": "datetime",
    "lastModified": "datetime",
}
NODE_FIELDS = {"id": "string", "state": "string", "schedulingState": "string", "vmSize": "string"}
NODE_COUNT_STATES = (
    "creating", "idle", "offline", "preempted", "rebooting", "reimaging", "running", "starting",
    "startTaskFailed", "leavingPool", "unknown", "unusable", "waitingForStartTask",
    "deallocated", "deallocating", "upgradingOS",
)


def get_pool(request: web.Request) -> Doc:
    pool = engine_of(request).store.pools.get(request.match_info["pool"])
    if pool is None:
        raise errors.not_found("Pool", request.match_info["pool"])
    return pool


def get_node(request: web.Request, pool: Doc) -> Doc:
    node = engine_of(request).store.pool_nodes(pool["id"]).get(request.match_info["node"])
    if node is None:
        raise errors.not_found("Node", request.match_info["node"])
    return node


def _pool_stats(pool: Doc, url: str) -> Doc:
    return {
        "url": f"{url}/stats",
        "startTime": pool["creationTime"],
        "lastUpdateTime": pool["lastModified"],
        "usageStats": {
            "startTime": pool["creationTime"], "lastUpdateTime": pool["lastModified"], "dedicatedCoreTime": "PT0S"
        },
    }


def _render_pool(request: web.Request, with_stats: bool) -> Callable[[Doc], Doc]:
    base = base_url(request)

    def render(pool: Doc) -> Doc:
        out = public("pool", pool, base)
        if with_stats:
            out["stats"] = _pool_stats(pool, out["url"])
        return out

    return render


async def list_pools(request: web.Request) -> web.Response:
    store = engine_of(request).store
    render = _render_pool(request, expand_stats(request, allowed=True))
    return paged(request, store.pools, render, POOL_FIELDS, "pools")


async def get_pool_handler(request: web.Request) -> web.Response:
    pool = get_pool(request)
    stats = None
    if expand_stats(request, allowed=True):
        stats = {"stats": _pool_stats(pool, f"{base_url(request)}/pools/{pool['id']}")}
    return entity_response(request, "pool", pool, metadata="pools/@Element", extra=stats)


async def pool_exists(request: web.Request) -> web.Response:
    get_pool(request)
    return web.Response(status=200)


async def create_pool(request: web.Request) -> web.Response:
    engine = engine_of(request)
    doc = new_pool(await read_body(request, "pool.add"))
    if doc["id"] in engine.store.pools:
        raise errors.exists("Pool", doc["id"])
    engine.store.put("pool", doc)
    return created(request, f"/pools/{doc['id']}", doc)


async def delete_pool(request: web.Request) -> web.Response:
    engine = engine_of(request)
    pool = get_pool(request)
    if pool["state"] != "deleting":
        pool["state"] = "deleting"
        engine.store.touch("pool", pool)
    return accepted(request, f"/pools/{pool['id']}")


def _require_steady(pool: Doc) -> None:
    if pool["state"] == "deleting":
        raise errors.BatchError(
            409, "PoolBeingDeleted", "The specified pool has been marked for deletion and is being reclaimed."
        )
    if pool["allocationState"] != "steady":
        raise errors.BatchError(
            409,
            "PoolBeingResized",
            "The specified pool is currently being resized.",
            [("Reason", f"The pool's allocationState is {pool['allocationState']}; it must be steady.")],
        )


async def resize_pool(request: web.Request) -> web.Response:
    engine = engine_of(request)
    pool = get_pool(request)
    body = await read_body(request, "pool.resize")
    _require_steady(pool)
    pool["_deallocation"] = body.get("nodeDeallocationOption", "requeue")
    pool["targetDedicatedNodes"] = body.get("targetDedicatedNodes", 0)
    pool["targetLowPriorityNodes"] = body.get("targetLowPriorityNodes", 0)
    if "resizeTimeout" in body:
        pool["resizeTimeout"] = body["resizeTimeout"]
    pool.pop("resizeErrors", None)
    engine.nodes.set_allocation(pool, "resizing")
    stamp(pool)
    engine.store.touch("pool", pool)
    return accepted(request, f"/pools/{pool['id']}", pool)


async def stop_resize(request: web.Request) -> web.Response:
    engine = engine_of(request)
    pool = get_pool(request)
    if pool["state"] == "deleting":
        _require_steady(pool)
    if pool["allocationState"] == "resizing":
        engine.nodes.set_allocation(pool, "stopping")
    return accepted(request, f"/pools/{pool['id']}", pool)


async def remove_nodes(request: web.Request) -> web.Response:
    engine = engine_of(request)
    pool = get_pool(request)
    body = await read_body(request, "pool.removenodes")
    _require_steady(pool)
    node_ids: list[str] = body["nodeList"]
    if not node_ids:
        raise errors.missing_property("nodeList")
    option = body.get("nodeDeallocationOption", "requeue")
    nodes = engine.store.pool_nodes(pool["id"])
    chosen = []
    for node_id in node_ids:
        node = nodes.get(node_id)
        if node is None:
            raise errors.not_found("Node", node_id)
        chosen.append(node)
    for node in chosen:
        if node["isDedicated"]:
            pool["targetDedicatedNodes"] = max(0, pool["targetDedicatedNodes"] - 1)
        else:
            pool["targetLowPriorityNodes"] = max(0, pool["targetLowPriorityNodes"] - 1)
        if node["state"] != "leavingpool":
            engine.nodes.begin_removal(pool, node, option)
    engine.nodes.set_allocation(pool, "resizing")
    return accepted(request, f"/pools/{pool['id']}", pool)


def _node_for_restart(request: web.Request) -> tuple[Doc, Doc]:
    pool = get_pool(request)
    node = get_node(request, pool)
    if node["state"] not in ("idle", "running") or node.get("_pending"):
        raise errors.invalid_state(
            f"The node is {node['state']}; it can be rebooted or reimaged only when idle or running."
        )
    return pool, node


async def reboot_node(request: web.Request) -> web.Response:
    body = await read_body(request, "node.reboot", required=False)
    pool, node = _node_for_restart(request)
    engine_of(request).nodes.restart(pool, node, "rebooting", body.get("nodeRebootOption", "requeue"))
    return accepted(request, f"/pools/{pool['id']}/nodes/{node['id']}")


async def reimage_node(request: web.Request) -> web.Response:
    body = await read_body(request, "node.reimage", required=False)
    pool, node = _node_for_restart(request)
    engine_of(request).nodes.restart(pool, node, "reimaging", body.get("nodeReimageOption", "requeue"))
    return accepted(request, f"/pools/{pool['id']}/nodes/{node['id']}")


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
    url = f"{base_url(request)}/pools/{pool['id']}/nodes/{node['id']}"
    return web.Response(status=200, headers={"DataServiceId": url})


async def list_nodes(request: web.Request) -> web.Response:
    engine = engine_of(request)
    pool = get_pool(request)
    expand_stats(request, allowed=False)
    base, pool_id = base_url(request), pool["id"]
    return paged(
        request,
        engine.store.pool_nodes(pool_id),
        lambda node: public("node", node, base, pool_id),
        NODE_FIELDS,
        f"pools/{pool_id}/nodes",
    )


async def get_node_handler(request: web.Request) -> web.Response:
    pool = get_pool(request)
    node = get_node(request, pool)
    return entity_response(request, "node", node, pool["id"], metadata="nodes/@Element")


def _zero_counts() -> Doc:
    counts = dict.fromkeys(NODE_COUNT_STATES, 0)
    counts["total"] = 0
    return counts


_COUNT_KEY = {s.lower(): s for s in NODE_COUNT_STATES}


async def node_counts(request: web.Request) -> web.Response:
    engine = engine_of(request)

    def render(pool: Doc) -> Doc:
        dedicated, low = _zero_counts(), _zero_counts()
        for node in engine.store.pool_nodes(pool["id"]).values():
            bucket = dedicated if node["isDedicated"] else low
            bucket[_COUNT_KEY.get(node["state"], "unknown")] += 1
            bucket["total"] += 1
        return {"poolId": pool["id"], "dedicated": dedicated, "lowPriority": low}

    return paged(
        request, engine.store.pools, render, {"poolId": "string"}, "poolNodeCounts",
        view=lambda pool: {"poolId": pool["id"]},
    )


def routes() -> list[web.RouteDef]:
    return [
        web.get("/pools", list_pools),
        web.post("/pools", create_pool),
        web.get("/pools/{pool}", get_pool_handler, allow_head=False),
        web.head("/pools/{pool}", pool_exists),
        web.delete("/pools/{pool}", delete_pool),
        web.post("/pools/{pool}/resize", resize_pool),
        web.post("/pools/{pool}/stopresize", stop_resize),
        web.post("/pools/{pool}/removenodes", remove_nodes),
        web.get("/pools/{pool}/nodes", list_nodes),
        web.get("/pools/{pool}/nodes/{node}", get_node_handler),
        web.post("/pools/{pool}/nodes/{node}/reboot", reboot_node),
        web.post("/pools/{pool}/nodes/{node}/reimage", reimage_node),
        web.post("/pools/{pool}/nodes/{node}/disablescheduling", disable_scheduling),
        web.post("/pools/{pool}/nodes/{node}/enablescheduling", enable_scheduling),
        web.get("/nodecounts", node_counts),
    ]
