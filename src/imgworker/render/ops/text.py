"""``txt``: a one-line text overlay (https://docs.imgix.com/apis/rendering/text/txt; spec section 2.9).

Parameters (all ignored without ``txt``; lengths in px of the output image):

- ``txt`` / ``txt64``: UTF-8 text, emoji included; newlines become spaces (one line).
- ``txt-size`` (default 12), ``txt-color`` (ARGB hex or keyword, default opaque black),
  ``txt-font`` (see :mod:`~imgworker.render.ops.typeface` for the font mapping).
- ``txt-align``: top/middle/bottom and left/center/right, default ``bottom,right``; a missing axis
  keeps its default. ``txt-pad`` (default 10) insets the text box from the aligned edges.
- ``txt-x`` / ``txt-y``: the text box's left / top edge, overriding align and pad on that axis.
- ``txt-width``: width of the text box (default: the image width minus twice ``txt-pad``, or minus
  ``txt-x``). Text wider than the box is shrunk to fit with ``txt-fit=max``, else cut by
  ``txt-clip``: ``end`` (default), ``start`` or ``middle``, with ``ellipsis`` adding "…" at the cut
  (``ellipsis`` alone means ``end,ellipsis``). Cuts fall between grapheme clusters (approximated:
  combining marks, variation selectors, ZWJ sequences and skin tones stay with their base).
- ``txt-line`` / ``txt-line-color`` (outline, default white), ``txt-shad`` (0-10 drop shadow):
  formulas in :func:`~imgworker.render.ops.typeface.draw_text`.

The text box placed by pad, align and x/y is the glyphs' ink box (Pango ink extents). Lengths are
not multiplied by ``dpr`` (imgix documents no scaling). The text is composited with "over" on the
8-bit sRGB image; an image without alpha stays without.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import replace

from imgworker.render import vips
from imgworker.render.ops.placement import alignment, over, place
from imgworker.render.ops.typeface import BLACK, WHITE, TextStyle, draw_text, glyphs
from imgworker.render.params import Params

DEFAULT_PAD = 10
ELLIPSIS = "…"


def style_from(params: Params) -> TextStyle:
    """The :class:`TextStyle` of the ``txt-*`` parameters (no wrapping)."""
    return TextStyle(
        font=params.get("txt-font"),
        size=float(params.get("txt-size", 12)),
        color=params.get("txt-color") or BLACK,
        line=float(params.get("txt-line", 0)),
        line_color=params.get("txt-line-color") or WHITE,
        shadow=float(params.get("txt-shad", 0)),
    )


def apply(image: vips.Image, params: Params) -> vips.Image:
    """Draw ``txt`` on ``image`` (unchanged without ``txt`` or with nothing to draw)."""
    text = str(params.values.get("txt") or "").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    if not text.strip():
        return image
    pad = int(params.get("txt-pad", DEFAULT_PAD))
    has_x, has_y = params.has("txt-x"), params.has("txt-y")
    avail = image.width - int(params.get("txt-x")) if has_x else image.width - 2 * pad
    box = int(params.values["txt-width"]) if params.has("txt-width") else avail
    style = style_from(params)
    text, style = fit_line(text, style, max(1, min(box, image.width)), params)
    drawn = draw_text(text, style)
    if drawn is None:
        return image
    block, m = drawn
    w, h = block.width - 2 * m, block.height - 2 * m
    vertical, horizontal = alignment(params.values.get("txt-align"), ("bottom", "right"))
    x = int(params.get("txt-x")) if has_x else place(w, image.width, pad, horizontal)
    y = int(params.get("txt-y")) if has_y else place(h, image.height, pad, vertical)
    return over(image, block, x - m, y - m)


def fit_line(text: str, style: TextStyle, box: int, params: Params) -> tuple[str, TextStyle]:
    """``text`` and ``style`` so one line fits ``box`` px: shrink (``txt-fit=max``) or cut (``txt-clip``)."""
    drawn = glyphs(text, style)
    if drawn is None or drawn.width <= box:
        return text, style
    if params.get("txt-fit") == "max":
        size = style.size * box / drawn.width
        for _ in range(4):
            candidate = replace(style, size=size)
            g = glyphs(text, candidate)
            if g is None or g.width <= box:
                return text, candidate
            size *= 0.97
    return clip(text, box, lambda t: _width(t, style), tuple(params.get("txt-clip") or ("end",))), style


def _width(text: str, style: TextStyle) -> int:
    g = glyphs(text, style)
    return 0 if g is None else int(g.width)


def clusters(text: str) -> list[str]:
    """Approximate grapheme clusters: marks, variation selectors, ZWJ joins and skin tones attach."""
    out: list[str] = []
    join = False
    for ch in text:
        cp = ord(ch)
        attach = (unicodedata.category(ch).startswith("M") or 0xFE00 <= cp <= 0xFE0F or cp == 0x200D
                  or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F)  # fmt: skip
        if out and (attach or join):
            out[-1] += ch
        else:
            out.append(ch)
        join = cp == 0x200D
    return out


def clip(text: str, box: int, width: Callable[[str], int], mode: tuple[str, ...]) -> str:
    """The longest cut of ``text`` whose ``width`` fits ``box`` (binary search on clusters kept)."""
    parts = clusters(text)
    ellipsis = "ellipsis" in mode
    where = next((m for m in mode if m in ("start", "middle", "end")), "end")

    def cut(k: int) -> str:
        mark = ELLIPSIS if ellipsis else ""
        if where == "start":
            return mark + "".join(parts[len(parts) - k :])
        if where == "middle":
            head = math.ceil(k / 2)
            return "".join(parts[:head]) + mark + "".join(parts[len(parts) - (k - head) :])
        return "".join(parts[:k]) + mark

    lo, hi = 0, len(parts)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if width(cut(mid)) <= box:
            lo = mid
        else:
            hi = mid - 1
    return cut(lo) if lo > 0 or ellipsis else ""
