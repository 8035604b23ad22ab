"""The Batch REST API's routes."""

from aiohttp import web

from . import applications, files, jobs, pools, tasks


def routes() -> list[web.RouteDef]:
    return pools.routes() + jobs.routes() + tasks.routes() + files.routes() + applications.routes()
