"""``bg`` and alpha: field case A07 (transparent PNG to JPEG), and transparency kept for PNG."""

from __future__ import annotations

import numpy as np

from helpers import decode, fixture, loader_of
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

TRANSPARENT = fixture("SH_full-transparent.png").read_bytes()  # 300x300, alpha 0, hidden RGB (71,112,76)
HALO = fixture("halo.png").read_bytes()  # 400x400: white disc on transparent black (A25 probe)


def _render(data: bytes, query: str) -> bytes:
    return render(data, parse_query(query)).data


def test_jpeg_of_transparent_source_is_white() -> None:
    out = decode(_render(TRANSPARENT, "fm=jpg"))
    assert out.min() >= 250


def test_jpeg_with_bg_red() -> None:
    out = decode(_render(TRANSPARENT, "fm=jpg&bg=ff0000")).astype(int)
    assert np.all(np.abs(out - np.array([255, 0, 0])) <= 6)


def test_jpeg_with_translucent_bg_is_opaque() -> None:
    data = _render(TRANSPARENT, "fm=jpg&bg=80ff0000")
    assert loader_of(data).startswith("jpegload")
    out = decode(data).astype(int)
    # half-transparent red over white
    assert np.all(np.abs(out - np.array([255, 127, 127])) <= 8)


def test_png_keeps_transparency_and_bg_fills_it() -> None:
    import pyvips

    kept = pyvips.Image.new_from_buffer(_render(HALO, "w=100&fm=png"), "")
    assert kept.hasalpha() and kept.extract_band(3).min() == 0
    filled = pyvips.Image.new_from_buffer(_render(HALO, "w=100&fm=png&bg=00ff00"), "")
    assert not filled.hasalpha() or filled.extract_band(3).min() == 255
    corner = decode(_render(HALO, "w=100&fm=png&bg=00ff00"))[0, 0]
    assert tuple(corner) == (0, 255, 0)


def test_transparency_grid_draws_a_checkerboard_behind_transparent_pixels() -> None:
    out = decode(_render(TRANSPARENT, "transparency=grid&fm=png")).astype(int)  # default 4 px, D0D7DD/white
    assert out.shape[2] in (3, 4) and (out.shape[2] == 3 or (out[..., 3] == 255).all())
    assert list(out[0, 0, :3]) == [0xD0, 0xD7, 0xDD] and list(out[0, 4, :3]) == [255, 255, 255]
    assert list(out[4, 4, :3]) == [0xD0, 0xD7, 0xDD] and list(out[5, 3, :3]) == [255, 255, 255]
    custom = decode(_render(TRANSPARENT, "transparency=grid&grid-size=10&grid-colors=ff0000,0000ff&fm=png"))
    assert custom[5, 5, 0] > 240 and custom[5, 15, 2] > 240 and custom[15, 15, 0] > 240
    # opaque pixels are left as they are
    photo = fixture("rocket.jpg").read_bytes()
    assert np.array_equal(
        decode(_render(photo, "w=100&transparency=grid&fm=png")), decode(_render(photo, "w=100&fm=png"))
    )
