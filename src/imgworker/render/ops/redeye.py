"""``auto=redeye``: red-eye removal on detected faces (https://docs.imgix.com/apis/rendering/auto/auto).

imgix documents only "red-eye removal on detected faces" (spec section 2.2 ``auto`` row, 3.x); the
method here is this renderer's, in the classic form: in the eye band of each detected face (the
band 15-55 % down the face box, 10-90 % across it), a pixel whose red is bright (R > 80), dominant
(R > 1.8 x the mean of G and B) and of a pure red hue (|G - B| <= 0.25 x (R - min(G, B)), about
15 degrees) is a red pupil; its red is replaced by that mean, which leaves a dark neutral pupil.
Skin (R/mean(G,B) about 1.1-1.5 in sRGB), orange or brown hair (G well above B) and lips (below the
band) are left alone; images without a detected face are returned unchanged. ``auto=true`` (legacy)
includes it. Runs on the upright image before sizing (spec section 4, stage 7: face detection).
"""

from __future__ import annotations

from collections.abc import Callable

from imgworker.render import vips
from imgworker.render.detect.faces import Face
from imgworker.render.params import Params

RED_MIN = 80
"""Minimum red value (0-255) of a red-eye pixel."""
RED_RATIO = 1.8
"""How many times the mean of green and blue the red of a red-eye pixel must exceed."""
HUE_SPREAD = 0.25
"""Largest |G - B| of a red-eye pixel, as a fraction of R - min(G, B) (hue within about 15 degrees of red)."""
BAND = (0.10, 0.15, 0.80, 0.40)
"""Eye band inside a face box: (left, top, width, height) as fractions of the box."""


def wanted(params: Params) -> bool:
    """``auto=redeye`` or the legacy ``auto=true``."""
    return bool(params.auto & {"redeye", "true"})


def apply(image: vips.Image, params: Params, faces: Callable[[vips.Image], list[Face]]) -> vips.Image:
    """Remove red eyes inside the faces of an upright 8-bit sRGB image (alpha kept)."""
    if not wanted(params) or image.bands < 3:
        return image
    out = image
    for face in faces(image):
        left = max(0, round(face.x + face.w * BAND[0]))
        top = max(0, round(face.y + face.h * BAND[1]))
        width = min(image.width - left, round(face.w * BAND[2]))
        height = min(image.height - top, round(face.h * BAND[3]))
        if width < 1 or height < 1:
            continue
        band = out.crop(left, top, width, height)
        red, green, blue = band[0], band[1], band[2]
        neutral = (green + blue) / 2
        low = (green < blue).ifthenelse(green, blue)
        # bright, dominant and of red hue (within ~15 degrees of 0): orange/brown hair has G well above B
        pupil = (red > RED_MIN) & (red > neutral * RED_RATIO) & ((green - blue).abs() <= (red - low) * HUE_SPREAD)
        fixed = pupil.ifthenelse(neutral, red).cast("uchar").bandjoin([green, blue])
        if band.bands > 3:
            fixed = fixed.bandjoin(band.extract_band(3, n=band.bands - 3))
        out = out.insert(fixed.copy(interpretation=band.interpretation), left, top)
    return out
