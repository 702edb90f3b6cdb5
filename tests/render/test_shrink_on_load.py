"""Shrink-on-load: fast (sharp's rule) on big sources, careful (libvips thumbnail's) on small ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import pyvips

from helpers import fixture, mad
from imgworker.render import vips
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render


def _jpeg(width: int) -> bytes:
    photo = pyvips.Image.new_from_file(str(fixture("rocket.jpg")))  # 640x427, detailed
    return bytes(photo.resize(width / photo.width).jpegsave_buffer(Q=90, keep="none"))  # no ICC: thumbnail keeps it


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    load = vips.load

    def spy(data: bytes, info: Any, **kwargs: Any) -> Any:
        seen.append(int(kwargs.get("shrink", 1)))
        return load(data, info, **kwargs)

    monkeypatch.setattr(vips, "load", spy)
    return seen


@pytest.mark.parametrize(("width", "query", "shrink"), [(500, "w=200", 1), (500, "w=100", 2), (2400, "w=300", 8)])
def test_factor(monkeypatch: pytest.MonkeyPatch, width: int, query: str, shrink: int) -> None:
    seen = _spy(monkeypatch)
    render(_jpeg(width), parse_query(query))
    assert seen == [shrink]


def test_small_sources_match_libvips_thumbnail() -> None:
    # field case A02's measure: a 200 px JPEG of a 500 px detailed photo, MAD vs vips thumbnail < 4
    data = _jpeg(500)
    ours = np.asarray(pyvips.Image.new_from_buffer(render(data, parse_query("w=200")).data, "").numpy())
    ref = pyvips.Image.thumbnail_buffer(data, 200).jpegsave_buffer(Q=75)
    assert mad(ours, np.asarray(pyvips.Image.new_from_buffer(ref, "").numpy())) < 4
