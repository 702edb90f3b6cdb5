"""``txt`` overlays: placement, colour, Unicode and emoji, clipping, fitting, outline, shadow (A30)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from helpers import decode, fixture, mad
from imgworker.render import vips
from imgworker.render.ops import text, typeface
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

Array = np.ndarray[Any, Any]
PHOTO = fixture("orientation/Landscape_1.jpg").read_bytes()  # 450x300, the A30 base photo at 1/4
SPEC_VECTOR = "I cannøt belîév∑ it wor\uf8ffs! 😱"  # spec section 1.5
SPEC_VECTOR_64 = "SSBjYW5uw7h0IGJlbMOuw6l24oiRIGl0IHdvcu-jv3MhIPCfmLE"


def _png(data: bytes, query: str) -> Array:
    return decode(render(data, parse_query(query + "&fm=png")).data)


def _flat(width: int = 300, height: int = 200, grey: int = 128) -> bytes:
    return vips.save(vips.solid(width, height, (grey, grey, grey)), ".png")


def _changed(a: Array, b: Array) -> tuple[int, int, int, int]:
    """Bounding box (x0, y0, x1, y1), exclusive, of pixels that differ by more than 8."""
    ys, xs = np.nonzero(np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 8)
    assert len(xs), "no pixel changed"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def test_aem_text_watermark_is_bottom_right_and_legible() -> None:
    """The Adobe tutorial's third rendition: white 32 px text with a shadow, bottom-right."""
    query = "w=600&txt=%C2%A9%20imgworker&txt-size=32&txt-color=fff&txt-align=bottom,right&txt-shad=5"
    plain, marked = _png(PHOTO, "w=600"), _png(PHOTO, query)
    assert marked.shape == (400, 600, 3)
    assert mad(plain[:200, :300], marked[:200, :300]) == 0.0  # top-left untouched
    assert mad(plain[320:, 380:], marked[320:, 380:]) > 10  # text box region
    x0, y0, _, _ = _changed(plain, marked)
    assert x0 > 300 and y0 > 330
    ys, xs = np.nonzero((marked > 235).all(axis=2) & ~(plain > 235).all(axis=2))  # the white glyphs
    assert xs.max() < 600 - 10 and ys.max() < 400 - 10  # inside the 10 px pad (the shadow may pass it)
    assert xs.max() > 600 - 10 - 8 and ys.max() > 400 - 10 - 12  # ... and aligned to it
    region, before = marked[330:, 380:].astype(int), plain[330:, 380:].astype(int)
    white = (region > 235).all(axis=2).sum() - (before > 235).all(axis=2).sum()
    darker = ((before - region).min(axis=2) > 20).sum()
    assert white > 400 and darker > 300  # white glyphs and a dark shadow: readable on any background


def test_defaults_black_12px_bottom_right_pad_10() -> None:
    base = _flat()
    out = _png(base, "txt=Hello")
    x0, y0, x1, y1 = _changed(decode(base), out)
    assert x0 > 290 - 40 and x1 <= 290 and y0 > 180 - 16 and y1 <= 190
    assert 6 <= y1 - y0 <= 14  # 12 px type
    assert out[y0:y1, x0:x1].min() < 30  # black glyphs


@pytest.mark.parametrize(
    ("align", "box"),
    [("top,left", (10, 10, 100, 40)), ("middle,center", (100, 80, 200, 120)), ("top", (180, 10, 290, 40))],
)
def test_align(align: str, box: tuple[int, int, int, int]) -> None:
    base = _flat()
    x0, y0, x1, y1 = _changed(decode(base), _png(base, f"txt=Hi%20there&txt-size=20&txt-align={align}"))
    assert box[0] <= x0 and x1 <= box[2] and box[1] <= y0 and y1 <= box[3], (x0, y0, x1, y1)


def test_txt_x_and_y_override_alignment() -> None:
    base = _flat()
    x0, y0, _, _ = _changed(decode(base), _png(base, "txt=Hi&txt-size=24&txt-x=40&txt-y=60&txt-align=bottom,right"))
    assert 40 <= x0 <= 44 and 60 <= y0 <= 70  # glyph side bearing / ascent space only


def test_txt64_spec_vector_decodes_and_matches_percent_encoded() -> None:
    params = parse_query(f"txt64={SPEC_VECTOR_64}")
    assert params.values["txt"] == SPEC_VECTOR
    base = _flat(500, 120)
    a = _png(base, f"txt64={SPEC_VECTOR_64}&txt-size=24")
    encoded = "".join(f"%{b:02X}" for b in SPEC_VECTOR.encode())
    b = _png(base, f"txt={encoded}&txt-size=24")
    assert mad(a, b) == 0.0
    assert mad(decode(base)[60:, 150:], a[60:, 150:]) > 3


def test_a30_unicode_forms_and_plus_handling() -> None:
    base = PHOTO
    plain = _png(base, "w=450")
    b64 = _png(base, "w=450&txt64=R3LDvMOfZSDigJMg5L2g5aW9&txt-size=28")
    pct = _png(base, "w=450&txt=Gr%C3%BC%C3%9Fe%20%E2%80%93%20%E4%BD%A0%E5%A5%BD&txt-size=28")
    assert mad(b64, pct) == 0.0
    assert mad(plain[240:, 200:], b64[240:, 200:]) > 3
    plus, space, literal = (_png(base, f"w=450&txt={t}&txt-size=28&txt-color=fff") for t in ("a+b", "a%20b", "a%2Bb"))
    assert mad(plus[250:, 350:], space[250:, 350:]) < 0.5  # `+` is a space in a query string
    assert mad(plus[250:, 350:], literal[250:, 350:]) > 0.5  # `%2B` is a literal plus


def test_emoji_renders_in_colour() -> None:
    base = _flat(200, 120)
    out = _png(base, "txt=%F0%9F%98%B1%F0%9F%91%8D&txt-size=48&txt-align=middle,center")
    chroma = out.max(axis=2).astype(int) - out.min(axis=2).astype(int)
    assert (chroma > 80).sum() > 300  # yellow face, skin-tone thumb
    mono = _png(base, "txt=AB&txt-size=48&txt-align=middle,center")
    assert (mono.max(axis=2).astype(int) - mono.min(axis=2).astype(int)).max() < 10


def test_colour_alpha_halves_the_text() -> None:
    base = _flat(200, 100, 0)
    solid = _png(base, "txt=MMMM&txt-size=40&txt-color=fff")
    half = _png(base, "txt=MMMM&txt-size=40&txt-color=80ffffff")
    ratio = half.astype(float).sum() / solid.astype(float).sum()
    assert abs(ratio - 128 / 255) < 0.03


def test_clip_keeps_text_inside_the_box() -> None:
    base = _flat(200, 80)
    long = "txt=" + "word%20" * 20 + "&txt-size=20&txt-align=top,left"
    x0, _, x1, _ = _changed(decode(base), _png(base, long))
    assert x0 >= 10 and x1 <= 190
    _, _, w1, _ = _changed(decode(base), _png(base, long + "&txt-width=100"))
    assert w1 <= 10 + 100


def test_clip_modes_cut_between_clusters() -> None:
    text_ = "abcdefghij"
    assert text.clip(text_, 5, len, ("end",)) == "abcde"
    assert text.clip(text_, 5, len, ("start",)) == "fghij"
    assert text.clip(text_, 5, len, ("middle",)) == "abcij"
    assert text.clip(text_, 5, len, ("ellipsis",)) == "abcd…"
    assert text.clip(text_, 5, len, ("start", "ellipsis")) == "…ghij"
    assert text.clusters("e\u0301👍🏽👨\u200d👩\u200d👧x") == ["e\u0301", "👍🏽", "👨\u200d👩\u200d👧", "x"]


def test_fit_max_shrinks_instead_of_clipping() -> None:
    base = _flat(200, 80)
    query = "txt=" + "word%20" * 8 + "end&txt-size=24&txt-align=top,left"
    clipped = _changed(decode(base), _png(base, query))
    fitted = _changed(decode(base), _png(base, query + "&txt-fit=max"))
    assert fitted[2] <= 190 and (fitted[3] - fitted[1]) < (clipped[3] - clipped[1]) - 5


def test_outline_and_shadow() -> None:
    base = _flat(200, 80, 255)
    out = _png(base, "txt=Hello&txt-size=36&txt-color=fff&txt-line=3&txt-line-color=f00&txt-align=middle,center")
    red = (out[..., 0] > 200) & (out[..., 1] < 60) & (out[..., 2] < 60)
    assert red.sum() > 200
    shadow = _png(base, "txt=Hello&txt-size=36&txt-color=fff&txt-shad=6&txt-align=middle,center")
    assert (shadow.max(axis=2) < 160).sum() > 200
    assert (_png(base, "txt=Hello&txt-size=36&txt-color=fff&txt-align=middle,center") < 250).sum() == 0


def test_font_mapping() -> None:
    assert typeface.families(None) == (typeface.SANS, [])
    assert typeface.families("Courier,bold") == (typeface.MONO, ["Bold"])
    assert typeface.families("Georgia,italic") == (typeface.SERIF, ["Italic"])
    assert typeface.families("sans-serif") == (typeface.SANS, [])
    assert typeface.families("Helvetica Neue Bold Italic") == (typeface.SANS, ["Bold", "Italic"])
    assert typeface.pango_font("serif", 12) == "DejaVu Serif,Noto Serif,serif, 12px"
    base = _flat(300, 60, 255)
    sans = _png(base, "txt=Typeface&txt-size=32&txt-align=middle,left")
    serif = _png(base, "txt=Typeface&txt-size=32&txt-align=middle,left&txt-font=Times%20New%20Roman")
    assert mad(sans, serif) > 1


def test_without_txt_the_other_params_do_nothing() -> None:
    base = _flat()
    assert mad(decode(base), _png(base, "txt-size=40&txt-color=f00&txt-shad=5")) == 0.0
    assert mad(decode(base), _png(base, "txt=%20%20")) == 0.0


def test_grey_alpha_base_keeps_its_alpha() -> None:
    data = fixture("SH_grey-8bit-alpha.png").read_bytes()
    result = render(data, parse_query("txt=Hello&txt-size=30&fm=png"))
    image = vips.from_buffer(result.data)
    assert (image.width, image.height, image.bands) == (400, 300, 4)
