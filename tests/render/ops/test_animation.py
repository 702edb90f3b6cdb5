"""animation.py: frame selection, timing, and the per-frame pipeline on real animated sources."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import pyvips

from helpers import fixture, mad
from imgworker.render.errors import SourceTooLarge
from imgworker.render.ops import animation
from imgworker.render.params import parse_query
from imgworker.render.pipeline import Limits, render


@pytest.mark.parametrize(
    ("query", "frames"),
    [("", list(range(10))), ("frame=3", [2]), ("frame=2-4", [1, 2, 3]), ("frame=8-", [7, 8, 9]),
     ("frame=-3", [0, 1, 2]), ("frame=40", [9]), ("frame=5-99", [5 - 1, 5, 6, 7, 8, 9]),
     ("interval=3", [0, 3, 6, 9]), ("reverse=true&frame=1-3", [2, 1, 0]), ("frame=junk", list(range(10))),
     ("skip=3", [0, 1, 3, 4, 6, 7, 9]), ("skip=2&frame=2-6", [1, 3, 5]), ("skip=1", list(range(10)))],
)  # fmt: skip
def test_select(query: str, frames: list[int]) -> None:
    assert animation.select(parse_query(query), 10) == frames


def test_single_frame() -> None:
    assert animation.single_frame(parse_query("frame=2")) == 1
    assert animation.single_frame(parse_query("frame=2-3")) is None
    assert animation.single_frame(parse_query("")) is None


def test_frame_limit() -> None:
    animation.check_limit(899, 900)
    with pytest.raises(SourceTooLarge, match="fewer than 900"):
        animation.check_limit(900, 900)


def go(name: str, query: str, limits: Limits | None = None) -> bytes:
    return render(fixture(name).read_bytes(), parse_query(query), limits=limits).data


def frames(data: bytes) -> tuple[Any, list[np.ndarray[Any, Any]]]:
    im = pyvips.Image.new_from_buffer(data, "", n=-1)
    h = int(im.get("page-height"))
    arr = np.asarray(im.flatten(background=[255, 255, 255]).numpy())
    return im, [arr[i * h : (i + 1) * h] for i in range(im.height // h)]


def test_timing_fps_loop_and_source_values() -> None:
    im, _ = frames(go("SH_animated-loop-3.gif", "w=40"))
    assert list(im.get("delay"))[-1] == 15000 and int(im.get("loop")) == 3
    im, _ = frames(go("SH_animated-loop-3.gif", "w=40&fps=20&loop=0"))
    assert list(im.get("delay")) == [50] * 10 and int(im.get("loop")) == 0


def test_reverse_plays_frames_backwards() -> None:
    _, forward = frames(go("LV_cogs.gif", "fm=gif"))
    _, backward = frames(go("LV_cogs.gif", "fm=gif&reverse=1"))
    assert len(backward) == 5
    for a, b in zip(forward, reversed(backward), strict=True):
        assert mad(a, b) < 1
    assert mad(forward[1], backward[1]) > 1


def test_every_frame_gets_the_same_geometry_and_its_own_pixels() -> None:
    im, out = frames(go("SH_animated-loop-3.webp", "fm=webp&fit=crop&w=120&h=120&crop=right"))
    assert int(im.get("n-pages")) == 10 and all(f.shape[:2] == (120, 120) for f in out)
    source = pyvips.Image.new_from_file(str(fixture("SH_animated-loop-3.webp")), n=-1)
    for i in (0, 5, 9):
        frame = source.crop(0, i * 285, 370, 285).flatten(background=[255, 255, 255])
        ref = frame.crop(370 - 285, 0, 285, 285).resize(120 / 285)
        assert mad(out[i], np.asarray(ref.numpy())) < 6, i


def test_frame_range_and_single_frame_still() -> None:
    im, out = frames(go("SH_animated-loop-3.gif", "fm=gif&frame=2-4"))
    assert len(out) == 3 and list(im.get("delay")) == [3000] * 3
    still = pyvips.Image.new_from_buffer(go("SH_animated-loop-3.gif", "frame=10"), "")
    assert still.get("vips-loader") == "gifload_buffer" and still.get("n-pages") == 1
    last = np.asarray(still.flatten(background=[255, 255, 255]).numpy())
    _, all_frames = frames(go("SH_animated-loop-3.gif", "fm=gif"))
    assert mad(last, all_frames[9]) < 2 and mad(last, all_frames[0]) > 2


def test_limits_max_frames_refuses_long_animations_only_when_animating() -> None:
    with pytest.raises(SourceTooLarge):
        go("SH_animated-loop-3.gif", "w=40", Limits(max_frames=10))
    assert (
        pyvips.Image.new_from_buffer(go("SH_animated-loop-3.gif", "w=40&fm=png", Limits(max_frames=10)), "").width == 40
    )


def test_animation_pixel_budget_refuses_huge_animations_but_not_one_frame() -> None:
    import pyvips

    from imgworker.render.errors import SourceTooLarge
    from imgworker.render.params import parse_query
    from imgworker.render.pipeline import Limits, render

    frames = [
        pyvips.Image.black(200, 200).draw_rect(255, i * 5, i * 5, 20, 20, fill=True).cast("uchar") for i in range(30)
    ]
    gif = pyvips.Image.arrayjoin(frames, across=1).copy()
    gif.set_type(pyvips.GValue.gint_type, "page-height", 200)
    data = bytes(gif.gifsave_buffer())
    limits = Limits(max_animation_pixels=1_000_000)  # 30 x 200 x 200 = 1.2 MP
    with pytest.raises(SourceTooLarge, match="animation limit"):
        render(data, parse_query("w=100"), limits=limits)
    assert render(data, parse_query("w=100&frame=1"), limits=limits).width == 100
    assert render(data, parse_query("w=100&fm=png"), limits=limits).content_type == "image/png"
    assert render(data, parse_query("w=100"), limits=Limits(max_animation_pixels=2_000_000)).content_type == "image/gif"
