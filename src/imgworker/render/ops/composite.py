"""Compositing (documented step 6): border, then blend, then watermark, then text.

Each part has its own module (border_and_padding.py, blending.py, watermark.py, text.py), called
from :func:`apply` in that order (spec section 4, stage 15; imgix documents the step, not the order
inside it).
"""

from __future__ import annotations

from imgworker.render import vips
from imgworker.render.ops import blending, border_and_padding, text, watermark
from imgworker.render.ops.geometry import Sides
from imgworker.render.overlays import OverlayFetcher
from imgworker.render.params import Params


def apply(
    image: vips.Image, params: Params, overlays: OverlayFetcher | None = None, border_sides: Sides | None = None
) -> vips.Image:
    """Border -> blend -> mark -> txt. ``overlays`` fetches ``blend``/``mark`` image URLs;
    ``border_sides`` are the border widths of the size plan (default: from ``params``)."""
    image = border_and_padding.border(image, params, border_sides)
    image = blending.apply(image, params, overlays)
    image = watermark.apply(image, params, overlays)
    image = text.apply(image, params)
    return image
