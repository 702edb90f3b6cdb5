"""Text drawing shared by ``txt`` (ops/text.py) and the ``~text`` endpoint (render/typesetting.py).

Glyphs come from Pango through libvips (``vips.text``) in RGBA, so colour emoji keep their colours.
The fonts in ``render/fonts/`` (Noto Sans, a Noto Color Emoji subset; SIL OFL 1.1) are registered on
first use; other characters fall back, per character, to whatever fontconfig finds on the machine.

``txt-font`` (https://docs.imgix.com/apis/rendering/text/txt-font) names a CSS generic family or one
of imgix's (macOS) font names, optionally followed by ``,bold`` / ``,italic``. No such fonts are
shipped, so names map to three families, by words in the name:

- monospace: ``monospace`` or a name containing mono, courier, menlo, monaco, consol, andale or
  typewriter -> ``DejaVu Sans Mono, monospace``;
- serif: ``serif`` or a name containing times, georgia, garamond, baskerville, palatino, didot,
  bodoni, cochin, hoefler, caslon, cambria, charter, athelas, antiqua, iowan, mincho, clarendon,
  rockwell, century or serif (but not sans) -> ``DejaVu Serif, serif``;
- everything else (Helvetica, the default; Arial, Futura, ``sans-serif``, ``cursive``, ``fantasy``
  ...) -> ``Noto Sans, DejaVu Sans, sans-serif``.

Weight and slant words in the name or the suffixes (bold, semibold, light, thin, medium, black,
heavy, italic, oblique, condensed) become Pango style words; Pango synthesises bold and oblique
when a face lacks them. Sizes are pixels (Pango ``px`` sizes, independent of dpi).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

import cv2
import numpy as np

from imgworker.render import vips
from imgworker.render.params.types import Color

FONT_DIR = Path(__file__).resolve().parents[1] / "fonts"
FONT_FILES = ("NotoSans-Regular.ttf", "NotoColorEmoji-subset.ttf")
SANS = "Noto Sans,DejaVu Sans,sans-serif"
SERIF = "DejaVu Serif,Noto Serif,serif"
MONO = "DejaVu Sans Mono,Noto Sans Mono,monospace"
BLACK = Color(0, 0, 0)
WHITE = Color(255, 255, 255)
_MONO_WORDS = ("mono", "courier", "menlo", "monaco", "consol", "andale", "typewriter")
_SERIF_WORDS = ("times", "georgia", "garamond", "baskerville", "palatino", "didot", "bodoni", "cochin",
                "hoefler", "caslon", "cambria", "charter", "athelas", "antiqua", "iowan", "mincho",
                "clarendon", "rockwell", "century", "serif")  # fmt: skip
_STYLE_WORDS = {"bold": "Bold", "semibold": "Semi-Bold", "demibold": "Semi-Bold", "extrabold": "Ultra-Bold",
                "light": "Light", "ultralight": "Ultra-Light", "thin": "Thin", "medium": "Medium",
                "black": "Heavy", "heavy": "Heavy", "italic": "Italic", "oblique": "Oblique",
                "condensed": "Condensed"}  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MAX_LINE = 50


@dataclass(frozen=True)
class TextStyle:
    """How to draw text. Lengths are pixels.

    Attributes:
        font: ``txt-font`` value (``None``: Helvetica -> Noto Sans).
        size: font size, px (``txt-size``, default 12).
        color: text colour; its alpha scales the whole block (``txt-color``, default opaque black).
        width: wrap width, px (``~text``); ``None`` draws one line.
        align: line alignment inside a wrapped block: ``left``, ``center`` or ``right``.
        lead: extra space between lines, px (``txt-lead``, ``~text`` only).
        track: extra space between letters, px (``txt-track``, ``~text`` only; may be negative).
        line: outline width, px (``txt-line``, capped at 50), drawn in ``line_color`` (default white).
        shadow: drop shadow strength 0-10 (``txt-shad``); formula in :func:`draw_text`.
    """

    font: str | None = None
    size: float = 12.0
    color: Color = BLACK
    width: int | None = None
    align: str = "left"
    lead: float = 0.0
    track: float = 0.0
    line: float = 0.0
    line_color: Color = WHITE
    shadow: float = 0.0


@cache
def register_fonts() -> None:
    """Register the shipped fonts with fontconfig (once per process)."""
    for name in FONT_FILES:
        vips.text(".", fontfile=str(FONT_DIR / name))


def families(font: str | None) -> tuple[str, list[str]]:
    """``txt-font`` -> (Pango family list, Pango style words)."""
    parts = [p.strip() for p in (font or "Helvetica").split(",") if p.strip()] or ["Helvetica"]
    name = parts[0].lower()
    words = re.findall(r"[a-z]+", name) + [p.lower() for p in parts[1:]]
    styles = list(dict.fromkeys(_STYLE_WORDS[w] for w in words if w in _STYLE_WORDS))
    if any(w in name for w in _MONO_WORDS):
        return MONO, styles
    if "sans" not in name and any(w in name for w in _SERIF_WORDS):
        return SERIF, styles
    return SANS, styles


def pango_font(font: str | None, size: float) -> str:
    """A Pango font description, e.g. ``"Noto Sans,DejaVu Sans,sans-serif, Bold 32px"``."""
    family, styles = families(font)
    return f"{family}, {' '.join(styles)} {max(size, 1.0):g}px".replace(",  ", ", ")


def glyphs(text: str, style: TextStyle) -> vips.Image | None:
    """The text drawn in ``style.color`` (alpha not applied) as a tight RGBA image, or ``None``
    when there is nothing to draw (empty text, size below 1 px)."""
    text = _CONTROL.sub("", text.replace("\t", " "))
    if not text.strip() or style.size < 1:
        return None
    register_fonts()
    c = style.color
    attrs = f'foreground="#{c.r:02x}{c.g:02x}{c.b:02x}"'
    if style.track:
        attrs += f' letter_spacing="{round(style.track * 1024)}"'
    options: dict[str, object] = {"font": pango_font(style.font, style.size), "rgba": True, "dpi": 72}
    if style.width is not None:
        options.update(width=max(1, style.width), wrap="word-char",
                       align={"left": "low", "center": "centre", "right": "high"}.get(style.align, "low"))  # fmt: skip
    if style.lead:
        options["spacing"] = round(style.lead)
    image = vips.text(f"<span {attrs}>{escape(text, quote=True)}</span>", **options)
    if image.width < 1 or image.height < 1:
        return None
    return image.copy(interpretation="srgb")


def draw_text(text: str, style: TextStyle) -> tuple[vips.Image, int] | None:
    """The text with outline and shadow as an RGBA block, and the block's margin ``m`` (px): the
    glyph box starts at (m, m) inside the block. ``None`` when there is nothing to draw.

    Formulas (imgix publishes none): the outline is the glyph alpha dilated by a disc of radius
    ``line``, in ``line_color``, under the glyphs. The shadow of strength ``s`` (0-10) is the black
    silhouette of glyphs + outline, blurred with sigma ``s/2`` px (at least 0.5), its alpha scaled by
    ``1 + s/10`` (clipped at 255, so thin strokes still cast a visible shadow), offset ``round(s/2)``
    px right and down (at least 1). The colour's alpha then scales the whole block.
    """
    image = glyphs(text, style)
    if image is None:
        return None
    line = min(max(style.line, 0.0), float(_MAX_LINE))
    shadow = min(max(style.shadow, 0.0), 10.0)
    sigma = shadow / 2
    offset = max(1, math.floor(sigma + 0.5)) if shadow > 0 else 0
    m = math.ceil(line) + (offset + math.ceil(3 * sigma) if shadow > 0 else 0)
    block = image.embed(m, m, image.width + 2 * m, image.height + 2 * m) if m else image
    if line > 0:
        block = _outline(block, line, style.line_color)
    if shadow > 0:
        silhouette = block.extract_band(3).gaussblur(max(sigma, 0.5)) * (1.0 + shadow / 10)
        silhouette = silhouette.cast("uchar").embed(offset, offset, block.width, block.height)
        dark = vips.solid(block.width, block.height, (0, 0, 0)).bandjoin(silhouette)
        block = dark.composite2(block, "over").cast("uchar")
    if style.color.a < 255:
        block = block.extract_band(0, n=3).bandjoin((block.extract_band(3) * (style.color.a / 255)).cast("uchar"))
    return block.copy(interpretation="srgb"), m


def _outline(block: vips.Image, radius: float, color: Color) -> vips.Image:
    """``block`` over its alpha dilated by a disc of ``radius`` px, filled with ``color``."""
    r = max(1, math.ceil(radius))
    alpha = np.ascontiguousarray(vips.to_numpy(block.extract_band(3)))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    grown = vips.from_numpy(cv2.dilate(alpha, disc)).cast("uchar")
    ring = vips.solid(block.width, block.height, color.rgb).bandjoin(grown)
    return ring.composite2(block, "over").cast("uchar")
