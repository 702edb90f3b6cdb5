"""Face detection with OpenCV's Haar cascades (``opencv-python-headless<5``).

Runs on a small, upright, 8-bit greyscale copy (longest side at most ``DETECT_SIDE`` = 320 px), so the
cost does not grow with the source size; boxes are mapped back to the caller's pixel grid. The
cascade files ship inside the OpenCV wheel (``cv2.data.haarcascades``); nothing is downloaded.
Detection is not imgix's (imgix uses an undisclosed ML model): boxes differ at the pixel level,
but "faces inside the crop" holds (spec section 2.6).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import cv2
import numpy as np

DETECT_SIDE = 320


@dataclass(frozen=True)
class Face:
    """One face: box in pixels of the image passed in, and a detector confidence 0-1."""

    x: float
    y: float
    w: float
    h: float
    confidence: float = 1.0

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)


@cache
def _cascade() -> Any:
    path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"  # type: ignore[attr-defined]
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():  # pragma: no cover - the wheel always ships it
        raise RuntimeError(f"OpenCV Haar cascade missing: {path}")
    return cascade


def detect_faces(grey: np.ndarray[Any, Any], scale: float = 1.0) -> list[Face]:
    """Detect faces in an 8-bit greyscale array (H, W); boxes are multiplied by ``scale``.

    Returns faces sorted by area, largest first (so ``faceindex=1`` is the most prominent face).
    """
    if grey.ndim == 3:
        grey = grey[:, :, 0]
    if grey.ndim != 2:  # numpy gives tiny images (1x1) fewer dimensions
        return []
    h, w = grey.shape[:2]
    min_side = max(24, int(min(h, w) * 0.06))  # faces under ~6 % of the short side are not crop targets
    if min(h, w) < min_side:  # too small to hold a detectable face
        return []
    equalised = cv2.equalizeHist(np.ascontiguousarray(grey, dtype=np.uint8))
    rects, _levels, weights = _cascade().detectMultiScale3(
        equalised, scaleFactor=1.2, minNeighbors=5, minSize=(min_side, min_side), outputRejectLevels=True
    )
    faces = [
        Face(float(x) * scale, float(y) * scale, float(fw) * scale, float(fh) * scale,
             float(min(1.0, max(0.0, wt / 10.0))))
        for (x, y, fw, fh), wt in zip(rects, np.ravel(weights) if len(rects) else [], strict=False)
    ]  # fmt: skip
    faces.sort(key=lambda f: f.w * f.h, reverse=True)
    return faces
