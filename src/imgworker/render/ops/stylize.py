"""Stylize and effects after sizing (imgix stylize category). Not implemented yet: identity."""

from __future__ import annotations

from imgworker.render import vips
from imgworker.render.params import Params


def apply(image: vips.Image, params: Params) -> vips.Image:
    """Apply ``sharp, usm, blur, htn, px, ...`` (none yet)."""
    return image
