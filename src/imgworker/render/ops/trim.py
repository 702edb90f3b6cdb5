"""Trim (imgix trim category): remove uniform borders before sizing.

Docs: https://docs.imgix.com/apis/rendering/trim/trim (and /trim-color, /trim-md, /trim-sd,
/trim-tol, /trim-pad); spec sections 2.2 (trim) and 4 (stage 6: after ``rect``, before sizing).
The trimmed region replaces the source for the size plan (see ``pipeline.step_size``). imgix
publishes no formulas; ours, with every difference in 0-255 channel units:

- ``trim=auto``: the border colour is the corner colour most corners share (two corners share it
  when every channel differs by at most ``trim-md``; ties go to top-left, then clockwise); when no
  two corners share one, nothing is trimmed. Rows are then removed from the top and bottom, and
  columns (within the kept rows) from the left and right, while the line's *mean difference* (mean
  over its pixels of the mean absolute channel difference from the border colour) is at most
  ``trim-md`` (default 11) and the *standard deviation* of its pixels' grey values (mean of R, G, B)
  is at most ``trim-sd`` (default 10).
- ``trim=color``: the border colour is ``trim-color`` (default: the top-left pixel); a line is
  removed while every pixel differs from it by at most ``trim-tol`` (default 0) in every channel,
  or is fully transparent (transparency counts as border first).
- ``trim=alpha``: a line is removed while every pixel's alpha is at most ``trim-alpha`` (0-255,
  default 0); images without alpha are not trimmed. ``trim=colorunlessalpha``: ``alpha`` when the
  image has an alpha channel, else ``color``.
- ``trim-pad`` (-200..200 px, default 0): the kept box grows by that many px on every side (shrinks
  when negative), within the image; at least 1 px is kept.

A trim that would remove everything (a uniform image) leaves the image unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from imgworker.render import vips
from imgworker.render.ops.geometry import Box
from imgworker.render.params import Color, Params

Bounds = tuple[int, int, int, int]  # left, top, right (exclusive), bottom (exclusive)
MODES = frozenset({"auto", "color", "alpha", "colorunlessalpha"})


def wanted(params: Params) -> bool:
    """Whether the request trims (a valid ``trim`` value is given)."""
    return params.values.get("trim") in MODES


def _pixel(image: vips.Image, x: int, y: int) -> tuple[float, ...]:
    return tuple(float(v) for v in image.getpoint(x, y))


def _corner_colour(image: vips.Image, tolerance: float) -> tuple[float, ...] | None:
    w, h = image.width - 1, image.height - 1
    corners = [_pixel(image, x, y) for x, y in ((0, 0), (w, 0), (w, h), (0, h))]
    best, votes = None, 1
    for c in corners:
        n = sum(1 for o in corners if max(abs(a - b) for a, b in zip(c, o, strict=True)) <= tolerance)
        if n > votes:
            best, votes = c, n
    return best


def _span(border: np.ndarray[Any, Any]) -> tuple[int, int]:
    """First and last+1 index of the lines that are *not* border (0, 0 when all are)."""
    keep = np.flatnonzero(~border)
    if keep.size == 0:
        return (0, 0)
    return (int(keep[0]), int(keep[-1]) + 1)


def _content_bounds(content: vips.Image) -> Bounds | None:
    """Bounding box of the non-zero pixels of a 1-band image (``None`` when there are none)."""
    columns, rows = content.project()
    x0, x1 = _span(vips.to_numpy(columns).reshape(-1) == 0)
    y0, y1 = _span(vips.to_numpy(rows).reshape(-1) == 0)
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1, y1)


def _line_stats(image: vips.Image, colour: tuple[float, ...]) -> tuple[np.ndarray[Any, Any], ...]:
    """Per-row and per-column (mean difference, grey std) of ``image`` against ``colour``."""
    diff = (image - list(colour)).abs().bandmean()
    grey = image.extract_band(0, n=3).bandmean() if image.bands >= 3 else image[0].cast("float")
    stack = diff.bandjoin([grey, grey * grey]).cast("double")
    columns, rows = stack.project()
    out = []
    for sums, n in ((vips.to_numpy(rows).reshape(-1, 3), image.width),
                    (vips.to_numpy(columns).reshape(-1, 3), image.height)):  # fmt: skip
        md = sums[:, 0] / n
        mean = sums[:, 1] / n
        sd = np.sqrt(np.maximum(0.0, sums[:, 2] / n - mean * mean))
        out.extend([md, sd])
    return tuple(out)


def _auto_bounds(image: vips.Image, md: float, sd: float) -> Bounds | None:
    colour = _corner_colour(image, md)
    if colour is None:
        return (0, 0, image.width, image.height)
    row_md, row_sd, _, _ = _line_stats(image, colour)
    y0, y1 = _span((row_md <= md) & (row_sd <= sd))
    if y1 <= y0:
        return None
    _, _, col_md, col_sd = _line_stats(image.crop(0, y0, image.width, y1 - y0), colour)
    x0, x1 = _span((col_md <= md) & (col_sd <= sd))
    if x1 <= x0:
        return None
    return (x0, y0, x1, y1)


def _colour_bounds(image: vips.Image, colour: Color | None, tolerance: float) -> Bounds | None:
    bands = image.bands - 1 if image.hasalpha() else image.bands
    target = colour.rgb[:bands] if colour is not None else _pixel(image, 0, 0)[:bands]
    rgb = image.extract_band(0, n=bands)
    content = ((rgb - list(target)).abs() > tolerance).bandor()
    if image.hasalpha():
        content = content & (image[image.bands - 1] > 0)
    return _content_bounds(content)


def _alpha_bounds(image: vips.Image, level: float) -> Bounds | None:
    if not image.hasalpha():
        return (0, 0, image.width, image.height)
    return _content_bounds(image[image.bands - 1] > level)


def find_bounds(image: vips.Image, params: Params) -> Bounds | None:
    """The box to keep (before ``trim-pad``), or ``None`` when everything is border."""
    mode = params.values["trim"]
    if mode == "colorunlessalpha":
        mode = "alpha" if image.hasalpha() else "color"
    if mode == "auto":
        return _auto_bounds(image, float(params.get("trim-md", 11.0)), float(params.get("trim-sd", 10.0)))
    if mode == "color":
        return _colour_bounds(image, params.values.get("trim-color"), float(params.get("trim-tol", 0.0)))
    return _alpha_bounds(image, float(params.get("trim-alpha", 0.0)))


def padded(bounds: Bounds, amount: int, width: int, height: int) -> Bounds:
    """``bounds`` grown by ``amount`` px per side (shrunk when negative), clipped, at least 1 px."""
    x0, y0, x1, y1 = bounds
    x0, x1 = max(0, x0 - amount), min(width, x1 + amount)
    y0, y1 = max(0, y0 - amount), min(height, y1 + amount)
    if x1 <= x0:
        x0, x1 = (x0 + x1) // 2, (x0 + x1) // 2 + 1
    if y1 <= y0:
        y0, y1 = (y0 + y1) // 2, (y0 + y1) // 2 + 1
    return (max(0, min(x0, width - 1)), max(0, min(y0, height - 1)), min(width, max(x1, 1)), min(height, max(y1, 1)))


def apply(image: vips.Image, region: Box, params: Params) -> tuple[vips.Image, Box]:
    """Crop ``image`` (upright, 8-bit sRGB, full resolution) to the ``rect`` ``region``, then trim.

    Returns the trimmed image (evaluated into memory: trimming reads the pixels more than once) and
    the kept box in ``image`` pixels, for :func:`crop` to cut other animation frames alike.
    """
    x, y, w, h = (round(v) for v in (region.x, region.y, region.w, region.h))
    if (x, y, w, h) != (0, 0, image.width, image.height):
        image = image.crop(x, y, w, h)
    image = vips.evaluate(image)
    bounds = find_bounds(image, params)
    if bounds is None:
        return image, Box(x, y, image.width, image.height)
    x0, y0, x1, y1 = padded(bounds, int(params.get("trim-pad", 0)), image.width, image.height)
    box = Box(x + x0, y + y0, x1 - x0, y1 - y0)
    if (x0, y0, x1, y1) == (0, 0, image.width, image.height):
        return image, box
    return image.crop(x0, y0, x1 - x0, y1 - y0), box


def crop(image: vips.Image, box: Box) -> vips.Image:
    """Cut ``box`` (as returned by :func:`apply`) out of an image of the same size."""
    return image.crop(int(box.x), int(box.y), int(box.w), int(box.h))
