"""The ``~text`` endpoint: a standalone image of wrapped, multi-line text
(https://docs.imgix.com/apis/rendering/typesetting/~text; spec section 2.9).

``GET /~text?txt=...&w=...`` (signed like any URL) renders the text on a transparent background:

- width ``w`` px (default 200; a 0-1 ratio is ignored), height from the wrapped text, or ``h`` px
  when given (text placed by the vertical part of ``txt-align``, default top; clipped if longer);
- the text wraps at ``w - 2 * txt-pad`` (``txt-pad`` default 10) between words (inside a word when
  one is wider than a line); explicit newlines start new lines;
- ``txt-size`` (12), ``txt-color`` (black), ``txt-font``, ``txt-line``, ``txt-line-color``,
  ``txt-shad`` as for ``txt``; ``txt-lead`` adds px between lines, ``txt-track`` px between letters;
- lines align by the horizontal part of ``txt-align``; default **left** (our choice: imgix says
  "same defaults as txt", whose bottom-right placement has no meaning for a paragraph);
- ``dpr`` (default 1) multiplies every length above.

The result counts as an origin image (usable as ``mark``/``blend``: :mod:`imgworker.render.overlays`).
On the endpoint, the remaining parameters (``bg``, ``fm``, ``q``, ``rot``, ``blur`` ...) then apply
through the normal pipeline; ``bg`` fills the transparent background.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from imgworker.render import vips
from imgworker.render.ops.placement import alignment, place
from imgworker.render.ops.text import DEFAULT_PAD, style_from
from imgworker.render.ops.typeface import draw_text
from imgworker.render.overlays import OverlayFetcher
from imgworker.render.params import Params
from imgworker.render.params.parse import BY_NAME
from imgworker.render.pipeline import Limits, RenderResult, render

ENDPOINT = "~text"
DEFAULT_WIDTH = 200
_OWN = frozenset({"w", "h", "dpr"})


def _px(value: object, default: int | None) -> int | None:
    return int(value) if isinstance(value, int) else default


def text_image(params: Params) -> vips.Image:
    """The ``~text`` image (RGBA, 8-bit sRGB) for the ``txt*``/``w``/``h``/``dpr`` parameters."""
    dpr = float(params.get("dpr", 1) or 1)
    width = max(1, round((_px(params.values.get("w"), DEFAULT_WIDTH) or DEFAULT_WIDTH) * dpr))
    height = _px(params.values.get("h"), None)
    pad = round(int(params.get("txt-pad", DEFAULT_PAD)) * dpr)
    vertical, horizontal = alignment(params.values.get("txt-align"), ("top", "left"))
    base = style_from(params)
    style = replace(
        base,
        size=base.size * dpr,
        width=max(1, width - 2 * pad),
        align=horizontal,
        lead=float(params.get("txt-lead", 0)) * dpr,
        track=float(params.get("txt-track", 0)) * dpr,
        line=base.line * dpr,
    )
    drawn = draw_text(str(params.values.get("txt") or ""), style)
    text_h = 0 if drawn is None else drawn[0].height - 2 * drawn[1]
    canvas_h = round(height * dpr) if height else text_h + 2 * pad
    canvas = vips.solid(width, max(1, canvas_h), (0, 0, 0, 0))
    if drawn is None:
        return canvas
    block, m = drawn
    text_w = block.width - 2 * m
    x = place(text_w, width, pad, horizontal)
    y = place(text_h, canvas.height, pad, vertical)
    return canvas.composite2(block, "over", x=x - m, y=y - m).cast("uchar").copy(interpretation="srgb")


def remaining(params: Params) -> Params:
    """``params`` without the ones :func:`text_image` consumed (text, typesetting, w, h, dpr)."""
    keep = {k: v for k, v in params.values.items()
            if k not in _OWN and BY_NAME[k].category not in ("text", "typesetting")}  # fmt: skip
    return Params(MappingProxyType(keep), params.invalid, params.unknown, params.raw)


def render_endpoint(
    params: Params,
    *,
    accept: str = "",
    limits: Limits | None = None,
    overlays: OverlayFetcher | None = None,
) -> RenderResult:
    """``GET /~text``: the text image, then the remaining parameters through the pipeline.

    Raises:
        RenderError: as :func:`imgworker.render.pipeline.render`.
    """
    png = vips.save(text_image(params), ".png")
    return render(png, remaining(params), accept=accept, limits=limits, overlays=overlays)
