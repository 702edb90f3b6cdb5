"""Renderer-level field cases A01-A18 and A23-A29 (shared/field-cases/README.md), one test each.

Each test asserts the case's stated pass criterion on the renderer (``pipeline.render``, or over HTTP
where the criterion is about statuses and headers). A "client error" is a 4xx
:class:`RenderError` with the Asset Compute reason the worker reports. Deviations from the README's
fixtures (downscaled copies, generated files) are stated in each test and in fixtures/PROVENANCE.md.
Time limits in the criteria are not asserted (no timing assertions on a shared machine); memory
limits are, in a subprocess.
"""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import threading
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pyvips
from starlette.testclient import TestClient

from helpers import fixture, mad
from imgworker.render.errors import RenderError
from imgworker.render.ops.jpeg import sampling
from imgworker.render.params import parse_query
from imgworker.render.pipeline import RenderResult, render
from imgworker.render.server import RendererConfig, create_app
from imgworker.render.sources import Origin
from imgworker.storage import LocalFolderStore

ORIENT = Path(__file__).parents[1] / "fixtures" / "orientation"
METADATA_FIELDS = ("exif-data", "xmp-data", "iptc-data", "photoshop-data")


def go(source: str | bytes, query: str, accept: str = "") -> RenderResult:
    data = source if isinstance(source, bytes) else fixture(source).read_bytes()
    return render(data, parse_query(query), accept=accept)


def fail(source: str | bytes, query: str) -> RenderError:
    with pytest.raises(RenderError) as info:
        go(source, query)
    assert 400 <= info.value.status < 500, info.value
    return info.value


def image(data: bytes, **options: Any) -> Any:
    return pyvips.Image.new_from_buffer(data, "", **options)


def pixels(data: bytes, *, flatten: bool = True, icc: bool = False) -> np.ndarray[Any, Any]:
    """Decode to 8-bit sRGB (with the file's own ICC profile when ``icc``), alpha on white."""
    im = image(data)
    if icc and "icc-profile-data" in im.get_fields():
        im = im.icc_transform("srgb", embedded=True)
    if im.interpretation != "srgb":
        im = im.colourspace("srgb")
    if flatten and im.hasalpha():
        im = im.flatten(background=[255, 255, 255])
    return np.asarray(im.cast("uchar").numpy())


def frames_of(data: bytes) -> list[np.ndarray[Any, Any]]:
    im = image(data, n=-1)
    h = int(im.get("page-height")) if "page-height" in im.get_fields() else im.height
    whole = np.asarray(im.flatten(background=[255, 255, 255]).cast("uchar").numpy())
    return [whole[i * h : (i + 1) * h] for i in range(im.height // h)]


def vm_hwm_script(body: str) -> str:
    return (
        "import re\n"
        "def hwm():\n"
        "    return int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024\n" + body
    )


def run_measured(body: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", vm_hwm_script(body)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# A01 -------------------------------------------------------------------------------------------
A01 = [f"Landscape_{n}.jpg" for n in range(9)] + [f"Portrait_{n}.jpg" for n in range(1, 9)]


@pytest.mark.parametrize("name", A01)
def test_a01_exif_orientation(name: str) -> None:
    # fixtures: the recurser files downscaled to 1/4 with the EXIF tag kept (PROVENANCE.md)
    ref_name = "Landscape_1.jpg" if name.startswith("Landscape") else "Portrait_1.jpg"
    out = go((ORIENT / name).read_bytes(), "w=300")
    ref = go((ORIENT / ref_name).read_bytes(), "w=300")
    assert (out.width, out.height) == ((300, 200) if name.startswith("Landscape") else (300, 450))
    assert mad(pixels(out.data), pixels(ref.data)) < 6
    im = image(out.data)
    assert "exif-data" not in im.get_fields() or int(im.get("orientation")) == 1


# A02 -------------------------------------------------------------------------------------------
def test_a02_cmyk_with_embedded_profile() -> None:
    # fixture: the CMYK JPEG's stored pixels resized to 200x133, its SWOP profile kept
    # Deviations, measured: JPEG q75 4:2:0 alone adds MAD ~6.6 on this textured 200 px image, so
    # the MAD is taken on PNG output (the README does not name the format); px(100,66) sits on
    # texture, and libvips 8.18's own thumbnail gives (150,170,125) there against the README's
    # 8.14 value (142,157,111): the 5x5 mean around it is checked with +-12 instead (an inverted
    # or unmanaged CMYK conversion is off by > 40).
    data = fixture("SH_Channel_digital_image_CMYK_color_200.jpg").read_bytes()
    out = go(data, "w=200")
    im = image(out.data)
    assert (im.bands, im.interpretation, im.width) == (3, "srgb", 200)
    ref = np.asarray(pyvips.Image.thumbnail_buffer(data, 200).colourspace("srgb").numpy())
    got = pixels(go(data, "w=200&fm=png").data)
    assert mad(got, ref) < 4
    around = pixels(out.data)[64:69, 98:103].reshape(-1, 3).mean(axis=0)
    assert np.all(np.abs(around - (142, 157, 111)) <= 12), around
    assert mad(got, 255 - ref) > 40


# A03 -------------------------------------------------------------------------------------------
def test_a03_wide_gamut_profiles_converted() -> None:
    out = go("SH_prophoto.png", "w=16")
    got = pixels(out.data, icc=True)
    assert got.shape == (16, 16, 3)
    assert np.all(np.abs(got.astype(int) - (117, 160, 210)) <= 4), got[0, 0]
    src = pyvips.Image.new_from_file(str(fixture("p3grad.png")))
    ref = np.asarray(src.icc_transform("srgb", embedded=True).numpy())
    assert mad(pixels(go("p3grad.png", "w=512").data, icc=True), ref) < 3
    # stripping the profile without converting would be ~8.9 here: make sure the test can fail
    assert mad(np.asarray(src.numpy()), ref) > 5
    p3 = go("SH_p3.png", "w=8&fm=png")
    assert (p3.width, p3.height) == (8, 8) and image(p3.data).bands == 4


# A04 -------------------------------------------------------------------------------------------
def test_a04_sixteen_bit_sources_to_eight_bit() -> None:
    out = go("SH_Flag_of_the_Netherlands-16bit.png", "w=300&fm=jpg")
    im = image(out.data)
    assert (im.width, im.height, im.format) == (300, 200, "uchar")
    got = pixels(out.data)
    for (x, y), colour in {(150, 33): (174, 28, 40), (150, 100): (255, 255, 255), (150, 166): (33, 70, 139)}.items():
        assert np.all(np.abs(got[y, x].astype(int) - colour) <= 6), (x, y, got[y, x])
    # fixture: the tifftag TIFF resized to 1/2 with all metadata (Adobe RGB ICC, XMP, IPTC) kept
    data = fixture("SH_tifftag-photoshop_half.tiff").read_bytes()
    tif = go(data, "w=300&fm=jpg")
    assert image(tif.data).format == "uchar" and image(tif.data).interpretation == "srgb"
    # reference: `vips thumbnail` with export_profile=srgb (libvips 8.18's thumbnail no longer
    # colour-manages by default; without it the reference itself would skip the Adobe RGB profile)
    ref = pyvips.Image.thumbnail_buffer(data, 300, size="both", export_profile="srgb")
    assert (tif.width, tif.height) == (ref.width, ref.height)
    assert mad(pixels(tif.data), np.asarray(ref.numpy())) < 4
    rgba = go("PL_tiff_16bit_RGBa.tiff", "w=50")
    assert image(rgba.data).format == "uchar" and (rgba.width, rgba.height) == (50, 20)


# A05 -------------------------------------------------------------------------------------------
def test_a05_grey_alpha_source(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path)
    store.put("grey.png", fixture("SH_grey-8bit-alpha.png").read_bytes())
    store.put("mark.png", fixture("SH_with-alpha.png").read_bytes())
    client = TestClient(create_app(RendererConfig(origin=Origin(store))))
    jpg = client.get("/grey.png?fm=jpg&mark=/mark.png")
    assert jpg.status_code == 200, jpg.text
    im = image(jpg.content)
    assert (im.width, im.height, im.bands, im.format) == (400, 300, 3, "uchar")
    png = client.get("/grey.png?fm=png&mark=/mark.png")
    assert image(png.content).bands == 4
    plain = client.get("/grey.png?fm=png")
    assert mad(pixels(png.content)[-100:, -100:], pixels(plain.content)[-100:, -100:]) > 2


# A06 -------------------------------------------------------------------------------------------
def test_a06_palette_png_with_trns() -> None:
    jpg = pixels(go("PL_p_trns_single.png", "fm=jpg").data)
    assert np.all(jpg[32, 32] >= 245), jpg[32, 32]
    assert np.all(np.abs(jpg[0, 0].astype(int) - (255, 0, 0)) <= 10), jpg[0, 0]
    png = pixels(go("PL_p_trns_single.png", "fm=png").data, flatten=False)
    assert png.shape[2] == 4 and png[32, 32, 3] == 0
    black = pixels(go("PL_p_trns_single.png", "fm=jpg&bg=000").data)
    assert np.all(black[32, 32] <= 10), black[32, 32]


# A07 -------------------------------------------------------------------------------------------
def test_a07_alpha_to_jpeg_background() -> None:
    assert pixels(go("SH_full-transparent.png", "fm=jpg").data).min() >= 250
    red = pixels(go("SH_full-transparent.png", "fm=jpg&bg=ff0000").data).astype(int)
    assert np.all(np.abs(red - (255, 0, 0)) <= 6)
    half = go("SH_full-transparent.png", "fm=jpg&bg=80ff0000")
    assert image(half.data).bands == 3 and not image(half.data).hasalpha()


# A08 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "count"), [("SH_animated-loop-3.gif", 10), ("SH_animated-loop-3.webp", 10),
                                             ("LV_cogs.gif", 5)])  # fmt: skip
def test_a08_animation_frames(name: str, count: int) -> None:
    data = fixture(name).read_bytes()
    src = image(data)
    height = round(src.height * 185 / src.width)
    webp = go(data, "fm=webp&w=185")
    frames = frames_of(webp.data)
    assert len(frames) == count
    for i, frame in enumerate(frames):
        assert frame.shape[1] == 185 and abs(frame.shape[0] - height) <= 1
        alone = pyvips.Image.thumbnail_buffer(data, 185, option_string=f"page={i}", height=frame.shape[0], size="force")
        assert mad(frame, pixels(alone.write_to_buffer(".png"))) < 6, i
    still = go(data, "fm=jpg&w=185")
    assert image(still.data).get_fields().count("n-pages") == 0 or int(image(still.data).get("n-pages")) == 1
    frame0 = pixels(pyvips.Image.thumbnail_buffer(data, 185).write_to_buffer(".png"))
    assert mad(pixels(still.data), frame0) < 6
    crop = frames_of(go(data, "fm=gif&fit=crop&w=100&h=100").data)
    assert len(crop) == count and all(f.shape[:2] == (100, 100) for f in crop)
    # the frames really differ (an animation reduced to copies of frame 0 would pass the above)
    assert max(mad(frames[0], f) for f in frames[1:]) > 1


# A09 / A10 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["LV_truncated.jpg", "SH_corrupt-header.jpg"])
def test_a09_truncated_or_corrupt_jpeg(name: str) -> None:
    err = fail(name, "w=100")
    assert err.reason == "SourceCorrupt" and err.status == 422


def test_a10_zero_byte_source() -> None:
    err = fail(b"", "w=100")
    assert err.reason == "SourceCorrupt" and "empty" in err.message


# A11 -------------------------------------------------------------------------------------------
def bomb_png(width: int = 65536, height: int = 65536) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` RGB (only a few rows of data follow).

    Stand-in for SH_65536-uint32-limit.png (522 KB, not copied): the case is about refusing from
    the header, which sees the same 65536x65536x3 declaration."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width * 3 + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_a11_decompression_bomb_refused_from_header(tmp_path: Path) -> None:
    err = fail(bomb_png(), "w=100")
    assert err.reason == "SourceUnsupported" and "pixel limit" in err.message
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png())
    result = run_measured(
        "import json\n"
        "from imgworker.render.pipeline import render\n"
        "from imgworker.render.params import parse_query\n"
        "from imgworker.render.errors import RenderError\n"
        f"data = open({str(path)!r}, 'rb').read()\n"
        "render(open(" + repr(str(fixture("PL_hopper.png"))) + ", 'rb').read(), parse_query('w=10'))\n"
        "before = hwm()\n"
        "try:\n"
        "    render(data, parse_query('w=100'))\n"
        "    kind = 'rendered'\n"
        "except RenderError as exc:\n"
        "    kind = type(exc).__name__\n"
        "print(json.dumps({'kind': kind, 'growth_mb': hwm() - before}))\n"
    )
    assert result["kind"] == "SourceTooLarge"
    assert result["growth_mb"] < 200


# A12 / A13 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "query", "size"),
    [("wide.png", "w=50&h=50", (50, 1)), ("tall.png", "w=50&h=50", (1, 50)), ("strip.png", "w=100", (100, 1))],
)
def test_a12_extreme_aspect_keeps_one_pixel(name: str, query: str, size: tuple[int, int]) -> None:
    out = go(name, query)
    assert (out.width, out.height) == size == (image(out.data).width, image(out.data).height)


@pytest.mark.parametrize(
    ("name", "query", "size"),
    [("PL_hopper.png", "w=512", (512, 512)), ("PL_hopper.png", "w=512&fit=max", (128, 128)),
     ("PL_hopper.png", "w=64&dpr=2", (128, 128)), ("PL_hopper.png", "w=100&dpr=3&fit=max", (128, 128)),
     ("one.png", "w=300", (300, 300)), ("one.png", "w=300&fit=max", (1, 1))],
)  # fmt: skip
def test_a13_upscaling_rules(name: str, query: str, size: tuple[int, int]) -> None:
    out = go(name, query)
    assert (image(out.data).width, image(out.data).height) == size


# A14 -------------------------------------------------------------------------------------------
def test_a14_format_from_bytes_not_name() -> None:
    out = go("photo.jpg", "w=100")
    assert out.content_type == "image/png"
    assert mad(pixels(out.data), pixels(go("SH_with-alpha.png", "w=100").data)) < 2
    err = fail("fake.jpg", "w=100")
    assert err.reason == "SourceFormatUnsupported" and "text" in err.message


# A15 -------------------------------------------------------------------------------------------
def test_a15_svg_renders_without_fetching(tmp_path: Path) -> None:
    accepted: list[int] = []
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    svg = fixture("extimg.svg").read_bytes()
    try:
        listener.bind(("127.0.0.1", 18999))
    except OSError:  # port taken (shared machine): point the probe at a free port instead
        listener.bind(("127.0.0.1", 0))
        svg = svg.replace(b":18999/", f":{listener.getsockname()[1]}/".encode())
    listener.listen(4)
    listener.settimeout(0.05)
    done = threading.Event()

    def accept_loop() -> None:
        while True:
            try:
                conn, _addr = listener.accept()
            except OSError:
                if done.is_set():
                    return
                continue
            accepted.append(1)
            conn.close()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    out = go(svg, "fm=png&w=400")
    blank = go("blank.svg", "fm=png&w=400")
    done.set()
    thread.join()
    accept_loop()  # drain connections still queued in the backlog
    listener.close()
    assert (out.width, out.height, out.content_type) == (400, 100, "image/png")
    assert mad(pixels(out.data), pixels(blank.data)) < 0.5
    assert accepted == []
    # local files are not read either (file:// or absolute paths): a white rect stays white
    png = tmp_path / "probe.png"
    png.write_bytes(fixture("PL_hopper.png").read_bytes())
    for href in (f"file://{png}", str(png), "probe.png"):
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" '
               f'height="64"><rect width="64" height="64" fill="white"/><image width="64" height="64" '
               f'xlink:href="{href}"/></svg>').encode()  # fmt: skip
        assert pixels(go(svg, "fm=png").data).min() == 255, href
    logo = go("LV_logo.svg", "w=200")
    assert logo.width == 200 and logo.content_type == "image/png"


# A16 -------------------------------------------------------------------------------------------
def test_a16_heic_and_avif() -> None:
    try:
        out = go("PL_hopper.heif", "w=64")
    except RenderError as err:
        assert err.status == 422 and err.reason == "SourceFormatUnsupported" and "HEIC" in err.message
    else:
        assert (out.width, out.height) == (64, 64)
        assert mad(pixels(out.data), pixels(go("PL_hopper.png", "w=64").data)) < 10
    # LV_Example1.heic (1 MB) is not copied: it takes the same HEVC path as PL_hopper.heif
    avif = go("PL_rot0mir0.avif", "w=320")
    assert avif.width == 320 and abs(avif.height - 214) <= 1 and avif.content_type == "image/avif"


# A17 -------------------------------------------------------------------------------------------
def test_a17_multipage_tiff_renders_page_one() -> None:
    g31 = go("SH_G31D_MULTI.TIF", "w=300")
    assert (g31.width, g31.height) == (300, 395)
    assert image(g31.data).height == 395  # one page, not stacked
    data = fixture("PL_multipage.tiff").read_bytes()
    out = go(data, "w=40")
    assert (out.width, out.height) == (40, 40)
    ref = pyvips.Image.thumbnail_buffer(data, 40, option_string="page=0", size="both")
    assert mad(pixels(out.data), np.asarray(ref.colourspace("srgb").numpy())[:, :, :3]) < 4
    page3 = go(data, "w=40&page=3")
    ref3 = pyvips.Image.thumbnail_buffer(data, 40, option_string="page=2", size="both")
    assert mad(pixels(page3.data), np.asarray(ref3.colourspace("srgb").numpy())[:, :, :3]) < 4
    assert mad(pixels(page3.data), pixels(out.data)) > 4


# A18 -------------------------------------------------------------------------------------------
def test_a18_psd_is_a_clean_unsupported_error() -> None:
    err = fail("PL_hopper.psd", "w=128")
    assert err.reason == "SourceFormatUnsupported" and "PSD" in err.message


# A23 -------------------------------------------------------------------------------------------
def test_a23_chroma_subsampling_honoured() -> None:
    source = pixels(fixture("redblue_stripes.png").read_bytes())
    full = go("redblue_stripes.png", "fm=jpg&q=75&chromasub=444")
    assert sampling(full.data) == "4:4:4" and mad(pixels(full.data), source) < 10
    default = go("redblue_stripes.png", "fm=jpg&q=75")
    assert sampling(default.data) == "4:2:0" and mad(pixels(default.data), source) > 40
    assert sampling(go("redblue_stripes.png", "fm=jpg&q=75&chromasub=422").data) == "4:2:2"
    assert sampling(go("redblue_stripes.png", "fm=jpg&q=95").data) == "4:2:0"  # libvips' q>=90 switch is off


# A24 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fm", ["jpg", "png", "webp"])
def test_a24_metadata_stripped(fm: str) -> None:
    for name in ("gps.jpg", "SH_tifftag-photoshop_half.tiff"):
        out = go(name, f"fm={fm}")
        fields = image(out.data).get_fields()
        assert not any(f.startswith("exif-") or f in METADATA_FIELDS for f in fields), (name, fields)
        assert b"TestMake" not in out.data and b"Exif\x00\x00" not in out.data and b"<x:xmpmeta" not in out.data
    turned = go((ORIENT / "Landscape_6.jpg").read_bytes(), f"fm={fm}")
    assert turned.width > turned.height


# A25 -------------------------------------------------------------------------------------------
def test_a25_premultiplied_resize_no_halo() -> None:
    assert pixels(go("halo.png", "w=50&fm=jpg").data).min() >= 245


# A26 -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def noise10k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """R-06's 10000x10000 noise JPEG (not stored), made from a tiled 1000x1000 numpy noise tile."""
    rng = np.random.default_rng(1)
    tile = pyvips.Image.new_from_array(np.clip(rng.normal(128, 40, (1000, 1000)), 0, 255).astype(np.uint8))
    path = tmp_path_factory.mktemp("a26") / "noise10k.jpg"
    tile.replicate(10, 10).write_to_file(str(path), Q=85)
    return path


def test_a26_smart_crop_on_large_input_bounded(noise10k: Path) -> None:
    result = run_measured(
        "import json\n"
        "from imgworker.render.pipeline import render\n"
        "from imgworker.render.params import parse_query\n"
        f"data = open({str(noise10k)!r}, 'rb').read()\n"
        "sizes = []\n"
        "for q in ('fit=crop&crop=entropy&w=300&h=300', 'fit=crop&crop=faces,entropy&w=300&h=300'):\n"
        "    r = render(data, parse_query(q))\n"
        "    sizes.append([r.width, r.height])\n"
        "print(json.dumps({'sizes': sizes, 'rss_mb': hwm()}))\n"
    )
    assert result["sizes"] == [[300, 300], [300, 300]]
    assert result["rss_mb"] < 500


# A27 -------------------------------------------------------------------------------------------
def test_a27_crop_faces_without_faces_falls_back() -> None:
    faces = pixels(go("noface.jpg", "fit=crop&crop=faces&w=300&h=300").data)
    assert faces.shape == (300, 300, 3)
    assert mad(faces, pixels(go("noface.jpg", "fit=crop&w=300&h=300").data)) < 2
    chain = pixels(go("noface.jpg", "fit=crop&crop=faces,top,left&w=300&h=300").data)
    assert mad(chain, pixels(go("noface.jpg", "fit=crop&crop=top,left&w=300&h=300").data)) < 2
    assert mad(chain, faces) > 2  # top-left really differs from the centre on this gradient


# A28 -------------------------------------------------------------------------------------------
def test_a28_oversized_output_capped() -> None:
    big = go("PL_hopper.png", "w=100000&h=100000&fm=jpg&q=30")
    assert (image(big.data).width, image(big.data).height) == (8192, 8192)
    # a strip keeps these fast: without the cap WebP would refuse a 20000 px side
    webp = go("PL_hopper.png", "w=20000&h=40&fit=scale&fm=webp")
    assert image(webp.data).width == 8192
    dpr = go("PL_hopper.png", "w=2000&h=20&fit=scale&dpr=10&fm=jpg")
    assert (image(dpr.data).width, image(dpr.data).height) == (8192, 82)  # dpr 10 -> 5: 10000x100 -> cap


# A29 -------------------------------------------------------------------------------------------
def test_a29_fractional_zero_negative_and_junk_sizes() -> None:
    # fixture: Landscape_1 at 1/4 (450x300): ratios are of the source, as for 1800x1200
    data = (ORIENT / "Landscape_1.jpg").read_bytes()
    assert (go(data, "w=0.5").width, go(data, "w=0.5").height) == (225, 150)
    assert (go(data, "h=0.25").width, go(data, "h=0.25").height) == (113, 75)
    for query in ("w=-100", "w=abc", "w=0", "w=300.7"):
        err = fail(data, query)
        assert err.status == 400 and "`w`" in err.message, query
