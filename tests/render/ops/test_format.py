"""format.py: the fm/auto decision table (spec 3.3) and every encoder option, checked on the bytes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import pyvips

from helpers import fixture, mad
from imgworker.render.errors import RenditionFormatUnsupported
from imgworker.render.ops import format as fmt
from imgworker.render.ops.jpeg import is_progressive, sampling
from imgworker.render.params import parse_query
from imgworker.render.pipeline import RenderResult, render

AVIF = "image/avif,image/webp,image/apng,*/*;q=0.8"
WEBP = "image/webp,*/*"


def decide(query: str, accept: str = "", source: str = "jpg", alpha: bool = False, animated: bool = False) -> str:
    return fmt.decide(parse_query(query), accept, source, alpha, animated).fm


@pytest.mark.parametrize(
    ("query", "accept", "source", "alpha", "animated", "expected"),
    [
        ("", "", "jpg", False, False, "jpg"),  # no fm: the source format
        ("", "", "png", True, False, "png"),
        ("fm=webp", "", "jpg", False, False, "webp"),
        ("auto=format", AVIF, "jpg", False, False, "avif"),
        ("auto=format", WEBP, "jpg", False, False, "webp"),
        ("auto=format", "*/*", "png", True, False, "png"),  # fallback: the source format
        ("auto=format&fm=pjpg", "*/*", "png", False, False, "pjpg"),  # fallback: fm
        ("auto=format&fm=png", AVIF, "jpg", False, False, "avif"),  # auto=format wins over fm
        ("auto=compress", "", "gif", False, False, "jpg"),  # compress overrides fm/source for stills
        ("auto=compress&fm=webp", "", "jpg", True, False, "png"),
        ("auto=compress,format", "*/*", "jpg", True, False, "png8"),
        ("auto=compress,format", "*/*", "jpg", False, False, "jpg"),
        ("auto=compress,format", AVIF, "jpg", True, False, "avif"),
        ("auto=compress", "", "gif", False, True, "gif"),  # animated sources are not converted
        ("auto=format", AVIF, "gif", True, True, "webp"),  # no animated AVIF: animated WebP
        ("auto=format", "*/*", "gif", True, True, "gif"),
        ("fm=blurhash&auto=format,compress", AVIF, "jpg", False, False, "blurhash"),
    ],
)
def test_decide_table(query: str, accept: str, source: str, alpha: bool, animated: bool, expected: str) -> None:
    assert decide(query, accept, source, alpha, animated) == expected


def test_quality_defaults_and_vary() -> None:
    assert fmt.decide(parse_query(""), "", "jpg", False).quality == 75
    out = fmt.decide(parse_query("auto=compress,format"), "*/*", "jpg", False)
    assert (out.quality, out.vary_accept) == (45, True)
    assert fmt.decide(parse_query("q=0"), "", "jpg", False).quality == 1
    assert fmt.decide(parse_query("q=120"), "", "jpg", False).quality == 100  # clamped (suggested range)


@pytest.mark.parametrize("value", ["jp2", "jxr", "mp4", "webm"])
def test_unwritable_formats_are_422(value: str) -> None:
    with pytest.raises(RenditionFormatUnsupported) as info:
        decide(f"fm={value}")
    assert info.value.status == 422 and value in info.value.message


def test_jxl_is_not_an_fm_value_and_falls_back() -> None:
    params = parse_query("fm=jxl")
    assert "fm" in params.invalid and decide("fm=jxl", source="png") == "png"


def go(name: str, query: str, accept: str = "") -> RenderResult:
    return render(fixture(name).read_bytes(), parse_query(query), accept=accept)


def image(data: bytes) -> Any:
    return pyvips.Image.new_from_buffer(data, "")


def test_each_fm_writes_its_format() -> None:
    loaders = {"jpg": "jpegload", "pjpg": "jpegload", "png": "pngload", "png8": "pngload", "png32": "pngload",
               "webp": "webpload", "avif": "heifload", "gif": "gifload"}  # fmt: skip
    for fm, loader in loaders.items():
        out = go("rocket.jpg", f"w=64&fm={fm}")
        assert str(image(out.data).get("vips-loader")).startswith(loader), fm
        assert out.content_type == fmt.CONTENT_TYPES[fm]


def test_quality_changes_size_and_error() -> None:
    low, high = go("rocket.jpg", "w=300&fm=jpg&q=20"), go("rocket.jpg", "w=300&fm=jpg&q=95")
    ref = np.asarray(image(go("rocket.jpg", "w=300&fm=png").data).numpy())
    assert len(low.data) < len(high.data) / 2
    assert mad(np.asarray(image(low.data).numpy()), ref) > mad(np.asarray(image(high.data).numpy()), ref) + 1


def test_lossless_webp_is_exact() -> None:
    ref = np.asarray(image(go("rocket.jpg", "w=120&fm=png").data).numpy())
    exact = np.asarray(image(go("rocket.jpg", "w=120&fm=webp&lossless=1").data).numpy())
    lossy = np.asarray(image(go("rocket.jpg", "w=120&fm=webp").data).numpy())
    assert mad(exact, ref) == 0 and mad(lossy, ref) > 0.5


def test_progressive_by_default_baseline_on_request() -> None:
    assert is_progressive(go("rocket.jpg", "w=100&fm=jpg").data)
    assert not is_progressive(go("rocket.jpg", "w=100&fm=jpg&jpg-progressive=false").data)
    assert is_progressive(go("rocket.jpg", "w=100&fm=pjpg&jpg-progressive=false").data)


def test_chromasub_values() -> None:
    assert sampling(go("rocket.jpg", "w=100&fm=jpg").data) == "4:2:0"
    assert sampling(go("rocket.jpg", "w=100&fm=jpg&chromasub=444").data) == "4:4:4"
    out = go("rocket.jpg", "w=100&fm=jpg&chromasub=422&dpi=300&cs=srgb")
    assert sampling(out.data) == "4:2:2" and not is_progressive(
        go("rocket.jpg", "w=100&chromasub=422&jpg-progressive=0").data
    )
    decoded = image(out.data)
    assert round(decoded.xres * 25.4) == 300 and "icc-profile-data" in decoded.get_fields()


@pytest.mark.parametrize("fm", ["jpg", "png"])
def test_dpi_is_written_pixels_unchanged(fm: str) -> None:
    plain, marked = go("rocket.jpg", f"w=90&fm={fm}"), go("rocket.jpg", f"w=90&fm={fm}&dpi=300")
    assert round(image(marked.data).xres * 25.4) == 300 and round(image(plain.data).xres * 25.4) != 300
    assert mad(np.asarray(image(plain.data).numpy()), np.asarray(image(marked.data).numpy())) == 0


def test_png8_is_a_palette_png_and_colorquant_limits_colours() -> None:
    png8 = go("logo.png", "w=120&fm=png8")
    assert int(image(png8.data).get("bits-per-sample")) <= 8 and b"PLTE" in png8.data
    for n in (2, 5, 16):
        out = go("rocket.jpg", f"w=120&fm=png8&colorquant={n}")
        colours = np.unique(np.asarray(image(out.data).numpy()).reshape(-1, 3), axis=0)
        assert len(colours) <= n, (n, len(colours))
        assert len(colours) >= min(n, 2)
    gif = go("rocket.jpg", "w=120&fm=gif&colorquant=4")
    assert len(np.unique(np.asarray(image(gif.data).numpy())[:, :, :3].reshape(-1, 3), axis=0)) <= 4


def test_png32_keeps_alpha_and_jpg_flattens() -> None:
    assert image(go("logo.png", "w=50&fm=png32").data).bands == 4
    assert image(go("logo.png", "w=50&fm=jpg").data).bands == 3


def test_auto_compress_quality_45_smaller_than_75() -> None:
    compressed = go("rocket.jpg", "w=300&auto=compress")
    default = go("rocket.jpg", "w=300&fm=jpg")
    assert compressed.fm == "jpg" and len(compressed.data) < len(default.data)
    assert "icc-profile-data" not in image(compressed.data).get_fields()


def test_an_encode_that_cannot_finish_in_time_is_not_started() -> None:
    """Encoders cannot be interrupted: a lossless 6000 px WebP (about 30 s here) under a 2 s
    deadline is refused at once with a 503 instead of running 15 times over its budget."""
    import time

    from imgworker.render.errors import RenderTimeout
    from imgworker.render.state import Limits

    rocket = fixture("rocket.jpg").read_bytes()
    start = time.monotonic()
    with pytest.raises(RenderTimeout, match=r"webp-lossless .* not started"):
        render(rocket, parse_query("w=6000&fm=webp&lossless=1"), limits=Limits(deadline_s=2))
    assert time.monotonic() - start < 1.0
    small = render(rocket, parse_query("w=200&fm=webp&lossless=1"), limits=Limits(deadline_s=2))
    assert small.content_type == "image/webp"


def test_iptc_allow_carries_the_source_iptc_into_jpeg_only() -> None:
    """imgix blocks IPTC by default (A24) and passes it with ``iptc=allow`` (JPEG output)."""
    import pyvips

    source = fixture("SH_tifftag-photoshop_half.tiff").read_bytes()  # has an IPTC block (59 bytes)
    iptc = bytes(pyvips.Image.new_from_buffer(source, "").get("iptc-data"))

    def fields(query: str) -> dict[str, bytes]:
        out = pyvips.Image.new_from_buffer(render(source, parse_query(query)).data, "")
        return {name: bytes(out.get(name)) for name in out.get_fields() if name == "iptc-data"}

    assert fields("w=100&fm=jpg") == {}  # blocked by default
    assert fields("w=100&fm=jpg&iptc=block") == {}
    carried = fields("w=100&fm=jpg&iptc=allow")["iptc-data"]
    assert carried.startswith(b"Photoshop 3.0\x008BIM\x04\x04") and iptc in carried  # TIFF's raw IIM, wrapped
    assert b"Boudewijn Vermeulen" in carried  # the by-line survives
    assert fields("w=100&fm=png&iptc=allow") == {}  # JPEG output only
    # a JPEG source's block (already a Photoshop APP13 payload) passes unchanged, through the fast decode too
    jpeg_source = render(source, parse_query("w=400&fm=jpg&iptc=allow")).data
    again = pyvips.Image.new_from_buffer(render(jpeg_source, parse_query("w=100&iptc=allow")).data, "")
    assert bytes(again.get("iptc-data")) == carried
