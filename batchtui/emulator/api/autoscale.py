"""A pool's autoscale: POST /pools/{pool}/enableautoscale, /disableautoscale, /evaluateautoscale,
and (in pools.py, which needs them) the checks pool create and resize make.

From the REST reference:
- pool create: with enableAutoScale "autoScaleFormula ... must be specified", and targetDedicatedNodes /
  targetLowPriorityNodes "must not be specified if enableAutoScale is set to true"; without it, "this
  property must not be specified" of the formula (and of the interval). The interval's range (5 minutes
  to 168 hours, InvalidPropertyValue) is the schema's. The codes for the first three are not published:
  MissingRequiredProperty and InvalidPropertyValue naming the property, with a Reason, are used.
- a formula with a syntax error, or longer than 8192 characters, is refused with 400 and the error's
  code (AutoScalingFormulaSyntaxError, AutoScalingFormulaTooLong), message and values.
- enableautoscale: "You cannot enable automatic scaling on a Pool if a resize operation is in progress"
  (409 PoolBeingResized, as resize answers); "If automatic scaling of the Pool is currently disabled,
  you must specify a valid autoscale formula"; a new interval restarts the evaluation schedule.
  Not emulated: "You cannot call this API for the same Pool more than once every 30 seconds."
- evaluateautoscale: "The Pool must have auto scaling enabled in order to evaluate a formula"; the
  answer is an AutoScaleRun (200) whose `error` says what went wrong with the formula.
- resize: "You cannot resize Pools which are configured for automatic scaling ... error 409": the code
  is not published; OperationInvalidForCurrentState (Batch's 409 for an operation the resource's
  state does not allow) with a Reason is used (autoscale_enabled()).
"""

from __future__ import annotations

from aiohttp import web

from .. import errors
from ..resources import stamp
from .conditions import check_conditions
from .http import engine_of, json_response, read_body, updated
from .pools import check_formula, get_pool, require_not_deleting

RUN_METADATA = "Microsoft.Azure.Batch.Protocol.Entities.AutoScaleRun"


async def enable_auto_scale(request: web.Request) -> web.Response:
    engine = engine_of(request)
    pool = get_pool(request)
    check_conditions(request, pool)
    body = await read_body(request, "pool.enableautoscale")
    require_not_deleting(pool)
    formula = body.get("autoScaleFormula")
    if not pool.get("enableAutoScale"):
        if pool["allocationState"] != "steady":
            raise errors.BatchError(
                409, "PoolBeingResized", "The specified pool is currently being resized.",
                [("Reason", "Autoscale cannot be enabled while a resize is in progress.")])
        if not formula:
            raise errors.missing_property("autoScaleFormula")
    if formula:
        check_formula(formula)
    engine.autoscale.enable(pool, formula or None, body.get("autoScaleEvaluationInterval"))
    stamp(pool)
    engine.store.touch("pool", pool)
    return updated(request, f"/pools/{pool['id']}", pool)


async def disable_auto_scale(request: web.Request) -> web.Response:
    """Autoscale off (on a pool without it, nothing changes): 200."""
    engine = engine_of(request)
    pool = get_pool(request)
    check_conditions(request, pool)
    if pool.get("enableAutoScale"):
        engine.autoscale.disable(pool)
        stamp(pool)
        engine.store.touch("pool", pool)
    return updated(request, f"/pools/{pool['id']}", pool)


async def evaluate_auto_scale(request: web.Request) -> web.Response:
    """The AutoScaleRun of the body's formula against the pool now; nothing is applied."""
    engine = engine_of(request)
    pool = get_pool(request)
    body = await read_body(request, "pool.evaluateautoscale")
    if not pool.get("enableAutoScale"):
        raise errors.invalid_state("The pool must have autoscale enabled to evaluate a formula "
                                   "(enableautoscale first).")
    result = engine.autoscale.evaluate(pool, body["autoScaleFormula"])
    return json_response(request, result.to_json(), metadata=RUN_METADATA)


def routes() -> list[web.RouteDef]:
    return [
        web.post("/pools/{pool}/enableautoscale", enable_auto_scale),
        web.post("/pools/{pool}/disableautoscale", disable_auto_scale),
        web.post("/pools/{pool}/evaluateautoscale", evaluate_auto_scale),
    ]
