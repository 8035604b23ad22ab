"""The emulator's HTTP server: api-version (versions.py) and shared-key checks, Batch's
error bodies and headers on every response, and a clean start and stop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import api, errors, logs, schema, versions
from .api.durable import run_durably
from .api.http import API_VERSION, ENGINE, base_url, read_object
from .auth import check_authorization
from .engine import Engine, make_private_dir
from .hosts import allowed_hosts, host_allowed
from .schema.problems import body_too_large
from .schema.vocabulary import Int, Object, Prop
from .settings import Settings, StartError

log = logging.getLogger("batchtui.emulator")

MAX_REQUEST_LINE = 64 * 1024  # bytes of the request line, and of one header line (choice)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REQUEST_ID = web.RequestKey("request_id", str)


@web.middleware
async def batch_protocol(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request[REQUEST_ID] = str(uuid.uuid4())
    engine: Engine = request.app[ENGINE]
    if not request.path.startswith("/_emulator/"):
        engine.request_counts[request.method] += 1
    try:
        response = await _checked(request, handler, engine)
    except errors.BatchError as exc:
        response = _error_response(request, exc, request_id)
    except web.HTTPException as exc:  # aiohttp's own: unknown route or method, body past client_max_size
        response = _error_response(request, _aiohttp_error(request, exc), request_id)
    except ConnectionError:  # the client went away, e.g. in the middle of a streamed file: nobody to answer
        raise
    except Exception:  # noqa: BLE001 - a bug must still answer like Batch
        log.exception("internal error on %s %s", request.method, request.path)
        response = _error_response(
            request, errors.BatchError(500, "InternalError", "The server encountered an internal error."), request_id
        )
    return response


async def _standard_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Headers every answer carries, set as its headers go out (a streamed file's before its first byte)."""
    response.headers["request-id"] = request.get(REQUEST_ID) or str(uuid.uuid4())
    response.headers["DataServiceVersion"] = "3.0"
    client_id = request.headers.get("client-request-id")
    if client_id and request.headers.get("return-client-request-id", "").lower() == "true":
        response.headers["client-request-id"] = client_id


async def _checked(request: web.Request, handler: Handler, engine: Engine) -> web.StreamResponse:
    _check_host(request.headers.get("Host"), engine)
    request[API_VERSION] = versions.negotiate(request.query.get("api-version"))
    raw_path, _, raw_query = request.raw_path.partition("?")
    authorization = request.headers.get("Authorization") or ""
    if authorization.startswith("Bearer "):  # a task's token (authenticationTokenSettings): its job only
        problem = engine.tokens.problem(authorization.removeprefix("Bearer ").strip(), request.path)
    else:
        problem = check_authorization(
            authorization, request.method, raw_path, raw_query,
            request.headers, engine.settings.account, engine.settings.key,
        )
    if problem:
        raise errors.BatchError(403, "AuthenticationFailed", problem)
    if engine.faults and not request.path.startswith("/_emulator/"):
        raise engine.faults.pop(0)
    _check_route(request)
    if request.method in ("GET", "HEAD"):
        return await handler(request)
    return await run_durably(request, handler, engine)


def _check_host(host: str | None, engine: Engine) -> None:
    """400 unless the Host header names this emulator (see hosts)."""
    if host_allowed(host, engine.runtime.allowed_hosts):
        return
    if host is None:
        raise errors.BatchError(400, "MissingRequiredHeader", "A HTTP header that's mandatory for this request is "
                                "not specified.", [("HeaderName", "Host")])
    raise errors.BatchError(
        400, "InvalidHeaderValue", "The value for one of the HTTP headers is not in the correct format.",
        [("HeaderName", "Host"), ("HeaderValue", host[:256]),
         ("Reason", f"This emulator answers requests addressed to {', '.join(sorted(engine.runtime.allowed_hosts))}"
                    " only; start it with --allow-host NAME to accept another name.")],
    )


def _check_route(request: web.Request) -> None:
    """400 InvalidUri for a route of Batch's API that the request's api-version lacks."""
    info = request.match_info
    if info.http_exception is not None:
        return  # not a route at all: aiohttp's 404/405 answers
    resource = info.route.resource
    problem = versions.route_problem(info.route.method, resource.canonical if resource else "", request[API_VERSION])
    if problem:
        raise problem


def _aiohttp_error(request: web.Request, exc: web.HTTPException) -> errors.BatchError:
    if exc.status == 404:
        return errors.BatchError(400, "InvalidUri", exc.reason)
    if exc.status == 413:  # the body is past client_max_size
        limit = schema.MAX_REQUEST_BODY_BYTES
        return body_too_large(request.content_length or limit, limit)
    return errors.BatchError(exc.status, "UnsupportedHttpVerb", exc.reason)


def _error_response(request: web.Request, exc: errors.BatchError, request_id: str) -> web.Response:
    body = b"" if request.method == "HEAD" or exc.status == 304 else exc.body(base_url(request), request_id)
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
    app = web.Application(middlewares=[batch_protocol], client_max_size=schema.MAX_REQUEST_BODY_BYTES)
    app[ENGINE] = engine
    app.on_response_prepare.append(_standard_headers)
    app.add_routes(api.routes())
    app.add_routes([web.get("/_emulator/requests", request_counts), web.post("/_emulator/faults", inject_faults)])
    return app


async def serve(settings: Settings, ready: Callable[[str], None] | None = None) -> None:
    """Run until SIGINT/SIGTERM (or cancellation); `ready` gets the endpoint URL.
    Raises StartError when the settings or the data dir cannot be used. From here
    on the process logs to <data dir>/emulator.log (see logs.py), not stderr.

    Sets the process's umask to 077: the data dir, the store, the log and the
    node trees hold SAS tokens and task environment settings, for its owner only."""
    os.umask(0o077)
    try:
        allowed_hosts(settings.host, settings.port or 1, settings.allow_hosts)
    except ValueError as exc:
        raise StartError(f"--allow-host: {exc}") from None
    make_private_dir(settings.data_dir)  # the log goes there before the Engine opens the store
    try:
        log_path = logs.setup(settings.data_dir)
    except OSError as exc:
        raise StartError(f"{exc.filename or settings.data_dir}: cannot write the log: {exc.strerror}") from None
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
    engine.runtime.allowed_hosts = allowed_hosts(settings.host, port, settings.allow_hosts)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    scheduler = asyncio.create_task(engine.run())
    log.info("listening on %s (account %s); log in %s", engine.runtime.base_url, settings.account, log_path)
    if ready:
        ready(engine.runtime.base_url)
    try:
        await stop.wait()
    finally:
        scheduler.cancel()
        await asyncio.gather(scheduler, return_exceptions=True)
        await engine.shutdown()
        await runner.cleanup()
