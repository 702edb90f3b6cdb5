"""redeye.py: auto=redeye turns red pupils dark on a real portrait and touches nothing else."""

from __future__ import annotations

import numpy as np
import pyvips

from helpers import EXAMPLES, FIXTURES, decode
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

EYES = ((202, 100), (246, 103))  # pupil centres in the 512 px astronaut photo (OpenCV eye cascade)


def _red_eyed() -> bytes:
    """The astronaut photo with saturated red pupils (radius 5 px) painted on both eyes."""
    image = pyvips.Image.new_from_file(str(EXAMPLES / "astronaut.png"))
    for x, y in EYES:
        image = image.draw_circle([220, 30, 40], x, y, 5, fill=True)
    return image.pngsave_buffer()


def _png(data: bytes, query: str) -> np.ndarray:
    return decode(render(data, parse_query(query + "&fm=png")).data).astype(int)


def test_red_pupils_become_dark_and_nothing_else_changes() -> None:
    data = _red_eyed()
    before = _png(data, "w=512")
    after = _png(data, "w=512&auto=redeye")
    for x, y in EYES:
        pupil_before, pupil_after = before[y - 3 : y + 4, x - 3 : x + 4], after[y - 3 : y + 4, x - 3 : x + 4]
        assert pupil_before[..., 0].mean() > 200
        assert pupil_after[..., 0].mean() < 60  # red gone: R is now the mean of G and B (~35)
        assert np.abs(pupil_after[..., 1:] - pupil_before[..., 1:]).max() == 0  # green, blue kept
    changed = np.abs(after - before).sum(axis=2) > 0
    ys, xs = np.nonzero(changed)
    assert len(ys) > 0
    assert all(min(np.hypot(x - ex, y - ey) for ex, ey in EYES) <= 7 for x, y in zip(xs, ys, strict=True))


def test_legacy_auto_true_includes_redeye_and_faceless_photos_are_untouched() -> None:
    data = _red_eyed()
    assert _png(data, "w=512&auto=true")[EYES[0][1], EYES[0][0], 0] < 60
    rocket = (FIXTURES / "rocket.jpg").read_bytes()
    assert np.array_equal(_png(rocket, "w=320&auto=redeye"), _png(rocket, "w=320"))
