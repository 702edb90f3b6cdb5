"""Compositing (documented step 6): border, then blend, then watermark, then text.

Not implemented yet: identity. Each part gets its own module (border_and_padding.py, blending.py,
watermark.py, text.py) called from :func:`apply` in that order (spec section 4, stage 15).
"""

from __future__ import annotations

from imgworker.render import vips
from imgworker.render.params import Params


def apply(image: vips.Image, params: Params) -> vips.Image:
    """Border -> blend -> mark -> txt (none yet)."""
    return image
