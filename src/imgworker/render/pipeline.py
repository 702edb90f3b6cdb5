"""The rendering pipeline: one literal, ordered tuple of steps (query order never matters).

The order is imgix's documented order of operations (https://docs.imgix.com/resources/order-of-operations;
spec section 4), filled in for the remaining parameters:

1. ``load``: header probe (pixel limit), shrink-on-load sized from the plan, frame/page selection;
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

from imgworker.render import deadline, svg_sanitize, vips
from imgworker.render.errors import SourceCorrupt
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
    metadata,
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

BYPASS_TYPES = {"svg": "image/svg+xml", "pdf": "application/pdf"}
"""``rasterize-bypass=true``: vector sources returned untouched, every other parameter ignored
(https://docs.imgix.com/apis/rendering/format/rasterize-bypass; SVG still sanitised: ``svg-sanitize``)."""
FAST_SHRINK_MIN_PIXELS = 2_000_000
"""Sources from this many pixels on use the fast shrink-on-load rule; smaller ones the careful one."""


def _shrink_factor(plan: geometry.SizePlan, upright: tuple[int, int], fmt: str) -> int:
    """JPEG/WebP shrink-on-load factor (1, 2, 4 or 8).

    Big sources (>= 2 MP) take the largest factor that does not go below the output size (sharp's
    ``fastShrinkOnLoad``: that is where decoding time goes); small ones keep at least twice the
    output size for the final Lanczos resample (libvips ``thumbnail``'s rule: the loader's DCT
    scaling is a box filter, visibly softer on detailed images; field case A02 measures it).
    """
    if fmt not in ("jpeg", "webp"):
        return 1
    sx, sy = plan.scale
    needed = max(sx, sy)
    if needed <= 0:
        return 1
    margin = 1 if upright[0] * upright[1] >= FAST_SHRINK_MIN_PIXELS else 2
    factor = 1
    for n in (2, 4, 8):
        if 1.0 / needed >= n * margin:
            factor = n
    return factor


def _requested_page(params: Params) -> int:
    """0-based page/frame to decode for a still: ``frame=N`` (animations) else ``page`` (1-based)."""
    frame = animation.single_frame(params)
    if frame is not None:
        return frame
    return max(0, int(params.get("page", 1) or 1) - 1)


def _animated_frames(s: State, info: vips.SourceInfo) -> list[int] | None:
    """Source frames to render when the source is animated and the output format animates."""
    if info.pages < 2 or info.format not in ("gif", "webp") or animation.single_frame(s.params) is not None:
        return None
    out = format.decide(s.params, s.accept, _source_fm(info), info.has_alpha, animated=True)
    if not out.animates:
        return None
    animation.check_limit(info.pages, s.limits.max_frames, frame_pixels=info.width * info.height,
                          max_pixels=s.limits.max_animation_pixels)  # fmt: skip
    return animation.select(s.params, info.pages)


def step_load(s: State) -> None:
    page = _requested_page(s.params)
    s.info = info = vips.probe(s.data, pixel_limit=s.limits.pixel_limit, page=page)
    if s.params.values.get("fm") == "json":  # source metadata; no pixels rendered (spec 3.5)
        body = metadata.render_json(s.data, info, s.params)
        s.result = RenderResult(body, format.CONTENT_TYPES["json"], "json", info.width, info.height)
        return
    if info.format in ("svg", "pdf") and s.params.get("rasterize-bypass"):  # vector served as is (sanitised SVG)
        body = svg_sanitize.sanitize(s.data) if info.format == "svg" else s.data
        s.result = RenderResult(body, BYPASS_TYPES[info.format], info.format, info.width, info.height)
        return
    s.orientation = rotation.effective_orientation(s.params, info.orientation)
    w, h = info.width, info.height
    s.upright = (h, w) if s.orientation in (5, 6, 7, 8) else (w, h)
    s.plan = geometry.plan_size(s.params, *s.upright)
    # with trim the plan is remade on the trimmed region in step_size: decode at full size
    shrink = 1 if trim.wanted(s.params) else _shrink_factor(s.plan, s.upright, info.format)
    frames = _animated_frames(s, info)
    if frames is not None:  # every frame runs the per-frame steps (render() below)
        whole = vips.load(s.data, info, page=0, n=-1)
        s.timing = animation.timing(whole, frames, s.params)
        s.frames = animation.split(whole, frames)
        s.image = s.frames[0]
        return
    if info.format == "pdf":  # vector pages are drawn at the density the output needs (render/pdf.py)
        scale = 1.0 if trim.wanted(s.params) or max(s.plan.scale) <= 0 else max(s.plan.scale)
        s.image = vips.load(s.data, info, scale=scale, pixel_limit=s.limits.pixel_limit,
                            annotations=bool(s.params.get("pdf-annotation", True)))  # fmt: skip
        return
    s.image = vips.load(s.data, info, shrink=shrink, random=s.random_access or _reads_out_of_order(s))


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
    s.image = size.apply_size(s.image, s.plan, s.params, s.upright, s.faces)


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
    s.output = format.decide(s.params, s.accept, _source_fm(s.info), bool(s.image.hasalpha()), animated)
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
    data = format.encode(image, s.output, s.params, s.info.has_icc)
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
    ("palette", step_palette),
    ("composite", step_composite),
    ("flatten", step_flatten),
    ("encode", step_encode),
)


def _reads_out_of_order(s: State) -> bool:
    """Steps that read rows out of order: EXIF/``orient`` turns and mirrors, ``rot``, ``flip``."""
    return s.orientation != 1 or any(s.params.has(p) for p in ("rot", "flip", "orient"))


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
