"""Shared helpers of the overlays (``blend``, ``mark``, ``txt``): alignment, box fitting, compositing.

All images are 8-bit sRGB; overlay layers are RGBA (straight alpha). Alignment keywords are imgix's
(top/middle/bottom, left/center/right; https://docs.imgix.com/apis/rendering/watermark/mark-align).
"""

from __future__ import annotations

import math

from imgworker.render import vips
from imgworker.render.ops.crop import union
from imgworker.render.ops.faces import find_faces
from imgworker.render.ops.size import resize_exact

FITS = ("clip", "max", "scale", "crop", "fill", "clamp")


def alignment(value: tuple[str, ...] | None, default: tuple[str, str]) -> tuple[str, str]:
    """``(vertical, horizontal)`` from an align list; a missing axis keeps ``default``'s."""
    vertical, horizontal = default
    for word in value or ():
        if word in ("top", "middle", "bottom"):
            vertical = word
        elif word in ("left", "center", "right"):
            horizontal = word
    return vertical, horizontal


def place(size: int, span: int, pad: int, where: str) -> int:
    """Offset of a ``size`` px box on a ``span`` px axis aligned ``where``, inset by ``pad`` px
    (centred boxes ignore ``pad``)."""
    if where in ("left", "top"):
        return pad
    if where in ("right", "bottom"):
        return span - pad - size
    return (span - size) // 2


def rgba(image: vips.Image) -> vips.Image:
    """``image`` as 4-band 8-bit sRGB (grey is promoted; an opaque alpha is added when missing)."""
    if image.bands < 3:
        image = image.colourspace("srgb")
    if image.format != "uchar":
        image = image.cast("uchar")
    if not image.hasalpha():
        image = image.bandjoin(255)
    return image.copy(interpretation="srgb")


def fade(layer: vips.Image, opacity: float) -> vips.Image:
    """``layer`` (RGBA) with its alpha multiplied by ``opacity`` (0-1)."""
    if opacity >= 1:
        return layer
    alpha = (layer.extract_band(3) * max(opacity, 0.0)).cast("uchar")
    return layer.extract_band(0, n=3).bandjoin(alpha).copy(interpretation="srgb")


def over(image: vips.Image, layer: vips.Image, x: int, y: int, mode: str = "over") -> vips.Image:
    """``layer`` (RGBA) composited on ``image`` at (x, y) with a libvips blend ``mode``, clipped to
    ``image``; ``image`` keeps its band count (an image without alpha stays without)."""
    had_alpha = bool(image.hasalpha())
    base = image if image.bands >= 3 else image.colourspace("srgb")
    out = base.composite2(layer, mode, x=x, y=y).cast("uchar")
    return (out if had_alpha else out.extract_band(0, n=3)).copy(interpretation="srgb")


def _crop_anchor(image: vips.Image, scale: float, size: tuple[int, int], box: tuple[int, int],
                 anchor: tuple[str, ...]) -> tuple[int, int]:  # fmt: skip
    """Top-left of a ``box`` crop of ``image`` resized by ``scale`` to ``size``, for ``blend-crop``
    anchors; faces are looked for on ``image`` itself (the resized copy may be too small for them)."""
    spare_x, spare_y = size[0] - box[0], size[1] - box[1]
    x = 0 if "left" in anchor else spare_x if "right" in anchor else spare_x // 2
    y = 0 if "top" in anchor else spare_y if "bottom" in anchor else spare_y // 2
    if "faces" in anchor and (spare_x or spare_y):
        found = find_faces(vips.evaluate(image.flatten(background=[255, 255, 255]) if image.hasalpha() else image))
        if found:
            x0, y0, x1, y1 = union(found)
            cx, cy = (x0 + x1) / 2 * scale, (y0 + y1) / 2 * scale
            x = max(0, min(spare_x, round(cx - box[0] / 2)))
            y = max(0, min(spare_y, round(cy - box[1] / 2)))
    return x, y


def fit_box(image: vips.Image, bw: int | None, bh: int | None, fit: str, anchor: tuple[str, ...] = ()) -> vips.Image:
    """Size ``image`` (RGBA) for a ``bw`` x ``bh`` px box with an imgix fit mode.

    One side ``None``: that side follows the aspect ratio (every mode). Both ``None``: unchanged.
    ``clip``: fit inside, aspect kept (may upscale); ``max``: the same without upscaling; ``scale``:
    stretch to the box; ``crop``: cover the box, then crop at ``anchor`` (``top``/``bottom``,
    ``left``/``right``, ``faces``: centred on the detected faces; default and fallback: centre,
    as ``blend-crop`` documents); ``fill``: clip, then centred on a transparent box; ``clamp``: clip,
    then the edge pixels extended to the box.
    """
    w, h = image.width, image.height
    if bw is None and bh is None:
        return image
    if bw is None or bh is None:
        s = (bw / w) if bw is not None else (bh or h) / h
        return resize_exact(image, max(1, round(w * s)), max(1, round(h * s)))
    if fit == "scale":
        return resize_exact(image, bw, bh)
    if fit == "crop":
        s = max(bw / w, bh / h)
        cw, ch = max(bw, math.ceil(w * s - 1e-9)), max(bh, math.ceil(h * s - 1e-9))
        big = resize_exact(image, cw, ch)
        x, y = _crop_anchor(image, cw / w, (cw, ch), (bw, bh), anchor)
        return big.crop(x, y, bw, bh)
    s = min(bw / w, bh / h)
    if fit == "max":
        s = min(s, 1.0)
    inner = resize_exact(image, max(1, round(w * s)), max(1, round(h * s)))
    if fit in ("fill", "clamp"):
        extend = "copy" if fit == "clamp" else "black"
        return inner.embed((bw - inner.width) // 2, (bh - inner.height) // 2, bw, bh, extend=extend)
    return inner
