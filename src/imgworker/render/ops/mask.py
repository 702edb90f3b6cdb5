"""Masks (imgix mask category). Not implemented yet: identity."""

from __future__ import annotations

from imgworker.render import vips
from imgworker.render.params import Params


def apply(image: vips.Image, params: Params) -> vips.Image:
    """Apply ``mask`` (none yet)."""
    return image
