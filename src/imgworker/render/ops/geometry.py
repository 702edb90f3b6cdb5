"""Size, fit and crop arithmetic (no pixels): imgix's ``w``/``h``/``ar``/``dpr``/``rect``/``fit`` math.

Everything here follows https://docs.imgix.com/apis/rendering/size/fit (and the ``ar``, ``dpr``,
``rect``, ``min-*``/``max-*`` pages), as restated with worked examples in spec sections 2.3-2.5:

- ``w``/``h`` <= 1 are ratios of the (``rect``) region; larger values are pixels; ``dpr`` (0-5,
  default 1) multiplies them; a missing side follows the region's aspect;
- ``fit``: clip (default, contain, may upscale), max (contain, never upscale), scale (distort),
  crop (cover then crop), min (crop to aspect, never upscale), fill / fillmax / clamp (contain on a
  ``w`` x ``h`` canvas; fillmax never upscales; clamp extends edge pixels), facearea (crop around
  faces; positioned by the crop step);
- rounding is half-up and never below 1 px; no side of the output exceeds 8192 px (the whole
  result is scaled down to fit, aspect kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from imgworker.render.params import Params
from imgworker.render.params.types import round_half_up

MAX_SIDE = 8192
CROP_MODES = frozenset({"crop", "min", "facearea"})
CANVAS_MODES = frozenset({"fill", "fillmax", "clamp"})


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels (floats allowed): left ``x``, top ``y``, width ``w``, height ``h``."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class SizePlan:
    """How to size one image.

    Attributes:
        region: the ``rect`` region of the upright source (the whole source without ``rect``).
        window: size (w, h) of the crop window inside ``region`` for crop modes, in region pixels
            (positioned later by the crop strategy); ``None`` when the whole region is used.
        content: (w, h) in px of the resized image.
        canvas: (w, h) in px of the final canvas (``fill``/``fillmax``/``clamp``; else == content).
        fit: the fit mode applied.
        zoom: focal-point zoom (``fp-z``) that shrinks the window, 1 when unused.
    """

    region: Box
    window: tuple[float, float] | None
    content: tuple[int, int]
    canvas: tuple[int, int]
    fit: str
    zoom: float = 1.0

    @property
    def scale(self) -> tuple[float, float]:
        """Down/up-scale factors (content / source span) on x and y."""
        sw, sh = self.window or (self.region.w, self.region.h)
        return (self.content[0] / sw, self.content[1] / sh)


def _px(x: float) -> int:
    return max(1, round_half_up(x))


def resolve_rect(params: Params, width: int, height: int) -> Box:
    """The ``rect=x,y,w,h`` region of a ``width`` x ``height`` upright image, clipped to it.

    x/y: pixels, 0-1 ratios, or left/center/right and top/middle/bottom; w/h: pixels, ratios or
    ``full``. An empty result ignores ``rect`` (spec 2.4 step 1).
    """
    rect = params.values.get("rect")
    if not rect:
        return Box(0, 0, width, height)
    rx, ry, rw, rh = rect

    def size(v: Any, full: int) -> float:
        if v == "full":
            return float(full)
        return float(v) * full if isinstance(v, float) else float(v)

    w, h = size(rw, width), size(rh, height)
    anchors = {"left": 0.0, "top": 0.0, "center": 0.5, "middle": 0.5, "right": 1.0, "bottom": 1.0}
    x = anchors[rx] * (width - w) if isinstance(rx, str) else (rx * width if isinstance(rx, float) else rx)
    y = anchors[ry] * (height - h) if isinstance(ry, str) else (ry * height if isinstance(ry, float) else ry)
    x, y = max(0.0, float(x)), max(0.0, float(y))
    w, h = min(w, width - x), min(h, height - y)
    x0, y0, w0, h0 = round_half_up(x), round_half_up(y), round_half_up(w), round_half_up(h)
    if w0 < 1 or h0 < 1:
        return Box(0, 0, width, height)
    return Box(x0, y0, min(w0, width - x0), min(h0, height - y0))


def _target(value: Any, span: float, dpr: float) -> float | None:
    if value is None:
        return None
    base = float(value) * span if isinstance(value, float) else float(value)
    return base * dpr


def plan_size(params: Params, width: int, height: int) -> SizePlan:
    """Plan the size step for an upright source of ``width`` x ``height`` px."""
    region = resolve_rect(params, width, height)
    wr, hr = region.w, region.h
    fit = str(params.get("fit", "clip"))
    dpr = float(params.get("dpr", 1.0)) if params.has("dpr") else 1.0
    if dpr <= 0:
        dpr = 1.0
    tw = _target(params.values.get("w"), wr, dpr)
    th = _target(params.values.get("h"), hr, dpr)
    ratio = params.values.get("ar") if fit in ("crop", "fill") else None

    if ratio is not None:
        if tw is None and th is None:
            if fit == "crop":  # largest centred region of that aspect, no scaling
                bw, bh = (hr * ratio, hr) if wr / hr > ratio else (wr, wr / ratio)
                return _capped(SizePlan(region, (bw, bh), (_px(bw), _px(bh)), (_px(bw), _px(bh)), fit))
            # fill: smallest frame of that aspect containing the region; image native size
            fw, fh = (wr, wr / ratio) if wr / hr > ratio else (hr * ratio, hr)
            return _capped(SizePlan(region, None, (_px(wr), _px(hr)), (_px(fw), _px(fh)), fit))
        if tw is not None and th is not None:  # bounding box: largest rect of that aspect inside
            tw, th = (th * ratio, th) if tw / th > ratio else (tw, tw / ratio)
        elif tw is not None:
            th = tw / ratio
        else:
            assert th is not None
            tw = th * ratio

    one_side = (tw is None) != (th is None)
    if tw is None and th is None:
        tw, th = wr, hr
    elif tw is None:
        assert th is not None
        tw = th * wr / hr
    elif th is None:
        th = tw * hr / wr
    assert tw is not None and th is not None

    # with one side and no ar there is nothing to crop (spec 2.5, crop row)
    fit_eff = "clip" if fit in ("crop", "facearea") and one_side and ratio is None else fit

    contain = min(tw / wr, th / hr)
    if fit_eff == "clip":
        content = (_px(wr * contain), _px(hr * contain))
        plan = SizePlan(region, None, content, content, fit_eff)
    elif fit_eff == "max":
        s = min(contain, 1.0)
        content = (_px(wr * s), _px(hr * s))
        plan = SizePlan(region, None, content, content, fit_eff)
    elif fit_eff == "scale":
        content = (_px(tw), _px(th))
        plan = SizePlan(region, None, content, content, fit_eff)
    elif fit_eff in ("crop", "facearea"):
        tw, th = _min_max(params, tw, th)
        a = tw / th
        window = (min(wr, hr * a), min(hr, wr / a))
        content = (_px(tw), _px(th))
        plan = SizePlan(region, window, content, content, fit_eff, zoom=_zoom(params))
    elif fit_eff == "min":
        a = tw / th
        bw, bh = min(wr, hr * a), min(hr, wr / a)
        s = min(tw / bw, 1.0)
        content = (_px(bw * s), _px(bh * s))
        plan = SizePlan(region, (bw, bh), content, content, fit_eff)
    elif fit_eff in CANVAS_MODES:
        s = min(contain, 1.0) if fit_eff == "fillmax" else contain
        content = (_px(wr * s), _px(hr * s))
        plan = SizePlan(region, None, content, (_px(tw), _px(th)), fit_eff)
    else:  # unknown values never reach here (the parser falls back to clip)
        content = (_px(wr * contain), _px(hr * contain))
        plan = SizePlan(region, None, content, content, "clip")
    return _capped(plan)


def _zoom(params: Params) -> float:
    crop = params.values.get("crop") or ()
    if "focalpoint" in crop and params.has("fp-z"):
        return max(1.0, float(params.values["fp-z"]))
    return 1.0


def _min_max(params: Params, tw: float, th: float) -> tuple[float, float]:
    """``min-w``/``max-w``/``min-h``/``max-h`` bounds on a crop target (fit=crop only)."""
    v = params.values
    if "max-w" in v:
        tw = min(tw, float(v["max-w"]))
    if "min-w" in v:
        tw = max(tw, float(v["min-w"]))
    if "max-h" in v:
        th = min(th, float(v["max-h"]))
    if "min-h" in v:
        th = max(th, float(v["min-h"]))
    return tw, th


def _capped(plan: SizePlan) -> SizePlan:
    """Scale content and canvas down (aspect kept) so no side exceeds 8192 px."""
    cw, ch = plan.canvas
    k = min(1.0, MAX_SIDE / cw, MAX_SIDE / ch)
    if k >= 1.0:
        return plan
    content = (_px(plan.content[0] * k), _px(plan.content[1] * k))
    canvas = (min(MAX_SIDE, _px(cw * k)), min(MAX_SIDE, _px(ch * k)))
    return SizePlan(plan.region, plan.window, content, canvas, plan.fit, plan.zoom)
