"""``blend``: a colour or image layer blended onto the image
(https://docs.imgix.com/apis/rendering/blending/blend; spec section 2.9).

Parameters (all ignored without ``blend`` or ``blend-color``; lengths in px of the output image):

- ``blend`` / ``blend64``: an ARGB hex colour or keyword (a layer over the whole image), or an image
  URL/origin path (rules in :mod:`imgworker.render.overlays`). ``blend-color`` gives the colour when
  ``blend`` is absent.
- ``blend-mode`` (default ``overlay``): ``normal``, ``darken``, ``multiply``, ``burn``, ``lighten``,
  ``screen``, ``dodge``, ``overlay``, ``softlight``, ``hardlight``, ``difference``, ``exclusion``
  (libvips' PDF/W3C blend modes), and ``hue``, ``saturation``, ``color``, ``luminosity`` (the W3C
  Compositing Level 1 non-separable formulas, https://www.w3.org/TR/compositing-1/, in numpy).
  Every mode composites as W3C "source-over" with the blend function, so a layer pixel of alpha
  ``a`` gives ``(1 - a) * base + a * B(base, layer)`` on an opaque base.
- ``blend-alpha`` (0-100, default 100) multiplies the layer's alpha (a colour's own alpha too).
- Image layers only: ``blend-size=inherit`` covers the base exactly (centred crop); otherwise
  ``blend-w`` / ``blend-h`` (pixels, or 0-1 ratios of the *base image's* side: our choice, imgix
  does not say) with ``blend-fit`` (``clip`` default, ``clamp``, ``crop``, ``scale``, ``max``; see
  :func:`~imgworker.render.ops.placement.fit_box`); neither: the layer keeps its size. Where the
  layer is cropped (``blend-fit=crop``, ``blend-size=inherit``), ``blend-crop`` anchors the crop
  (``top``, ``bottom``, ``left``, ``right``, ``faces``; default centre).
  ``blend-align`` (default ``middle,center``, the spec's proposal: imgix documents none) inset by
  ``blend-pad`` (default 0); ``blend-x`` / ``blend-y`` override align and pad on their axis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from imgworker.render import vips
from imgworker.render.ops.placement import alignment, fade, fit_box, over, place, rgba
from imgworker.render.overlays import OverlayFetcher, require
from imgworker.render.params import Params
from imgworker.render.params.types import Color

MODES = {"normal": "over", "darken": "darken", "multiply": "multiply", "burn": "colour_burn",
         "lighten": "lighten", "screen": "screen", "dodge": "colour_dodge", "overlay": "overlay",
         "softlight": "soft_light", "hardlight": "hard_light", "difference": "difference",
         "exclusion": "exclusion"}  # fmt: skip
NON_SEPARABLE = ("hue", "saturation", "color", "luminosity")


def _side(value: int | float | None, base: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, float):
        return max(1, round(base * value))
    return int(value)


def image_layer(layer: vips.Image, params: Params, width: int, height: int) -> tuple[vips.Image, int, int]:
    """The blend image sized and placed for a ``width`` x ``height`` base: (layer, x, y)."""
    anchor = tuple(params.values.get("blend-crop") or ())
    if params.get("blend-size") == "inherit":
        return fit_box(layer, width, height, "crop", anchor), 0, 0
    bw = _side(params.values.get("blend-w"), width)
    bh = _side(params.values.get("blend-h"), height)
    layer = fit_box(layer, bw, bh, str(params.get("blend-fit", "clip")), anchor)
    where = alignment(params.values.get("blend-align"), ("middle", "center"))
    pad = int(params.get("blend-pad", 0))
    x = int(params.values["blend-x"]) if params.has("blend-x") else place(layer.width, width, pad, where[1])
    y = int(params.values["blend-y"]) if params.has("blend-y") else place(layer.height, height, pad, where[0])
    return layer, x, y


def apply(image: vips.Image, params: Params, overlays: OverlayFetcher | None) -> vips.Image:
    """Blend ``blend`` onto ``image`` (unchanged without ``blend``/``blend-color``)."""
    value: Any = params.values.get("blend", params.values.get("blend-color"))
    if value is None:
        return image
    opacity = float(params.get("blend-alpha", 100)) / 100
    if isinstance(value, Color):
        layer, x, y = vips.solid(image.width, image.height, value.rgba), 0, 0
    else:
        fetched = rgba(require(overlays, "blend").overlay_image(str(value), param="blend"))
        layer, x, y = image_layer(fetched, params, image.width, image.height)
    return blend(image, fade(layer, opacity), x, y, str(params.get("blend-mode", "overlay")))


def blend(image: vips.Image, layer: vips.Image, x: int, y: int, mode: str) -> vips.Image:
    """``layer`` (RGBA) blended onto ``image`` at (x, y) with an imgix ``mode``.

    libvips' blend modes feed *premultiplied* layer colours to the blend function, which is wrong
    where the layer is partly transparent; so on an opaque base the layer is blended fully opaque
    and the result mixed back by the layer's alpha ``a``: ``(1 - a) * base + a * B(base, layer)``
    (exactly W3C source-over). Bases with alpha and the non-separable modes use :func:`blend_numpy`.
    """
    if mode == "normal":
        return over(image, layer, x, y)
    if image.hasalpha() or mode in NON_SEPARABLE or mode not in MODES:
        return blend_numpy(image, layer, x, y, mode if mode in FUNCTIONS else "overlay")
    base = image if image.bands >= 3 else image.colourspace("srgb")
    mixed = over(base, layer.extract_band(0, n=3).bandjoin(255), x, y, MODES[mode])
    alpha = layer.extract_band(3).embed(x, y, base.width, base.height)
    out = (base * (255 - alpha) + mixed * alpha) / 255 + 0.5
    return out.cast("uchar").copy(interpretation="srgb")


def _lum(c: Any) -> Any:
    return (0.3 * c[..., 0] + 0.59 * c[..., 1] + 0.11 * c[..., 2])[..., None]


def _clip_color(c: Any) -> Any:
    lum, lo, hi = _lum(c), c.min(axis=-1, keepdims=True), c.max(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(lo < 0, lum + (c - lum) * lum / np.maximum(lum - lo, 1e-9), c)
        c = np.where(hi > 1, lum + (c - lum) * (1 - lum) / np.maximum(hi - lum, 1e-9), c)
    return c


def _set_lum(c: Any, lum: Any) -> Any:
    return _clip_color(c + (lum - _lum(c)))


def _sat(c: Any) -> Any:
    return c.max(axis=-1, keepdims=True) - c.min(axis=-1, keepdims=True)


def _set_sat(c: Any, s: Any) -> Any:
    lo, span = c.min(axis=-1, keepdims=True), _sat(c)
    return np.where(span > 0, (c - lo) * s / np.maximum(span, 1e-9), 0.0)


def _screen(cb: Any, cs: Any) -> Any:
    return cb + cs - cb * cs


def _hard_light(cb: Any, cs: Any) -> Any:
    return np.where(cs <= 0.5, cb * 2 * cs, _screen(cb, 2 * cs - 1))


def _soft_light(cb: Any, cs: Any) -> Any:
    d = np.where(cb <= 0.25, ((16 * cb - 12) * cb + 4) * cb, np.sqrt(cb))
    return np.where(cs <= 0.5, cb - (1 - 2 * cs) * cb * (1 - cb), cb + (2 * cs - 1) * (d - cb))


def _dodge(cb: Any, cs: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cb <= 0, 0.0, np.where(cs >= 1, 1.0, np.minimum(1.0, cb / np.maximum(1 - cs, 1e-9))))


def _burn(cb: Any, cs: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cb >= 1, 1.0, np.where(cs <= 0, 0.0, 1 - np.minimum(1.0, (1 - cb) / np.maximum(cs, 1e-9))))


FUNCTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "normal": lambda cb, cs: cs,
    "multiply": lambda cb, cs: cb * cs,
    "screen": _screen,
    "overlay": lambda cb, cs: _hard_light(cs, cb),
    "darken": np.minimum,
    "lighten": np.maximum,
    "dodge": _dodge,
    "burn": _burn,
    "hardlight": _hard_light,
    "softlight": _soft_light,
    "difference": lambda cb, cs: np.abs(cb - cs),
    "exclusion": lambda cb, cs: cb + cs - 2 * cb * cs,
    "hue": lambda cb, cs: _set_lum(_set_sat(cs, _sat(cb)), _lum(cb)),
    "saturation": lambda cb, cs: _set_lum(_set_sat(cb, _sat(cs)), _lum(cb)),
    "color": lambda cb, cs: _set_lum(cs, _lum(cb)),
    "luminosity": lambda cb, cs: _set_lum(cb, _lum(cs)),
}


def blend_function(cb: Any, cs: Any, mode: str) -> Any:
    """W3C ``B(Cb, Cs)`` of an imgix mode on float arrays (..., 3) in 0-1."""
    return FUNCTIONS[mode](cb, cs)


def blend_numpy(image: vips.Image, layer: vips.Image, x: int, y: int, mode: str) -> vips.Image:
    """Source-over with any blend function: ``co = as(1-ab)Cs + as*ab*B + (1-as)ab*Cb``,
    ``ao = as + ab(1-as)``, colour ``co / ao`` (W3C Compositing 1, section 5.2), in numpy."""
    base = rgba(image)
    full = layer.embed(x, y, base.width, base.height)
    b = vips.to_numpy(base).astype(np.float32) / 255
    s = vips.to_numpy(full).astype(np.float32) / 255
    cb, ab, cs, a_s = b[..., :3], b[..., 3:], s[..., :3], s[..., 3:]
    mixed = blend_function(cb, cs, mode)
    ao = a_s + ab * (1 - a_s)
    co = a_s * (1 - ab) * cs + a_s * ab * mixed + (1 - a_s) * ab * cb
    colour = np.where(ao > 0, co / np.maximum(ao, 1e-9), 0.0)
    out = np.clip(np.concatenate([colour, ao], axis=-1) * 255 + 0.5, 0, 255).astype(np.uint8)
    result = vips.from_numpy(out).copy(interpretation="srgb")
    return result if image.hasalpha() else result.extract_band(0, n=3)
