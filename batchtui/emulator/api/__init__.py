"""The Batch REST API's routes: every route of every api-version the emulator
serves (versions.ROUTES), emulated or answered as not supported."""

from aiohttp import web

from . import account, applications, autoscale, files, jobs, nodes, pools, schedules, tasks, unsupported


def routes() -> list[web.RouteDef]:
    return (pools.routes() + autoscale.routes() + nodes.routes() + jobs.routes() + tasks.routes() + files.routes()
            + schedules.routes() + applications.routes() + account.routes() + unsupported.routes())
