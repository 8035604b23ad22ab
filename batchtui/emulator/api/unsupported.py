"""The routes of Batch's API the emulator does not act on (versions.ROUTES with
emulated=False): each answers versions.not_supported(route), 501 with Batch's
error body, before reading any request body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from .. import versions


def _handler(route: versions.Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def not_supported(request: web.Request) -> web.StreamResponse:
        raise versions.not_supported(route)

    return not_supported


def routes() -> list[web.RouteDef]:
    """One aiohttp route per not-emulated operation (exact method: no implicit HEAD)."""
    out = []
    for route in versions.ROUTES:
        if not route.emulated:
            options = {"allow_head": False} if route.method == "GET" else {}
            out.append(web.route(route.method, route.path, _handler(route), **options))
    return out
