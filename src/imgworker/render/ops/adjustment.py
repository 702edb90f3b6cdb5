"""Colour and contrast adjustments (imgix adjustment category). Not implemented yet: identity."""

from __future__ import annotations

from imgworker.render import vips
from imgworker.render.params import Params


def apply(image: vips.Image, params: Params) -> vips.Image:
    """Apply ``bri, con, exp, gam, high, shad, hue, sat, vib, invert`` (none yet)."""
    return image
