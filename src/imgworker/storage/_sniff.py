"""Image format and size from the first bytes (no decoder): enough to check a rendition's header.

Formats: ``jpeg``, ``png``, ``gif``, ``webp``, ``avif``, ``heif``, ``tiff`` (no size), ``pdf``
(no size). Sources: the PNG (IHDR), GIF (logical screen), JPEG (SOFn), WebP container (VP8/VP8L/
VP8X) and ISOBMFF (``ftyp`` brand, ``ispe``) specifications.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class ImageHeader:
    """``format`` (lowercase name above), ``width``/``height`` in px or ``None`` when not read."""

    format: str
    width: int | None = None
    height: int | None = None


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(data: bytes) -> ImageHeader:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return ImageHeader("jpeg", width, height)
        i += 2 + length
    return ImageHeader("jpeg")


def _webp(data: bytes) -> ImageHeader:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        w, h = struct.unpack("<HH", data[26:30])
        return ImageHeader("webp", w & 0x3FFF, h & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return ImageHeader("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X" and len(data) >= 30:
        return ImageHeader("webp", int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1)
    return ImageHeader("webp")


def _isobmff(data: bytes) -> ImageHeader | None:
    brand = data[8:12]
    if brand in (b"avif", b"avis"):
        fmt = "avif"
    elif brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
        fmt = "heif"
    else:
        return None
    at = data.find(b"ispe", 0, 4096)
    if at >= 0 and at + 16 <= len(data):
        width, height = struct.unpack(">II", data[at + 8 : at + 16])
        return ImageHeader(fmt, width, height)
    return ImageHeader(fmt)


def sniff_image(data: bytes) -> ImageHeader | None:
    """The format (and size when the header has it) of an encoded image; ``None`` if not recognised."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageHeader("png", width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageHeader("gif", width, height)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    if data[4:8] == b"ftyp":
        return _isobmff(data)
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return ImageHeader("tiff")
    if data.startswith(b"%PDF-"):
        return ImageHeader("pdf")
    return None


_ALIASES = {"jpg": "jpeg", "pjpg": "jpeg", "jpe": "jpeg", "tif": "tiff", "heic": "heif"}


def normalise_format(fmt: str) -> str:
    """``"JPG"`` -> ``"jpeg"``, ``"tif"`` -> ``"tiff"``, ``"heic"`` -> ``"heif"``; others lowercased."""
    fmt = fmt.lower().lstrip(".")
    return _ALIASES.get(fmt, fmt)
