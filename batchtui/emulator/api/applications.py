"""Applications: the packages in the account's auto-storage account
(container batchtui-applications, one blob APP/VERSION.zip per version),
listed and read as Batch's data plane shows them; an application whose
APP/application.json names a defaultVersion also carries `defaultVersion`
(an emulator extra: Batch's data plane has no such field, the SDKs ignore it)."""

from __future__ import annotations

from aiohttp import web

from .. import errors
from ..resources import select
from ..storage_failures import StorageUnavailable
from ..store import Collection
from .http import engine_of, json_response, paged, select_fields

APPLICATION_FIELDS: dict[str, str] = {}  # Batch takes no $filter on this list


async def _applications(request: web.Request) -> Collection:
    try:
        found = await engine_of(request).storage.list_applications()
    except StorageUnavailable as exc:
        raise errors.BatchError(500, "InternalError", f"The applications could not be listed: {exc}") from None
    apps = Collection()
    for app in found:
        apps.add(app)
    return apps


async def list_applications(request: web.Request) -> web.Response:
    apps = await _applications(request)
    return paged(request, apps, dict, APPLICATION_FIELDS, "applications")


async def get_application(request: web.Request) -> web.Response:
    app_id = request.match_info["application"]
    app = (await _applications(request)).get(app_id)
    if app is None:
        raise errors.BatchError(404, "ApplicationNotFound", "The specified application does not exist.")
    return json_response(request, select(dict(app), select_fields(request)), metadata="applications/@Element")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/applications", list_applications),
        web.get("/applications/{application}", get_application),
    ]
