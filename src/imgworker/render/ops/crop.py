"""Where the crop window goes: ``crop`` anchors and strategies, focal point, faces, entropy, edges.

Docs: https://docs.imgix.com/apis/rendering/size/crop, the focal-point pages and the face pages
(spec section 2.6). ``crop`` is a fallback chain read left to right: the first strategy that
succeeds (``faces`` when a face is found, ``focalpoint``, ``entropy``, ``edges``) places the window;
directional words (``top``/``bottom`` for y, ``left``/``right`` for x) anchor the axes otherwise;
nothing matched -> centred.

``entropy`` uses libvips ``smartcrop(interesting="entropy")``; ``edges`` uses libvips' attention
model (edges, skin tones and saturation), the nearest libvips equivalent. Both run on the image as
loaded (shrink-on-load already brought it near the output size), or on a 512 px copy when it is
still above 1024 px, so their cost does not grow with the source (field case A26).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from imgworker.render import vips
from imgworker.render.detect.faces import Face
from imgworker.render.params import Params

ANALYSIS_SIDE = 512
FacesFn = Callable[[], list[Face]]


def _clamp(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


def _anchor(crop: tuple[str, ...], span: float, window: float, low: str, high: str) -> float:
    if low in crop:
        return 0.0
    if high in crop:
        return span - window
    return (span - window) / 2


def _smart(image: vips.Image, bw: float, bh: float, interesting: str) -> tuple[float, float]:
    longest = max(image.width, image.height)
    # analyse at most ~2x ANALYSIS_SIDE px: a smaller copy only when that saves more than it costs
    k = ANALYSIS_SIDE / longest if longest > 2 * ANALYSIS_SIDE else 1.0
    small = image.resize(k) if k < 1.0 else image
    sw = max(1, min(small.width, round(bw * k)))
    sh = max(1, min(small.height, round(bh * k)))
    if small.hasalpha():
        small = small.flatten(background=[255, 255, 255])
    out = small.smartcrop(sw, sh, interesting=interesting)
    return (-out.xoffset / k, -out.yoffset / k)


def _on_point(cx: float, cy: float, bw: float, bh: float, w: float, h: float) -> tuple[float, float]:
    return (_clamp(cx - bw / 2, 0, w - bw), _clamp(cy - bh / 2, 0, h - bh))


def union(faces: list[Face]) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the box around all ``faces`` (at least one)."""
    return (min(f.x for f in faces), min(f.y for f in faces), max(f.x + f.w for f in faces),
            max(f.y + f.h for f in faces))  # fmt: skip


def _faces_box(faces: list[Face], bw: float, bh: float) -> tuple[float, float] | None:
    if not faces:
        return None
    x0, y0, x1, y1 = union(faces)
    if x1 - x0 > bw or y1 - y0 > bh:  # cannot hold them all: frame the first face (imgix crop page)
        return faces[0].center
    return ((x0 + x1) / 2, (y0 + y1) / 2)


STRATEGIES = ("faces", "focalpoint", "entropy", "edges")


def strategies(params: Params) -> list[str]:
    """The ``crop`` values that are placement strategies (not anchors), in the order given."""
    return [c for c in params.values.get("crop") or () if c in STRATEGIES]


def has_freedom(w: float, h: float, bw: float, bh: float) -> bool:
    """Whether a ``bw`` x ``bh`` window can move inside a ``w`` x ``h`` region by half a pixel or more.

    Without freedom every ``crop`` value gives the same output, so faces, entropy and edges are not
    analysed (e.g. a square source cropped to a square: imgix's result is the whole image).
    """
    return w - bw >= 0.5 or h - bh >= 0.5


class Placement(NamedTuple):
    """Where the crop window goes (top-left, region pixels) and which ``crop`` value put it there."""

    x: float
    y: float
    by: str | None = None  # "faces", "focalpoint", "entropy", "edges"; None for anchors / centre


def focal_point(w: float, h: float, params: Params) -> tuple[float, float]:
    """The focal point (``fp-x``, ``fp-y``; 0-1, default 0.5) in pixels of a ``w`` x ``h`` region."""
    fx = float(params.get("fp-x", 0.5) or 0.5) if params.has("fp-x") else 0.5
    fy = float(params.get("fp-y", 0.5) or 0.5) if params.has("fp-y") else 0.5
    return (fx * w, fy * h)


def position_window(image: vips.Image, bw: float, bh: float, params: Params, faces: FacesFn) -> Placement:
    """Top-left (x, y) of a ``bw`` x ``bh`` window inside ``image`` (the rect region), in its pixels."""
    w, h = image.width, image.height
    bw, bh = min(bw, w), min(bh, h)
    if not has_freedom(w, h, bw, bh):  # the window is the whole region: nothing to place, no analysis
        return Placement(0.0, 0.0, "focalpoint" if "focalpoint" in (params.values.get("crop") or ()) else None)
    crop: tuple[str, ...] = tuple(params.values.get("crop") or ())
    for strategy in crop:
        if strategy == "faces":
            centre = _faces_box(faces(), bw, bh)
            if centre:
                return Placement(*_on_point(centre[0], centre[1], bw, bh, w, h), "faces")
        elif strategy == "focalpoint":
            return Placement(*_on_point(*focal_point(w, h, params), bw, bh, w, h), "focalpoint")
        elif strategy in ("entropy", "edges"):
            return Placement(*_smart(image, bw, bh, "entropy" if strategy == "entropy" else "attention"), strategy)
    return Placement(_anchor(crop, w, bw, "left", "right"), _anchor(crop, h, bh, "top", "bottom"))


def draw_focal_point(image: vips.Image, x: float, y: float) -> vips.Image:
    """``fp-debug``: red crosshair lines through (x, y) across the whole image, and a ring around it.

    imgix documents only "draws a crosshair at the focal point" (spec section 2.6, tier 3); the
    look (red, lines 1/200 of the short side thick, at least 1 px, ring radius 1/20) is this renderer's.
    """
    t = max(1, round(min(image.width, image.height) / 200))
    ink = [255, 0, 0] + [255] * (image.bands - 3) if image.bands >= 3 else [255] * image.bands
    cx, cy = round(x), round(y)
    out = image.draw_rect(ink, max(0, cx - t // 2), 0, t, image.height, fill=True)
    out = out.draw_rect(ink, 0, max(0, cy - t // 2), image.width, t, fill=True)
    r = max(3 * t, round(min(image.width, image.height) / 20))
    for k in range(t):
        out = out.draw_circle(ink, cx, cy, r + k)
    return out


def facearea_window(
    image: vips.Image, aspect: float, params: Params, faces: list[Face]
) -> tuple[float, float, float, float] | None:
    """``fit=facearea``: the face box (``faceindex``, 1-based, or all faces) grown by ``facepad``
    (default 1.0) and widened to ``aspect``, clipped to the image; ``None`` when there is no face.
    """
    if not faces:
        return None
    index = params.values.get("faceindex")
    chosen = [faces[index - 1]] if isinstance(index, int) and 1 <= index <= len(faces) else faces
    x0, y0, x1, y1 = union(chosen)
    pad = float(params.get("facepad", 1.0) or 1.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bw, bh = (x1 - x0) * pad, (y1 - y0) * pad
    if bw / bh < aspect:
        bw = bh * aspect
    else:
        bh = bw / aspect
    k = min(1.0, image.width / bw, image.height / bh)
    bw, bh = bw * k, bh * k
    x, y = _on_point(cx, cy, bw, bh, image.width, image.height)
    return (x, y, bw, bh)
