"""gradient.py: fill=gradient paints the fit=fill padding, linear or radial, in the chosen colour space."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import decode, fixture
from imgworker.render.ops import gradient
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

ROCKET = fixture("rocket.jpg").read_bytes()  # 640x427: a 300x300 fill pads 50 px above and below
FILL = "w=300&h=300&fit=fill&fill=gradient&fm=png"


def _png(query: str) -> np.ndarray:
    return decode(render(ROCKET, parse_query(f"{FILL}&{query}")).data).astype(int)


def test_linear_runs_from_the_first_side_to_the_second() -> None:
    down = _png("fill-gradient-linear=ff0000,0000ff")  # default direction top,bottom
    assert np.abs(down[0, 150] - [255, 0, 0]).max() <= 2 and np.abs(down[299, 150] - [0, 0, 255]).max() <= 2
    assert (down[0] == down[0, 0]).all()  # constant along each row
    up = _png("fill-gradient-linear=ff0000,0000ff&fill-gradient-linear-direction=bottom,top")
    assert np.abs(up[299, 150] - [255, 0, 0]).max() <= 2 and np.abs(up[0, 150] - [0, 0, 255]).max() <= 2
    across = _png("fill-gradient-linear=ff0000,0000ff&fill-gradient-linear-direction=left,right")
    assert np.abs(across[10, 0] - [255, 0, 0]).max() <= 2 and np.abs(across[10, 299] - [0, 0, 255]).max() <= 2
    plain = decode(render(ROCKET, parse_query("w=300&h=300&fit=fill&fm=png")).data).astype(int)
    assert np.array_equal(down[60:240], plain[60:240])  # the photo itself is untouched


def test_radial_has_the_first_colour_inside_and_the_second_outside() -> None:
    out = _png("fill-gradient-type=radial&fill-gradient-radial=ffffff,000000&fill-gradient-radial-radius=0.1,0.6")
    assert (out[0, 0] <= 2).all() and (out[299, 299] <= 2).all()  # corners (212 px) beyond 0.6 x 300 px
    top_centre = out[0, 150]  # 150 px from the centre, between 30 and 180 px: grey (t = 0.8)
    assert 20 < top_centre[0] < 235 and top_centre[0] == top_centre[1] == top_centre[2]


def test_default_colours_come_from_the_image() -> None:
    out = _png("fill-gradient-cs=srgb")
    assert np.abs(out[0, 150] - out[299, 150]).sum() > 60  # two different colours, not one solid fill


@pytest.mark.parametrize("space", ["srgb", "linear", "oklab", "hsl", "lch"])
def test_every_space_keeps_the_end_colours(space: str) -> None:
    red, blue = (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)
    assert np.allclose(gradient.mix(red, blue, 0.0, space), red, atol=2e-3)
    assert np.allclose(gradient.mix(red, blue, 1.0, space), blue, atol=2e-3)


def test_spaces_mix_differently() -> None:
    red, blue = (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)
    assert np.allclose(gradient.mix(red, blue, 0.5, "srgb"), (0.5, 0.0, 0.5))
    assert gradient.mix(red, blue, 0.5, "linear")[0] > 0.7  # mixing light, then encoding: brighter
    hsl = gradient.mix(red, blue, 0.5, "hsl")  # hue 0 -> 240 the short way (via 300, magenta)
    assert hsl[0] > 0.9 and hsl[2] > 0.9 and hsl[1] < 0.1
    assert not np.allclose(gradient.mix(red, blue, 0.5, "oklab"), gradient.mix(red, blue, 0.5, "srgb"), atol=0.02)
