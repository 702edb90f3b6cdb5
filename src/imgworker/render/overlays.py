"""Overlay images for image-valued parameters (``mark``, ``blend``, ``mask``): resolve, guard, fetch, render.

Rules (spec sections 2.8, 2.9, 5.1; https://docs.imgix.com/apis/rendering/watermark/mark,
https://docs.imgix.com/apis/rendering/blending/blend, https://docs.imgix.com/apis/rendering/mask/mask):

- **Relative path** (``/logo.png``, ``logo.png``, ``logo.png?w=100&fm=png``): a key of the renderer's
  own origin (the staging store the source comes from), resolved from the origin's root (the leading
  slash is optional; ``..`` cannot leave the root). A query with imgix parameters renders the overlay
  with the same pipeline, recursively. ``~text?txt=...`` renders the typesetting endpoint.
- **Absolute http(s) URL**: only from the operator's allowed hosts (:attr:`OverlayPolicy.hosts`,
  exact names or ``*.example.com``); every address the host resolves to must be public (no private,
  loopback, link-local, multicast or reserved address) unless it lies in
  :attr:`OverlayPolicy.allowed_addresses`. The URL is fetched verbatim (its query goes to that host,
  e.g. another imgix source), with limits: see :mod:`imgworker.render.remote`.
- **Loops**: an overlay whose origin key is already being rendered (the source itself or an
  enclosing overlay) is a 400, as imgix documents for ``mark``/``blend`` pointing back at the same
  image; so is nesting deeper than :data:`MAX_DEPTH` (also across HTTP hops, counted in the
  :data:`OVERLAY_DEPTH_HEADER` request header).

Every failure raises :class:`~imgworker.render.errors.BadRequest` (400) naming the parameter.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import unquote, urlsplit

from imgworker.render import vips
from imgworker.render.errors import BadRequest, RenderError
from imgworker.render.params import Params, parse_query
from imgworker.render.remote import OVERLAY_DEPTH_HEADER, OverlayPolicy, fetch_url
from imgworker.render.sources import Origin

MAX_DEPTH = 3
TEXT_ENDPOINT = "~text"
__all__ = ["MAX_DEPTH", "OVERLAY_DEPTH_HEADER", "OverlayFetcher", "OverlayPolicy", "depth_from_header", "require"]


class OverlayFetcher:
    """Fetches and renders overlay images for one request (create one per request).

    Args:
        origin: the renderer's origin (relative paths); ``None`` allows only absolute URLs.
        policy: absolute-URL rules.
        chain: origin keys being rendered (the request's source first): the loop guard.
        depth: overlay nesting depth of this request (0 for a client request).
        limits: pipeline limits for recursive renders (``pipeline.Limits``; default limits if ``None``).
    """

    def __init__(
        self,
        origin: Origin | None,
        policy: OverlayPolicy | None = None,
        *,
        chain: tuple[str, ...] = (),
        depth: int = 0,
        limits: Any = None,
    ) -> None:
        self.origin = origin
        self.policy = policy or OverlayPolicy()
        self.chain = chain
        self.depth = depth
        self.limits = limits

    def fetch_overlay(self, url_or_path: str, *, param: str) -> bytes:
        """The overlay's bytes: the file as stored/served, or a PNG when it carried imgix parameters
        (or is ``~text``). Raises :class:`BadRequest` naming ``param``."""
        kind, target, query = self._resolve(url_or_path, param)
        if kind == "url":
            return self._fetch_url(target, param)
        if target == TEXT_ENDPOINT or _has_params(query):
            return vips.save(self.overlay_image(url_or_path, param=param), ".png")
        return self._fetch_path(target, param)

    def overlay_image(self, url_or_path: str, *, param: str) -> vips.Image:
        """The overlay decoded to an upright 8-bit sRGB image, its own imgix parameters applied by
        the pipeline (every step but the encoding: alpha is kept unless its output format, e.g.
        ``fm=jpg``, has none; ``bg`` fills transparency)."""
        kind, target, query = self._resolve(url_or_path, param)
        if kind == "path" and target == TEXT_ENDPOINT:
            from imgworker.render import typesetting

            params = parse_query(query)
            data = _guard(param, url_or_path, lambda: vips.save(typesetting.text_image(params), ".png"))
            return _guard(param, url_or_path, lambda: self._render(data, typesetting.remaining(params), target))
        data = self._fetch_url(target, param) if kind == "url" else self._fetch_path(target, param)
        params = parse_query(query) if kind == "path" else Params()
        return _guard(param, url_or_path, lambda: self._render(data, params, target))

    def child(self, key: str) -> OverlayFetcher:
        """The fetcher for overlays of the overlay ``key`` (one level deeper)."""
        return OverlayFetcher(self.origin, self.policy, chain=(*self.chain, key), depth=self.depth + 1,
                              limits=self.limits)  # fmt: skip

    def _resolve(self, value: str, param: str) -> tuple[str, str, str]:
        text = value.strip()
        if not text:
            raise BadRequest(f"Expected an image URL or path for `{param}` but received ''")
        if self.depth >= MAX_DEPTH:
            raise BadRequest(f"`{param}` nests overlays deeper than {MAX_DEPTH} levels")
        parts = urlsplit(text)
        if parts.scheme.lower() in ("http", "https"):
            return "url", text, ""
        if parts.scheme or parts.netloc:
            raise BadRequest(f"Expected an http(s) URL or a path for `{param}` but received {text!r}")
        path = posixpath.normpath("/" + unquote(parts.path)).lstrip("/")
        if path in ("", "."):
            raise BadRequest(f"Expected an image path for `{param}` but received {text!r}")
        return "path", path, parts.query

    def _fetch_path(self, path: str, param: str) -> bytes:
        if self.origin is None:
            raise BadRequest(f"`{param}` path {path!r} cannot be resolved: the renderer has no origin")
        key = self.origin.key_for(path)
        if key in self.chain:
            raise BadRequest(f"`{param}` points back at an image being rendered ({path!r}): overlay loop")
        try:
            blob = self.origin.fetch(path)
        except RenderError as exc:
            raise BadRequest(f"`{param}` image {path!r} cannot be read: {exc.message}") from None
        if len(blob.data) > self.policy.max_bytes:
            raise BadRequest(f"`{param}` image is above the overlay limit of {self.policy.max_bytes} bytes")
        return blob.data

    def _fetch_url(self, url: str, param: str) -> bytes:
        return fetch_url(url, self.policy, param=param, depth=self.depth + 1)

    def _render(self, data: bytes, params: Params, key: str) -> vips.Image:
        from imgworker.render import pipeline  # pipeline -> ops -> overlays: import at call time

        limits = self.limits or pipeline.Limits()
        state = pipeline.State(data=data, params=params, accept="", limits=limits, overlays=self.child(key))
        for name, step in pipeline.STEPS:
            if name == "encode":
                break
            step(state)
            if state.result is not None:
                raise BadRequest("an overlay cannot use `fm=json`")
        return vips.evaluate(state.image)


def _has_params(query: str) -> bool:
    return bool(query) and bool(parse_query(query).values)


def _guard(param: str, value: str, make: Any) -> vips.Image:
    """Run ``make()``; a render error of the overlay becomes a 400 naming ``param``."""
    try:
        image: vips.Image = make()
    except BadRequest:
        raise
    except RenderError as exc:
        raise BadRequest(f"`{param}` image {value!r} cannot be rendered: {exc.message}") from None
    return image


def require(overlays: OverlayFetcher | None, param: str) -> OverlayFetcher:
    """``overlays``, or a 400 naming ``param`` when the renderer was called without one."""
    if overlays is None:
        raise BadRequest(f"`{param}` needs an overlay source, and none is configured for this render")
    return overlays


def depth_from_header(value: str | None) -> int:
    """The overlay depth a request declares in :data:`OVERLAY_DEPTH_HEADER` (0 when absent or junk)."""
    text = (value or "").strip()
    return min(int(text), MAX_DEPTH) if text.isdigit() else 0
