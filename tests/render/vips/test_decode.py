"""vips.py: header probe (limits, page selection, errors naming what the bytes are), strict loading,
deadline-watched evaluation that really stops libvips, and the small constructors."""

from __future__ import annotations

import resource
import time

import numpy as np
import pytest
import pyvips

from helpers import fixture
from imgworker.render import deadline, vips
from imgworker.render.errors import RenderTimeout, SourceCorrupt, SourceFormatUnsupported, SourceTooLarge


def test_probe_reads_header_fields() -> None:
    info = vips.probe(fixture("SH_animated-loop-3.gif").read_bytes())
    assert (info.format, info.width, info.height, info.pages, info.has_alpha) == ("gif", 370, 285, 10, True)
    turned = vips.probe((fixture("orientation") / "Landscape_6.jpg").read_bytes())
    assert turned.orientation == 6 and turned.upright_size == (turned.height, turned.width)


def test_probe_selects_and_clamps_pages() -> None:
    data = fixture("PL_multipage.tiff").read_bytes()
    assert (vips.probe(data).width, vips.probe(data, page=2).width) == (10, 20)
    assert vips.probe(data, page=9).page == 2  # clamped to the last page


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [(b"", SourceCorrupt, "empty"), (b"hello, not an image\n", SourceFormatUnsupported, "text"),
     (b"<!DOCTYPE html><html><body>503</body></html>", SourceFormatUnsupported, "HTML page"),
     (b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", SourceCorrupt, "source PDF cannot be read"),  # render/pdf.py
     (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", SourceCorrupt, "header")],
)  # fmt: skip
def test_probe_errors_name_the_problem(data: bytes, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as info:
        vips.probe(data)
    assert words in str(info.value)


def test_pixel_limit_checked_on_header() -> None:
    data = fixture("PL_hopper.png").read_bytes()
    assert vips.probe(data, pixel_limit=128 * 128).width == 128
    with pytest.raises(SourceTooLarge, match="pixel limit of 16383"):
        vips.probe(data, pixel_limit=128 * 128 - 1)
    # frames count: 10 frames of 370x285 are 1,054,500 pixels
    with pytest.raises(SourceTooLarge):
        vips.probe(fixture("SH_animated-loop-3.gif").read_bytes(), pixel_limit=1_000_000)


def test_truncated_jpeg_fails_strictly() -> None:
    data = fixture("LV_truncated.jpg").read_bytes()
    info = vips.probe(data)
    with pytest.raises(SourceCorrupt, match="premature end"):
        vips.save(vips.load(data, info), ".png")


def test_heic_without_hevc_decoder_is_unsupported_not_corrupt() -> None:
    data = fixture("PL_hopper.heif").read_bytes()
    try:
        image = vips.evaluate(vips.load(data, vips.probe(data)))
    except SourceFormatUnsupported as exc:
        assert "HEIC" in str(exc) and "HEVC" in str(exc)
        with pytest.raises(SourceFormatUnsupported):  # now known at probe time: fails fast
            vips.probe(data)
    else:  # a libheif with an HEVC decoder: it must really decode
        assert (image.width, image.height) == (128, 128)


def test_load_all_frames_as_toilet_roll() -> None:
    data = fixture("LV_cogs.gif").read_bytes()
    roll = vips.load(data, vips.probe(data), page=0, n=-1)
    assert (roll.width, roll.height, int(roll.get("page-height"))) == (85, 385, 77)


def _slow_image() -> vips.Image:
    return pyvips.Image.gaussnoise(3000, 3000).gaussblur(40)


def test_deadline_kills_evaluation_and_frees_the_cpu() -> None:
    with deadline.deadline(0.2), pytest.raises(RenderTimeout, match=r"0\.2 s"):
        vips.save(_slow_image(), ".png")
    # no libvips worker keeps computing after the kill: the process is idle while we sleep
    before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    time.sleep(0.5)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_utime - before < 0.25


def test_deadline_also_watches_evaluate() -> None:
    with deadline.deadline(0.2), pytest.raises(RenderTimeout):
        vips.evaluate(_slow_image())


def test_no_deadline_leaves_evaluation_alone() -> None:
    image = vips.solid(8, 4, (10, 20, 30))
    assert vips.to_numpy(vips.evaluate(image))[0, 0].tolist() == [10, 20, 30]


def test_arrayjoin_and_metadata_helpers() -> None:
    frames = [vips.solid(4, 3, (v, v, v)) for v in (0, 100, 200)]
    roll = vips.set_array_int(vips.arrayjoin(frames), "delay", [10, 20, 30])
    assert (roll.width, roll.height, list(roll.get("delay"))) == (4, 9, [10, 20, 30])
    assert np.asarray(vips.to_numpy(roll))[:, 0, 0].tolist() == [0] * 3 + [100] * 3 + [200] * 3


def test_header_exposes_metadata_without_decoding() -> None:
    header = vips.header(fixture("gps.jpg").read_bytes())
    assert "exif-ifd3-GPSLatitude" in header.get_fields()
