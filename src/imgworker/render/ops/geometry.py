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
  result is scaled down to fit, aspect kept);
- ``pad*`` and ``border*`` (spec 2.8, https://docs.imgix.com/apis/rendering/border-and-padding/pad):
  without ``w``/``h`` they add to the output; with them the padded, bordered image fits inside the
  requested box: content target = (tw - left - right, th - top - bottom) with left = pad-left +
  border-left etc.; they are px and not multiplied by ``dpr`` (imgix documents no scaling).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from imgworker.render.params import Params
from imgworker.render.params.types import round_half_up

MAX_SIDE = 8192
CROP_MODES = frozenset({"crop", "min", "facearea"})
CANVAS_MODES = frozenset({"fill", "fillmax", "clamp"})
MAX_PAD = 2048  # our cap per pad side (px), so the 8192 px cap always leaves room for the image
Sides = tuple[int, int, int, int]  # left, top, right, bottom (px)
NO_SIDES: Sides = (0, 0, 0, 0)


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
        pad: ``pad*`` px (left, top, right, bottom) added around the canvas (canvas step).
        border: ``border*`` px added around the padded image (composite step).
    """

    region: Box
    window: tuple[float, float] | None
    content: tuple[int, int]
    canvas: tuple[int, int]
    fit: str
    zoom: float = 1.0
    pad: Sides = NO_SIDES
    border: Sides = NO_SIDES

    @property
    def output(self) -> tuple[int, int]:
        """(w, h) in px of the final image: canvas + pad + border."""
        p, b = self.pad, self.border
        return (self.canvas[0] + p[0] + p[2] + b[0] + b[2], self.canvas[1] + p[1] + p[3] + b[1] + b[3])

    @property
    def scale(self) -> tuple[float, float]:
        """Down/up-scale factors (content / source span) on x and y."""
        sw, sh = self.window or (self.region.w, self.region.h)
        return (self.content[0] / sw, self.content[1] / sh)


def _px(x: float) -> int:
    return max(1, round_half_up(x))


def pad_sides(params: Params) -> Sides:
    """``pad`` (px, default 0) on every side, overridden per side by ``pad-left/top/right/bottom``;
    each side is clamped to 0..``MAX_PAD``."""
    p = params.get("pad", 0)
    names = ("pad-left", "pad-top", "pad-right", "pad-bottom")
    left, top, right, bottom = (_side(params.get(n, p)) for n in names)
    return (left, top, right, bottom)


def border_sides(params: Params) -> Sides:
    """``border=size,color`` width (px, 1-100) on every side, overridden per side by
    ``border-left/top/right/bottom`` (0-100); all zero without ``border``."""
    border = params.values.get("border")
    if not border:
        return NO_SIDES
    b = border[0]
    names = ("border-left", "border-top", "border-right", "border-bottom")
    left, top, right, bottom = (_side(params.values.get(n, b)) for n in names)
    return (left, top, right, bottom)


def _fit_frame(pad: Sides, border: Sides, tw: float | None, th: float | None) -> tuple[Sides, Sides]:
    """Scale pad and border sides down per axis when together they leave less than 1 px of the box."""

    def scale(total: int, box: float | None) -> float:
        if box is None or total <= 0 or total <= box - 1:
            return 1.0
        return max(0.0, (box - 1) / total)

    kx = scale(pad[0] + pad[2] + border[0] + border[2], tw)
    ky = scale(pad[1] + pad[3] + border[1] + border[3], th)
    if th is None:  # one side given: keep the frame's proportions
        ky = kx
    if tw is None:
        kx = ky
    if kx == 1.0 and ky == 1.0:
        return pad, border

    def fit(s: Sides) -> Sides:
        return (int(s[0] * kx), int(s[1] * ky), int(s[2] * kx), int(s[3] * ky))

    return fit(pad), fit(border)


def _side(value: Any) -> int:
    return max(0, min(MAX_PAD, int(value)))


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
    pad, border = pad_sides(params), border_sides(params)
    frame = (pad, border)

    if ratio is not None:
        if tw is None and th is None:
            if fit == "crop":  # largest centred region of that aspect, no scaling
                bw, bh = (hr * ratio, hr) if wr / hr > ratio else (wr, wr / ratio)
                return _capped(SizePlan(region, (bw, bh), (_px(bw), _px(bh)), (_px(bw), _px(bh)), fit), *frame)
            # fill: smallest frame of that aspect containing the region; image native size
            fw, fh = (wr, wr / ratio) if wr / hr > ratio else (hr * ratio, hr)
            return _capped(SizePlan(region, None, (_px(wr), _px(hr)), (_px(fw), _px(fh)), fit), *frame)
        if tw is not None and th is not None:  # bounding box: largest rect of that aspect inside
            tw, th = (th * ratio, th) if tw / th > ratio else (tw, tw / ratio)
        elif tw is not None:
            th = tw / ratio
        else:
            assert th is not None
            tw = th * ratio

    # pad/border sit inside a requested box: plan the content in what is left (spec 2.8); a frame
    # wider than the box is scaled down so the box size holds and at least 1 px of image remains
    pad, border = _fit_frame(pad, border, tw, th)
    frame = (pad, border)
    if tw is not None:
        tw = max(1.0, tw - pad[0] - pad[2] - border[0] - border[2])
    if th is not None:
        th = max(1.0, th - pad[1] - pad[3] - border[1] - border[3])
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
    return _capped(plan, *frame)


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


def _capped(plan: SizePlan, pad: Sides = NO_SIDES, border: Sides = NO_SIDES) -> SizePlan:
    """Attach ``pad``/``border`` and scale content and canvas down (aspect kept, pad and border
    unchanged) so no side of the output exceeds 8192 px."""
    plan = replace(plan, pad=pad, border=border)
    fx = pad[0] + pad[2] + border[0] + border[2]
    fy = pad[1] + pad[3] + border[1] + border[3]
    cw, ch = plan.canvas
    k = min(1.0, (MAX_SIDE - fx) / cw, (MAX_SIDE - fy) / ch)
    if k >= 1.0:
        return plan
    content = (_px(plan.content[0] * k), _px(plan.content[1] * k))
    canvas = (min(MAX_SIDE - fx, _px(cw * k)), min(MAX_SIDE - fy, _px(ch * k)))
    return replace(plan, content=content, canvas=canvas)
