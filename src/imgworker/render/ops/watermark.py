"""``mark``: an image watermark (https://docs.imgix.com/apis/rendering/watermark/mark; spec section 2.9).

Parameters (all ignored without ``mark``; lengths in px of the output image):

- ``mark`` / ``mark64``: image URL or origin path (rules in :mod:`imgworker.render.overlays`); it
  may carry its own imgix parameters (rendered recursively). ``mark-base`` is prepended to it.
- Size: ``mark-w`` / ``mark-h`` are pixels (2-2000; larger values are capped at 2000, imgix's
  documented maximum) or 0-1 ratios of the *watermark's own* width/height; with one given, the other
  follows the aspect ratio; with both, ``mark-fit`` (``clip`` default, ``crop``, ``fill``, ``max``,
  ``scale``) fits the mark in that box (:func:`~imgworker.render.ops.placement.fit_box`). With
  neither, the mark keeps its size. ``mark-scale`` (0-100) wins over both: the mark's width becomes
  ``mark-scale`` % of the base image's width, height by aspect (imgix's exact reference is
  unpublished; spec 2.9 proposes the base width). ``mark-scale=0`` draws nothing.
- Position: ``mark-align`` (default ``bottom,right``; ``top,left`` when tiled; a missing axis keeps
  its default) inset by ``mark-pad`` (default 5). ``mark-x`` / ``mark-y`` give the mark's left/top
  edge and override align and pad on their axis.
- ``mark-alpha`` (0-100, default 100) multiplies the mark's own alpha.
- ``mark-tile=grid`` repeats the mark over the whole image, ``mark-pad`` px apart; one tile sits
  where the alignment (pad 0) puts it.
- ``mark-if-min-width`` / ``mark-if-min-height``: draw only when the output is at least that wide/high.

Any source shape works (field case A05: grey+alpha base, RGBA mark): the mark is composited on the
8-bit sRGB image, which keeps its band count.
"""

from __future__ import annotations

import math

from imgworker.render import vips
from imgworker.render.ops.placement import alignment, fade, fit_box, over, place, rgba
from imgworker.render.overlays import OverlayFetcher, require
from imgworker.render.params import Params

MAX_MARK_SIZE = 2000
DEFAULT_PAD = 5


def _side(value: int | float | None, own: int) -> int | None:
    """``mark-w``/``mark-h``: pixels (capped at 2000) or a 0-1 ratio of the mark's own side."""
    if value is None:
        return None
    if isinstance(value, float):
        return max(1, round(own * value))
    return min(int(value), MAX_MARK_SIZE)


def size_mark(mark: vips.Image, params: Params, base_width: int) -> vips.Image | None:
    """The watermark resized by ``mark-scale`` or ``mark-w``/``mark-h``/``mark-fit`` (``None``: nothing to draw)."""
    if params.has("mark-scale"):
        scale = float(params.values["mark-scale"])
        if scale <= 0:
            return None
        return fit_box(mark, max(1, round(base_width * scale / 100)), None, "clip")
    bw = _side(params.values.get("mark-w"), mark.width)
    bh = _side(params.values.get("mark-h"), mark.height)
    return fit_box(mark, bw, bh, str(params.get("mark-fit", "clip")))


def tile(mark: vips.Image, width: int, height: int, gap: int, where: tuple[str, str]) -> vips.Image:
    """A ``width`` x ``height`` RGBA layer of ``mark`` repeated every (mark + ``gap``) px, one copy at
    the aligned position."""
    uw, uh = mark.width + gap, mark.height + gap
    unit = mark.embed(0, 0, uw, uh)
    ax = place(mark.width, width, 0, where[1])
    ay = place(mark.height, height, 0, where[0])
    ox = ax - math.ceil(ax / uw) * uw
    oy = ay - math.ceil(ay / uh) * uh
    nx = math.ceil((width - ox) / uw)
    ny = math.ceil((height - oy) / uh)
    return unit.replicate(nx, ny).crop(-ox, -oy, width, height)


def apply(image: vips.Image, params: Params, overlays: OverlayFetcher | None) -> vips.Image:
    """Draw ``mark`` on ``image`` (unchanged without ``mark``)."""
    if not params.has("mark"):
        return image
    if image.width < int(params.values.get("mark-if-min-width", 0)):
        return image
    if image.height < int(params.values.get("mark-if-min-height", 0)):
        return image
    url = str(params.values.get("mark-base") or "") + str(params.values["mark"])
    mark = rgba(require(overlays, "mark").overlay_image(url, param="mark"))
    sized = size_mark(mark, params, image.width)
    if sized is None:
        return image
    mark = fade(sized, float(params.get("mark-alpha", 100)) / 100)
    angle = float(params.get("mark-rot", 0) or 0) % 360
    if angle in (90.0, 180.0, 270.0):  # turned like ``rot`` (clockwise): right angles are exact
        mark = mark.rot(f"d{int(angle)}")
    elif angle:  # any other angle: on a canvas grown to hold it, corners transparent
        mark = mark.premultiply().rotate(-angle).unpremultiply().cast("uchar")
    tiled = params.get("mark-tile") == "grid"
    where = alignment(params.values.get("mark-align"), ("top", "left") if tiled else ("bottom", "right"))
    pad = int(params.get("mark-pad", DEFAULT_PAD))
    if tiled:
        return over(image, tile(mark, image.width, image.height, pad, where), 0, 0)
    x = int(params.values["mark-x"]) if params.has("mark-x") else place(mark.width, image.width, pad, where[1])
    y = int(params.values["mark-y"]) if params.has("mark-y") else place(mark.height, image.height, pad, where[0])
    return over(image, mark, x, y)
