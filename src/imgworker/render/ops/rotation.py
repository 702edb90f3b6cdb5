"""Orientation and rotation: EXIF auto-orient, ``orient``, ``rot``, ``flip``.

Docs: https://docs.imgix.com/apis/rendering/rotation/orient, /rot and /flip (spec section 2.7).
EXIF orientation is applied before anything else whenever the image is processed (field case A01)
and the tag is removed; ``orient`` (1-8 with EXIF meaning, or 90/180/270 = 6/3/8) replaces the
EXIF value. ``rot`` turns the image inside its frame by any angle (``rot-type=straighten`` by
default: enlarged so no empty corners show; ``pivot``: the canvas grows and corners get ``bg``).
``flip`` mirrors: ``h``, ``v`` or ``hv``.
"""

from __future__ import annotations

import math

from imgworker.render import vips
from imgworker.render.params import Params

_ORIENT_ALIASES = {90: 6, 180: 3, 270: 8}


def effective_orientation(params: Params, exif: int) -> int:
    """The orientation to apply: ``orient`` when given (0 means none), else the EXIF tag."""
    if params.has("orient"):
        value = int(params.values["orient"])
        value = _ORIENT_ALIASES.get(value, value)
        return value if 1 <= value <= 8 else 1
    return exif if 1 <= exif <= 8 else 1


def orient(image: vips.Image, orientation: int) -> vips.Image:
    """Apply an EXIF orientation 1-8 and drop the tag."""
    if orientation == 1:  # nothing to turn (most photos): only the tag goes
        if "orientation" not in image.get_fields():
            return image
        image = image.copy()
        image.remove("orientation")
        return image
    image = vips.set_int(image, "orientation", orientation)
    out = image.autorot()
    if "orientation" in out.get_fields():
        out = out.copy()
        out.remove("orientation")
    return out


def rotate(image: vips.Image, params: Params) -> vips.Image:
    """``rot`` (degrees, any float 0-359) then ``flip``."""
    angle = float(params.get("rot", 0) or 0) % 360
    if angle:
        w, h = image.width, image.height
        if angle in (90.0, 180.0, 270.0):
            image = image.rot(f"d{int(angle)}")
            if params.get("rot-type", "straighten") != "pivot" and angle != 180.0:
                image = image.resize(max(w / image.width, h / image.height))
                image = image.crop((image.width - w) // 2, (image.height - h) // 2, w, h)
        else:
            alpha = image.hasalpha()
            src = image if alpha else image.bandjoin(255)
            rotated = src.premultiply().rotate(-angle).unpremultiply().cast("uchar")
            if params.get("rot-type", "straighten") == "pivot":
                image = rotated if alpha else rotated.flatten(background=[255, 255, 255])
            else:
                rad = math.radians(angle % 180)
                c, s = abs(math.cos(rad)), abs(math.sin(rad))
                zoom = max((w * c + h * s) / w, (w * s + h * c) / h)
                big = rotated.resize(zoom) if zoom > 1 else rotated
                left = max(0, (big.width - w) // 2)
                top = max(0, (big.height - h) // 2)
                image = big.crop(left, top, min(w, big.width), min(h, big.height))
                if not alpha:
                    image = image.extract_band(0, n=image.bands - 1)
    flip = params.get("flip")
    if flip in ("h", "hv"):
        image = image.fliphor()
    if flip in ("v", "hv"):
        image = image.flipver()
    return image
