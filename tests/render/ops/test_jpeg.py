"""jpeg.py: 4:2:2 encoding with ICC/DPI, SOF sampling read-back, JFIF density."""

from __future__ import annotations

import numpy as np
import pyvips

from imgworker.render.ops import colour, jpeg


def stripes() -> np.ndarray:
    x = np.arange(64)
    row = np.where(x % 2 == 0, 255, 0).astype(np.uint8)
    return np.stack([np.tile(row, (32, 1)), np.zeros((32, 64), np.uint8), np.tile(255 - row, (32, 1))], axis=2)


def test_encode_422_with_profile_and_dpi() -> None:
    data = jpeg.encode_422(stripes(), 90, True, colour.srgb_profile(), 240)
    assert jpeg.sampling(data) == "4:2:2" and jpeg.is_progressive(data)
    image = pyvips.Image.new_from_buffer(data, "")
    assert image.get("icc-profile-data") == colour.srgb_profile()
    assert round(image.xres * 25.4) == 240 and (image.width, image.height) == (64, 32)
    # 4:2:2 halves chroma horizontally: 1-px red/blue columns blur, rows stay intact
    got = np.asarray(image.numpy()).astype(int)
    assert np.abs(got - stripes()).mean() > 20


def test_set_density_adds_or_patches_jfif() -> None:
    plain = pyvips.Image.black(8, 8).cast("uchar").write_to_buffer(".jpg", keep="none")
    assert plain[2:4] != b"\xff\xe0"  # libvips writes no JFIF segment
    once = jpeg.set_density(plain, 300)
    twice = jpeg.set_density(once, 96)
    assert round(pyvips.Image.new_from_buffer(once, "").xres * 25.4) == 300
    assert round(pyvips.Image.new_from_buffer(twice, "").xres * 25.4) == 96 and len(twice) == len(once)


def test_sampling_of_other_files() -> None:
    image = pyvips.Image.new_from_array(stripes())
    assert jpeg.sampling(image.write_to_buffer(".jpg", subsample_mode="off")) == "4:4:4"
    assert jpeg.sampling(image.write_to_buffer(".jpg", subsample_mode="on")) == "4:2:0"
    assert jpeg.sampling(pyvips.Image.black(8, 8).cast("uchar").write_to_buffer(".jpg")) == "other"  # grey
    assert jpeg.sampling(b"not a jpeg") == "other"
