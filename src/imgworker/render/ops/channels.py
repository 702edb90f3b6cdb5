"""Band helpers shared by the adjustment and stylize operations.

Colour operations touch the colour bands only: :func:`split_alpha` takes the alpha band off (kept
bit for bit) and :func:`join_alpha` puts it back. The working space is 8-bit sRGB (the ``colour``
step converts every source to it); float intermediates are rounded and clipped back to 0-255 by
:func:`to_uchar`.
"""

from __future__ import annotations

from collections.abc import Callable

from imgworker.render import vips

# Rec. 709 luma weights on the encoded sRGB values (the weights of the W3C Filter Effects
# `saturate`/`grayscale` matrices): Y = 0.2126 R + 0.7152 G + 0.0722 B.
LUMA = (0.2126, 0.7152, 0.0722)


def split_alpha(image: vips.Image) -> tuple[vips.Image, vips.Image | None]:
    """``(colour bands, alpha band or None)``. Grey images are widened to sRGB first."""
    if image.bands in (1, 2):
        image = image.colourspace("srgb")
    if image.hasalpha():
        return image.extract_band(0, n=image.bands - 1), image.extract_band(image.bands - 1)
    return image, None


def join_alpha(colour: vips.Image, alpha: vips.Image | None) -> vips.Image:
    """Colour bands back with their untouched alpha, as 8-bit sRGB."""
    out = colour if alpha is None else colour.bandjoin(alpha)
    return out.copy(interpretation="srgb")


def to_uchar(image: vips.Image) -> vips.Image:
    """Round to nearest and clip to 0-255 (``cast`` alone truncates toward zero)."""
    if image.format == "uchar":
        return image
    return (image + 0.5).cast("uchar")


def luma(rgb: vips.Image) -> vips.Image:
    """One float band, Y = 0.2126 R + 0.7152 G + 0.0722 B (0-255, encoded values)."""
    return rgb.recomb(vips.mask([list(LUMA)]))


def on_colour(image: vips.Image, op: Callable[[vips.Image], vips.Image]) -> vips.Image:
    """Apply ``op`` to the colour bands (3-band 8-bit sRGB in) and keep the alpha band as it is."""
    rgb, alpha = split_alpha(image)
    return join_alpha(to_uchar(op(rgb)), alpha)


def on_premultiplied(image: vips.Image, op: Callable[[vips.Image], vips.Image]) -> vips.Image:
    """Apply a spatial ``op`` (blur, pixelate) premultiplied by alpha when there is one, so
    transparent pixels lend no colour to their neighbours; alpha is filtered with the colour."""
    interpretation = image.interpretation
    if not image.hasalpha():
        return to_uchar(op(image)).copy(interpretation=interpretation)
    out = op(image.premultiply()).unpremultiply()
    return to_uchar(out).copy(interpretation=interpretation)
