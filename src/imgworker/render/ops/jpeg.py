"""JPEG details libvips does not expose: 4:2:2 chroma subsampling, and reading the sampling back.

libvips' ``jpegsave`` only switches chroma subsampling on (4:2:0) or off (4:4:4). imgix's
``chromasub=422`` (https://docs.imgix.com/apis/rendering/format/chromasub; field case A23) is
written with OpenCV's libjpeg encoder (``IMWRITE_JPEG_SAMPLING_FACTOR_422``), and the ICC profile
(APP2) and resolution (JFIF density) are then put into the file here, so the output carries the same
metadata as the libvips path. :func:`sampling` reads the luma sampling factors from the SOF header.
"""

from __future__ import annotations

import struct
from typing import Any

import cv2
import numpy as np


def _segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of the header segments up to the start of scan."""
    out: list[tuple[int, int, int]] = []
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        out.append((marker, i, i + 2 + length))
        if marker == 0xDA:
            break
        i += 2 + length
    return out


def sampling(data: bytes) -> str:
    """The chroma subsampling of a YCbCr JPEG: ``"4:4:4"``, ``"4:2:2"``, ``"4:2:0"``, ``"4:4:0"``,
    ``"4:1:1"`` or ``"other"`` (from the luma component's factors in the SOF segment)."""
    for marker, start, _end in _segments(data):
        if marker in (0xC0, 0xC1, 0xC2):
            ncomp = data[start + 9]
            factors = [data[start + 11 + 3 * c] for c in range(ncomp)]
            if ncomp < 3:
                return "other"
            h, v = factors[0] >> 4, factors[0] & 0xF
            return {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0", (1, 2): "4:4:0", (4, 1): "4:1:1"}.get(
                (h, v), "other"
            )
    return "other"


def is_progressive(data: bytes) -> bool:
    """Whether the JPEG uses a progressive (SOF2) frame."""
    return any(marker == 0xC2 for marker, _s, _e in _segments(data))


def encode_422(rgb: np.ndarray[Any, Any], quality: int, progressive: bool, icc: bytes | None,
               dpi: float | None) -> bytes:  # fmt: skip
    """Encode an (H, W, 3) uint8 RGB array as a 4:2:2 JPEG with optional ICC profile and DPI."""
    params = [
        cv2.IMWRITE_JPEG_QUALITY, int(quality),
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
        cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive),
        cv2.IMWRITE_JPEG_OPTIMIZE, 1,
    ]  # fmt: skip
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb[:, :, ::-1]), params)
    if not ok:  # pragma: no cover - OpenCV only fails on invalid input
        raise ValueError("OpenCV could not encode the JPEG")
    data = buf.tobytes()
    if dpi:
        data = set_density(data, dpi)
    app0 = _jfif(data)
    insert_at = app0[1] if app0 is not None else 2
    if icc and len(icc) <= 65519:
        payload = b"ICC_PROFILE\x00\x01\x01" + icc
        data = data[:insert_at] + b"\xff\xe2" + struct.pack(">H", len(payload) + 2) + payload + data[insert_at:]
    return data


def _jfif(data: bytes) -> tuple[int, int] | None:
    return next(((s, e) for m, s, e in _segments(data) if m == 0xE0 and data[s + 4 : s + 9] == b"JFIF\x00"), None)


def set_density(data: bytes, dpi: float) -> bytes:
    """Write ``dpi`` (dots per inch, 1-65535) as the JFIF density, adding a JFIF APP0 when missing.

    libvips 8.18 writes no JFIF segment and keeps the resolution only in EXIF, which the renderer
    strips; the JFIF density is where viewers read DPI from then.
    """
    density = max(1, min(65535, round(dpi)))
    app0 = _jfif(data)
    if app0 is not None:
        s = app0[0]
        return data[: s + 11] + struct.pack(">BHH", 1, density, density) + data[s + 16 :]
    segment = b"\xff\xe0\x00\x10JFIF\x00\x01\x01" + struct.pack(">BHH", 1, density, density) + b"\x00\x00"
    return data[:2] + segment + data[2:]
