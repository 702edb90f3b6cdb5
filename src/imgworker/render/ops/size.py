"""The size step: apply a :class:`~imgworker.render.ops.geometry.SizePlan` to pixels.

Region (``rect``) crop -> crop-window placement (``crop``, faces, focal point, entropy) -> one
resample to the exact content size. Images with alpha are premultiplied around the resample so
transparent pixels do not bleed dark fringes (field case A25). The kernel is Lanczos 3 (imgix's
``resize-filter`` default is ``lanczos2``, see spec 2.5 step 4; the difference is sub-pixel).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from imgworker.render import vips
from imgworker.render.detect.faces import Face
from imgworker.render.ops.crop import (
    draw_focal_point,
    facearea_window,
    focal_point,
    has_freedom,
    position_window,
    strategies,
)
from imgworker.render.ops.geometry import SizePlan
from imgworker.render.params import Params


def resize_exact(image: vips.Image, width: int, height: int) -> vips.Image:
    """Resample to exactly ``width`` x ``height`` (premultiplied when there is alpha)."""
    if (image.width, image.height) == (width, height):
        return image
    alpha = image.hasalpha()
    src = image.premultiply() if alpha else image
    out = src.resize(width / image.width, vscale=height / image.height, kernel="lanczos3")
    if (out.width, out.height) != (width, height):
        out = out.embed(0, 0, max(width, out.width), max(height, out.height), extend="copy")
        out = out.crop(0, 0, width, height)
    if alpha:
        out = out.unpremultiply().cast(image.format)
    return out


def _crop(image: vips.Image, x: float, y: float, w: float, h: float) -> vips.Image:
    left = max(0, min(image.width - 1, round(x)))
    top = max(0, min(image.height - 1, round(y)))
    width = max(1, min(image.width - left, round(w)))
    height = max(1, min(image.height - top, round(h)))
    if (left, top, width, height) == (0, 0, image.width, image.height):
        return image
    return image.crop(left, top, width, height)


def _smart_first(plan: SizePlan, params: Params) -> str | None:
    """libvips' ``interesting`` mode when ``crop`` starts with ``entropy``/``edges`` (they always
    place the window, so later fallbacks never apply): ``entropy`` or ``attention``; else None."""
    if plan.window is None or plan.fit != "crop" or plan.zoom != 1.0:
        return None
    chain = strategies(params)
    if not chain or chain[0] not in ("entropy", "edges"):
        return None
    return "entropy" if chain[0] == "entropy" else "attention"


def _cover_then_smartcrop(region: vips.Image, size: tuple[int, int], interesting: str) -> vips.Image:
    """Scale the region to cover ``size`` first, then let libvips pick the window at output size (what
    libvips ``thumbnail`` does for ``crop=entropy``): the analysis runs on the small image."""
    width, height = size
    s = max(width / region.width, height / region.height)
    cover = resize_exact(region, max(width, math.ceil(region.width * s - 1e-6)),
                         max(height, math.ceil(region.height * s - 1e-6)))  # fmt: skip
    if (cover.width, cover.height) == size:
        return cover
    return vips.evaluate(cover).smartcrop(width, height, interesting=interesting)


def _needs_analysis(plan: SizePlan, params: Params) -> bool:
    crop = params.values.get("crop") or ()
    return plan.fit == "facearea" or any(c in crop for c in ("faces", "entropy", "edges"))


def apply_size(
    image: vips.Image,
    plan: SizePlan,
    params: Params,
    source_size: tuple[int, int],
    faces: Callable[[vips.Image], list[Face]],
) -> vips.Image:
    """Size an upright image. ``source_size`` is the upright source size the plan was made for;
    ``image`` may be smaller (shrink-on-load), coordinates are scaled accordingly.
    """
    kx = image.width / source_size[0]
    ky = image.height / source_size[1]
    r = plan.region
    region = _crop(image, r.x * kx, r.y * ky, r.w * kx, r.h * ky)
    smart = _smart_first(plan, params)
    if smart is not None:
        return _cover_then_smartcrop(region, plan.content, smart)
    if plan.window is not None:
        bw, bh = plan.window[0] * kx, plan.window[1] * ky
        moves = has_freedom(region.width, region.height, bw / max(plan.zoom, 1.0), bh / max(plan.zoom, 1.0))
        if _needs_analysis(plan, params) and (moves or plan.fit == "facearea"):
            region = vips.evaluate(region)  # analysis reads pixels more than once
        if plan.fit == "facearea":
            box = facearea_window(region, bw / bh, params, faces(region))
            if box is not None:
                region = _crop(region, *box)
                return resize_exact(region, *plan.content)
        if plan.zoom > 1.0:
            bw, bh = bw / plan.zoom, bh / plan.zoom
        placed = position_window(region, bw, bh, params, lambda: faces(region))
        window = _crop(region, placed.x, placed.y, bw, bh)
        out = resize_exact(window, *plan.content)
        if placed.by == "focalpoint" and params.get("fp-debug"):
            fx, fy = focal_point(region.width, region.height, params)
            out = draw_focal_point(out, (fx - placed.x) * out.width / window.width,
                                   (fy - placed.y) * out.height / window.height)  # fmt: skip
        return out
    return resize_exact(region, *plan.content)
