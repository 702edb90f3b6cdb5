"""The ``load`` step: header probe, early answers (``fm=json``, ``rasterize-bypass``), shrink-on-load,
frame selection and vector density (spec section 4, stages 1-2).

The probe reads the header only (pixel limit checked before any pixel is decoded); the size plan is
made on the EXIF-upright size so that JPEG/WebP decode at the smallest size the output allows, PDF
pages are drawn at the density it needs, and animated sources split into the frames to render.
"""

from __future__ import annotations

from imgworker.render import svg_sanitize, vips
from imgworker.render.detect import ahead
from imgworker.render.ops import animation, format, geometry, metadata, rotation, trim
from imgworker.render.ops.crop import has_freedom, strategies
from imgworker.render.params import Params
from imgworker.render.state import RenderResult, State

BYPASS_TYPES = {"svg": "image/svg+xml", "pdf": "application/pdf"}
"""``rasterize-bypass=true``: vector sources returned untouched, every other parameter ignored
(https://docs.imgix.com/apis/rendering/format/rasterize-bypass; SVG still sanitised: ``svg-sanitize``)."""
MAX_VECTOR_SIDE = 8192
"""Largest side (px) a vector source is drawn at (imgix's output cap)."""
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


def _faces_ahead(s: State) -> bool:
    """Whether sizing will look for faces (``fit=facearea``, or ``crop`` whose first strategy is
    ``faces`` with a window that can move), so that detection can start beside the decode."""
    plan = s.plan
    if plan is None or plan.window is None or trim.wanted(s.params):
        return False
    if plan.fit == "facearea":
        return True
    chain = strategies(s.params)
    if plan.fit != "crop" or not chain or chain[0] != "faces":
        return False
    zoom = max(plan.zoom, 1.0)
    return has_freedom(plan.region.w, plan.region.h, plan.window[0] / zoom, plan.window[1] / zoom)


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
    out = format.decide(s.params, s.accept, source_fm(info), info.has_alpha, animated=True)
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
    if info.format == "jpeg" and _faces_ahead(s):  # the second core finds faces while this one decodes
        r = s.plan.region
        s.face_task = ahead.start(s.data, s.orientation, (r.x, r.y, r.w, r.h), s.upright)
    # vector sources (SVG, PDF pages) are drawn at the density the output needs, not enlarged
    wanted = 1.0 if trim.wanted(s.params) or max(s.plan.scale) <= 0 else max(s.plan.scale)
    if info.format == "pdf":
        s.image = vips.load(s.data, info, scale=vector_scale(info, wanted, s.limits.pixel_limit),
                            annotations=bool(s.params.get("pdf-annotation", True)))  # fmt: skip
        return
    svg_scale = vector_scale(info, wanted, s.limits.pixel_limit) if info.format == "svg" and wanted != 1.0 else 1.0
    s.image = vips.load(s.data, info, shrink=shrink, random=s.random_access or reads_out_of_order(s),
                        scale=svg_scale)  # fmt: skip


def vector_scale(info: vips.SourceInfo, wanted: float, pixel_limit: int) -> float:
    """The drawing scale of a vector source (SVG, PDF page) closest to ``wanted`` that keeps it within
    :data:`MAX_VECTOR_SIDE` px a side and ``pixel_limit`` pixels, and at least 1 px a side."""
    w, h = info.width, info.height
    cap = min(MAX_VECTOR_SIDE / w, MAX_VECTOR_SIDE / h, (pixel_limit / (w * h)) ** 0.5)
    return float(max(min(wanted, cap), 1.0 / min(w, h)))


def source_fm(info: vips.SourceInfo) -> str:
    """The output format the source implies when neither ``fm`` nor ``auto`` picks one."""
    return format.source_output_format(info.format, info.heif_compression, info.has_alpha)


def reads_out_of_order(s: State) -> bool:
    """Steps that read rows out of order: EXIF/``orient`` turns and mirrors, ``rot``, ``flip``."""
    return s.orientation != 1 or any(s.params.has(p) for p in ("rot", "flip", "orient"))
