"""Padding and borders (imgix border-and-padding category).

Docs: https://docs.imgix.com/apis/rendering/border-and-padding/pad (and /border, /border-radius,
/border-radius-inner, /pad-left ...); spec section 2.8. The sizes are planned by
:mod:`imgworker.render.ops.geometry` (:func:`~imgworker.render.ops.geometry.pad_sides`,
:func:`~imgworker.render.ops.geometry.border_sides`): without ``w``/``h`` they add to the output,
with them the padded, bordered image fits inside the requested box. Stack order: image -> pad ->
(mask) -> border.

- :func:`pad` (canvas step): ``pad`` px (default 0) on every side, ``pad-left/top/right/bottom``
  override single sides. The pad is ``bg`` when set, else transparent; the flatten step turns
  transparent pixels white for formats without alpha (as the docs say).
- :func:`border` (first of the compositing step): ``border=size,color`` (size 1-100 px, colour hex
  ARGB or keyword) on every side, ``border-left/top/right/bottom`` (0-100 px) override single
  sides. ``border-radius`` rounds the outer corners (px; one value or four, clockwise from the
  top-left); outside them the output is transparent. ``border-radius-inner`` rounds the image's
  corners inside the border (same syntax); the border colour fills the cut-off corners. Without
  ``border-radius-inner`` the inner corners follow CSS: inner radius = max(0, outer radius -
  border width of that side), per axis (https://www.w3.org/TR/css-backgrounds-3/#corner-shaping).
  Where the image itself is transparent the border does not show through.
"""

from __future__ import annotations

from typing import Any

from imgworker.render import vips
from imgworker.render.ops.fill import TRANSPARENT_WHITE, with_alpha
from imgworker.render.ops.geometry import Sides, SizePlan, border_sides
from imgworker.render.ops.mask import Radii, apply_alpha, circular, rounded_rect_mask
from imgworker.render.params import Color, Params


def pad(image: vips.Image, plan: SizePlan, params: Params) -> vips.Image:
    """Add the plan's ``pad`` sides around ``image`` (no-op without padding)."""
    left, top, right, bottom = plan.pad
    if not any(plan.pad):
        return image
    width, height = image.width + left + right, image.height + top + bottom
    bg: Color | None = params.values.get("bg")
    if bg is not None and bg.opaque and not image.hasalpha():
        return image.embed(left, top, width, height, extend="background", background=list(bg.rgb))
    return with_alpha(image).embed(left, top, width, height, extend="background",
                                   background=list(TRANSPARENT_WHITE.rgba))  # fmt: skip


def _radii(value: Any) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        tl, tr, br, bl = (float(v) for v in value)
        return (tl, tr, br, bl)
    r = float(value)
    return (r, r, r, r)


def inner_radii(params: Params, sides: Sides) -> Radii:
    """Radii (rx, ry) of the image's corners inside the border: ``border-radius-inner``, else the
    CSS rule max(0, outer - adjacent border width) per axis."""
    given = _radii(params.values.get("border-radius-inner"))
    if given is not None:
        return circular(given)
    outer = _radii(params.values.get("border-radius")) or (0.0, 0.0, 0.0, 0.0)
    left, top, right, bottom = sides
    x_side = (left, right, right, left)  # TL, TR, BR, BL
    y_side = (top, top, bottom, bottom)
    return tuple((max(0.0, r - x), max(0.0, r - y)) for r, x, y in zip(outer, x_side, y_side, strict=True))


def border(image: vips.Image, params: Params, sides: Sides | None = None) -> vips.Image:
    """Draw ``border`` around ``image`` (no-op without ``border``); see the module docstring.
    ``sides`` are the widths the size plan settled on (scaled down when the box is too small)."""
    value = params.values.get("border")
    if not value:
        return image
    colour: Color = value[1]
    sides = sides if sides is not None else border_sides(params)
    left, top, right, bottom = sides
    width, height = image.width + left + right, image.height + top + bottom
    outer = _radii(params.values.get("border-radius"))
    inner = inner_radii(params, sides)
    rounded = (outer is not None and any(outer)) or any(rx > 0 and ry > 0 for rx, ry in inner)
    if not rounded:
        src = image if colour.opaque and not image.hasalpha() else with_alpha(image)
        fill = list(colour.rgb) if src.bands == 3 else list(colour.rgba)
        return src.embed(left, top, width, height, extend="background", background=fill)
    # inside the image's rounded shape: the image; elsewhere: the border colour, cut by the outer
    # radii. Mixed in premultiplied space so anti-aliased edges stay opaque.
    shape = rounded_rect_mask(image.width, image.height, inner)
    shape = shape.embed(left, top, width, height, extend="background", background=[0])
    frame = vips.solid(width, height, colour.rgba)
    placed = with_alpha(image).embed(left, top, width, height, extend="background",
                                     background=list(TRANSPARENT_WHITE.rgba))  # fmt: skip
    k = shape / 255.0
    mixed = placed.premultiply() * k + frame.premultiply() * (1.0 - k)
    out = (mixed.unpremultiply() + 0.5).cast("uchar").copy(interpretation="srgb")
    if outer is not None and any(outer):  # nothing shows outside the outer corners
        out = apply_alpha(out, rounded_rect_mask(width, height, circular(outer)))
    return out
