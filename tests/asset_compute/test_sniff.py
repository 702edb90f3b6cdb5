"""sniff: mime type, charset and pixel size of renditions, checked against file(1)'s answers."""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvips

from imgworker.asset_compute.sniff import sniff_file


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


def test_truncated_jpeg_has_no_size(tmp_path: Path) -> None:
    path = tmp_path / "t.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    sniffed = sniff_file(path)
    assert (sniffed.mime, sniffed.width) == ("image/jpeg", None)


def test_avif_dimensions_from_the_ispe_box(tmp_path: Path) -> None:
    import pyvips

    for name, width, height in (("a.avif", 226, 150), ("b.avif", 31, 97)):
        path = tmp_path / name
        pyvips.Image.black(width, height, bands=3).write_to_file(str(path))
        sniffed = sniff_file(path)
        assert (sniffed.mime, sniffed.width, sniffed.height) == ("image/avif", width, height)
