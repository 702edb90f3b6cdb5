"""sniff: mime type, charset, format and pixel size from the first bytes, checked against file(1)'s
answers; files and byte strings give the same answer."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
import pyvips

from imgworker.sniff import Sniffed, normalise_format, sniff_bytes, sniff_file


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + bytes(width) for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def jpeg_header(width: int, height: int) -> bytes:
    """SOI, an APP0 and a SOF0 segment: enough for sniffing."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


@pytest.mark.parametrize(
    ("suffix", "mime"),
    [
        (".jpg", "image/jpeg"),
        (".png", "image/png"),
        (".gif", "image/gif"),
        (".webp", "image/webp"),
        (".tif", "image/tiff"),
    ],
)
def test_images(tmp_path: Path, suffix: str, mime: str) -> None:
    path = tmp_path / f"x{suffix}"
    pyvips.Image.black(37, 23, bands=3).write_to_file(str(path))
    sniffed = sniff_file(path)
    assert (sniffed.mime, sniffed.width, sniffed.height, sniffed.encoding) == (mime, 37, 23, None)
    assert sniffed.content_type == mime
    assert sniff_bytes(path.read_bytes()) == sniffed
    assert sniffed.format == normalise_format(suffix)


def test_webp_lossless_and_bmp(tmp_path: Path) -> None:
    path = tmp_path / "l.webp"
    pyvips.Image.black(300, 5, bands=3).webpsave(str(path), lossless=True)
    assert (sniff_file(path).width, sniff_file(path).height) == (300, 5)
    bmp = tmp_path / "x.bmp"
    header = b"BM" + bytes(16) + (12).to_bytes(4, "little", signed=True) + (-7).to_bytes(4, "little", signed=True)
    bmp.write_bytes(header + bytes(40))
    assert (sniff_file(bmp).mime, sniff_file(bmp).width, sniff_file(bmp).height) == ("image/bmp", 12, 7)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"hello from data uri", "text/plain; charset=us-ascii"),
        ("héllo wörld\n".encode(), "text/plain; charset=utf-8"),
        (b'{"a": 1}', "application/json; charset=us-ascii"),
        (b"<?xml version='1.0'?><x/>", "text/xml; charset=us-ascii"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"x", "application/octet-stream"),  # file(1): "very short file"
        (b"", "application/octet-stream"),
        (bytes(range(256)), "application/octet-stream"),
    ],
)
def test_text_and_others(tmp_path: Path, data: bytes, content_type: str) -> None:
    path = tmp_path / "f"
    path.write_bytes(data)
    assert sniff_file(path).content_type == content_type
    assert sniff_bytes(data).content_type == content_type


def test_truncated_jpeg_has_no_size(tmp_path: Path) -> None:
    path = tmp_path / "t.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    sniffed = sniff_file(path)
    assert (sniffed.mime, sniffed.width) == ("image/jpeg", None)


def test_avif_dimensions_from_the_ispe_box(tmp_path: Path) -> None:
    for name, width, height in (("a.avif", 226, 150), ("b.avif", 31, 97)):
        path = tmp_path / name
        pyvips.Image.black(width, height, bands=3).write_to_file(str(path))
        sniffed = sniff_file(path)
        assert (sniffed.mime, sniffed.width, sniffed.height) == ("image/avif", width, height)


def test_handmade_headers() -> None:
    """The headers ``aem-sim verify`` meets (what storage/_sniff.py was tested with)."""
    assert sniff_bytes(png(3, 2)) == Sniffed("image/png", None, 3, 2)
    assert sniff_bytes(jpeg_header(640, 480)) == Sniffed("image/jpeg", None, 640, 480)
    assert sniff_bytes(b"GIF89a" + struct.pack("<HH", 5, 7)) == Sniffed("image/gif", None, 5, 7)
    vp8x = b"RIFF\x00\x00\x00\x00WEBPVP8X" + b"\x00" * 8 + (99).to_bytes(3, "little") + (49).to_bytes(3, "little")
    assert sniff_bytes(vp8x) == Sniffed("image/webp", None, 100, 50)
    ispe = b"\x00\x00\x00\x14ispe\x00\x00\x00\x00" + struct.pack(">II", 8, 9)
    avif = b"\x00\x00\x00\x1cftypavif" + b"\x00" * 16 + ispe
    assert (sniff_bytes(avif).format, sniff_bytes(avif).width, sniff_bytes(avif).height) == ("avif", 8, 9)
    heif = b"\x00\x00\x00\x18ftypheim" + b"\x00" * 12
    assert (sniff_bytes(heif).mime, sniff_bytes(heif).format, sniff_bytes(heif).width) == ("image/heic", "heif", None)
    assert sniff_bytes(b"II*\x00\x08\x00\x00\x00").format == "tiff"  # an IFD offset but no IFD: no size
    assert sniff_bytes(b"%PDF-1.7\n").format == "pdf"


@pytest.mark.parametrize(
    "data",
    [
        b"RIFF\x00\x00\x00\x00WEBPVP8X\x00\x00",  # cut inside the VP8X chunk
        b"RIFF\x00\x00\x00\x00WEBPVP8L\x00",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",  # cut before the SOF
        b"\xff\xd8\xff\xe0\x00\x04ab" + b"\x00\xc0",  # no marker where one is due
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"GIF89a\x05",
    ],
)
def test_truncated_headers_give_the_type_without_a_size(data: bytes) -> None:
    sniffed = sniff_bytes(data)
    assert sniffed.format is not None
    assert (sniffed.width, sniffed.height) == (None, None)


def test_not_an_image_has_no_format() -> None:
    assert sniff_bytes(b"not an image") == Sniffed("text/plain", "us-ascii")
    assert sniff_bytes(b"not an image").format is None
    assert sniff_bytes(b"junk" * 10).format is None
    assert sniff_bytes(bytes(range(256))).format is None


def test_normalise_format() -> None:
    assert [normalise_format(f) for f in ("JPG", ".pjpg", "tif", "heic", "webp", "PNG")] == [
        "jpeg",
        "jpeg",
        "tiff",
        "heif",
        "webp",
        "png",
    ]
