"""Size/fit arithmetic against the documented worked examples (spec section 2.5)."""

from __future__ import annotations

import pytest

from imgworker.render.ops.geometry import plan_size, resolve_rect
from imgworker.render.params import parse_query


@pytest.mark.parametrize(
    ("source", "query", "canvas", "content"),
    [
        ((300, 200), "w=100&h=100", (100, 67), None),  # fit page: clip default
        ((300, 200), "w=300&h=100&fit=crop", (300, 100), None),
        ((300, 200), "w=200&h=200&fit=crop", (200, 200), None),
        ((900, 270), "ar=9:1&fit=crop", (900, 100), None),
        ((1000, 1000), "w=280&ar=2:1&fit=crop", (280, 140), None),
        ((5000, 3000), "w=500&h=300&dpr=2", (1000, 600), None),
        ((5000, 3000), "w=500&h=300&dpr=3", (1500, 900), None),
        ((300, 200), "w=400&h=400&fit=fillmax", (400, 400), (300, 200)),
        ((300, 200), "w=400&h=150&fit=fillmax", (400, 150), (225, 150)),
        ((300, 200), "w=400&fit=fillmax", (400, 267), (300, 200)),
        ((532, 800), "w=800&h=800&fit=fillmax", (800, 800), (532, 800)),
        ((4200, 2800), "w=400&h=400&fit=fillmax", (400, 400), (400, 267)),
        ((20000, 100), "w=0.5", (8192, 41), None),  # the 8192 cap after ratio resolution
        ((300, 200), "w=600&h=600&fit=min", (200, 200), None),
        ((300, 200), "w=600&h=600&fit=max", (300, 200), None),
        ((300, 200), "w=600&h=600&fit=clip", (600, 400), None),
        ((300, 200), "w=600&h=100&fit=scale", (600, 100), None),
        ((300, 200), "w=600&h=600&fit=fill", (600, 600), (600, 400)),
        ((300, 200), "w=150&fit=crop", (150, 100), None),  # one side, no ar: same as clip
        ((1800, 1200), "w=0.5", (900, 600), None),  # A29
        ((1800, 1200), "h=0.25", (450, 300), None),  # A29
        ((1800, 1200), "w=1", (1800, 1200), None),  # 1 = 100 %
        ((300, 200), "rect=0,0,150,100&w=300", (300, 200), None),
        ((10000, 10), "w=100", (100, 1), None),  # A12: a side below 1 px rounds up to 1
    ],
)
def test_documented_dimensions(
    source: tuple[int, int], query: str, canvas: tuple[int, int], content: tuple[int, int] | None
) -> None:
    plan = plan_size(parse_query(query), *source)
    assert plan.canvas == canvas
    if content is not None:
        assert plan.content == content


def test_rect_keywords_ratios_and_clipping() -> None:
    box = resolve_rect(parse_query("rect=center,bottom,0.5,100"), 400, 300)
    assert (box.x, box.y, box.w, box.h) == (100, 200, 200, 100)
    box = resolve_rect(parse_query("rect=350,250,200,200"), 400, 300)  # clipped to the image
    assert (box.x, box.y, box.w, box.h) == (350, 250, 50, 50)


def test_crop_window_has_target_aspect() -> None:
    plan = plan_size(parse_query("w=300&h=300&fit=crop"), 1800, 1200)
    assert plan.window == (1200, 1200)
    plan = plan_size(parse_query("w=300&h=100&fit=crop&max-h=50"), 1800, 1200)
    assert plan.canvas == (300, 50)
