"""palette.py: palette=json/css payloads, dominant colours, and colorquant quantisation."""

from __future__ import annotations

import json
import re

import numpy as np
import pyvips

from helpers import fixture
from imgworker.render import vips
from imgworker.render.ops import palette
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render


def blocks(*colours: tuple[int, int, int], widths: tuple[int, ...]) -> vips.Image:
    """Vertical colour bands of the given widths (px), 20 px tall."""
    parts = [vips.solid(w, 20, c) for c, w in zip(colours, widths, strict=True)]
    out = parts[0]
    for part in parts[1:]:
        out = out.join(part, "horizontal")
    return out


def test_colours_sorted_by_population() -> None:
    image = blocks((255, 0, 0), (0, 0, 255), (250, 250, 250), widths=(60, 30, 10))
    doc = palette.extract(image, 6)
    assert [c["hex"] for c in doc["colors"]] == ["#ff0000", "#0000ff", "#fafafa"]  # only 3 distinct colours
    assert doc["colors"][0] == {"red": 1.0, "green": 0.0, "blue": 0.0, "hex": "#ff0000"}
    expected_luma = (60 * 0.2126 + 30 * 0.0722 + 10 * 250 / 255) / 100
    assert abs(doc["average_luminance"] - expected_luma) < 0.002
    assert doc["dominant_colors"]["vibrant"]["hex"] == "#ff0000"


def test_dominant_targets() -> None:
    swatches = [palette.Swatch((230, 40, 40), 0.3), palette.Swatch((120, 100, 100), 0.3),
                palette.Swatch((60, 10, 10), 0.2), palette.Swatch((240, 220, 220), 0.2)]  # fmt: skip
    named = palette.dominant(swatches)
    assert named["vibrant"].rgb == (230, 40, 40)
    assert named["vibrant_dark"].rgb == (60, 10, 10)
    assert named["muted"].rgb == (120, 100, 100)
    assert named["muted_light"].rgb == (240, 220, 220)


def test_css_classes_and_prefix() -> None:
    body, ctype = palette.render(blocks((255, 0, 0), (0, 0, 255), widths=(50, 50)), "css", 2, "pal")
    text = body.decode()
    assert ctype.startswith("text/css")
    assert ".pal-fg-1 { color:#ff0000 !important; }" in text or ".pal-fg-1 { color:#0000ff !important; }" in text
    assert ".pal-bg-ex-1 { background-color:#ffffff !important; }" in text and ".pal-fg-ex-2 " in text
    assert re.search(r"\.pal-fg-vibrant \{", text)


def test_palette_json_over_pipeline_runs_after_sizing() -> None:
    out = render(fixture("rocket.jpg").read_bytes(), parse_query("palette=json&colors=5&w=50"))
    doc = json.loads(out.data)
    assert len(doc["colors"]) == 5 and out.content_type == "application/json"
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c["hex"]) for c in doc["colors"])
    assert set(doc["dominant_colors"]) <= set(palette.TARGETS)


def test_colors_zero_and_above_sixteen() -> None:
    image = pyvips.Image.new_from_file(str(fixture("rocket.jpg")))
    assert json.loads(palette.render(image, "json", 0, "image")[0])["colors"] == []
    assert len(json.loads(palette.render(image, "json", 40, "image")[0])["colors"]) == 16


def test_quantize_keeps_alpha_and_limits_colours() -> None:
    logo = pyvips.Image.new_from_file(str(fixture("logo.png")))
    out = np.asarray(vips.to_numpy(palette.quantize(logo, 8)))
    assert out.shape[2] == 4
    assert len(np.unique(out[:, :, :3].reshape(-1, 3), axis=0)) <= 8
    assert np.array_equal(out[:, :, 3], np.asarray(logo.numpy())[:, :, 3])
