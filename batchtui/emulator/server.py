"""The emulator's HTTP server: api-version and shared-key checks, Batch's
error bodies and headers on every response, and a clean start and stop."""

from __future__ import annotations

import asyncio
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import API_VERSION, api, errors
from .api.http import ENGINE, base_url, read_object
from .auth import check_authorization
from .engine import Engine
from .schema.vocabulary import Int, Object, Prop
from .settings import Settings

log = logging.getLogger("batchtui.emulator")

MAX_REQUEST_LINE = 64 * 1024  # bytes of the request line, and of one header line (choice)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def batch_protocol(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = str(uuid.uuid4())
    engine: Engine = request.app[ENGINE]
    if not request.path.startswith("/_emulator/"):
        engine.request_counts[request.method] += 1
    try:
        response = await _checked(request, handler, engine)
    except errors.BatchError as exc:
        response = _error_response(request, exc, request_id)
    except web.HTTPException as exc:  # aiohttp's own 404/405 for unknown routes
        code = "InvalidUri" if exc.status == 404 else "UnsupportedHttpVerb"
        response = _error_response(
            request, errors.BatchError(exc.status if exc.status != 404 else 400, code, exc.reason), request_id
        )
    except Exception:  # noqa: BLE001 - a bug must still answer like Batch
        log.exception("internal error on %s %s", request.method, request.path)
        response = _error_response(
            request, errors.BatchError(500, "InternalError", "The server encountered an internal error."), request_id
        )
    finally:
        if request.method != "GET":
            engine.store.flush()
    response.headers["request-id"] = request_id
    response.headers["DataServiceVersion"] = "3.0"
    client_id = request.headers.get("client-request-id")
    if client_id and request.headers.get("return-client-request-id", "").lower() == "true":
        response.headers["client-request-id"] = client_id
    return response


async def _checked(request: web.Request, handler: Handler, engine: Engine) -> web.StreamResponse:
    version = request.query.get("api-version")
    if not version:
        raise errors.BatchError(
            400,
            "MissingRequiredQueryParameter",
            "A query parameter that's mandatory for this request is not specified.",
            [("QueryParameterName", "api-version")],
        )
    if version != API_VERSION:
        raise errors.invalid_query("api-version", version, f"This service speaks api-version {API_VERSION} only.")
    raw_path, _, raw_query = request.raw_path.partition("?")
    problem = check_authorization(
        request.headers.get("Authorization"), request.method, raw_path, raw_query,
        request.headers, engine.settings.account, engine.settings.key,
    )
    if problem:
        raise errors.BatchError(403, "AuthenticationFailed", problem)
    if engine.faults and not request.path.startswith("/_emulator/"):
        raise engine.faults.pop(0)
    return await handler(request)


def _error_response(request: web.Request, exc: errors.BatchError, request_id: str) -> web.Response:
    body = b"" if request.method == "HEAD" else exc.body(base_url(request), request_id)
    response = web.Response(status=exc.status, body=body, headers=exc.headers)
    response.content_type = "application/json"
    response.charset = "utf-8"
    return response


async def request_counts(request: web.Request) -> web.Response:
    """Not Batch: how many requests (by HTTP method) the service has answered.
    Tests use it to prove, e.g., that a read-only client sent nothing but GETs."""
    return web.json_response(dict(request.app[ENGINE].request_counts))


THROTTLING = {429: ("TooManyRequests", "The request rate is too high; retry later."),
              503: ("ServerBusy", "The server is currently unable to receive requests. Please retry your request.")}


FAULTS = Object("EmulatorFaults", [Prop("status", Int(429, 503)), Prop("count", Int(1, 1000)),
                                   Prop("retryAfter", Int(0, 3600))])


async def inject_faults(request: web.Request) -> web.Response:
    """Not Batch: the next `count` requests are answered with `status` (429 or 503,
    with Retry-After), as a throttled service answers. For tests of back-off."""
    body = await read_object(request, FAULTS)
    status, count = body.get("status", 429), body.get("count", 1)
    if status not in THROTTLING:
        raise errors.invalid_property("status", status, "Expected 429 or 503.")
    code, message = THROTTLING[status]
    retry_after = str(body.get("retryAfter", 1))
    engine: Engine = request.app[ENGINE]
    engine.faults.extend(errors.BatchError(status, code, message, headers={"Retry-After": retry_after})
                         for _ in range(count))
    return web.json_response({"queued": len(engine.faults)})


def make_app(engine: Engine) -> web.Application:
    app = web.Application(middlewares=[batch_protocol], client_max_size=8 * 1024 * 1024)
    app[ENGINE] = engine
    app.add_routes(api.routes())
    app.add_routes([web.get("/_emulator/requests", request_counts), web.post("/_emulator/faults", inject_faults)])
    return app


async def serve(settings: Settings, ready: Callable[[str], None] | None = None) -> None:
    """Run until SIGINT/SIGTERM (or cancellation); `ready` gets the endpoint URL."""
    engine = Engine(settings)
    app = make_app(engine)
    # aiohttp answers a request line or header over its limits (8 KiB by default) in plain text, before any
    # handler: the limits are raised so that the handlers bound what they read ($filter) with Batch's JSON errors.
    runner = web.AppRunner(app, access_log=None, handle_signals=False,
                           max_line_size=MAX_REQUEST_LINE, max_field_size=MAX_REQUEST_LINE)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port, reuse_address=True)
    await site.start()
    port = runner.addresses[0][1]
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    engine.runtime.base_url = f"http://{host}:{port}"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    scheduler = asyncio.create_task(engine.run())
    if ready:
        ready(engine.runtime.base_url)
    try:
        await stop.wait()
    finally:
        scheduler.cancel()
        await asyncio.gather(scheduler, return_exceptions=True)
        await engine.shutdown()
        await runner.cleanup()
