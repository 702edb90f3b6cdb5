"""``blend``: colour and image layers, the blend-mode formulas, opacity, image placement and size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers import decode, fixture
from imgworker.render import vips
from imgworker.render.errors import BadRequest
from imgworker.render.ops import blending
from imgworker.render.overlays import OverlayFetcher
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render
from imgworker.render.sources import Origin
from imgworker.storage import LocalFolderStore

Array = np.ndarray[Any, Any]
PHOTO = fixture("rocket.jpg").read_bytes()  # 640x427
COLOUR = np.array([255, 128, 64], dtype=float)


def _out(query: str, data: bytes = PHOTO, overlays: OverlayFetcher | None = None) -> Array:
    return decode(render(data, parse_query(query + "&w=320&fm=png"), overlays=overlays).data).astype(float)


@pytest.fixture(scope="module")
def base() -> Array:
    return _out("")


def test_multiply_with_a_colour(base: Array) -> None:
    out = _out("blend=ff8040&blend-mode=multiply")
    assert out.shape == (214, 320, 3)
    assert np.abs(out - base * COLOUR / 255).max() <= 2


def test_screen_darken_difference(base: Array) -> None:
    assert np.abs(_out("blend=ff8040&blend-mode=screen") - (255 - (255 - base) * (255 - COLOUR) / 255)).max() <= 2
    assert np.abs(_out("blend=ff8040&blend-mode=darken") - np.minimum(base, COLOUR)).max() <= 2
    assert np.abs(_out("blend=ff8040&blend-mode=difference") - np.abs(base - COLOUR)).max() <= 2


def test_default_mode_is_overlay(base: Array) -> None:
    b, c = base / 255, COLOUR / 255
    expected = np.where(b <= 0.5, 2 * b * c, 1 - 2 * (1 - b) * (1 - c)) * 255
    assert np.abs(_out("blend=ff8040") - expected).max() <= 2


def test_blend_alpha_and_colour_alpha_are_opacity(base: Array) -> None:
    full = base * COLOUR / 255
    half = _out("blend=ff8040&blend-mode=multiply&blend-alpha=50")
    assert np.abs(half - (base + full) / 2).max() <= 2
    argb = _out("blend=80ff8040&blend-mode=multiply")
    assert np.abs(argb - (base * (1 - 128 / 255) + full * 128 / 255)).max() <= 2
    assert np.abs(_out("blend=ff8040&blend-mode=multiply&blend-alpha=0") - base).max() == 0


def test_blend_color_alias_and_normal_mode(base: Array) -> None:
    assert np.abs(_out("blend-color=ff8040&blend-mode=normal") - COLOUR).max() <= 1
    assert np.abs(_out("blend=red&blend-mode=normal") - np.array([255, 0, 0])).max() <= 1


def _lum(a: Array) -> Array:
    return 0.3 * a[..., 0] + 0.59 * a[..., 1] + 0.11 * a[..., 2]


def test_non_separable_modes(base: Array) -> None:
    luminosity = _out("blend=808080&blend-mode=luminosity")
    assert np.abs(_lum(luminosity) - 128).max() <= 2  # the layer's luminosity, the base's hue
    colour = _out("blend=ff0000&blend-mode=color")
    assert np.abs(_lum(colour) - _lum(base)).mean() <= 1.5  # the base's luminosity (ClipColor may move some)
    mid = (_lum(base) > 60) & (_lum(base) < 180)
    assert (colour[mid][:, 0] > colour[mid][:, 1] + 20).mean() > 0.99  # the layer's hue: red
    grey = _out("blend=808080&blend-mode=saturation")
    assert np.abs(grey.max(axis=2) - grey.min(axis=2)).max() <= 2  # zero saturation -> grey
    hue = blending.blend_function(np.array([[0.5, 0.2, 0.2]]), np.array([[0.1, 0.1, 0.9]]), "hue")
    assert hue[0, 2] > hue[0, 0] and abs(float(_lum(hue)[0]) - float(_lum(np.array([[0.5, 0.2, 0.2]]))[0])) < 1e-6


@pytest.fixture
def fetcher(tmp_path: Path) -> OverlayFetcher:
    store = LocalFolderStore(tmp_path)
    store.put("layer.png", vips.save(vips.solid(40, 20, (128, 128, 128)), ".png"))
    return OverlayFetcher(Origin(store))


def _changed(out: Array, base: Array) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(np.abs(out - base).max(axis=2) > 8)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def _flat() -> bytes:
    return vips.save(vips.solid(320, 214, (200, 200, 200)), ".png")


@pytest.mark.parametrize(
    ("query", "box"),
    [
        ("", (140, 97, 40, 20)),  # middle,center by default
        ("&blend-align=top,left", (0, 0, 40, 20)),
        ("&blend-align=bottom,right&blend-pad=10", (270, 184, 40, 20)),
        ("&blend-x=15&blend-y=25", (15, 25, 40, 20)),
        ("&blend-w=80&blend-align=top,left", (0, 0, 80, 40)),
        ("&blend-w=0.5&blend-align=top,left", (0, 0, 160, 80)),  # ratio of the base width
        ("&blend-w=100&blend-h=100&blend-fit=crop&blend-align=top,left", (0, 0, 100, 100)),
        ("&blend-w=100&blend-h=100&blend-fit=scale&blend-align=top,left", (0, 0, 100, 100)),
        ("&blend-w=100&blend-h=100&blend-fit=clamp&blend-align=top,left", (0, 0, 100, 100)),
        ("&blend-w=100&blend-h=100&blend-align=top,left", (0, 0, 100, 50)),
        ("&blend-size=inherit", (0, 0, 320, 214)),
    ],
)
def test_image_layer_placement_and_size(fetcher: OverlayFetcher, query: str, box: tuple[int, ...]) -> None:
    data = _flat()
    plain = decode(data).astype(float)
    out = _out(f"blend=layer.png&blend-mode=multiply{query}", data, fetcher)
    assert _changed(out, plain) == box
    x, y = box[0], box[1]
    assert abs(out[y, x, 0] - 200 * 128 / 255) <= 2  # multiplied


def test_bad_blend_image_is_400_naming_blend(fetcher: OverlayFetcher) -> None:
    with pytest.raises(BadRequest, match="`blend`"):
        _out("blend=missing.png", _flat(), fetcher)
    with pytest.raises(BadRequest, match="`blend`"):
        _out("blend=http://10.0.0.1/x.png", _flat(), fetcher)


@pytest.mark.parametrize("mode", sorted(blending.MODES))
def test_numpy_and_libvips_paths_agree(mode: str) -> None:
    """Opaque RGB bases use libvips' modes, bases with alpha the numpy formulas: same pixels."""
    photo = vips.from_buffer(PHOTO).thumbnail_image(120)
    layer = vips.from_buffer(fixture("SH_with-alpha.png").read_bytes()).thumbnail_image(60)  # alpha 168
    rgb = blending.blend(photo, layer, 10, 5, mode)
    rgba = blending.blend(photo.bandjoin(255), layer, 10, 5, mode)
    assert (rgb.bands, rgba.bands) == (3, 4)
    diff = np.abs(vips.to_numpy(rgb).astype(int) - vips.to_numpy(rgba)[..., :3].astype(int))
    assert diff.max() <= 2, mode


def test_blend_on_a_transparent_base() -> None:
    halo = fixture("halo.png").read_bytes()  # white disc on transparent black
    out = vips.to_numpy(vips.from_buffer(render(halo, parse_query("blend=ff8040&blend-mode=multiply&fm=png")).data))
    image = vips.to_numpy(vips.from_buffer(halo))
    opaque, clear = image[..., 3] == 255, image[..., 3] == 0
    assert np.abs(out[opaque][:, :3] - COLOUR).max() <= 2  # white x colour
    assert np.abs(out[clear][:, :3] - COLOUR).max() <= 2 and (out[clear][:, 3] == 255).all()  # source-over


def test_blend_crop_anchors_the_cropped_layer() -> None:
    """``blend-crop`` picks which part of a cropped blend image stays (imgix: top, bottom, left,
    right, faces; centre by default)."""
    ramp = vips.from_numpy(np.tile(np.linspace(0, 255, 400).astype(np.uint8), (100, 1))[:, :, None])
    layer = ramp.bandjoin([ramp, ramp, 255]).copy(interpretation="srgb")  # 400x100, black -> white

    def mean(query: str) -> float:
        out, _x, _y = blending.image_layer(layer, parse_query(query), 300, 300)
        return float(np.asarray(vips.to_numpy(out))[..., 0].mean())

    box = "blend-w=100&blend-h=100&blend-fit=crop"
    left, centre, right = mean(box + "&blend-crop=left"), mean(box), mean(box + "&blend-crop=right")
    assert left < 40 and 110 < centre < 145 and right > 215

    astronaut = vips.from_buffer((Path(__file__).parents[3] / "examples/photos/astronaut.png").read_bytes())
    wide = astronaut.embed(512, 0, 1024, 512, extend="white").bandjoin(255)  # the face in the right half
    out, _x, _y = blending.image_layer(wide, parse_query("blend-w=100&blend-h=100&blend-fit=crop&blend-crop=faces"),
                                       300, 300)  # fmt: skip
    plain, _x, _y = blending.image_layer(wide, parse_query("blend-w=100&blend-h=100&blend-fit=crop"), 300, 300)
    faces_crop, centre_crop = np.asarray(vips.to_numpy(out))[..., :3], np.asarray(vips.to_numpy(plain))[..., :3]
    assert faces_crop.mean() < centre_crop.mean() - 10  # the photo, not the white half's edge
