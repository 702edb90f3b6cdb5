"""Face detection that runs beside the decode: the second core finds faces while the first decodes.

For a JPEG source whose crop needs faces (``crop=faces`` placing a window that can move, or
``fit=facearea``), the load step starts :func:`detect_in_jpeg` on a background thread before
libvips decodes the image for output. It decodes a greyscale copy with libjpeg-turbo's DCT scaling
(OpenCV ``IMREAD_REDUCED_GRAYSCALE_*``, no colour conversion and no chroma), applies the EXIF
orientation and the ``rect`` region itself, and runs the same detector (:mod:`.faces`) on a
``DETECT_SIDE`` copy. OpenCV releases the GIL in both calls, so on two cores the detection costs
little more wall time than the decode it overlaps (``benchmarks/render_vs_sharp.py``, faces row).
It costs about 1-4 ms more CPU than detecting on the decoded image, the price of the lower latency.

Boxes come back in upright source pixels. ``None`` means "could not decode here" and the caller
falls back to detecting on the decoded image (:func:`imgworker.render.ops.faces.find_faces`).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import cv2
import numpy as np

from imgworker.render.detect.faces import DETECT_SIDE, Face, detect_faces

_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="imgworker-faces")
_REDUCED = {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
            8: cv2.IMREAD_REDUCED_GRAYSCALE_8}  # fmt: skip
Box = tuple[float, float, float, float]
MAX_DECODE_PIXELS = 16_000_000
"""Largest greyscale decode (pixels, 16 MB) this path makes; beyond it (a small ``rect`` of a huge
photo) it steps aside and the faces are looked for in the decoded region instead."""


def upright(grey: np.ndarray[Any, Any], orientation: int) -> np.ndarray[Any, Any]:
    """Apply an EXIF orientation (1-8) to a 2-D array, as libvips ``autorot`` does to an image."""
    turned = {
        2: lambda a: a[:, ::-1],  # mirror horizontal
        3: lambda a: a[::-1, ::-1],  # 180
        4: lambda a: a[::-1, :],  # mirror vertical
        5: lambda a: a.T,  # mirror horizontal + 270 CW = transpose
        6: lambda a: np.rot90(a, k=-1),  # 90 CW
        7: lambda a: a[::-1, ::-1].T,  # mirror horizontal + 90 CW = transverse
        8: lambda a: np.rot90(a, k=1),  # 270 CW
    }.get(orientation)
    return grey if turned is None else np.ascontiguousarray(turned(grey))


def detect_in_jpeg(data: bytes, orientation: int, region: Box, upright_size: tuple[int, int]) -> list[Face] | None:
    """Faces inside ``region`` (x, y, w, h in upright source pixels) of a JPEG, boxes in upright
    source pixels, largest first; ``None`` when OpenCV cannot decode the bytes."""
    longest = max(region[2], region[3])
    reduce = 1
    while reduce < 8 and longest / (reduce * 2) >= DETECT_SIDE:
        reduce *= 2
    if upright_size[0] * upright_size[1] / (reduce * reduce) > MAX_DECODE_PIXELS:
        return None  # a small region of a huge photo: the decoded region is the cheaper place to look
    grey = cv2.imdecode(np.frombuffer(data, np.uint8), _REDUCED[reduce] | cv2.IMREAD_IGNORE_ORIENTATION)
    if grey is None or grey.ndim != 2:
        return None
    grey = upright(grey, orientation)
    kx, ky = grey.shape[1] / upright_size[0], grey.shape[0] / upright_size[1]
    x0, y0 = max(0, round(region[0] * kx)), max(0, round(region[1] * ky))
    x1 = min(grey.shape[1], round((region[0] + region[2]) * kx))
    y1 = min(grey.shape[0], round((region[1] + region[3]) * ky))
    crop = grey[y0:y1, x0:x1]
    if crop.size == 0:
        return []
    k = min(1.0, DETECT_SIDE / max(crop.shape))
    if k < 1.0:
        size = (max(1, round(crop.shape[1] * k)), max(1, round(crop.shape[0] * k)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    faces = detect_faces(crop)
    sx, sy = 1 / (kx * crop.shape[1] / (x1 - x0)), 1 / (ky * crop.shape[0] / (y1 - y0))
    return [Face(f.x * sx + x0 / kx, f.y * sy + y0 / ky, f.w * sx, f.h * sy, f.confidence) for f in faces]


def start(data: bytes, orientation: int, region: Box, upright_size: tuple[int, int]) -> Future[list[Face] | None]:
    """Run :func:`detect_in_jpeg` on the background pool; the future never raises for bad bytes."""
    return _POOL.submit(_safe, data, orientation, region, upright_size)


def _safe(data: bytes, orientation: int, region: Box, upright_size: tuple[int, int]) -> list[Face] | None:
    try:
        return detect_in_jpeg(data, orientation, region, upright_size)
    except (cv2.error, ValueError, MemoryError):
        return None
