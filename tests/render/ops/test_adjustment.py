"""adjustment.py (with tone.py, tint.py): colour and contrast adjustments on real photos.

Each test checks pixels against the documented formula (docs/renderer-adjustments.md) or a
property the formula guarantees, with the tolerance stated in the assertion.
"""

from __future__ import annotations

import colorsys
from typing import Any

import numpy as np
import pytest
import pyvips

from helpers import decode, fixture
from imgworker.render.ops import adjustment
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

Array = np.ndarray[Any, Any]


def load(name: str) -> pyvips.Image:
    return pyvips.Image.new_from_file(str(fixture(name)))


def adjusted(name: str, query: str) -> Array:
    out = adjustment.apply(load(name), parse_query(query))
    assert out.format == "uchar" and out.interpretation == "srgb"
    return np.asarray(out.numpy()).astype(np.float64)


def pixels(name: str) -> Array:
    return np.asarray(load(name).numpy()).astype(np.float64)


def luma(a: Array) -> Array:
    return np.asarray(a[..., 0] * 0.2126 + a[..., 1] * 0.7152 + a[..., 2] * 0.0722)


def chroma(a: Array) -> Array:
    """max - min of the channels (HSV chroma, levels)."""
    return np.asarray(a.max(axis=-1) - a.min(axis=-1))


def hue_of(rgb: tuple[float, ...]) -> float:
    """HSV hue in degrees of an RGB triple (0-255)."""
    return colorsys.rgb_to_hsv(*(v / 255 for v in rgb))[0] * 360


def test_no_adjustment_returns_the_same_image_object() -> None:
    image = load("coffee_300.png")
    assert adjustment.apply(image, parse_query("bri=0&sat=0&w=10")) is image


def test_bri_adds_its_share_of_255() -> None:
    src, out = pixels("rocket.jpg"), adjusted("rocket.jpg", "bri=50")
    expected = np.clip(src + 127.5, 0, 255)
    assert np.abs(out - expected).max() <= 1.0
    # the rocket photo is dark: the mean rises by almost the full 127.5 levels
    assert luma(out).mean() - luma(src).mean() == pytest.approx(luma(expected).mean() - luma(src).mean(), abs=0.5)
    assert luma(out).mean() - luma(src).mean() > 100


def test_con_scales_around_mid_grey() -> None:
    src = pixels("coffee_300.png")
    out = adjusted("coffee_300.png", "con=50")
    assert np.abs(out - np.clip((src - 127.5) * 2.0 + 127.5, 0, 255)).max() <= 1.0
    flat = adjusted("coffee_300.png", "con=-100")
    assert flat.std() == pytest.approx(src.std() * 0.25, rel=0.03)


def test_exp_doubles_linear_light_at_50() -> None:
    src, out = pixels("coffee_300.png"), adjusted("coffee_300.png", "exp=50")
    lin = np.where(src / 255 <= 0.04045, src / 255 / 12.92, ((src / 255 + 0.055) / 1.055) ** 2.4)
    lin2 = np.clip(lin * 2.0, 0, 1)
    expected = np.where(lin2 <= 0.0031308, lin2 * 12.92, 1.055 * lin2 ** (1 / 2.4) - 0.055) * 255
    assert np.abs(out - expected).max() <= 1.0


def test_gam_is_a_power_curve() -> None:
    src = pixels("coffee_300.png")
    up, down = adjusted("coffee_300.png", "gam=100"), adjusted("coffee_300.png", "gam=-100")
    assert np.abs(up - 255 * (src / 255) ** 0.5).max() <= 1.0
    assert np.abs(down - 255 * (src / 255) ** 2.0).max() <= 1.0


def test_shad_lifts_shadows_and_keeps_the_ends() -> None:
    src, out = pixels("rocket.jpg"), adjusted("rocket.jpg", "shad=100")
    y_src, y_out = luma(src), luma(out)
    dark = (y_src > 20) & (y_src < 70)
    assert (y_out[dark] - y_src[dark]).mean() > 20  # about +25 L* near a third of the range
    bright = y_src > 245
    assert np.abs(y_out[bright] - y_src[bright]).mean() < 3


def test_high_darkens_highlights_only() -> None:
    src, out = pixels("coffee_300.png"), adjusted("coffee_300.png", "high=-100")
    y_src, y_out = luma(src), luma(out)
    bright = (y_src > 150) & (y_src < 230)
    assert (y_src[bright] - y_out[bright]).mean() > 25
    dark = y_src < 25
    assert np.abs(y_out[dark] - y_src[dark]).mean() < 2


def test_hue_180_turns_red_to_cyan() -> None:
    src, out = pixels("coffee_300.png"), adjusted("coffee_300.png", "hue=180")
    red = (src[..., 0] > src[..., 1] + 60) & (src[..., 0] > src[..., 2] + 60)
    assert red.sum() > 5000  # the saucer
    r, g, b = (out[..., c][red].mean() for c in range(3))
    assert g > r + 20 and b > r + 20  # cyan-ish: green and blue now dominate
    turned = (hue_of((r, g, b)) - hue_of(tuple(src[red].mean(axis=0)))) % 360
    assert turned == pytest.approx(180, abs=20)
    np.testing.assert_array_equal(adjusted("coffee_300.png", "hue=360"), src)


def test_sat_minus_100_is_grey_and_100_adds_chroma() -> None:
    grey = adjusted("coffee_300.png", "sat=-100")
    assert np.abs(grey[..., 0] - grey[..., 1]).max() <= 1 and np.abs(grey[..., 1] - grey[..., 2]).max() <= 1
    src, vivid = pixels("coffee_300.png"), adjusted("coffee_300.png", "sat=100")
    assert chroma(vivid).mean() > 1.6 * chroma(src).mean()


def test_vib_boosts_muted_colours_more() -> None:
    src, out = pixels("coffee_300.png"), adjusted("coffee_300.png", "vib=100")
    c_src, c_out = chroma(src), chroma(out)
    muted, vivid = (c_src > 10) & (c_src < 40), c_src > 150
    gain_muted, gain_vivid = (c_out[muted] / c_src[muted]).mean(), (c_out[vivid] / c_src[vivid]).mean()
    assert gain_muted > 1.3 and gain_muted > gain_vivid + 0.2


def test_invert_twice_is_identity() -> None:
    src = pixels("rocket.jpg")
    once = adjustment.apply(load("rocket.jpg"), parse_query("invert=true"))
    np.testing.assert_array_equal(np.asarray(once.numpy()), 255 - src)
    twice = adjustment.apply(once, parse_query("inv=1"))
    np.testing.assert_array_equal(np.asarray(twice.numpy()), src)


def test_monochrome_overlay_formula_and_alpha_intensity() -> None:
    src = pixels("coffee_300.png")
    out = adjusted("coffee_300.png", "monochrome=FF0000")
    assert np.abs(out[..., 1] - out[..., 2]).max() <= 1  # no blue or green in the ink
    y = luma(src) / 255
    expected_r = np.where(y < 0.5, 2 * y * 1.0, 1.0) * 255
    expected_g = np.where(y < 0.5, 0.0, 1 - 2 * (1 - y)) * 255
    assert np.abs(out[..., 0] - expected_r).max() <= 1.5 and np.abs(out[..., 1] - expected_g).max() <= 1.5
    half = adjusted("coffee_300.png", "mono=80FF0000")  # alpha 0x80: about half strength
    assert np.abs(half - (src * (1 - 128 / 255) + out * 128 / 255)).max() <= 1.5


def test_sepia_matrix_relation() -> None:
    src, out = pixels("coffee_300.png"), adjusted("coffee_300.png", "sepia=100")
    assert (out[..., 0] >= out[..., 1]).all() and (out[..., 1] >= out[..., 2]).all()
    matrix = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
    assert np.abs(out - np.clip(src @ matrix.T, 0, 255)).max() <= 1.0
    half = adjusted("coffee_300.png", "sepia=50")
    assert np.abs(half - np.clip(src @ (0.5 * np.eye(3) + 0.5 * matrix).T, 0, 255)).max() <= 1.0


def test_duotone_maps_darkest_to_c1_and_brightest_to_c2() -> None:
    src, out = pixels("coffee_300.png"), adjusted("coffee_300.png", "duotone=000080,FFD700")
    y = luma(src).ravel()
    flat = out.reshape(-1, 3)
    c1, c2 = np.array([0, 0, 128]), np.array([255, 215, 0])
    lo, hi = y.argmin(), y.argmax()
    # exact ends for luma 0 and 255; the photo's extremes sit y/255 of the way along
    assert np.abs(flat[lo] - (c1 + (c2 - c1) * y[lo] / 255)).max() <= 1.5
    assert np.abs(flat[hi] - (c1 + (c2 - c1) * y[hi] / 255)).max() <= 1.5
    assert np.abs(flat[lo] - c1).max() <= 12 and np.abs(flat[hi] - c2).max() <= 12
    half = adjusted("coffee_300.png", "duotone=000080,FFD700&duotone-alpha=50")
    assert np.abs(half - (src + out) / 2).max() <= 1.5


def test_auto_enhance_stretches_each_channel() -> None:
    src, out = pixels("rocket.jpg"), adjusted("rocket.jpg", "auto=enhance")
    for c in range(3):
        assert np.percentile(src[..., c], 99.5) < 240  # the night photo does not reach white ...
        assert np.percentile(out[..., c], 0.5) <= 2 and np.percentile(out[..., c], 99.5) >= 250  # ... now it does
    # monotonic per channel: the order of pixel values is kept
    order = np.argsort(src[..., 2].ravel(), kind="stable")
    assert (np.diff(out[..., 2].ravel()[order]) >= 0).all()


def test_auto_enhance_ignores_transparent_pixels_and_reads_a_sequential_source() -> None:
    src = np.asarray(load("rocket.jpg").numpy())
    rgba = np.dstack([src, np.full(src.shape[:2], 255, np.uint8)])
    rgba[:, :200] = (255, 255, 255, 0)  # hidden white: must not count in the histogram
    png = pyvips.Image.new_from_array(rgba).copy(interpretation="srgb").pngsave_buffer()
    image = pyvips.Image.new_from_buffer(png, "", access="sequential")
    out = np.asarray(adjustment.apply(image, parse_query("auto=enhance")).numpy())
    visible_only = np.asarray(
        adjustment.apply(load("rocket.jpg").crop(200, 0, 440, 427), parse_query("auto=enhance")).numpy()
    )
    np.testing.assert_array_equal(out[:, 200:, :3], visible_only)
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])
    rendered = decode(render(fixture("rocket.jpg").read_bytes(), parse_query("w=320&auto=enhance&fm=png")).data)
    assert rendered.shape == (214, 320, 3) and rendered.max() == 255


@pytest.mark.parametrize(
    "query",
    ["bri=40&con=30&exp=20&gam=-30", "shad=60&high=-60&vib=50", "hue=120&sat=-40", "invert=1",
     "mono=FF2050A0", "sepia=80", "duotone=navy,gold&duotone-alpha=70", "auto=enhance"],
)  # fmt: skip
def test_alpha_is_untouched(query: str) -> None:
    src = np.asarray(load("logo.png").numpy())
    out = np.asarray(adjustment.apply(load("logo.png"), parse_query(query)).numpy())
    assert out.shape == src.shape and src.shape[-1] == 4
    np.testing.assert_array_equal(out[..., 3], src[..., 3])
    assert np.abs(out[..., :3].astype(int) - src[..., :3]).mean() > 2  # and the colour did change


@pytest.mark.parametrize(
    ("given", "clamped"),
    [("bri=150", "bri=100"), ("con=-300", "con=-100"), ("sat=-150", "sat=-100"), ("high=40", "high=0"),
     ("shad=250", "shad=100"), ("vib=101", "vib=100"), ("sepia=1000", "sepia=100"), ("gam=-1000", "gam=-100")],
)  # fmt: skip
def test_out_of_range_values_clamp_to_the_suggested_range(given: str, clamped: str) -> None:
    np.testing.assert_array_equal(adjusted("coffee_300.png", given), adjusted("coffee_300.png", clamped))


def test_invalid_duotone_alpha_falls_back_to_100() -> None:
    full = adjusted("coffee_300.png", "duotone=000080,FFD700")
    np.testing.assert_array_equal(adjusted("coffee_300.png", "duotone=000080,FFD700&duotone-alpha=250"), full)


def test_pipeline_adjusts_before_sizing() -> None:
    data = fixture("coffee_300.png").read_bytes()
    plain = decode(render(data, parse_query("w=150&fm=png")).data).astype(int)
    inverted = decode(render(data, parse_query("w=150&invert=1&fm=png")).data).astype(int)
    assert inverted.shape == (100, 150, 3)
    assert np.abs(inverted - (255 - plain)).max() <= 1  # invert commutes with the resample
    grey = decode(render(data, parse_query("w=150&sat=-100&fm=png")).data).astype(int)
    assert np.abs(grey[..., 0] - grey[..., 2]).max() <= 1
