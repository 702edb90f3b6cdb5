"""icc.py: profile descriptions, the sRGB test on colorants and curves, the generated profile."""

from __future__ import annotations

import pytest
import pyvips

from helpers import fixture
from imgworker.render.ops import colour, icc


def profile_of(name: str) -> bytes:
    data: bytes = pyvips.Image.new_from_file(str(fixture(name))).get("icc-profile-data")
    return data


@pytest.mark.parametrize(
    ("name", "description", "srgb"),
    [("SH_prophoto.png", "ProPhoto RGB", False), ("SH_p3.png", "Display P3", False), ("p3grad.png", "sP3C", False),
     ("SH_tifftag-photoshop_half.tiff", "Adobe RGB (1998)", False),
     ("PL_tiff_16bit_RGBa.tiff", "sRGB IEC61966-2.1", True),
     ("SH_Channel_digital_image_CMYK_color_200.jpg", "U.S. Web Coated (SWOP) v2", False)],
)  # fmt: skip
def test_description_and_srgb_detection(name: str, description: str, srgb: bool) -> None:
    profile = profile_of(name)
    assert icc.description(profile) == description
    assert icc.is_srgb(profile) is srgb


def test_builtin_srgb_is_srgb_and_generated_adobe_is_not() -> None:
    assert icc.is_srgb(colour.srgb_profile())
    adobe = icc.matrix_trc_profile("Adobe RGB (1998) compatible", icc.ADOBE_RGB_COLORANTS, icc.ADOBE_RGB_GAMMA)
    assert icc.description(adobe) == "Adobe RGB (1998) compatible" and not icc.is_srgb(adobe)
    assert len(adobe) % 4 == 0 and int.from_bytes(adobe[:4], "big") == len(adobe)
    # the same generator with sRGB colorants and gamma 2.2 passes the sRGB test
    assert icc.is_srgb(icc.matrix_trc_profile("sRGB-like", icc.SRGB_COLORANTS, 2.2))
    assert not icc.is_srgb(icc.matrix_trc_profile("linear sRGB", icc.SRGB_COLORANTS, 1.0))


def test_garbage_is_not_srgb() -> None:
    assert not icc.is_srgb(b"")
    assert icc.description(b"\x00" * 50) is None
