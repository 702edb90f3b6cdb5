"""colour.py: sources into 8-bit sRGB (measured pixel values) and the output profile (``cs``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import pyvips

from helpers import fixture
from imgworker.render import vips
from imgworker.render.ops import colour, icc
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render


def load(name: str) -> Any:
    data = fixture(name).read_bytes()
    return vips.load(data, vips.probe(data))


def px(image: Any, x: int = 0, y: int = 0) -> list[int]:
    return [int(v) for v in vips.to_numpy(vips.evaluate(image))[y, x]]


def test_prophoto_pixel_converted_to_srgb() -> None:
    out = colour.to_srgb(load("SH_prophoto.png"))
    assert np.all(np.abs(np.array(px(out)) - (117, 160, 210)) <= 2)  # raw is (131, 141, 192)
    assert "icc-profile-data" not in out.get_fields()


def test_srgb_profile_is_not_transformed() -> None:
    image = load("PL_tiff_16bit_RGBa.tiff")  # 16-bit RGBA tagged sRGB IEC61966-2.1
    out = colour.to_srgb(image)
    raw = np.asarray(vips.to_numpy(vips.evaluate(load("PL_tiff_16bit_RGBa.tiff"))))
    assert (out.format, out.bands) == ("uchar", 4)
    got = np.asarray(vips.to_numpy(vips.evaluate(out))).astype(int)
    assert np.abs(got - np.round(raw / 257)).max() <= 1  # a plain /257, alpha included


def test_sixteen_bit_flag_colours() -> None:
    out = vips.evaluate(colour.to_srgb(load("SH_Flag_of_the_Netherlands-16bit.png")))
    assert out.format == "uchar"
    assert np.all(np.abs(np.array(px(out, 450, 100)) - (174, 28, 40)) <= 2)
    assert np.all(np.abs(np.array(px(out, 450, 500)) - (33, 70, 139)) <= 2)


def test_grey_alpha_becomes_srgb_alpha() -> None:
    out = colour.to_srgb(load("SH_grey-8bit-alpha.png"))
    assert (out.bands, out.interpretation, out.format) == (4, "srgb", "uchar")
    r, g, b, _a = px(out, 200, 150)
    assert r == g == b


def test_cmyk_to_three_band_srgb() -> None:
    out = colour.to_srgb(load("SH_Channel_digital_image_CMYK_color_200.jpg"))
    assert (out.bands, out.interpretation) == (3, "srgb")
    ref = pyvips.Image.new_from_file(str(fixture("SH_Channel_digital_image_CMYK_color_200.jpg")))
    expected = np.asarray(ref.icc_transform("srgb", embedded=True).numpy()).astype(int)
    assert np.abs(np.asarray(vips.to_numpy(vips.evaluate(out))).astype(int) - expected).mean() < 0.5


def rendered(query: str, name: str = "rocket.jpg") -> Any:
    return pyvips.Image.new_from_buffer(render(fixture(name).read_bytes(), parse_query(query)).data, "")


def test_cs_strip_srgb_tinysrgb_origin() -> None:
    assert "icc-profile-data" not in rendered("w=40&cs=strip").get_fields()
    for cs in ("srgb", "tinysrgb"):
        profile = rendered(f"w=40&cs={cs}&fm=png", "halo.png").get("icc-profile-data")  # halo has none
        assert icc.is_srgb(profile) and len(profile) <= 600
    assert "icc-profile-data" in rendered("w=40").get_fields()  # rocket.jpg carries a profile
    assert "icc-profile-data" not in rendered("w=40&fm=png", "halo.png").get_fields()
    assert "icc-profile-data" not in rendered("w=40&auto=compress").get_fields()


def test_cs_adobergb1998_converts_pixels_and_tags() -> None:
    red = pyvips.Image.black(8, 8, bands=3).new_from_image([255, 0, 0]).cast("uchar").copy(interpretation="srgb")
    out = rendered_bytes(red.write_to_buffer(".png"), "fm=png&cs=adobergb1998")
    assert icc.description(out.get("icc-profile-data")) == "Adobe RGB (1998) compatible"
    assert np.all(np.abs(np.asarray(out.numpy())[4, 4].astype(int) - (219, 0, 0)) <= 1)
    back = np.asarray(out.icc_transform("srgb", embedded=True).numpy())[4, 4]
    assert np.all(np.abs(back.astype(int) - (255, 0, 0)) <= 2)


def rendered_bytes(data: bytes, query: str) -> Any:
    return pyvips.Image.new_from_buffer(render(data, parse_query(query)).data, "")


@pytest.mark.parametrize("cs", ["origin", "srgb"])
def test_wide_gamut_output_is_srgb_tagged(cs: str) -> None:
    out = rendered(f"w=16&fm=png&cs={cs}", "SH_prophoto.png")
    assert icc.is_srgb(out.get("icc-profile-data"))
