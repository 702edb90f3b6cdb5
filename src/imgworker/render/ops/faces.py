"""Face lookup for ``crop=faces``, ``fit=facearea`` and ``faces=1`` (imgix face-detection category).

Docs: https://docs.imgix.com/apis/rendering/face-detection/faces and the crop page. The image is
reduced to at most ``DETECT_SIDE`` (288) px on its longest side and converted to 8-bit grey before detection.
"""

from __future__ import annotations

from imgworker.render import vips
from imgworker.render.detect.faces import DETECT_SIDE, Face, detect_faces


def find_faces(image: vips.Image) -> list[Face]:
    """Faces of an upright image, boxes in that image's pixels, largest first."""
    longest = max(image.width, image.height)
    scale = 1.0
    small = image
    if longest > DETECT_SIDE:
        scale = longest / DETECT_SIDE
        small = image.resize(1.0 / scale)
    if small.hasalpha():
        small = small.flatten(background=[255, 255, 255])
    grey = small.colourspace("b-w").cast("uchar")
    if grey.bands > 1:
        grey = grey.extract_band(0)
    return detect_faces(vips.to_numpy(vips.evaluate(grey)), scale)
