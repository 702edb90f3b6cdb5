"""vips/turbo.py: OpenCV's libjpeg-turbo shrink-on-load gives libvips' pixels, or steps aside."""

from __future__ import annotations

import numpy as np
import pytest
import pyvips

from helpers import EXAMPLES, FIXTURES
from imgworker.render import vips
from imgworker.render.errors import SourceCorrupt
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render
from imgworker.render.vips import turbo


def _pixels(image: pyvips.Image) -> np.ndarray:
    return np.ndarray(buffer=image.write_to_memory(), dtype=np.uint8, shape=(image.height, image.width, image.bands))


def _by_libvips(data: bytes, shrink: int) -> np.ndarray:
    return _pixels(pyvips.Image.new_from_buffer(data, "", shrink=shrink))


@pytest.mark.parametrize("name", ["portrait.jpg", "rocket.jpg"])  # 4:2:0 1200x1800; 4:4:4 640x427 (odd sizes)
@pytest.mark.parametrize("shrink", [2, 4, 8])
def test_same_pixels_as_libvips(name: str, shrink: int) -> None:
    data = ((EXAMPLES if name == "portrait.jpg" else FIXTURES) / name).read_bytes()
    info = vips.probe(data)
    fast = turbo.decode(data, shrink, info.width, info.height, info.icc)
    assert fast is not None
    assert fast.interpretation == "srgb" and fast.format == "uchar"
    assert np.array_equal(_pixels(fast), _by_libvips(data, shrink))


def test_icc_profile_travels_and_colour_management_is_unchanged() -> None:
    p3 = pyvips.Image.new_from_file(str(FIXTURES / "SH_p3.png"))
    data = p3.resize(4).jpegsave_buffer(Q=90, keep="icc")  # a Display P3 JPEG
    info = vips.probe(data)
    assert info.icc is not None
    fast = turbo.decode(data, 4, info.width, info.height, info.icc)
    assert fast is not None and bytes(fast.get("icc-profile-data")) == info.icc
    # the whole render (turbo decode + P3 -> sRGB) equals libvips' own decode of the same file
    out = render(data, parse_query("w=100&fm=png")).data
    ref = pyvips.Image.new_from_buffer(data, "", shrink=4).icc_transform("srgb").resize(100 / (info.width / 4))
    assert np.abs(_pixels(pyvips.Image.new_from_buffer(out, "")).astype(int) - _pixels(ref.cast("uchar"))).mean() < 1


def test_truncated_and_unsuitable_files_are_left_to_libvips() -> None:
    data = (EXAMPLES / "portrait.jpg").read_bytes()
    assert turbo.ends_with_eoi(data) and turbo.ends_with_eoi(data + b"\x00\x00\n")
    cut = data[: len(data) * 2 // 3]
    assert not turbo.ends_with_eoi(cut)
    assert turbo.decode(cut, 8, 1200, 1800, None) is None  # libjpeg-turbo would pad it with grey
    with pytest.raises(SourceCorrupt):
        render(cut, parse_query("w=100"))  # ... libvips refuses it (A09)
    assert turbo.decode(b"\xff\xd8 not a jpeg \xff\xd9", 8, 100, 100, None) is None
    assert turbo.decode(data, 1, 1200, 1800, None) is None  # full-size decodes stream through libvips
    cmyk = vips.probe((FIXTURES / "SH_Channel_digital_image_CMYK_color_200.jpg").read_bytes())
    assert (cmyk.bands, cmyk.interpretation) == (4, "cmyk")  # load() never offers CMYK to turbo


def test_resolution_travels_so_png_density_is_unchanged() -> None:
    photo = pyvips.Image.new_from_file(str(FIXTURES / "rocket.jpg"))
    data = photo.copy(xres=300 / 25.4, yres=150 / 25.4).jpegsave_buffer(Q=90)  # JFIF 300 x 150 dpi
    info = vips.probe(data)
    fast = turbo.decode(data, 4, info.width, info.height, info.icc, info.resolution)
    assert fast is not None and (round(fast.xres * 25.4), round(fast.yres * 25.4)) == (300, 150)
    out = pyvips.Image.new_from_buffer(render(data, parse_query("w=100&fm=png")).data, "")
    assert (round(out.xres * 25.4), round(out.yres * 25.4)) == (300, 150)
