"""Masks (imgix mask category): ``mask=ellipse|corners|<image>``, ``corner-radius``, ``mask-bg``.

Docs: https://docs.imgix.com/apis/rendering/mask/mask, /mask/corner-radius, /mask/mask-bg (spec
section 2.8). Runs after the canvas step (fill, pad) and before compositing (spec section 4,
stage 13), on the whole output rectangle:

- ``ellipse``: the ellipse inscribed in the image (a circle when the image is square);
- ``corners``: a rectangle with rounded corners; ``corner-radius`` is one radius in px or four
  (top-left, top-right, bottom-right, bottom-left, i.e. clockwise from the top-left), default 20% of
  the smaller side; radii too large for a side are scaled down together as CSS does
  (https://www.w3.org/TR/css-backgrounds-3/#corner-overlap);
- an image URL or path: its visibility is luminance x alpha (``b-w`` luminance of the sRGB image,
  0-255, times alpha / 255), stretched to the image size (aspect not kept). It is fetched through
  the request's overlay fetcher (:mod:`imgworker.render.overlays`).

Outside the mask the image becomes transparent; the flatten step then shows ``bg``, or white for
formats without alpha (the docs: masked areas are transparent in PNG, else white). ``mask-bg``
(hex ARGB or keyword; default transparent white ``0FFF``), when given and not fully transparent,
is painted behind the masked image here, so it wins over ``bg``. Shapes are rasterised from SVG
with anti-aliased edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from imgworker.render import vips
from imgworker.render.ops.fill import over, with_alpha
from imgworker.render.overlays import OverlayFetcher, require
from imgworker.render.params import Color, Params

Radii = tuple[tuple[float, float], ...]  # (rx, ry) per corner: top-left, top-right, bottom-right, bottom-left
DEFAULT_CORNER_RATIO = 0.2


def _fmt(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")


def _svg_alpha(width: int, height: int, shape: str) -> vips.Image:
    markup = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{shape}</svg>'
    )
    alpha = vips.svg(markup)[3]
    if (alpha.width, alpha.height) != (width, height):  # pragma: no cover - svgload keeps px sizes
        alpha = alpha.resize(width / alpha.width, vscale=height / alpha.height)
    return alpha


def ellipse_mask(width: int, height: int) -> vips.Image:
    """A 1-band uchar ``width`` x ``height`` mask: 255 inside the inscribed ellipse, 0 outside."""
    cx, cy = width / 2, height / 2
    return _svg_alpha(width, height, f'<ellipse cx="{_fmt(cx)}" cy="{_fmt(cy)}" rx="{_fmt(cx)}" '
                                     f'ry="{_fmt(cy)}" fill="#fff"/>')  # fmt: skip


def circular(radii: Sequence[float]) -> Radii:
    """Four circular corner radii (TL, TR, BR, BL) as (rx, ry) pairs."""
    return tuple((float(r), float(r)) for r in radii)


def fit_radii(width: float, height: float, radii: Radii) -> Radii:
    """Scale all radii by one factor so adjacent corners never overlap (CSS corner-overlap rule)."""
    (a, b), (c, d), (e, f), (g, h) = radii  # TL, TR, BR, BL as (rx, ry)
    k = 1.0
    for side, total in ((width, a + c), (width, g + e), (height, b + h), (height, d + f)):
        if total > side > 0:
            k = min(k, side / total)
    return tuple((max(0.0, rx * k), max(0.0, ry * k)) for rx, ry in radii)


def rounded_rect_mask(width: int, height: int, radii: Radii) -> vips.Image:
    """A 1-band uchar mask of a ``width`` x ``height`` rectangle with elliptical corners
    (``radii``: (rx, ry) px for TL, TR, BR, BL); all-255 when every radius is 0."""
    if not any(rx > 0 and ry > 0 for rx, ry in radii):
        return (vips.black(width, height) + 255).cast("uchar")
    (tlx, tly), (trx, try_), (brx, bry), (blx, bly) = fit_radii(width, height, radii)
    w, h, f = width, height, _fmt
    path = (
        f"M{f(tlx)},0 H{f(w - trx)} A{f(trx)},{f(try_)} 0 0 1 {w},{f(try_)} "
        f"V{f(h - bry)} A{f(brx)},{f(bry)} 0 0 1 {f(w - brx)},{h} "
        f"H{f(blx)} A{f(blx)},{f(bly)} 0 0 1 0,{f(h - bly)} "
        f"V{f(tly)} A{f(tlx)},{f(tly)} 0 0 1 {f(tlx)},0 Z"
    )
    return _svg_alpha(width, height, f'<path d="{path}" fill="#fff"/>')


def corner_radii(params: Params, width: int, height: int) -> Radii:
    """``corner-radius`` (1 or 4 px values, clockwise from the top-left) or 20% of the smaller side."""
    value: Any = params.values.get("corner-radius")
    if value is None:
        return circular([DEFAULT_CORNER_RATIO * min(width, height)] * 4)
    if isinstance(value, tuple):
        return circular(value)
    return circular([value] * 4)


def image_mask(image: vips.Image, width: int, height: int) -> vips.Image:
    """Visibility of a decoded 8-bit mask image (luminance x alpha), stretched to ``width`` x ``height``."""
    alpha = image[image.bands - 1] if image.hasalpha() else None
    colour = image.extract_band(0, n=image.bands - 1) if alpha is not None else image
    lum = colour.colourspace("b-w")[0] if colour.bands >= 3 else colour[0]
    visible = lum if alpha is None else (lum * alpha / 255.0 + 0.5).cast("uchar")
    return visible.cast("uchar").resize(width / visible.width, vscale=height / visible.height, kernel="linear")


def apply_alpha(image: vips.Image, mask: vips.Image) -> vips.Image:
    """Multiply the image's alpha (added, opaque, when missing) by a 1-band 0-255 ``mask``."""
    image = with_alpha(image)
    alpha = (image[image.bands - 1] * mask / 255.0 + 0.5).cast("uchar")
    return image.extract_band(0, n=image.bands - 1).bandjoin(alpha).copy(interpretation="srgb")


def shape_mask(params: Params, width: int, height: int, overlays: OverlayFetcher | None) -> vips.Image | None:
    """The 1-band mask ``mask`` asks for at this size, ``None`` without ``mask``.

    Raises:
        BadRequest: an image mask that cannot be fetched or decoded, or no overlay fetcher.
    """
    value = params.values.get("mask")
    if not value:
        return None
    if value == "ellipse":
        return ellipse_mask(width, height)
    if value == "corners":
        return rounded_rect_mask(width, height, corner_radii(params, width, height))
    source = require(overlays, "mask").overlay_image(str(value), param="mask")
    return image_mask(source, width, height)


def apply(image: vips.Image, params: Params, overlays: OverlayFetcher | None = None) -> vips.Image:
    """Apply ``mask`` (no-op without it), then paint ``mask-bg`` behind when it is given."""
    mask = shape_mask(params, image.width, image.height, overlays)
    if mask is None:
        return image
    out = apply_alpha(image, mask)
    bg: Color | None = params.values.get("mask-bg")
    if bg is not None and bg.a > 0:
        out = over(out, vips.solid(out.width, out.height, bg.rgba))
    return out
