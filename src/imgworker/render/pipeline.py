"""The rendering pipeline: one literal, ordered tuple of steps (query order never matters).

The order is imgix's documented order of operations (https://docs.imgix.com/resources/order-of-operations;
spec section 4), filled in for the remaining parameters:

1. ``load`` (:mod:`imgworker.render.loading`): header probe (pixel limit), shrink-on-load sized from the
   plan, frame/page selection;
2. ``colour``: colour-manage to 8-bit sRGB (CMYK, wide gamut, 16-bit, grey);
3. ``orient``: EXIF orientation or ``orient``;
4. ``adjust``: colour and contrast adjustments, then ``auto=redeye`` on detected faces;
5. ``size``: ``rect`` -> ``trim`` -> ``fit``/``crop``/faces/focal point -> resample;
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

from imgworker.render import deadline, vips
from imgworker.render.errors import SourceCorrupt
from imgworker.render.loading import source_fm, step_load
from imgworker.render.ops import (
    adjustment,
    animation,
    blurhash,
    border_and_padding,
    colour,
    composite,
    fill,
    format,
    geometry,
    mask,
    palette,
    redeye,
    rotation,
    size,
    stylize,
    trim,
)
from imgworker.render.overlays import OverlayFetcher
from imgworker.render.params import Params
from imgworker.render.state import Limits, RenderResult, State


def step_colour(s: State) -> None:
    s.image = colour.to_srgb(s.image)


def step_orient(s: State) -> None:
    s.image = rotation.orient(s.image, s.orientation)


def step_adjust(s: State) -> None:
    s.image = adjustment.apply(s.image, s.params)
    if redeye.wanted(s.params):  # on the upright image, before rect/trim/size (spec 4, stage 7)
        s.image = redeye.apply(vips.evaluate(s.image), s.params, s.faces)


def step_size(s: State) -> None:
    assert s.plan is not None
    if trim.wanted(s.params) and s.trim_box is not None:  # later animation frames: same box
        s.image = trim.crop(s.image, s.trim_box)
    elif trim.wanted(s.params):
        # trim runs after rect, before sizing (spec section 4, stage 6) and changes the region
        # the size plan is for: trim the rect region, then re-plan on the trimmed size (rect done).
        s.image, s.trim_box = trim.apply(s.image, s.plan.region, s.params)
        s.upright = (s.image.width, s.image.height)
        s.plan = geometry.plan_size(s.params.with_values(rect=None), *s.upright)
    s.image = size.apply_size(s.image, s.plan, s.params, s.upright, s.region_faces(s.image))


def step_rotate(s: State) -> None:
    s.image = rotation.rotate(s.image, s.params)


def step_effects(s: State) -> None:
    s.image = stylize.apply(s.image, s.params)


def step_canvas(s: State) -> None:
    assert s.plan is not None
    s.image = fill.canvas(s.image, s.plan, s.params)
    s.image = border_and_padding.pad(s.image, s.plan, s.params)


def step_mask(s: State) -> None:
    s.image = mask.apply(s.image, s.params, s.overlays)


def step_composite(s: State) -> None:
    s.image = composite.apply(s.image, s.params, s.overlays, s.plan.border if s.plan else None)


def step_flatten(s: State) -> None:
    assert s.info is not None
    animated = s.frames is not None
    s.output = format.decide(s.params, s.accept, source_fm(s.info), bool(s.image.hasalpha()), animated)
    s.image = fill.apply_bg(s.image, s.params, s.output.fm in format.ALPHA_FORMATS)


def step_palette(s: State) -> None:
    """``palette=json|css``: the palette of the processed image, before compositing (spec 3.6)."""
    if s.params.has("palette"):
        prefix = str(s.params.get("prefix", "image"))
        body, ctype = palette.render(s.image, str(s.params.values["palette"]), int(s.params.get("colors", 6)), prefix)
        s.result = RenderResult(body, ctype, "palette", s.image.width, s.image.height)


def step_encode(s: State) -> None:
    assert s.output is not None and s.info is not None
    if s.output.fm == "blurhash":
        text = blurhash.encode_image(s.image)
        s.result = RenderResult(text.encode("ascii"), s.output.content_type, "blurhash", s.image.width,
                                s.image.height, s.output.vary_accept)  # fmt: skip
        return
    image = s.image
    if s.frames is not None and s.timing is not None:
        image = animation.join(s.frames, s.timing)
    data = format.encode(image, s.output, s.params, s.info.has_icc, s.info.iptc)
    s.result = RenderResult(data, s.output.content_type, s.output.fm, s.image.width, s.image.height,
                            s.output.vary_accept)  # fmt: skip


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
    ("palette", step_palette),
    ("composite", step_composite),
    ("flatten", step_flatten),
    ("encode", step_encode),
)


def render(
    data: bytes,
    params: Params,
    *,
    accept: str = "",
    limits: Limits | None = None,
    overlays: OverlayFetcher | None = None,
) -> RenderResult:
    """Render source bytes with parsed imgix parameters.

    Args:
        data: the source file's bytes.
        params: parsed query (:func:`imgworker.render.params.parse_query`).
        accept: the request's ``Accept`` header (for ``auto=format``).
        overlays: fetcher for image-valued parameters (``mark``, ``blend``, ``mask`` URLs); without
            one those parameters fail with 400.

    Animated output runs the :data:`PER_FRAME` steps once per frame; the whole render runs under
    ``limits.deadline_s`` (:mod:`imgworker.render.deadline`).

    Raises:
        RenderError: a subclass naming what is wrong (see :mod:`imgworker.render.errors`).
    """
    try:
        return _render(State(data=data, params=params, accept=accept, limits=limits or Limits(), overlays=overlays))
    except SourceCorrupt as exc:
        if "out of order" not in exc.message:
            raise
    # a step read the streamed decode out of order (e.g. a wide convolution): decode for random access
    state = State(data=data, params=params, accept=accept, limits=limits or Limits(), overlays=overlays)
    state.random_access = True
    return _render(state)


def _render(state: State) -> RenderResult:
    with deadline.deadline(state.limits.deadline_s):
        for name, step in STEPS:
            deadline.check()
            if state.frames is not None and name in PER_FRAME:
                _each_frame(state, step)
            else:
                step(state)
            if state.result is not None:
                return state.result
    raise AssertionError("the pipeline ended without a result")  # pragma: no cover


# Steps applied to every frame of an animation (all but load, palette and encode).
PER_FRAME = frozenset(name for name, _ in STEPS) - {"load", "palette", "encode"}


def _each_frame(state: State, step: Callable[[State], None]) -> None:
    assert state.frames is not None
    done = []
    for frame in state.frames:
        deadline.check()
        state.image = frame
        step(state)
        done.append(state.image)
    state.frames = done
    state.image = done[0]


__all__ = ["PER_FRAME", "STEPS", "Limits", "RenderResult", "State", "render"]
