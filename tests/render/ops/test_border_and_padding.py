"""``pad*`` and ``border*``: planned sizes (spec 2.8) and the pixels of pads and borders."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from helpers import EXAMPLES, decode, fixture, mad
from imgworker.render.ops.geometry import MAX_SIDE, border_sides, pad_sides, plan_size
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

Array = np.ndarray[Any, Any]


@cache
def _astronaut() -> bytes:
    return (EXAMPLES / "astronaut.png").read_bytes()  # 512x512 RGB, public domain (NASA)


def _rgba(data: bytes, query: str) -> Array:
    return decode(render(data, parse_query(query)).data, flatten=False).astype(int)


def _rgb(data: bytes, query: str) -> Array:
    return decode(render(data, parse_query(query)).data).astype(int)


def _output(query: str, w: int = 300, h: int = 200) -> tuple[int, int]:
    return plan_size(parse_query(query), w, h).output


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pad=10", (320, 220)),  # no w/h: the pads add to the image
        ("pad=10&pad-left=30&pad-bottom=0", (340, 210)),  # per-side overrides
        ("pad-top=7", (300, 207)),  # a side alone
        ("w=100&h=100&pad=10", (100, 73)),  # clip into 80x80: 80x53 + pads
        ("w=300&h=100&fit=crop&pad=10", (300, 100)),  # content 280x80
        ("w=400&h=400&fit=fill&pad=10", (400, 400)),  # canvas 380x380
        ("w=150&pad=10", (150, 107)),  # width kept, height follows the content (130x87) + pads
        ("w=280&ar=2:1&fit=crop&pad=10", (280, 140)),  # ar sets the outer box
        ("border=5,000000", (310, 210)),
        ("border=5,000000&border-left=0&border-top=20&border-bottom=1", (305, 221)),
        ("w=100&h=100&fit=crop&pad=10&border=5,red", (100, 100)),  # content 70x70
        ("border-top=9", (300, 200)),  # border-* needs border
    ],
)
def test_planned_output_size(query: str, expected: tuple[int, int]) -> None:
    assert _output(query) == expected


def test_content_is_planned_inside_the_pads() -> None:
    plan = plan_size(parse_query("w=300&h=100&fit=crop&pad=10&border=5,000"), 300, 200)
    assert plan.content == (270, 70)
    assert plan.pad == (10, 10, 10, 10)
    assert plan.border == (5, 5, 5, 5)


def test_sides_parse_and_clamp() -> None:
    assert pad_sides(parse_query("pad=4&pad-right=9")) == (4, 4, 9, 4)
    assert border_sides(parse_query("border=300,fff")) == (100, 100, 100, 100)  # suggested range 1..100
    assert border_sides(parse_query("pad=3")) == (0, 0, 0, 0)


def test_8192_cap_keeps_pads() -> None:
    plan = plan_size(parse_query("pad=50"), 9000, 100)
    assert plan.output[0] == MAX_SIDE
    assert plan.pad == (50, 50, 50, 50)
    assert plan_size(parse_query("w=8192&pad=100"), 1000, 1000).output == (8192, 8192)


def test_pad_is_transparent_in_png_and_white_in_jpeg() -> None:
    png = _rgba(_astronaut(), "w=200&pad=12&fm=png")  # the padded image fits in w=200: content 176
    assert png.shape == (200, 200, 4)
    assert np.all(png[:12, :, 3] == 0) and np.all(png[-12:, :, 3] == 0)
    assert np.all(png[:, :12, 3] == 0) and np.all(png[:, -12:, 3] == 0)
    assert np.all(png[12:-12, 12:-12, 3] == 255)
    jpg = _rgb(_astronaut(), "w=200&pad=12&fm=jpg&q=100&chromasub=444")
    assert jpg.shape == (200, 200, 3)
    assert jpg[:10].min() >= 250 and jpg[:, :10].min() >= 250


def test_pad_uses_bg_and_content_is_unchanged() -> None:
    padded = _rgb(_astronaut(), "w=200&h=200&fit=crop&pad-left=30&pad-top=10&bg=ff0000&fm=png")
    assert padded.shape == (200, 200, 3)
    assert np.all(padded[:10, :] == [255, 0, 0]) and np.all(padded[:, :30] == [255, 0, 0])
    plain = _rgb(_astronaut(), "w=170&h=190&fit=crop&fm=png")
    assert mad(padded[10:, 30:], plain) < 0.5


def test_border_colour_and_content() -> None:
    out = _rgb(_astronaut(), "w=200&border=6,00ff00&fm=png")
    assert out.shape == (200, 200, 3)
    frame = np.concatenate([out[:6].reshape(-1, 3), out[-6:].reshape(-1, 3), out[:, :6].reshape(-1, 3)])
    assert np.all(frame == [0, 255, 0])
    plain = _rgb(_astronaut(), "w=188&fm=png")
    assert mad(out[6:-6, 6:-6], plain) < 0.5


def test_border_sides_in_jpeg() -> None:
    out = _rgb(_astronaut(), "w=200&border=4,0000ff&border-top=20&border-right=0&fm=jpg&q=100&chromasub=444")
    assert out.shape == (220, 200, 3)  # content 196x196, +20 top +4 bottom, +4 left
    assert np.all(np.abs(out[:18, 10:-10] - [0, 0, 255]) <= 4)
    assert np.all(np.abs(out[30:-30, 0:3] - [0, 0, 255]) <= 8)
    assert np.abs(out[30:-30, -3:] - [0, 0, 255]).mean() > 60  # no border on the right


def test_border_radius_cuts_outer_corners_and_rounds_the_image() -> None:
    out = _rgba(_astronaut(), "w=200&border=10,00ff00&border-radius=40&fm=png")
    assert out.shape == (200, 200, 4)
    for y, x in ((0, 0), (0, 199), (199, 199), (199, 0), (4, 4)):
        assert out[y, x, 3] == 0
    assert np.all(np.abs(out[2, 60:140] - [0, 255, 0, 255]) <= 1)  # straight part of the border
    # CSS inner radius 40 - 10 = 30: the image's own corner is border-coloured
    assert np.all(np.abs(out[12, 12] - [0, 255, 0, 255]) <= 1)
    assert np.all(out[20:180, 20:180, 3] == 255)
    plain = _rgb(_astronaut(), "w=180&fm=png")
    assert mad(out[60:140, 60:140, :3], plain[50:130, 50:130]) < 0.5


def test_border_radius_inner_zero_keeps_square_image_corners() -> None:
    out = _rgba(_astronaut(), "w=200&border=10,00ff00&border-radius=20&border-radius-inner=0&fm=png")
    plain = _rgb(_astronaut(), "w=180&fm=png")
    assert out[10, 10, 3] == 255
    assert np.all(np.abs(out[10, 10, :3] - plain[0, 0]) <= 1)  # the image corner pixel itself
    assert out[0, 0, 3] == 0


def test_border_around_transparency_does_not_show_through() -> None:
    halo = fixture("halo.png").read_bytes()  # 400x400: white disc on transparent black
    out = _rgba(halo, "w=100&border=5,ff0000&border-radius=10&fm=png")
    plain = _rgba(halo, "w=90&fm=png")
    inside = out[5:-5, 5:-5, 3]
    clear = plain[:, :, 3] == 0
    for y, x in ((0, 0), (0, -6), (-6, -6), (-6, 0)):  # inner corners (radius 10 - 5) are border
        clear[y : y + 6 or None, x : x + 6 or None] = False
    assert clear.sum() > 500
    assert np.all(inside[clear] == 0)
    assert np.all(np.abs(out[2, 20:80] - [255, 0, 0, 255]) <= 1)


@pytest.mark.parametrize(
    ("query", "size"),
    [("pad=100&w=100", (100, 99)), ("border=50,f00&w=80", (80, 79)), ("pad=60&w=100&h=100&fit=crop", (100, 100))],
)
def test_a_frame_wider_than_the_box_is_scaled_into_it(query: str, size: tuple[int, int]) -> None:
    from helpers import fixture

    out = render(fixture("rocket.jpg").read_bytes(), parse_query(query + "&fm=png"))
    assert (out.width, out.height) == size
