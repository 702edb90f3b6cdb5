"""``mask=ellipse|corners|<image>``, ``corner-radius``, ``mask-bg`` (spec 2.8)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers import EXAMPLES, decode, mad
from imgworker.render import vips
from imgworker.render.errors import BadRequest
from imgworker.render.ops.faces import find_faces
from imgworker.render.ops.mask import circular, fit_radii
from imgworker.render.overlays import OverlayFetcher
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render
from imgworker.render.sources import Origin
from imgworker.storage.local import LocalFolderStore

Array = np.ndarray[Any, Any]
# The original Adobe tutorial's second AEM rendition
AEM_RENDITION = "fit=crop&crop=faces,entropy&w=300&h=300&fm=png&mask=ellipse"


@cache
def _astronaut() -> bytes:
    return (EXAMPLES / "astronaut.png").read_bytes()  # 512x512 RGB, one frontal face (NASA, public domain)


def _out(query: str, overlays: OverlayFetcher | None = None) -> Array:
    data = render(_astronaut(), parse_query(query), overlays=overlays).data
    return decode(data, flatten=False).astype(int)


def test_aem_ellipse_rendition() -> None:
    out = _out(AEM_RENDITION)
    assert out.shape == (300, 300, 4)
    for y, x in ((0, 0), (0, 299), (299, 299), (299, 0), (20, 20), (279, 279)):
        assert out[y, x, 3] == 0
    assert out[150, 150, 3] == 255
    assert np.all(out[3:297, 150, 3] == 255) and np.all(out[150, 3:297, 3] == 255)  # touches the edges
    # inside the ellipse the pixels are those of the unmasked rendition
    plain = decode(render(_astronaut(), parse_query(AEM_RENDITION.replace("&mask=ellipse", ""))).data).astype(int)
    yy, xx = np.mgrid[0:300, 0:300]
    inside = ((xx + 0.5 - 150) / 150) ** 2 + ((yy + 0.5 - 150) / 150) ** 2 < 0.95
    assert np.all(out[inside][:, 3] == 255)
    assert mad(out[inside][:, :3], plain[inside]) < 0.5
    # the face is found in the masked rendition and lies inside the opaque ellipse
    faces = find_faces(vips.from_numpy(out[:, :, :3].astype(np.uint8)).copy(interpretation="srgb"))
    assert faces, "no face visible in the masked rendition"
    f = faces[0]
    assert np.all(out[int(f.y) : int(f.y + f.h), int(f.x) : int(f.x + f.w), 3] == 255)


def test_ellipse_on_a_rectangle_is_an_oval() -> None:
    out = _out("w=300&h=150&fit=crop&mask=ellipse&fm=png")
    assert out.shape == (150, 300, 4)
    assert out[75, 2, 3] == 255 and out[2, 150, 3] == 255  # touches the left and top edges
    assert out[10, 40, 3] == 0  # outside the oval, inside a 150 px circle's box


def test_ellipse_in_jpeg_is_white_outside() -> None:
    out = decode(render(_astronaut(), parse_query("w=200&mask=ellipse&fm=jpg&q=100&chromasub=444")).data).astype(int)
    assert out.shape == (200, 200, 3)
    assert out[:8, :8].min() >= 250 and out[-8:, -8:].min() >= 250


def test_mask_bg_wins_over_bg() -> None:
    query = "w=200&mask=ellipse&mask-bg=0000ff&bg=ff0000&fm=jpg&q=100&chromasub=444"
    out = decode(render(_astronaut(), parse_query(query)).data).astype(int)
    assert np.all(np.abs(out[:6, :6] - [0, 0, 255]) <= 4)
    png = _out("w=200&mask=ellipse&mask-bg=00ff00&fm=png")
    assert np.all(png[0, 0] == [0, 255, 0, 255])


def test_bg_shows_without_mask_bg() -> None:
    out = decode(render(_astronaut(), parse_query("w=200&mask=ellipse&bg=ff0000&fm=png")).data).astype(int)
    assert np.all(out[0, 0] == [255, 0, 0])


def test_corners_default_radius_is_20_percent() -> None:
    out = _out("w=300&h=200&fit=crop&mask=corners&fm=png")  # radius 40
    assert out.shape == (200, 300, 4)
    for y, x in ((0, 0), (5, 5), (0, 299), (194, 294), (199, 0)):
        assert out[y, x, 3] == 0
    assert out[0, 45, 3] >= 250 and out[45, 0, 3] >= 250  # the straight edges are kept
    assert np.all(out[15:185, 15:285, 3] == 255)


def test_corner_radius_one_and_four_values() -> None:
    small = _out("w=200&mask=corners&corner-radius=10&fm=png")
    assert small[1, 1, 3] == 0 and small[5, 5, 3] == 255
    four = _out("w=200&mask=corners&corner-radius=0,60,0,60&fm=png")  # TL, TR, BR, BL
    assert four[0, 0, 3] == 255 and four[199, 199, 3] == 255
    assert four[0, 199, 3] == 0 and four[199, 0, 3] == 0
    assert four[10, 189, 3] == 0  # inside the 60 px corner's cut


def test_fit_radii_scales_overlapping_corners() -> None:
    radii = fit_radii(100, 50, circular([40, 40, 40, 40]))  # 40 + 40 > 50 on the short sides
    assert radii[0] == pytest.approx((25.0, 25.0))
    assert fit_radii(100, 100, circular([10, 0, 20, 0])) == circular([10, 0, 20, 0])


def _mask_png(array: Array) -> bytes:
    return bytes(vips.save(vips.from_numpy(array.astype(np.uint8)), ".png"))


def test_image_mask_luminance_times_alpha_stretched(tmp_path: Path) -> None:
    rgb = np.zeros((4, 8, 3))
    rgb[:, :4] = 255  # left half white (visible), right half black (hidden)
    (tmp_path / "half.png").write_bytes(_mask_png(rgb))
    rgba = np.full((4, 4, 4), 255)
    rgba[:, :, 3] = 128  # white at half alpha: half visible
    (tmp_path / "semi.png").write_bytes(_mask_png(rgba))
    fetcher = OverlayFetcher(Origin(LocalFolderStore(tmp_path)))
    out = _out("w=200&h=100&fit=crop&mask=/half.png&fm=png", fetcher)
    assert out.shape == (100, 200, 4)
    assert np.all(out[:, :85, 3] == 255) and np.all(out[:, 115:, 3] == 0)  # bilinear stretch x25
    semi = _out("w=100&mask=semi.png&fm=png", fetcher)
    assert np.all(np.abs(semi[:, :, 3] - 128) <= 1)


def test_image_mask_without_overlay_source_is_400() -> None:
    with pytest.raises(BadRequest) as info:
        render(_astronaut(), parse_query("w=100&mask=/m.png"))
    assert "mask" in str(info.value)
