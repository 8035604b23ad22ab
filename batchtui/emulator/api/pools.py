"""Pools: create, list, get, exists, patch, replace properties, delete, resize,
stop resize, remove nodes; and the account's node counts. Autoscale: api/autoscale.py."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from .. import autoscale, errors
from ..resources import new_pool, stamp
from ..shapes import shape_node_counts
from ..store import Doc
from .conditions import check_conditions
from .http import (
    accepted,
    api_version,
    base_url,
    created,
    engine_of,
    entity_response,
    expand_stats,
    list_view,
    no_content,
    paged,
    read_body,
    updated,
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
NODE_COUNT_STATES = (
    "creating", "idle", "offline", "preempted", "rebooting", "reimaging", "running", "starting",
    "startTaskFailed", "leavingPool", "unknown", "unusable", "waitingForStartTask",
    "deallocated", "deallocating", "upgradingOS",
)
# PATCH /pools/{pool}: what can change at any time; the rest (2024-07-01.20.0 on)
# "can be updated only when the pool is empty".
PATCHABLE_ANYTIME = ("startTask", "applicationPackageReferences", "metadata", "certificateReferences",
                     "targetNodeCommunicationMode")


def get_pool(request: web.Request) -> Doc:
    pool = engine_of(request).store.pools.get(request.match_info["pool"])
    if pool is None:
        raise errors.not_found("Pool", request.match_info["pool"])
    return pool


def autoscale_enabled() -> errors.BatchError:
    """The 409 of a manual resize of a pool that autoscales."""
    return errors.invalid_state("The pool has autoscale enabled: its size follows its formula. "
                                "Disable autoscale (disableautoscale) to resize it.")


def check_formula(formula: str) -> None:
    """Raises BatchError 400 with the formula's syntax error (code, message, values)."""
    problem = autoscale.check(formula)
    if problem is not None:
        raise errors.BatchError(400, problem.code, problem.message, list(problem.values))


def check_create(body: Doc) -> None:
    """The autoscale rules of a pool.add body (already checked by the schema). Raises BatchError 400."""
    if not body.get("enableAutoScale"):
        for name in ("autoScaleFormula", "autoScaleEvaluationInterval"):
            if name in body:
                raise errors.invalid_property(name, body[name], f"{name} can be specified only when "
                                              "enableAutoScale is true.")
        return
    for name in ("targetDedicatedNodes", "targetLowPriorityNodes"):
        if name in body:
            raise errors.invalid_property(name, body[name], f"{name} must not be specified when "
                                          "enableAutoScale is true: the autoscale formula sets the pool's size.")
    if not body.get("autoScaleFormula"):
        raise errors.missing_property("autoScaleFormula")
    check_formula(body["autoScaleFormula"])


def _pool(request: web.Request) -> Doc:
    pool = engine_of(request).store.pools.get(request.match_info["pool"])
    if pool is None:
        raise errors.not_found("Pool", request.match_info["pool"])
    return pool


def _require_not_deleting(pool: Doc) -> None:
    if pool["state"] == "deleting":
        raise errors.BatchError(
            409, "PoolBeingDeleted", "The specified pool has been marked for deletion and is being reclaimed."
        )


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
    shown = list_view(request, "pool")

    def render(pool: Doc) -> Doc:
        out = shown(pool)
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
    check_conditions(request, pool)
    stats = None
    if expand_stats(request, allowed=True):
        stats = {"stats": _pool_stats(pool, f"{base_url(request)}/pools/{pool['id']}")}
    return entity_response(request, "pool", pool, metadata="pools/@Element", extra=stats)


async def pool_exists(request: web.Request) -> web.Response:
    check_conditions(request, get_pool(request))
    return web.Response(status=200)


async def create_pool(request: web.Request) -> web.Response:
    engine = engine_of(request)
    body = await read_body(request, "pool.add")
    check_create(body)
    doc = new_pool(body)
    if doc["id"] in engine.store.pools:
        raise errors.exists("Pool", doc["id"])
    engine.store.put("pool", doc)
    if doc["enableAutoScale"]:
        engine.autoscale.enable(doc, doc["autoScaleFormula"], doc.get("autoScaleEvaluationInterval"))
    return created(request, f"/pools/{doc['id']}", doc)


def require_not_deleting(pool: Doc) -> None:
    if pool["state"] == "deleting":
        raise errors.BatchError(
            409, "PoolBeingDeleted", "The specified pool has been marked for deletion and is being reclaimed."
        )


async def update_pool(request: web.Request) -> web.Response:
    """PATCH: the properties given replace the pool's; the others are left as they are.
    startTask, application packages and metadata take effect on each node as it next
    boots (joins, reboots, reimages); the rest only on a pool with no nodes."""
    engine = engine_of(request)
    pool = get_pool(request)
    check_conditions(request, pool)
    body = await read_body(request, "pool.patch")
    require_not_deleting(pool)
    later = [name for name in body if name not in PATCHABLE_ANYTIME]
    if later and (len(engine.store.pool_nodes(pool["id"])) or pool["allocationState"] != "steady"):
        raise errors.invalid_state(
            f"{later[0]} can be updated only when the pool is empty (no nodes, allocationState steady).")
    pool.update(body)
    stamp(pool)
    engine.store.touch("pool", pool)
    return updated(request, f"/pools/{pool['id']}", pool)


async def replace_pool_properties(request: web.Request) -> web.Response:
    """POST updateproperties: startTask, application packages and metadata are
    replaced wholesale (an omitted startTask is removed); 204."""
    engine = engine_of(request)
    pool = get_pool(request)
    body = await read_body(request, "pool.updateproperties")
    require_not_deleting(pool)
    pool.pop("startTask", None)
    pool.update(body)
    stamp(pool)
    engine.store.touch("pool", pool)
    return no_content(request, f"/pools/{pool['id']}", pool)


async def delete_pool(request: web.Request) -> web.Response:
    engine = engine_of(request)
    pool = get_pool(request)
    check_conditions(request, pool)
    if pool["state"] != "deleting":
        pool["state"] = "deleting"
        engine.store.touch("pool", pool)
    return accepted(request, f"/pools/{pool['id']}")


def _require_steady(pool: Doc) -> None:
    require_not_deleting(pool)
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
    check_conditions(request, pool)
    body = await read_body(request, "pool.resize")
    if pool.get("enableAutoScale"):
        raise autoscale_enabled()
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
    check_conditions(request, pool)
    require_not_deleting(pool)
    if pool["allocationState"] == "resizing":
        engine.nodes.set_allocation(pool, "stopping")
    return accepted(request, f"/pools/{pool['id']}", pool)


async def remove_nodes(request: web.Request) -> web.Response:
    engine = engine_of(request)
    pool = get_pool(request)
    check_conditions(request, pool)
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


def _zero_counts() -> Doc:
    counts = dict.fromkeys(NODE_COUNT_STATES, 0)
    counts["total"] = 0
    return counts


_COUNT_KEY = {s.lower(): s for s in NODE_COUNT_STATES}


async def node_counts(request: web.Request) -> web.Response:
    engine = engine_of(request)
    version = api_version(request)

    def render(pool: Doc) -> Doc:
        dedicated, low = _zero_counts(), _zero_counts()
        for node in engine.store.pool_nodes(pool["id"]).values():
            bucket = dedicated if node["isDedicated"] else low
            bucket[_COUNT_KEY.get(node["state"], "unknown")] += 1
            bucket["total"] += 1
        return shape_node_counts({"poolId": pool["id"], "dedicated": dedicated, "lowPriority": low}, version)

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
        web.patch("/pools/{pool}", update_pool),
        web.delete("/pools/{pool}", delete_pool),
        web.post("/pools/{pool}/resize", resize_pool),
        web.post("/pools/{pool}/stopresize", stop_resize),
        web.post("/pools/{pool}/removenodes", remove_nodes),
        web.post("/pools/{pool}/updateproperties", replace_pool_properties),
        web.get("/nodecounts", node_counts),
    ]
