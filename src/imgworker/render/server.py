"""The renderer's HTTP adapter: ``GET /{path}?{imgix params}&s={signature}``.

The only place where :class:`~imgworker.render.errors.RenderError` becomes an HTTP response.
Behaviour (spec sections 0, 1.2, 3.9, 5):

- the raw request target is checked first: longer than 8000 characters -> 414; with a secure
  token configured, a missing or wrong final ``s`` -> 403 (nothing is normalised);
- the path is percent-decoded (``+`` stays a plus) and looked up in the origin: missing -> 404,
  larger than the byte limit -> 413; ``expires`` in the past -> 404;
- no imgix parameter at all -> the original bytes unchanged (passthrough);
- otherwise the pipeline renders in a worker thread; the body is fully encoded before the first
  byte is sent (no partial image is ever served);
- headers: Content-Type, Content-Length, Cache-Control, ETag, Last-Modified, Vary: Accept (with
  ``auto=format``), ``X-Imgix-Params`` (applied), ``X-Imgworker-Fallback`` (invalid values that fell
  back to their default, with the reason), ``X-Imgworker-Unimplemented`` (known parameters this
  renderer ignores); errors carry ``X-Imgworker-Reason`` (the Asset Compute reason) and a short
  ``text/plain`` message.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from imgworker.render import svg_sanitize, typesetting, vips
from imgworker.render.cache import LRUCache
from imgworker.render.client_hints import apply_client_hints
from imgworker.render.errors import BadRequest, Forbidden, NotFound, RenderError, UriTooLong
from imgworker.render.overlays import OVERLAY_DEPTH_HEADER, OverlayFetcher, OverlayPolicy, depth_from_header
from imgworker.render.params import Params, parse_query
from imgworker.render.params.signing import verify
from imgworker.render.pipeline import Limits, RenderResult, render
from imgworker.render.sources import Origin

log = logging.getLogger(__name__)
MAX_URI = 8000
_PASSTHROUGH_TYPES = {
    "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
    "heif": "image/heif", "tiff": "image/tiff", "svg": "image/svg+xml", "pdf": "application/pdf",
}  # fmt: skip


@dataclass
class RendererConfig:
    """Renderer settings.

    Attributes:
        origin: where sources are read.
        token: the imgix secure URL token; ``None`` serves unsigned URLs (an insecure source).
        limits: pixel limit etc.
        cache_bytes: rendered-result cache budget in bytes (0 disables it).
        cache_max_age: Cache-Control max-age in seconds (imgix's default TTL is one year).
        overlays: where absolute ``mark``/``blend``/``mask`` URLs may come from (none by default).
    """

    origin: Origin
    token: str | None = None
    limits: Limits = field(default_factory=Limits)
    cache_bytes: int = 64 * 1024 * 1024
    cache_max_age: int = 31_536_000
    overlays: OverlayPolicy = field(default_factory=OverlayPolicy)


def _error_response(exc: RenderError) -> Response:
    return Response(
        f"{exc.status} {exc.message}\n{exc.doc}\n",
        status_code=exc.status,
        media_type="text/plain; charset=utf-8",
        headers={"X-Imgworker-Reason": exc.reason, "Cache-Control": "no-store"},
    )


def _has_imgix_params(params: Params) -> bool:
    return bool(params.values) or bool(params.invalid)


def _accept_class(params: Params, accept: str) -> str:
    if "format" not in params.auto:
        return ""
    lower = accept.lower()
    return "avif" if "image/avif" in lower else "webp" if "image/webp" in lower else "other"


def create_app(config: RendererConfig) -> Starlette:
    """The renderer as an ASGI app."""
    cache: LRUCache[RenderResult] = LRUCache(config.cache_bytes)

    async def handle(request: Request) -> Response:
        try:
            return await _handle(request)
        except RenderError as exc:
            return _error_response(exc)
        except Exception:  # a bug: log it, answer a clean 500 (never a traceback to the client)
            log.exception("render failed: %s", request.url.path)
            return _error_response(RenderError("internal error while rendering"))

    async def _handle(request: Request) -> Response:
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        raw_path_s = raw_path.decode("latin-1")
        raw_query = request.scope.get("query_string", b"").decode("latin-1")
        if len(raw_path_s) + len(raw_query) + 1 > MAX_URI:
            raise UriTooLong(f"request URI is longer than {MAX_URI} characters")
        if config.token is not None and not verify(config.token, raw_path_s, raw_query):
            raise Forbidden("missing or invalid signature `s`")
        try:
            path = unquote(raw_path_s, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise BadRequest("the URL path is not valid percent-encoded UTF-8") from None
        hinted = apply_client_hints(parse_query(raw_query), request.headers)
        params = hinted.params
        expires = params.values.get("expires")
        if expires is not None and int(expires) < time.time():
            raise NotFound("this URL has expired (`expires` is in the past)")
        depth = depth_from_header(request.headers.get(OVERLAY_DEPTH_HEADER))
        if path.strip("/") == typesetting.ENDPOINT:  # GET /~text: no origin file
            fetcher = OverlayFetcher(config.origin, config.overlays, depth=depth, limits=config.limits)
            text = await run_in_threadpool(typesetting.render_endpoint, params, limits=config.limits, overlays=fetcher,
                                           accept=request.headers.get("accept", ""))  # fmt: skip
            text_headers = {"Cache-Control": f"public, max-age={_max_age(config, expires)}",
                            "Access-Control-Allow-Origin": "*", **_param_headers(params)}  # fmt: skip
            return Response(text.data, media_type=text.content_type, headers=text_headers)
        source = await run_in_threadpool(config.origin.fetch, path)
        etag_base = source.info.etag.strip('"')
        headers = {
            "Cache-Control": f"public, max-age={_max_age(config, expires)}",
            "Last-Modified": http_date(source.info.last_modified),
            "Access-Control-Allow-Origin": "*",
        }
        if not _has_imgix_params(params):
            info = await run_in_threadpool(_sniff, source.data)
            headers["ETag"] = f'"{etag_base}"'
            body = source.data
            if info == "image/svg+xml":  # svg-sanitize defaults to true: no scripts/external refs (A15)
                body = await run_in_threadpool(svg_sanitize.sanitize, body)
            return Response(body, media_type=info, headers=headers)
        accept = request.headers.get("accept", "")
        key = (source.key, etag_base, raw_query, _accept_class(params, accept), hinted.key)
        etag = '"' + hashlib.md5("\x00".join(key).encode()).hexdigest() + '"'
        headers["ETag"] = etag
        vary = (("Accept",) if "format" in params.auto else ()) + hinted.vary
        if vary:
            headers["Vary"] = ", ".join(vary)
        if hinted.vary:
            headers["Accept-CH"] = ", ".join(hinted.vary)
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        result = cache.get(key)
        if result is None:
            fetcher = OverlayFetcher(config.origin, config.overlays, chain=(source.key,), depth=depth,
                                     limits=config.limits)  # fmt: skip
            result = await run_in_threadpool(render, source.data, params, accept=accept, limits=config.limits,
                                             overlays=fetcher)  # fmt: skip
            cache.put(key, result, len(result.data))
        headers.update(_param_headers(params))
        headers["X-Imgworker-Size"] = f"{result.width}x{result.height}"
        if "dl" in params.values:
            name = str(params.values["dl"]) or source.key.rsplit("/", 1)[-1]
            headers["Content-Disposition"] = f'attachment; filename="{_header_safe(name)}"'
        return Response(result.data, media_type=result.content_type, headers=headers)

    async def not_allowed(request: Request) -> Response:
        return Response("405 only GET and HEAD are supported\n", status_code=405, headers={"Allow": "GET, HEAD"})

    routes = [
        Route("/{path:path}", handle, methods=["GET", "HEAD"]),
        Route("/{path:path}", not_allowed, methods=["POST", "PUT", "DELETE", "PATCH"]),
    ]
    app = Starlette(routes=routes)
    app.state.cache = cache
    return app


def http_date(moment: datetime) -> str:
    """RFC 7231 date of any aware (or naive = UTC) datetime; stores use different tzinfo classes."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return format_datetime(aware.astimezone(UTC), usegmt=True)


def _max_age(config: RendererConfig, expires: Any) -> int:
    if expires is None:
        return config.cache_max_age
    return max(0, min(config.cache_max_age, int(expires) - int(time.time())))


def _header_safe(text: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in text)


def _param_headers(params: Params) -> dict[str, str]:
    headers = {"X-Imgix-Params": params.applied_header()}
    if params.invalid:
        headers["X-Imgworker-Fallback"] = _header_safe("; ".join(params.invalid.values()))
    if params.unimplemented:
        headers["X-Imgworker-Unimplemented"] = ",".join(params.unimplemented)
    return headers


def _sniff(data: bytes) -> str:
    try:
        info = vips.probe(data)
    except RenderError:
        return "application/octet-stream"
    return _PASSTHROUGH_TYPES.get(info.format, "application/octet-stream")


__all__ = ["BadRequest", "RendererConfig", "create_app"]
