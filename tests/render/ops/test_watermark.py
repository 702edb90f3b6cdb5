"""``mark``: placement, size, opacity, tiling, recursive marks, loops, the A05 grey+alpha case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers import decode, fixture, mad
from imgworker.render import vips
from imgworker.render.errors import BadRequest
from imgworker.render.overlays import OverlayFetcher
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render
from imgworker.render.sources import Origin
from imgworker.storage import LocalFolderStore

Array = np.ndarray[Any, Any]
GREY = (100, 100, 100)
RED = (250, 20, 20)


def _png(rgb: tuple[int, ...], width: int, height: int) -> bytes:
    return vips.save(vips.solid(width, height, rgb), ".png")


@pytest.fixture
def store(tmp_path: Path) -> LocalFolderStore:
    s = LocalFolderStore(tmp_path)
    s.put("base.png", _png(GREY, 300, 200))
    s.put("mark.png", _png(RED, 40, 20))
    s.put("marks/mark.png", _png(RED, 40, 20))
    s.put("a05/grey-alpha.png", fixture("SH_grey-8bit-alpha.png").read_bytes())
    s.put("a05/with-alpha.png", fixture("SH_with-alpha.png").read_bytes())
    return s


def _render(store: LocalFolderStore, query: str, source: str = "base.png") -> bytes:
    fetcher = OverlayFetcher(Origin(store), chain=(source,))
    return render(store.get(source), parse_query(query), overlays=fetcher).data


def _box(store: LocalFolderStore, query: str) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the red pixels drawn on the grey base."""
    out = decode(_render(store, query + "&fm=png"))
    ys, xs = np.nonzero((out[..., 0] > 200) & (out[..., 1] < 60))
    assert len(xs), "the mark was not drawn"
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def test_default_bottom_right_with_5px_inset(store: LocalFolderStore) -> None:
    assert _box(store, "mark=mark.png") == (300 - 5 - 40, 200 - 5 - 20, 40, 20)


@pytest.mark.parametrize(
    ("query", "xy"),
    [
        ("mark-align=top,left", (5, 5)),
        ("mark-align=middle,center", (130, 90)),
        ("mark-align=top", (255, 5)),
        ("mark-align=left&mark-pad=0", (0, 180)),
        ("mark-x=17&mark-y=23", (17, 23)),
        ("mark-x=17&mark-align=top,right", (17, 5)),
        ("mark-pad=30", (230, 150)),
    ],
)
def test_position(store: LocalFolderStore, query: str, xy: tuple[int, int]) -> None:
    assert _box(store, f"mark=mark.png&{query}")[:2] == xy


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("mark-w=80", (80, 40)),
        ("mark-h=10", (20, 10)),
        ("mark-w=0.5", (20, 10)),  # ratio of the mark's own width
        ("mark-w=100&mark-h=100", (100, 50)),  # clip
        ("mark-w=100&mark-h=100&mark-fit=scale", (100, 100)),
        ("mark-w=100&mark-h=100&mark-fit=crop", (100, 100)),
        ("mark-w=100&mark-h=100&mark-fit=max", (40, 20)),
        ("mark-w=100&mark-h=100&mark-fit=fill", (100, 50)),  # padded with transparency
        ("mark-scale=50", (150, 75)),  # half the base width
    ],
)
def test_size(store: LocalFolderStore, query: str, size: tuple[int, int]) -> None:
    assert _box(store, f"mark=mark.png&mark-align=top,left&{query}")[2:] == size


def test_mark_with_its_own_params_and_mark_base(store: LocalFolderStore) -> None:
    assert _box(store, "mark=mark.png%3Fw%3D20")[2:] == (20, 10)
    assert _box(store, "mark-base=/marks/&mark=mark.png&mark-align=top,left")[:2] == (5, 5)
    assert _box(store, "mark64=bWFyay5wbmc_dz0yMA")[2:] == (20, 10)  # base64 of mark.png?w=20


def test_mark_alpha_50_halves_the_contribution(store: LocalFolderStore) -> None:
    full = decode(_render(store, "mark=mark.png&fm=png")).astype(float)
    half = decode(_render(store, "mark=mark.png&mark-alpha=50&fm=png")).astype(float)
    x, y = 300 - 5 - 40, 200 - 5 - 20
    region = (slice(y, y + 20), slice(x, x + 40))
    contribution = half[region] - np.array(GREY)
    expected = (full[region] - np.array(GREY)) * 0.5
    assert np.abs(contribution - expected).max() <= 2


def test_tile_grid_repeats_with_pad_gap(store: LocalFolderStore) -> None:
    out = decode(_render(store, "mark=mark.png&mark-tile=grid&mark-pad=10&fm=png"))
    red = (out[..., 0] > 200) & (out[..., 1] < 60)
    assert red[0:20, 0:40].all() and not red[0:20, 40:50].any() and red[0:20, 50:90].all()
    assert red[30:50, 0:40].all() and not red[20:30, :].any()
    assert abs(red.mean() - (40 * 20) / (50 * 30)) < 0.05


def test_mark_if_min_width_skips_small_outputs(store: LocalFolderStore) -> None:
    base = decode(store.get("base.png"))
    assert mad(decode(_render(store, "mark=mark.png&mark-if-min-width=301&fm=png")), base) == 0.0
    assert mad(decode(_render(store, "mark=mark.png&mark-if-min-width=300&fm=png")), base) > 0
    assert mad(decode(_render(store, "mark=mark.png&mark-if-min-height=201&fm=png")), base) == 0.0
    assert mad(decode(_render(store, "mark=mark.png&mark-if-min-height=200&fm=png")), base) > 0


def test_a05_grey_alpha_source_with_rgba_mark(store: LocalFolderStore) -> None:
    query = "mark=/a05/with-alpha.png"
    source = "a05/grey-alpha.png"
    jpg = _render(store, f"fm=jpg&{query}", source)
    image = vips.from_buffer(jpg)
    assert (image.width, image.height, image.bands, image.format) == (400, 300, 3, "uchar")
    png = vips.from_buffer(_render(store, f"fm=png&{query}", source))
    assert (png.width, png.height, png.bands) == (400, 300, 4)
    plain = decode(_render(store, "fm=jpg&w=400", source))
    assert mad(decode(jpg)[200:, 300:], plain[200:, 300:]) > 2


def test_loop_and_bad_marks_are_400_naming_mark(store: LocalFolderStore) -> None:
    for query in ("mark=base.png", "mark=/base.png%3Fw%3D10", "mark=missing.png", "mark=../../etc/passwd",
                  "mark=file:///etc/passwd", "mark=https://example.com/logo.png"):  # fmt: skip
        with pytest.raises(BadRequest, match="`mark`"):
            _render(store, query)
    store.put("loop.png", _render(store, "w=10&fm=png"))
    with pytest.raises(BadRequest, match="loop"):  # an overlay whose own mark is the base
        _render(store, "mark=loop.png%3Fmark%3Dbase.png")


def test_without_overlay_source_mark_is_400() -> None:
    with pytest.raises(BadRequest, match="`mark`"):
        render(_png(GREY, 50, 50), parse_query("mark=mark.png"))


def test_mark_rot_turns_the_mark(store: LocalFolderStore) -> None:
    assert _box(store, "mark=mark.png&mark-align=top,left") == (5, 5, 40, 20)
    x, y, w, h = _box(store, "mark=mark.png&mark-align=top,left&mark-rot=90")
    assert (x, y) == (5, 5) and abs(w - 20) <= 1 and abs(h - 40) <= 1  # 40x20 turned upright
    x, y, w, h = _box(store, "mark=mark.png&mark-align=top,left&mark-rot=45")
    assert 38 <= w <= 46 and 38 <= h <= 46  # the diagonal box of a 40x20 mark: (40+20)/sqrt(2) = 42
