"""The rendering pipeline: one literal, ordered tuple of steps (query order never matters).

The order is imgix's documented order of operations (https://docs.imgix.com/resources/order-of-operations;
spec section 4), filled in for the remaining parameters:

1. ``load``: header probe (pixel limit), shrink-on-load sized from the plan, frame/page selection;
2. ``colour``: colour-manage to 8-bit sRGB (CMYK, wide gamut, 16-bit, grey);
3. ``orient``: EXIF orientation or ``orient``;
4. ``adjust``: colour and contrast adjustments;
5. ``size``: ``rect`` -> ``fit``/``crop``/faces/focal point -> resample;
6. ``rotate``: ``rot`` then ``flip``;
7. ``effects``: sharpening, halftone, blur, pixelate;
8. ``canvas``: fill/fillmax/clamp canvas, padding;
9. ``mask``;
10. ``composite``: border, blend, watermark, text;
11. ``flatten``: ``bg`` and alpha removal for formats without alpha;
12. ``encode``.

Each step is a function ``State -> None`` of one ops module. A step that produces the final
response early (``fm=json``) sets ``state.result``; the remaining steps are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from imgworker.render import vips
from imgworker.render.detect.faces import Face
from imgworker.render.ops import (
    adjustment,
    colour,
    composite,
    fill,
    format,
    geometry,
    mask,
    rotation,
    size,
    stylize,
)
from imgworker.render.ops.faces import find_faces
from imgworker.render.params import Params


@dataclass(frozen=True)
class Limits:
    """Renderer limits: ``pixel_limit`` (source pixels x pages, decompression bombs)."""

    pixel_limit: int = vips.DEFAULT_PIXEL_LIMIT


@dataclass(frozen=True)
class RenderResult:
    """The rendered response body and what the HTTP layer needs to describe it."""

    data: bytes
    content_type: str
    fm: str
    width: int
    height: int
    vary_accept: bool = False


@dataclass
class State:
    """Mutable state passed through the steps."""

    data: bytes
    params: Params
    accept: str
    limits: Limits
    info: vips.SourceInfo | None = None
    image: Any = None
    plan: geometry.SizePlan | None = None
    orientation: int = 1
    upright: tuple[int, int] = (0, 0)
    output: format.OutputFormat | None = None
    result: RenderResult | None = None
    _faces: dict[int, list[Face]] = field(default_factory=dict)

    def faces(self, image: vips.Image) -> list[Face]:
        """Faces of ``image`` (cached per image object for the request)."""
        key = id(image)
        if key not in self._faces:
            self._faces[key] = find_faces(image)
        return self._faces[key]


def _shrink_factor(plan: geometry.SizePlan, upright: tuple[int, int], fmt: str) -> int:
    """Largest JPEG/WebP shrink-on-load factor (1, 2, 4, 8) that keeps at least 2x the output pixels
    across the source span (so the final Lanczos resample still has data to work with)."""
    if fmt not in ("jpeg", "webp"):
        return 1
    sx, sy = plan.scale
    needed = max(sx, sy)
    if needed <= 0:
        return 1
    factor = 1
    for n in (2, 4, 8):
        if 1.0 / needed >= 2 * n:
            factor = n
    return factor


def step_load(s: State) -> None:
    s.info = info = vips.probe(s.data, pixel_limit=s.limits.pixel_limit)
    s.orientation = rotation.effective_orientation(s.params, info.orientation)
    w, h = info.width, info.height
    s.upright = (h, w) if s.orientation in (5, 6, 7, 8) else (w, h)
    s.plan = geometry.plan_size(s.params, *s.upright)
    shrink = _shrink_factor(s.plan, s.upright, info.format)
    s.image = vips.load(s.data, info, shrink=shrink)


def step_colour(s: State) -> None:
    s.image = colour.to_srgb(s.image)


def step_orient(s: State) -> None:
    s.image = rotation.orient(s.image, s.orientation)


def step_adjust(s: State) -> None:
    s.image = adjustment.apply(s.image, s.params)


def step_size(s: State) -> None:
    assert s.plan is not None
    s.image = size.apply_size(s.image, s.plan, s.params, s.upright, s.faces)


def step_rotate(s: State) -> None:
    s.image = rotation.rotate(s.image, s.params)


def step_effects(s: State) -> None:
    s.image = stylize.apply(s.image, s.params)


def step_canvas(s: State) -> None:
    assert s.plan is not None
    s.image = fill.canvas(s.image, s.plan, s.params)


def step_mask(s: State) -> None:
    s.image = mask.apply(s.image, s.params)


def step_composite(s: State) -> None:
    s.image = composite.apply(s.image, s.params)


def step_flatten(s: State) -> None:
    assert s.info is not None
    s.output = format.decide(s.params, s.accept, _source_fm(s.info), bool(s.image.hasalpha()))
    s.image = fill.apply_bg(s.image, s.params, s.output.fm in format.ALPHA_FORMATS)


def step_encode(s: State) -> None:
    assert s.output is not None
    data = format.encode(s.image, s.output, s.params)
    s.result = RenderResult(data, s.output.content_type, s.output.fm, s.image.width, s.image.height,
                            s.output.vary_accept)  # fmt: skip


def _source_fm(info: vips.SourceInfo) -> str:
    return format.source_output_format(info.format, info.heif_compression, info.has_alpha)


STEPS: tuple[tuple[str, Callable[[State], None]], ...] = (
    ("load", step_load),
    ("colour", step_colour),
    ("orient", step_orient),
    ("adjust", step_adjust),
    ("size", step_size),
    ("rotate", step_rotate),
    ("effects", step_effects),
    ("canvas", step_canvas),
    ("mask", step_mask),
    ("composite", step_composite),
    ("flatten", step_flatten),
    ("encode", step_encode),
)


def render(data: bytes, params: Params, *, accept: str = "", limits: Limits | None = None) -> RenderResult:
    """Render source bytes with parsed imgix parameters.

    Args:
        data: the source file's bytes.
        params: parsed query (:func:`imgworker.render.params.parse_query`).
        accept: the request's ``Accept`` header (for ``auto=format``).

    Raises:
        RenderError: a subclass naming what is wrong (see :mod:`imgworker.render.errors`).
    """
    state = State(data=data, params=params, accept=accept, limits=limits or Limits())
    for _name, step in STEPS:
        step(state)
        if state.result is not None:
            return state.result
    raise AssertionError("the pipeline ended without a result")  # pragma: no cover
