"""sniff.py: naming what a source is from its first bytes."""

from __future__ import annotations

import pytest

from helpers import fixture
from imgworker.render import sniff


@pytest.mark.parametrize(
    ("name", "words"),
    [("rocket.jpg", "JPEG"), ("logo.png", "PNG"), ("photo.jpg", "PNG"), ("LV_cogs.gif", "GIF"),
     ("SH_animated-loop-3.webp", "WebP"), ("PL_multipage.tiff", "TIFF"), ("PL_hopper.psd", "PSD"),
     ("PL_hopper.heif", "HEIC"), ("PL_rot0mir0.avif", "AVIF"), ("extimg.svg", "SVG"), ("fake.jpg", "text")],
)  # fmt: skip
def test_describe_fixtures(name: str, words: str) -> None:
    assert words in sniff.describe(fixture(name).read_bytes())


@pytest.mark.parametrize(
    ("data", "words"),
    [(b"", "empty"), (b"%PDF-1.7", "PDF"), (b"<!doctype html><p>", "HTML"), (b'{"a": 1}', "JSON"),
     (b"PK\x03\x04....", "ZIP"), (b"\x00\x01\x02\xff\xfe", "unknown"), (b"<?xml version='1.0'?><x/>", "XML")],
)  # fmt: skip
def test_describe_bytes(data: bytes, words: str) -> None:
    assert words in sniff.describe(data)


def test_is_heic() -> None:
    assert sniff.is_heic(fixture("PL_hopper.heif").read_bytes())
    assert not sniff.is_heic(fixture("PL_rot0mir0.avif").read_bytes())
