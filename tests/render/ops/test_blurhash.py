"""blurhash.py: the wolt encoder, checked against the pure-Python ``blurhash`` package (PyPI 1.1.5).

The expected strings were computed with ``blurhash.encode(array, components_x, components_y)`` of
that package on the same arrays; our vectorised encoder must give the same characters."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import fixture
from imgworker.render.ops import blurhash
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render


def gradient() -> np.ndarray:
    y, x = np.mgrid[0:24, 0:32]
    return np.stack([x * 8, y * 10, (x * y) % 256], axis=2).astype(np.uint8)


@pytest.mark.parametrize(
    ("array", "cx", "cy", "expected"),
    [(gradient(), 5, 5, "exH27h2lwtX3a^mAWUjwfAfTgFfmfTfifNn$WsjsfNfTe-fTfNfTfS"),
     (gradient(), 4, 3, "LxH27h2lwtX3mAWUjwfAgFfmfTfi"),
     (np.full((10, 10, 3), (200, 30, 90), np.uint8), 5, 5, "eIM^#v|zfQ|zfQ|zsVfQsVfQfQfQfQfQfQ|zsVfQsVfQfQfQfQfQfQ")],
)  # fmt: skip
def test_matches_reference_encoder(array: np.ndarray, cx: int, cy: int, expected: str) -> None:
    assert blurhash.encode(array, cx, cy) == expected


def test_base83_and_component_bounds() -> None:
    assert blurhash.encode83(40, 1) == "e" and blurhash.encode83(83 * 83 - 1, 2) == "~~"
    with pytest.raises(ValueError):
        blurhash.encode(gradient(), 10, 1)


def test_fm_blurhash_of_rendered_image() -> None:
    out = render(fixture("rocket.jpg").read_bytes(), parse_query("w=100&fm=blurhash"))
    text = out.data.decode("ascii")
    assert out.content_type.startswith("text/plain") and text[0] == "e" and len(text) == 4 + 2 * 24 + 2
    # a different picture gives a different hash; the same request the same one
    other = render(fixture("logo.png").read_bytes(), parse_query("w=100&fm=blurhash")).data.decode()
    assert other != text
    assert render(fixture("rocket.jpg").read_bytes(), parse_query("w=100&fm=blurhash")).data.decode() == text
