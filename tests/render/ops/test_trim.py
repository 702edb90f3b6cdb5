"""``trim`` (+ ``trim-color``, ``trim-md``, ``trim-sd``, ``trim-tol``, ``trim-alpha``, ``trim-pad``).

The test images are a real photo (chelsea.png, 451x300, CC0) framed in memory by a border of known
size and colour, so the trimmed size is known exactly.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from helpers import EXAMPLES, decode, mad, size_of
from imgworker.render import vips
from imgworker.render.ops.trim import padded
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

Array = np.ndarray[Any, Any]
BLUE = (30, 60, 200)
LEFT, TOP, RIGHT, BOTTOM = 37, 23, 50, 11
W, H = 451, 300


@cache
def _photo() -> Array:
    return decode((EXAMPLES / "chelsea.png").read_bytes())  # (300, 451, 3)


def _framed(colour: tuple[int, ...] = BLUE, noise: Array | None = None) -> Array:
    canvas = np.empty((H + TOP + BOTTOM, W + LEFT + RIGHT, len(colour)), dtype=np.int16)
    canvas[:] = colour
    if noise is not None:
        canvas += noise
    photo = _photo()
    if len(colour) == 4:
        photo = np.dstack([photo, np.full(photo.shape[:2], 255)])
    canvas[TOP : TOP + H, LEFT : LEFT + W] = photo
    return np.clip(canvas, 0, 255).astype(np.uint8)


def _encode(array: Array, suffix: str = ".png", **options: Any) -> bytes:
    image = vips.from_numpy(array).copy(interpretation="srgb")
    return bytes(vips.save(image, suffix, **options))


@cache
def _framed_png() -> bytes:
    return _encode(_framed())


def _render(data: bytes, query: str) -> bytes:
    return render(data, parse_query(query)).data


def test_auto_trims_a_uniform_border_exactly() -> None:
    out = _render(_framed_png(), "trim=auto&fm=png")
    assert size_of(out) == (W, H)
    assert mad(decode(out), _photo()) == 0.0


def test_trim_runs_before_sizing() -> None:
    assert size_of(_render(_framed_png(), "trim=auto&w=200&fm=png")) == (200, 133)  # 451x300 -> w=200
    assert size_of(_render(_framed_png(), "w=200&fm=png")) == (200, 124)  # untrimmed 538x334


def test_auto_on_jpeg() -> None:
    data = _encode(_framed(), ".jpg", Q=90)
    w, h = size_of(_render(data, "trim=auto&fm=png"))
    assert abs(w - W) <= 2 and abs(h - H) <= 2


def test_auto_thresholds_md_and_sd() -> None:
    noise = np.zeros((H + TOP + BOTTOM, W + LEFT + RIGHT, 3), dtype=np.int16)
    noise[:, ::2] = 8  # every other column +8, the rest -8, on all channels: md 8, grey sd 8
    noise[:, 1::2] = -8
    for y, x in ((0, 0), (0, -1), (-1, -1), (-1, 0)):
        noise[y, x] = 0  # corners exact: they agree on the border colour
    data = _encode(_framed(noise=noise))
    assert size_of(_render(data, "trim=auto&fm=png")) == (W, H)  # defaults md 11, sd 10
    assert size_of(_render(data, "trim=auto&trim-md=5&fm=png")) == (W + LEFT + RIGHT, H + TOP + BOTTOM)
    # rows alternate (grey sd 8 > 5: kept); each column is uniform (sd 0, md 8 <= 11: trimmed)
    assert size_of(_render(data, "trim=auto&trim-sd=5&fm=png")) == (W, H + TOP + BOTTOM)


def test_auto_leaves_a_photo_without_border() -> None:
    data = _encode(_photo())
    assert size_of(_render(data, "trim=auto&fm=png")) == (W, H)


def test_color_mode() -> None:
    assert size_of(_render(_framed_png(), "trim=color&trim-color=1e3cc8&fm=png")) == (W, H)
    assert size_of(_render(_framed_png(), "trim=color&fm=png")) == (W, H)  # top-left pixel
    full = (W + LEFT + RIGHT, H + TOP + BOTTOM)
    assert size_of(_render(_framed_png(), "trim=color&trim-color=fff&fm=png")) == full


def test_color_tolerance() -> None:
    rng = np.random.default_rng(7)
    noise = rng.integers(-3, 4, size=(H + TOP + BOTTOM, W + LEFT + RIGHT, 3)).astype(np.int16)
    data = _encode(_framed(noise=noise))
    full = (W + LEFT + RIGHT, H + TOP + BOTTOM)
    assert size_of(_render(data, "trim=color&trim-color=1e3cc8&fm=png")) == full
    assert size_of(_render(data, "trim=color&trim-color=1e3cc8&trim-tol=3&fm=png")) == (W, H)


def test_alpha_modes() -> None:
    data = _encode(_framed(colour=(255, 255, 255, 0)))
    assert size_of(_render(data, "trim=alpha&fm=png")) == (W, H)
    assert size_of(_render(data, "trim=colorunlessalpha&fm=png")) == (W, H)
    assert size_of(_render(data, "trim=color&trim-color=000&fm=png")) == (W, H)  # transparency first
    half = _encode(_framed(colour=(255, 255, 255, 100)))
    full = (W + LEFT + RIGHT, H + TOP + BOTTOM)
    assert size_of(_render(half, "trim=alpha&fm=png")) == full
    assert size_of(_render(half, "trim=alpha&trim-alpha=100&fm=png")) == (W, H)
    assert size_of(_render(_framed_png(), "trim=alpha&fm=png")) == full  # no alpha: nothing to trim


def test_trim_pad() -> None:
    assert size_of(_render(_framed_png(), "trim=auto&trim-pad=5&fm=png")) == (W + 10, H + 10)
    out = _render(_framed_png(), "trim=auto&trim-pad=-5&fm=png")
    assert size_of(out) == (W - 10, H - 10)
    assert mad(decode(out), _photo()[5:-5, 5:-5]) == 0.0
    # grows only as far as the border goes (bottom border is 11 px)
    assert size_of(_render(_framed_png(), "trim=auto&trim-pad=20&fm=png")) == (W + 40, H + 20 + 11)


def test_trim_inside_rect() -> None:
    out = _render(_framed_png(), "rect=0,0,300,200&trim=auto&fm=png")
    assert size_of(out) == (300 - LEFT, 200 - TOP)
    assert mad(decode(out), _photo()[: 200 - TOP, : 300 - LEFT]) == 0.0


def test_uniform_image_is_left_alone() -> None:
    data = _encode(np.full((40, 60, 3), 128, dtype=np.uint8))
    assert size_of(_render(data, "trim=auto&fm=png")) == (60, 40)
    assert size_of(_render(data, "trim=color&fm=png")) == (60, 40)


def test_padded_bounds() -> None:
    assert padded((10, 10, 20, 20), 5, 100, 100) == (5, 5, 25, 25)
    assert padded((10, 10, 20, 20), 50, 100, 30) == (0, 0, 70, 30)
    assert padded((10, 10, 12, 12), -5, 100, 100) == (11, 11, 12, 12)


@pytest.mark.parametrize(("query", "expected_shrink"), [("w=100", 4), ("w=100&trim=auto", 1)])
def test_trim_disables_shrink_on_load(monkeypatch: pytest.MonkeyPatch, query: str, expected_shrink: int) -> None:
    big = _encode(np.kron(_framed(), np.ones((2, 2, 1), dtype=np.uint8)), ".jpg", Q=90)  # 1076x668
    seen: list[int] = []
    load = vips.load

    def spy(data: bytes, info: Any, **kwargs: Any) -> Any:
        seen.append(int(kwargs.get("shrink", 1)))
        return load(data, info, **kwargs)

    monkeypatch.setattr(vips, "load", spy)  # the module object pipeline calls
    out = _render(big, query + "&fm=png")
    assert seen == [expected_shrink]
    expected = (100, 67) if "trim" in query else (100, 62)  # 902x600 trimmed vs 1076x668
    assert size_of(out) == expected


def test_animation_frames_share_the_first_frames_box() -> None:
    first = _framed()[::4, ::4]  # 135x84, border 10/6/12/3 px
    dotted = first.copy()
    dotted[1:3, 1:3] = (255, 0, 0)  # trimmed on its own, this frame would keep its whole border
    dotted[40:50, 60:70] = 0  # and a change inside, so the GIF writer keeps it as its own frame
    frames = [vips.from_numpy(a).copy(interpretation="srgb") for a in (first, dotted, first)]
    strip = frames[0].join(frames[1], "vertical").join(frames[2], "vertical")
    data = bytes(vips.save(vips.set_int(strip, "page-height", first.shape[0]), ".gif"))
    image = vips.from_buffer(render(data, parse_query("trim=auto&fm=gif")).data, n=-1)
    page_height = int(image.get("page-height"))
    assert image.height // page_height == 3
    ys, xs = np.nonzero((first != first[0, 0]).any(axis=2))
    assert (image.width, page_height) == (xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    pages = vips.to_numpy(image.colourspace("srgb")).astype(int)[:, :, :3].reshape(3, page_height, image.width, 3)
    expected = first[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    for got, want in ((pages[0], expected), (pages[1][45:], expected[45:]), (pages[2], expected)):
        assert mad(got, want) < 3  # the same crop on every frame (frame 2 below its patch; GIF palette error)
