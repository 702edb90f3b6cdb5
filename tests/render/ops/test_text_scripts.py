"""Non-Latin scripts in ``txt`` render as glyphs, not as "tofu" boxes (field case A30's intent).

A missing glyph is drawn by Pango as a rectangle with the code point's hex digits inside; its ink
touches almost the whole border of its bounding box. A real glyph does not.
"""

from __future__ import annotations

from urllib.parse import quote

import numpy as np
import pytest
import pyvips

from imgworker.render.params import parse_query
from imgworker.render.pipeline import render


def _blank_png() -> bytes:
    return bytes(pyvips.Image.black(400, 200, bands=3).new_from_image([255, 255, 255]).cast("uchar").pngsave_buffer())


def _border_ink(text: str) -> float:
    out = render(
        _blank_png(), parse_query(f"fm=png&txt={quote(text)}&txt-size=100&txt-color=000&txt-align=middle,center")
    )
    grey = np.asarray(pyvips.Image.new_from_buffer(out.data, "").colourspace("b-w").extract_band(0).numpy())
    ys, xs = np.nonzero(grey < 128)
    box = grey[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] < 128
    border = np.concatenate([box[0], box[-1], box[:, 0], box[:, -1]])
    return float(border.mean())


def test_a_missing_glyph_is_detected_as_a_box() -> None:
    assert _border_ink("\ue000") > 0.8  # private-use code point: no font has it


@pytest.mark.parametrize("text", ["你", "й", "é", "ß"])
def test_scripts_render_real_glyphs(text: str) -> None:
    assert _border_ink(text) < 0.6, f"{text!r} rendered as a missing-glyph box: install fonts (make test-deps)"
