"""stylize.py (with blur.py, sharpen.py, halftone.py): the effects step after sizing, on real photos.

Pixel-level checks of the formulas in docs/renderer-adjustments.md: measured blur strength, block
structure, halftone tone, sharpening gain, noise reduction, alpha handling and range clamping.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import pyvips

from helpers import decode, fixture
from imgworker.render import vips
from imgworker.render.ops import blur, stylize
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

Array = np.ndarray[Any, Any]


def load(name: str) -> pyvips.Image:
    return pyvips.Image.new_from_file(str(fixture(name)))


def styled(name: str, query: str) -> Array:
    out = stylize.apply(load(name), parse_query(query))
    assert out.format == "uchar"
    return np.asarray(out.numpy()).astype(np.float64)


def pixels(name: str) -> Array:
    return np.asarray(load(name).numpy()).astype(np.float64)


def hf_energy(a: Array) -> float:
    """Mean absolute 4-neighbour Laplacian (high-frequency energy)."""
    lap = 4 * a[1:-1, 1:-1] - a[:-2, 1:-1] - a[2:, 1:-1] - a[1:-1, :-2] - a[1:-1, 2:]
    return float(np.abs(lap).mean())


def mid_tones(a: Array) -> float:
    """Fraction of channel values strictly between ink and paper (40-215)."""
    return float(((a > 40) & (a < 215)).mean())


def smoothed(a: Array, sigma: float) -> Array:
    return np.asarray(vips.from_numpy(a.astype(np.uint8)).gaussblur(sigma).numpy()).astype(np.float64)


def premultiplied_mean(a: Array) -> float:
    return float((a[..., :3] * a[..., 3:] / 255).mean())


def test_nothing_requested_is_identity() -> None:
    np.testing.assert_array_equal(styled("rocket.jpg", "usmrad=20&blur=0&px=1"), pixels("rocket.jpg"))


def test_blur_sigma_is_a_tenth_of_the_value() -> None:
    # a sinusoidal grating of period p loses amplitude exp(-2 pi^2 sigma^2 / p^2) under a Gaussian
    period, x = 60.0, np.arange(600)
    row = 128 + 100 * np.sin(2 * np.pi * x / period)
    grating = vips.from_numpy(np.tile(row, (40, 1)).astype(np.uint8)).colourspace("srgb")
    for value in (100, 300):  # sigma 10 (direct path) and 30 (shrink path)
        out = np.asarray(stylize.apply(grating, parse_query(f"blur={value}")).numpy())[20, 120:480, 0]
        amplitude = (out.max() - out.min()) / 2
        expected = 100 * math.exp(-2 * math.pi**2 * (value / 10) ** 2 / period**2)
        assert amplitude == pytest.approx(expected, rel=0.05, abs=1.0)


def test_blur_lowers_high_frequency_energy_and_keeps_the_mean() -> None:
    src = pixels("rocket.jpg")
    out = styled("rocket.jpg", "blur=50")
    assert hf_energy(out) < 0.15 * hf_energy(src)
    assert out.mean() == pytest.approx(src.mean(), abs=1.0)


@pytest.mark.parametrize("sigma", [10.0, 30.0, 200.0])
def test_large_blur_matches_an_exact_gaussian(sigma: float) -> None:
    image = load("rocket.jpg")
    if sigma > 100:  # the exact reference is slow at this sigma: a half-size copy keeps the test quick
        image = image.resize(0.5).copy_memory()
    exact = np.asarray((image.gaussblur(sigma, precision="float", min_ampl=0.005) + 0.5).cast("uchar").numpy())
    fast = np.asarray(blur.gaussian(image, sigma).numpy())
    diff = np.abs(fast.astype(int) - exact)
    assert diff.max() <= 3 and diff.mean() < 0.6


def test_blur_runs_after_sizing_in_output_pixels() -> None:
    data = fixture("rocket.jpg").read_bytes()
    sized = decode(render(data, parse_query("w=320&fm=png")).data)
    out = decode(render(data, parse_query("w=320&blur=40&fm=png")).data).astype(np.float64)
    assert out.shape == sized.shape == (214, 320, 3)
    after = np.asarray(vips.from_numpy(sized).gaussblur(4.0, precision="float", min_ampl=0.005).numpy())
    assert np.abs(out - after).mean() < 0.6  # sigma 4 in output pixels ...
    before = np.asarray(vips.from_numpy(sized).gaussblur(2.0, precision="float", min_ampl=0.005).numpy())
    assert np.abs(out - before).mean() > 1.5  # ... not sigma 4 in source pixels (2 in output pixels)


def test_px_makes_constant_blocks_with_the_block_mean() -> None:
    src, out = pixels("rocket.jpg"), styled("rocket.jpg", "px=20")
    assert out.shape == src.shape
    for by in range(0, 420, 20):
        for bx in range(0, 640, 20):
            block = out[by : by + 20, bx : bx + 20]
            assert (block == block[0, 0]).all()
            assert np.abs(block[0, 0] - src[by : by + 20, bx : bx + 20].mean(axis=(0, 1))).max() <= 0.5
    edge = out[420:, 620:]  # partial blocks at the borders are constant too
    assert (edge == edge[0, 0]).all()


def test_px_blocks_are_in_output_pixels() -> None:
    data = fixture("rocket.jpg").read_bytes()
    out = decode(render(data, parse_query("w=200&px=10&fm=png")).data)
    assert out.shape == (133, 200, 3)
    blocks = out[:130].reshape(13, 10, 20, 10, 3)
    assert (blocks == blocks[:, :1, :, :1]).all()


def test_halftone_is_dots_that_keep_the_tone() -> None:
    src, out = pixels("coffee_300.png"), styled("coffee_300.png", "htn=60")
    assert mid_tones(src) > 0.5 and mid_tones(out) < 0.25  # mostly ink or paper now
    cell = 3 + 0.09 * 60
    assert np.abs(smoothed(out, cell) - smoothed(src, cell)).mean() < 12  # same tone at the cell scale


def test_sharp_adds_detail_in_proportion() -> None:
    src = pixels("rocket.jpg")
    e0, e50, e100 = (
        hf_energy(src),
        hf_energy(styled("rocket.jpg", "sharp=50")),
        hf_energy(styled("rocket.jpg", "sharp=100")),
    )
    assert e0 * 1.2 < e50 < e100
    assert styled("rocket.jpg", "sharp=0").tolist() == src.tolist()


def test_usm_formula_and_its_negative_is_the_blur() -> None:
    image, src = load("coffee_300.png"), pixels("coffee_300.png")
    blurred = np.asarray(image.gaussblur(3.0, precision="integer", min_ampl=0.01).numpy()).astype(np.float64)
    out = styled("coffee_300.png", "usm=80&usmrad=3")
    assert np.abs(out - np.clip(src + 0.8 * (src - blurred), 0, 255)).max() <= 1.0
    assert np.abs(styled("coffee_300.png", "usm=-100&usmrad=3") - blurred).max() <= 1.0
    assert hf_energy(styled("coffee_300.png", "usm=100")) > 1.5 * hf_energy(src)  # usmrad default 2.5


def test_nr_smooths_noise_in_flat_areas_and_keeps_edges() -> None:
    rng = np.random.default_rng(7)
    src = pixels("rocket.jpg")
    noisy = np.clip(src + rng.normal(0, 4, src.shape), 0, 255).astype(np.uint8)
    image = vips.from_numpy(noisy).copy(interpretation="srgb")
    out = np.asarray(stylize.apply(image, parse_query("nr=100&nrs=0")).numpy()).astype(np.float64)
    sky = (slice(20, 120), slice(220, 280))  # flat dark-blue sky
    assert (out[sky] - src[sky]).std() < 0.6 * (noisy[sky] - src[sky]).std()
    tower = (slice(200, 400), slice(0, 90))  # lattice edges, far above the threshold
    assert hf_energy(out[tower]) > 0.8 * hf_energy(src[tower])
    sharpened = np.asarray(stylize.apply(image, parse_query("nr=0&nrs=100")).numpy()).astype(np.float64)
    assert hf_energy(sharpened) > 1.5 * hf_energy(noisy.astype(np.float64))
    # nrs alone defaults nr to 20 (a 5-level threshold): differs from no noise reduction at all
    assert np.abs(np.asarray(stylize.apply(image, parse_query("nrs=20")).numpy()) - noisy).mean() > 0.5


@pytest.mark.parametrize("query", ["sharp=80", "usm=60&usmrad=4", "nr=60&nrs=40", "htn=40"])
def test_colour_filters_keep_alpha(query: str) -> None:
    src = np.asarray(load("logo.png").numpy())
    out = np.asarray(stylize.apply(load("logo.png"), parse_query(query)).numpy())
    np.testing.assert_array_equal(out[..., 3], src[..., 3])
    assert np.abs(out[..., :3].astype(int) - src[..., :3]).mean() > 0.5


@pytest.mark.parametrize("query", ["blur=80", "px=12"])
def test_spatial_filters_are_premultiplied(query: str) -> None:
    src = np.asarray(load("logo.png").numpy()).astype(np.float64)
    out = np.asarray(stylize.apply(load("logo.png"), parse_query(query)).numpy()).astype(np.float64)
    assert out.shape == src.shape
    # alpha is filtered with the colour, so the coverage (mean alpha) is kept ...
    assert out[..., 3].mean() == pytest.approx(src[..., 3].mean(), abs=1.0)
    # ... and transparent pixels lend no colour: the premultiplied colour mean is kept too
    assert premultiplied_mean(out) == pytest.approx(premultiplied_mean(src), rel=0.02)


@pytest.mark.parametrize(
    ("given", "clamped"),
    [("blur=5000", "blur=2000"), ("px=500", "px=100"), ("htn=300", "htn=100"), ("sharp=400", "sharp=100"),
     ("usm=-900", "usm=-100")],
)  # fmt: skip
def test_out_of_range_values_clamp(given: str, clamped: str) -> None:
    np.testing.assert_array_equal(styled("coffee_300.png", given), styled("coffee_300.png", clamped))
