"""Account-level lists: supported images, pool usage metrics, and the (empty)
certificate store of the api-versions that have certificates."""

from __future__ import annotations

from aiohttp import web

from .. import errors
from ..formats import parse_iso
from ..images import SUPPORTED_IMAGES, image_key
from ..store import Collection, Doc
from .http import paged

IMAGE_FIELDS = {"osType": "string", "verificationType": "string", "nodeAgentSKUId": "string"}
USAGE_FIELDS = {"poolId": "string", "vmSize": "string", "startTime": "datetime", "endTime": "datetime"}
CERTIFICATE_FIELDS = {"thumbprint": "string", "thumbprintAlgorithm": "string", "state": "string"}


def _without_id(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if k != "id"}


async def list_supported_images(request: web.Request) -> web.Response:
    images = Collection()
    for image in SUPPORTED_IMAGES:
        images.add({"id": image_key(image), **image})
    return paged(request, images, _without_id, IMAGE_FIELDS, "supportedimages")


def _time_query(request: web.Request, name: str) -> None:
    raw = request.query.get(name)
    if raw is None:
        return
    try:
        parse_iso(raw)
    except ValueError:
        raise errors.invalid_query(name, raw, "Must be an ISO-8601 date and time.") from None


async def list_pool_usage_metrics(request: web.Request) -> web.Response:
    """Usage per pool and 30-minute interval. The emulator meters no core hours
    (its nodes are local processes on one machine), so there are no intervals:
    an empty list, as Batch answers before any interval is aggregated."""
    _time_query(request, "starttime")
    _time_query(request, "endtime")
    return paged(request, Collection(), dict, USAGE_FIELDS, "poolusagemetrics")


async def list_certificates(request: web.Request) -> web.Response:
    """No certificates: the emulator accepts none (certificates are retired in Batch)."""
    return paged(request, Collection(), dict, CERTIFICATE_FIELDS, "certificates")


async def certificate_not_found(request: web.Request) -> web.Response:
    """Get, delete and cancel deletion of a certificate: there are none."""
    raise errors.not_found("Certificate", request.match_info["thumbprint"])


def routes() -> list[web.RouteDef]:
    certificate = "/certificates(thumbprintAlgorithm={algorithm},thumbprint={thumbprint})"
    return [
        web.get("/supportedimages", list_supported_images),
        web.get("/poolusagemetrics", list_pool_usage_metrics),
        web.get("/certificates", list_certificates),
        web.get(certificate, certificate_not_found),
        web.delete(certificate, certificate_not_found),
        web.post(certificate + "/canceldelete", certificate_not_found),
    ]
