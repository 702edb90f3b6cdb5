"""detect/ahead.py: faces found beside the decode are the faces the decoded image shows.

The astronaut photo is stored 8 ways (pixels turned or mirrored, the EXIF orientation tag saying
how to undo it), so every upright image is the same photo; the background detection must find the
face at the same upright place and the face crop must equal the one made with no tag at all.
"""

from __future__ import annotations

import numpy as np
import pytest
import pyvips

from helpers import EXAMPLES, decode, mad
from imgworker.render.detect import ahead
from imgworker.render.ops.faces import find_faces
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render

# what to do to the upright photo so that EXIF orientation N turns it back
_STORE = {1: lambda i: i, 2: lambda i: i.fliphor(), 3: lambda i: i.rot180(), 4: lambda i: i.flipver(),
          5: lambda i: i.rot90().fliphor(), 6: lambda i: i.rot270(), 7: lambda i: i.rot270().fliphor(),
          8: lambda i: i.rot90()}  # fmt: skip


def _photo() -> pyvips.Image:
    # 3:2 so that a square crop has to be placed: the astronaut with its right part cut off
    return pyvips.Image.new_from_file(str(EXAMPLES / "astronaut.png")).resize(2.5).crop(0, 0, 1280, 853)


def _jpeg(orientation: int) -> bytes:
    stored = _STORE[orientation](_photo()).copy()
    stored.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    return stored.jpegsave_buffer(Q=92, keep="exif")


@pytest.mark.parametrize("orientation", range(1, 9))
def test_upright_matches_libvips_autorot(orientation: int) -> None:
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    image = pyvips.Image.new_from_array(grey).cast("uchar").copy()
    image.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    turned = image.autorot()
    expected = np.ndarray(buffer=turned.write_to_memory(), dtype=np.uint8, shape=(turned.height, turned.width))
    assert np.array_equal(ahead.upright(grey, orientation), expected)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_faces_beside_the_decode_are_where_the_upright_photo_has_them(orientation: int) -> None:
    reference = find_faces(_photo())
    assert len(reference) == 1
    found = ahead.detect_in_jpeg(_jpeg(orientation), orientation, (0, 0, 1280, 853), (1280, 853))
    assert found is not None and len(found) == 1
    f, r = found[0], reference[0]
    assert abs(f.center[0] - r.center[0]) < 12 and abs(f.center[1] - r.center[1]) < 12
    assert 0.8 < f.w / r.w < 1.25
    data = _jpeg(orientation)
    crop = decode(render(data, parse_query("w=200&h=200&fit=crop&crop=faces&fm=png")).data)
    whole = decode(render(data, parse_query("h=200&fm=png")).data)  # 300x200, the whole upright photo
    x = min(range(whole.shape[1] - 199), key=lambda x: mad(crop, whole[:, x : x + 200]))
    face_x = reference[0].center[0] * 200 / 853  # the window centred on the face, clamped
    assert abs(x - min(max(face_x - 100, 0), whole.shape[1] - 200)) <= 3, x


def test_rect_region_and_fallback() -> None:
    data = _jpeg(1)
    # the face is at x ~440-680 of 1280: inside a region from x=200 it is found, in source pixels
    found = ahead.detect_in_jpeg(data, 1, (200, 0, 800, 853), (1280, 853))
    assert found is not None and len(found) == 1 and 500 < found[0].center[0] < 620
    assert ahead.detect_in_jpeg(data, 1, (700, 0, 580, 853), (1280, 853)) == []  # a region without it
    assert ahead.detect_in_jpeg(b"\xff\xd8\xff not a jpeg", 1, (0, 0, 10, 10), (10, 10)) is None


def test_the_pipeline_starts_it_only_when_faces_place_a_window(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    real = ahead.start
    monkeypatch.setattr(ahead, "start", lambda *a: started.append(1) or real(*a))
    data = _jpeg(6)
    for query, expect in [("w=200&h=200&fit=crop&crop=faces", 1), ("w=200&h=200&fit=crop&crop=entropy,faces", 0),
                          ("w=200&fit=crop&crop=faces", 0), ("w=200&h=200&fit=facearea", 1),
                          ("w=200&h=200&fit=crop&crop=faces&trim=auto", 0)]:  # fmt: skip
        started.clear()
        render(data, parse_query(query))
        assert len(started) == expect, query


def test_a_small_region_of_a_huge_photo_is_left_to_the_decoded_region() -> None:
    # 16000 x 16000 px with a 500 px rect: a full-size greyscale decode (256 MB) would be needed
    assert ahead.detect_in_jpeg(b"never decoded", 1, (0, 0, 500, 500), (16000, 16000)) is None
