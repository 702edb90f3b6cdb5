"""Every fit mode on a real photo: exact output dimensions, and the pixels are the photo's."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import EXAMPLES, decode, mad, size_of
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

ROCKET = (EXAMPLES.parent.parent / "tests" / "fixtures" / "rocket.jpg").read_bytes()  # 640x427
CHELSEA = (EXAMPLES / "chelsea.png").read_bytes()  # 451x300


def _render(data: bytes, query: str) -> bytes:
    return render(data, parse_query(query)).data


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("w=320", (320, 214)),
        ("h=200", (300, 200)),
        ("w=320&h=320", (320, 214)),
        ("w=0.5", (320, 214)),
        ("h=0.5&w=0.25", (160, 107)),
        ("w=160&dpr=2", (320, 214)),
        ("w=320&h=320&fit=clip", (320, 214)),
        ("w=1280&fit=clip", (1280, 854)),
        ("w=1280&fit=max", (640, 427)),
        ("w=320&h=320&fit=max", (320, 214)),
        ("w=320&h=320&fit=crop", (320, 320)),
        ("w=320&h=100&fit=crop&dpr=1.5", (480, 150)),
        ("w=320&h=320&fit=scale", (320, 320)),
        ("w=320&h=320&fit=min", (320, 320)),
        ("w=1000&h=1000&fit=min", (427, 427)),
        ("w=320&h=320&fit=fill", (320, 320)),
        ("w=1000&h=1000&fit=fillmax", (1000, 1000)),
        ("w=320&h=320&fit=clamp", (320, 320)),
        ("w=320&h=320&fit=facearea", (320, 320)),
        ("rect=100,50,200,100&w=100", (100, 50)),
        ("ar=1:1&fit=crop", (427, 427)),
    ],
)
def test_fit_modes_exact_dimensions(query: str, expected: tuple[int, int]) -> None:
    assert size_of(_render(ROCKET, query)) == expected


def test_clip_output_is_the_downscaled_photo() -> None:
    # a clip render equals a plain libvips resize of the photo, within JPEG noise
    import pyvips

    out = decode(_render(CHELSEA, "w=225&fm=png"))
    ref = np.asarray(pyvips.Image.new_from_buffer(CHELSEA, "").resize(225 / 451).numpy())[:, :, :3]
    assert out.shape == (150, 225, 3)
    assert mad(out, ref[: out.shape[0], : out.shape[1]]) < 2.0


def test_crop_anchors_pick_the_right_side() -> None:
    full = decode(_render(CHELSEA, "h=100&fm=png"))  # 150x100 whole image
    left = decode(_render(CHELSEA, "w=100&h=100&fit=crop&crop=left&fm=png"))
    right = decode(_render(CHELSEA, "w=100&h=100&fit=crop&crop=right&fm=png"))
    assert mad(left, full[:, :100]) < 3.0
    assert mad(right, full[:, -100:]) < 3.0
    assert mad(left, right) > 10.0


def test_fill_pads_with_fill_color_and_keeps_the_photo_centred() -> None:
    out = decode(_render(ROCKET, "w=400&h=400&fit=fill&fill-color=ff0000&fm=png"))
    assert out.shape == (400, 400, 3)
    assert tuple(out[5, 200]) == (255, 0, 0) and tuple(out[395, 200]) == (255, 0, 0)
    middle = decode(_render(ROCKET, "w=400&fm=png"))  # 400x267 content
    top = (400 - 267) // 2
    assert mad(out[top : top + 267], middle) < 2.0


def test_clamp_extends_edge_pixels() -> None:
    out = decode(_render(ROCKET, "w=400&h=400&fit=clamp&fm=png"))
    top = (400 - 267) // 2
    assert np.abs(out[0].astype(int) - out[top].astype(int)).mean() < 1.0


def test_faces_crop_keeps_the_face_inside() -> None:
    astronaut = (EXAMPLES / "astronaut.png").read_bytes()  # face around x 170-240, y 60-160 of 512
    out = decode(_render(astronaut, "w=100&h=200&fit=crop&crop=faces&fm=png"))
    ref = decode(_render(astronaut, "h=200&fm=png"))  # 200x200 whole image
    # the 100-wide window must be the one around the face (x of the face centre ~ 205/512*200 = 80)
    best = min(range(0, 101), key=lambda x: mad(out, ref[:, x : x + 100]))
    assert 30 <= best <= 60, best


def test_no_analysis_when_the_window_is_the_whole_image(monkeypatch: pytest.MonkeyPatch) -> None:
    """A square photo cropped to a square: every ``crop`` value gives the whole image, so neither
    faces nor entropy are analysed (and the output is the plain resize)."""
    import imgworker.render.state as state

    calls: list[int] = []
    real = state.find_faces
    monkeypatch.setattr(state, "find_faces", lambda image: calls.append(1) or real(image))
    astronaut = (EXAMPLES / "astronaut.png").read_bytes()  # 512x512
    plain = decode(_render(astronaut, "w=200&h=200&fit=crop&fm=png"))
    for crop in ("faces", "faces,entropy", "edges"):
        out = decode(_render(astronaut, f"w=200&h=200&fit=crop&crop={crop}&fm=png"))
        assert out.shape == (200, 200, 3) and mad(out, plain) == 0
    assert calls == []
    _render(astronaut, "w=100&h=200&fit=crop&crop=faces&fm=png")  # a window that can move: detected
    assert calls == [1]


def test_fp_debug_draws_a_crosshair_at_the_focal_point() -> None:
    """rocket.jpg 640x427 -> 200x200 window 427x427 at x=0 (focal x 192 of 640 clamped), so the
    focal point lands at (192 * 200/427, 213.5 * 200/427) = (90, 100) of the output."""
    query = "w=200&h=200&fit=crop&crop=focalpoint&fp-x=0.3&fp-y=0.5&fm=png"
    plain = decode(_render(ROCKET, query)).astype(int)
    debug = decode(_render(ROCKET, query + "&fp-debug=1")).astype(int)
    red = (debug[:, :, 0] > 200) & (debug[:, :, 1] < 60) & (debug[:, :, 2] < 60)
    assert red[:, 90].all() and red[100, :].all()  # full-span lines through (90, 100)
    changed = np.abs(debug - plain).sum(axis=2) > 0
    assert changed.mean() < 0.08  # lines and a ring, the photo stays visible
    far = changed.copy()
    far[95:106, :] = False
    far[:, 85:96] = False
    ys, xs = np.nonzero(far)
    assert (np.hypot(xs - 90, ys - 100) < 20).all()  # the only other marks: the ring around the point
    # fp-debug only marks a focal-point crop
    assert mad(decode(_render(ROCKET, "w=200&h=200&fit=crop&fp-debug=1&fm=png")),
               decode(_render(ROCKET, "w=200&h=200&fit=crop&fm=png"))) == 0  # fmt: skip
