"""JPEG shrink-on-load through OpenCV's libjpeg-turbo: the same pixels as libvips', sooner.

libvips (pyvips-binary) decodes JPEG with mozjpeg's decoder; OpenCV (``opencv-python-headless``,
already here for faces) bundles libjpeg-turbo 3.1 with its SIMD Huffman decoder. With DCT scaling
(``IMREAD_REDUCED_COLOR_2/4/8``) both run the same libjpeg algorithm (ISLOW IDCT, fancy upsampling)
and give byte-identical pixels (``tests/render/vips/test_turbo.py`` compares them on 4:2:0 and
4:4:4 photos), but libjpeg-turbo takes 15-25 % less time on a 24 MP photo at 1/4 and 1/8 here.

Used by :func:`imgworker.render.vips.load` only for what it is known to match: an 8-bit 3-band
(YCbCr/RGB) JPEG shrunk 2, 4 or 8 times, one page. The ICC profile (read from the header by the
probe) and the resolution (DPI) are attached to the result, so colour management and the output's
density are unchanged; the EXIF orientation is
ignored here and applied by the pipeline as for every source. libjpeg-turbo accepts a file cut
short (it pads the missing rows with grey and only warns), so a JPEG that does not end with its
EOI marker is left to libvips, whose strict decode refuses it (field case A09); any other problem
(OpenCV returns nothing) falls back to libvips too.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pyvips

from imgworker.render.vips._common import Image

_REDUCED = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}


def ends_with_eoi(data: bytes) -> bool:
    """Whether the JPEG's last bytes (trailing NULs and whitespace aside) are the EOI marker ``FF D9``."""
    return data.rstrip(b"\x00\r\n\t ")[-2:] == b"\xff\xd9"


def decode(
    data: bytes, shrink: int, width: int, height: int, icc: bytes | None, resolution: tuple[float, float] = (1.0, 1.0)
) -> Image | None:
    """The JPEG ``data`` (stored ``width`` x ``height``) decoded at 1/``shrink`` (2, 4 or 8) as an
    8-bit sRGB-interpreted pyvips image in memory, with ``icc`` and the file's ``resolution``
    (xres, yres in px/mm, as libvips reads them) attached; ``None`` when this decoder must not or
    cannot be used (see module docstring)."""
    if shrink not in _REDUCED or not ends_with_eoi(data):
        return None
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), _REDUCED[shrink] | cv2.IMREAD_IGNORE_ORIENTATION)
    if bgr is None or bgr.ndim != 3 or bgr.shape[2] != 3:
        return None
    # libjpeg rounds the scaled size up; libvips keeps whole output pixels only (floor)
    h, w = height // shrink, width // shrink
    if bgr.shape[0] < h or bgr.shape[1] < w or h < 1 or w < 1:
        return None
    rgb: np.ndarray[Any, Any] = np.ascontiguousarray(cv2.cvtColor(bgr[:h, :w], cv2.COLOR_BGR2RGB))
    image = pyvips.Image.new_from_memory(rgb.data, w, h, 3, "uchar")
    image = image.copy(interpretation="srgb", xres=resolution[0], yres=resolution[1])
    if icc:
        image.set_type(pyvips.GValue.blob_type, "icc-profile-data", icc)
    return image
