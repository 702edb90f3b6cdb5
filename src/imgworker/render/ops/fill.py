"""Canvas and background: ``fit=fill|fillmax|clamp`` canvases (``fill=solid|blur``, ``fill-color``)
and ``bg`` flattening.

Docs: https://docs.imgix.com/apis/rendering/fill/fill, /fill-color, /bg and the fit page (spec
sections 2.5 and 2.8). The content is centred on the canvas. ``fill=solid`` (default) paints
``fill-color`` (default transparent white ``0FFF``, white where the format has no alpha);
``fill=blur`` paints a cover-scaled, blurred copy of the image (sigma = canvas diagonal / 40, our
calibration: imgix publishes none); ``fill=gradient`` paints a gradient (:mod:`.gradient`);
``fit=clamp`` repeats the edge pixels. ``bg`` fills
transparent pixels; unset, transparency is kept where the output format has alpha, else white;
``transparency=grid`` shows what stays transparent as a grey and white checkerboard.
"""

from __future__ import annotations

import math

from imgworker.render import vips
from imgworker.render.ops import gradient
from imgworker.render.ops.geometry import SizePlan
from imgworker.render.ops.size import resize_exact
from imgworker.render.params import Color, Params

TRANSPARENT_WHITE = Color(255, 255, 255, 0)


def with_alpha(image: vips.Image) -> vips.Image:
    return image if image.hasalpha() else image.bandjoin(255)


def over(top: vips.Image, bottom: vips.Image) -> vips.Image:
    """Composite ``top`` over ``bottom`` (same size, sRGB), premultiplied 'over'."""
    return bottom.composite2(top, "over").cast("uchar")


def canvas(image: vips.Image, plan: SizePlan, params: Params) -> vips.Image:
    """Place the sized content on the plan's canvas (no-op when canvas == content)."""
    cw, ch = plan.canvas
    if (cw, ch) == (image.width, image.height):
        return image
    left = (cw - image.width) // 2
    top = (ch - image.height) // 2
    if plan.fit == "clamp":
        return image.embed(left, top, cw, ch, extend="copy")
    if params.get("fill") == "blur":
        back = with_alpha(image).flatten(background=[255, 255, 255]).bandjoin(255)
        k = max(cw / image.width, ch / image.height)
        back = resize_exact(back, max(cw, math.ceil(image.width * k)), max(ch, math.ceil(image.height * k)))
        back = back.crop((back.width - cw) // 2, (back.height - ch) // 2, cw, ch)
        back = back.gaussblur(max(2.0, math.hypot(cw, ch) / 40)).cast("uchar")
        return over(with_alpha(image).embed(left, top, cw, ch), back)
    if params.get("fill") == "gradient":
        return over(with_alpha(image).embed(left, top, cw, ch), gradient.canvas(cw, ch, params, image))
    colour = params.values.get("fill-color") if params.get("fill", "solid") == "solid" else None
    colour = colour or TRANSPARENT_WHITE
    image = with_alpha(image)
    if colour.opaque:
        return image.embed(left, top, cw, ch, extend="background", background=list(colour.rgba))
    back = vips.solid(cw, ch, colour.rgba)
    return over(image.embed(left, top, cw, ch), back)


GRID_COLOURS = (Color(0xD0, 0xD7, 0xDD, 255), Color(255, 255, 255, 255))
GRID_SIZE = 4


def checkerboard(width: int, height: int, size: int, colours: tuple[Color, Color]) -> vips.Image:
    """An opaque ``width`` x ``height`` checkerboard of ``size`` px cells, the first colour top-left."""
    xy = vips.xyz(width, height)
    parity = ((xy[0] / size).floor() + (xy[1] / size).floor()) % 2
    board = (parity == 0).ifthenelse(list(colours[0].rgb), list(colours[1].rgb))
    return board.cast("uchar").bandjoin(255).copy(interpretation="srgb")


def apply_bg(image: vips.Image, params: Params, output_has_alpha: bool) -> vips.Image:
    """Apply ``bg`` behind transparent pixels, then ``transparency=grid`` (a checkerboard of
    ``grid-size`` px cells, default 4, in ``grid-colors``, default ``D0D7DD,FFFFFF``: imgix's
    /apis/rendering/format/transparency); flatten onto white when the output has no alpha."""
    colour: Color | None = params.values.get("bg")
    if not image.hasalpha():
        return image
    if colour is not None:
        back = vips.solid(image.width, image.height, colour.rgba)
        image = over(image, back)
    if params.get("transparency") == "grid":
        colours = params.values.get("grid-colors") or GRID_COLOURS
        size = int(params.values.get("grid-size") or GRID_SIZE)
        image = over(image, checkerboard(image.width, image.height, max(1, size), tuple(colours[:2])))
    if output_has_alpha:
        return image
    if colour is not None and colour.opaque:
        return image.flatten(background=list(colour.rgb)).cast("uchar")
    return image.flatten(background=[255, 255, 255]).cast("uchar")
