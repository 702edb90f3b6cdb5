"""Steps that read rows out of order (EXIF turns, ``orient``, ``rot``, ``flip``, wide convolutions) on
full-size streamed decodes: they must render, not fail as "corrupt" (libvips "out of order read")."""

from __future__ import annotations

import pytest
import pyvips

from helpers import EXAMPLES, size_of
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render


@pytest.fixture(scope="module")
def big_jpeg() -> bytes:
    base = pyvips.Image.new_from_file(str(EXAMPLES / "chelsea.png")).resize(2400 / 451)  # 2400x1596
    return bytes(base.jpegsave_buffer(Q=85))


@pytest.fixture(scope="module")
def big_jpeg_exif6(big_jpeg: bytes) -> bytes:
    image = pyvips.Image.new_from_buffer(big_jpeg, "").copy()
    image.set_type(pyvips.GValue.gint_type, "orientation", 6)
    return bytes(image.jpegsave_buffer(Q=85))


@pytest.mark.parametrize(
    ("query", "size"),
    [("fm=webp", (1596, 2400)), ("w=900", (900, 1353)), ("flip=v&fm=png", (1596, 2400)), ("rot=180", (1596, 2400))],
)
def test_exif_orientation_at_full_size(big_jpeg_exif6: bytes, query: str, size: tuple[int, int]) -> None:
    assert size_of(render(big_jpeg_exif6, parse_query(query)).data) == size


@pytest.mark.parametrize(
    ("query", "size"),
    [("flip=v", (2400, 1596)), ("or=6", (1596, 2400)), ("rot=33", (2400, 1596)), ("usm=100&usmrad=500", (2400, 1596))],
)
def test_out_of_order_steps_at_full_size(big_jpeg: bytes, query: str, size: tuple[int, int]) -> None:
    assert size_of(render(big_jpeg, parse_query(query)).data) == size
