"""Response shapes shared by every handler: JSON bodies, 201/202 answers,
OData lists with $filter/$select/$expand and odata.nextLink paging."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote, urlencode

from aiohttp import web

from .. import errors, fast_json, shapes
from ..engine import Engine
from ..formats import rfc1123_from_iso
from ..hosts import host_allowed
from ..odata import FilterError, compile_filter, time_floor
from ..resources import public, select
from ..schema import max_body_bytes, parse_body, validate, version_index
from ..schema.problems import body_too_large, invalid_body
from ..schema.vocabulary import Ctx, Object
from ..store import Collection, Doc

JSON_TYPE = "application/json;odata=minimalmetadata"
MAX_RESULTS = 1000
MAX_FILTER_LENGTH = 32 * 1024  # characters of $filter (choice; the server reads request lines up to 64 KiB)
INLINE_PARSE_BYTES = 64 * 1024  # bodies above this are parsed and checked in a worker thread

ENGINE = web.AppKey("engine", Engine)
T = TypeVar("T")
API_VERSION = "api_version"  # the request's key for the api-version the server negotiated


def api_version(request: web.Request) -> str:
    """The api-version of the request (the server checked it before the handler ran)."""
    version: str = request[API_VERSION]
    return version


def view(request: web.Request, kind: str, doc: Doc, parent: str = "") -> Doc:
    """A pool, job, task or node as the client's api-version shows it (absolute URLs, no private keys)."""
    return shapes.shape(kind, public(kind, doc, base_url(request), parent), api_version(request))


def list_view(request: web.Request, kind: str, parent: str = "") -> Callable[[Doc], Doc]:
    """`view` for each document of a list: the base URL and the api-version read once, and only the
    top-level properties the $select keeps copied (a page holds up to 1,000)."""
    base, version = base_url(request), api_version(request)
    chosen = select_fields(request)
    only = frozenset(field.split("/", 1)[0] for field in chosen) if chosen else None
    return lambda doc: shapes.shape(kind, public(kind, doc, base, parent, only), version)


def engine_of(request: web.Request) -> Engine:
    return request.app[ENGINE]


def base_url(request: web.Request) -> str:
    """The service's URL as the client addressed it; the emulator's own when the
    Host header is not one it accepts (a URL it answers never carries a foreign host)."""
    runtime = engine_of(request).runtime
    host = request.headers.get("Host")
    if host_allowed(host, runtime.allowed_hosts):
        return f"{request.scheme}://{host}"
    return runtime.base_url


def json_response(request: web.Request, doc: Doc, status: int = 200, metadata: str | None = None) -> web.Response:
    if metadata:
        doc = {"odata.metadata": f"{base_url(request)}/$metadata#{metadata}", **doc}
    return web.Response(
        status=status, body=fast_json.dumps(doc), content_type=None, headers={"Content-Type": JSON_TYPE}
    )


def entity_response(
    request: web.Request, kind: str, doc: Doc, parent: str = "", metadata: str = "", extra: Doc | None = None
) -> web.Response:
    """GET of one resource, honouring $select; `extra` adds expanded properties."""
    rendered = {**view(request, kind, doc, parent), **(extra or {})}
    body = select(rendered, select_fields(request))
    response = json_response(request, body, metadata=metadata)
    set_entity_headers(response, doc)
    return response


def set_entity_headers(response: web.StreamResponse, doc: Doc) -> None:
    if "eTag" in doc:
        response.headers["ETag"] = doc["eTag"]
    if "lastModified" in doc:
        response.headers["Last-Modified"] = rfc1123_from_iso(doc["lastModified"])


def _answer(request: web.Request, status: int, path: str, doc: Doc | None, location: bool = False) -> web.Response:
    """An empty answer naming the resource (DataServiceId, and Location for a 201)."""
    url = base_url(request) + quote(path, safe="/")  # ids are plain; a legacy one must not break the header
    headers = {"DataServiceId": url, **({"Location": url} if location else {})}
    response = web.Response(status=status, headers=headers)
    if doc is not None:
        set_entity_headers(response, doc)
    return response


def created(request: web.Request, path: str, doc: Doc) -> web.Response:
    return _answer(request, 201, path, doc, location=True)


def updated(request: web.Request, path: str, doc: Doc | None = None) -> web.Response:
    """200 with no body, naming the resource (Batch's answer to PATCH and PUT)."""
    return _answer(request, 200, path, doc)


def accepted(request: web.Request, path: str, doc: Doc | None = None) -> web.Response:
    return _answer(request, 202, path, doc)


def no_content(request: web.Request, path: str, doc: Doc | None = None) -> web.Response:
    return _answer(request, 204, path, doc)


async def read_checked(request: web.Request, kind: str, check: Callable[[object], T], required: bool = True) -> T:
    """`check(body)` of the request body, parsed as schema.parse_body does for `kind`
    (size, nesting, plain JSON), its top-level OData annotations dropped (see
    without_annotations); parsing and checking happen in a worker thread for a large
    body (see off_loop). An empty body is `check({})` when not `required`.

    BatchError 413 RequestBodyTooLarge at or over schema.max_body_bytes(kind), refused
    from Content-Length before the body is read (past the app's client_max_size
    while it is read, the server answers the same); 400 MissingRequiredProperty for
    an empty required body, 400 InvalidRequestBody for what parse_body refuses, and
    whatever `check` raises."""
    limit = max_body_bytes(kind)
    if request.content_length is not None and request.content_length >= limit:
        raise body_too_large(request.content_length, limit)
    raw = await request.read()
    if not raw.strip():
        if required:
            raise errors.BatchError(400, "MissingRequiredProperty", "The request body is empty.")
        return check({})
    return await off_loop(raw, lambda: check(without_annotations(parse_body(raw, kind))))


async def read_body(request: web.Request, kind: str, required: bool = True) -> Doc:
    """The request body of `kind` (a key of schema.KINDS), read by read_checked and
    validated for the request's api-version (api_version, as the server negotiated
    it): the normalised body (defaults not filled in). BatchError 413/400 as
    read_checked and schema.validate raise them."""
    version = api_version(request)
    return await read_checked(request, kind, lambda body: validate(kind, body, version), required)


async def read_object(request: web.Request, description: Object, required: bool = True) -> Doc:
    """A body for one of the emulator's own routes (not Batch's), read by read_checked
    and checked against `description`: BatchError 400/413 as read_body raises them."""
    ctx = Ctx(version_index(api_version(request)), {})

    def check(body: object) -> Doc:
        if not isinstance(body, dict):
            raise invalid_body("The request body must be a JSON object.")
        checked: Doc = description.check(body, "", ctx)
        return checked

    return await read_checked(request, "", check, required)


async def off_loop(raw: bytes, work: Callable[[], T]) -> T:
    """`work()` (parsing and checking the body `raw`) at once for a small body, in
    a worker thread for one over INLINE_PARSE_BYTES: a megabyte of JSON walked in
    Python must not hold the event loop (and every other client) meanwhile."""
    if len(raw) > INLINE_PARSE_BYTES:
        return await asyncio.to_thread(work)
    return work()


def without_annotations(body: object) -> object:
    """A body without its top-level OData annotations (`odata.metadata`, ...): a
    client that sends back a resource it read (azure-batch 15.x replace_task sends
    the task's `odata.metadata`) is read by Batch's OData reader without them."""
    if isinstance(body, dict) and any(isinstance(key, str) and key.startswith("odata.") for key in body):
        return {key: value for key, value in body.items() if not key.startswith("odata.")}
    return body


def select_fields(request: web.Request) -> list[str] | None:
    raw = request.query.get("$select")
    if not raw:
        return None
    return [f.strip() for f in raw.split(",") if f.strip()]


def expand_stats(request: web.Request, allowed: bool) -> bool:
    raw = request.query.get("$expand")
    if not raw:
        return False
    values = [v.strip() for v in raw.split(",") if v.strip()]
    supported = {"stats"} if allowed else set()
    unsupported = [v for v in values if v not in supported]
    if unsupported:
        raise errors.invalid_query(
            "$expand", raw, f"Expanding {unsupported[0]!r} is not supported on this list"
            + ("; use stats." if allowed else ".")
        )
    return True


def bool_query(request: web.Request, name: str) -> bool:
    raw = request.query.get(name, "false").lower()
    if raw not in ("true", "false"):
        raise errors.invalid_query(name, raw, "Must be true or false.")
    return raw == "true"


def _max_results(request: web.Request) -> int:
    raw = request.query.get("maxresults")
    if raw is None:
        return MAX_RESULTS
    try:
        value = int(raw)
    except ValueError:
        raise errors.invalid_query("maxresults", raw, "Must be an integer.") from None
    if not 1 <= value <= MAX_RESULTS:
        raise errors.BatchError(
            400,
            "OutOfRangeQueryParameterValue",
            "One of the query parameters specified in the request URI is outside the permissible range.",
            [
                ("QueryParameterName", "maxresults"),
                ("QueryParameterValue", raw),
                ("Reason", f"Must be 1 to {MAX_RESULTS}."),
            ],
        )
    return value


def _token(ident: str) -> str:
    return base64.urlsafe_b64encode(ident.encode()).decode().rstrip("=")


def _untoken(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid_query("$skiptoken", token, "Not a continuation token this service issued.") from None


def compile_query_filter(request: web.Request, fields: dict[str, str]) -> Callable[[Doc], bool]:
    text = request.query.get("$filter")
    if text is not None and len(text) > MAX_FILTER_LENGTH:
        reason = f"The filter is longer than {MAX_FILTER_LENGTH} characters."
        raise errors.invalid_query("$filter", text[:100] + "…", reason)
    try:
        return compile_filter(text, fields)
    except FilterError as exc:
        raise errors.invalid_query("$filter", text or "", str(exc)) from None


def paged(
    request: web.Request,
    items: Collection,
    render: Callable[[Doc], Doc],
    fields: dict[str, str],
    metadata: str,
    view: Callable[[Doc], Doc] | None = None,
) -> web.Response:
    """One page of a list, and an odata.nextLink that carries the query on.
    `view` gives the properties $filter sees, when they are not the stored ones."""
    limit = _max_results(request)
    predicate = compile_query_filter(request, fields)
    if view is not None:
        predicate = _through(view, predicate)
    after = request.query.get("$skiptoken")
    field = items.time_field
    since = time_floor(request.query.get("$filter"), field) if field and view is None else None
    page, last = items.page(_untoken(after) if after else None, predicate, limit, since)
    chosen = select_fields(request)
    body: Doc = {"value": [select(render(doc), chosen) for doc in page]}
    if last is not None:
        query = {k: v for k, v in request.query.items() if k != "$skiptoken"}
        query["$skiptoken"] = _token(last)
        query["api-version"] = api_version(request)
        body["odata.nextLink"] = f"{base_url(request)}{request.rel_url.raw_path}?{urlencode(query, quote_via=quote)}"
    return json_response(request, body, metadata=metadata)


def _through(view: Callable[[Doc], Doc], predicate: Callable[[Doc], bool]) -> Callable[[Doc], bool]:
    """`predicate` applied to `view` of each document."""
    return lambda doc: predicate(view(doc))
