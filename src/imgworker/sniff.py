"""What a file or a byte string holds, from its first bytes (magic numbers), never from its name.

The one header sniffer of imgworker (no decoder, no third-party import), shared like
:mod:`imgworker.atomicfile` so that neither the SDK nor the stores depend on each other:

* the Asset Compute SDK (:mod:`imgworker.asset_compute.rendition`, ``imagecompare``) takes a rendition's
  mime type, text charset and pixel size from it, where the reference runs ``file -b --mime`` and the
  ``image-size`` library (asset-compute-pipeline ``lib/rendition.js``);
* ``aem-sim verify`` (:mod:`imgworker.storage.aem_sim`) checks a committed rendition's format and size.

The renderer names unreadable sources with its own table (:mod:`imgworker.render.sniff`).

What is recognised, reading the first 64 KiB (JPEG and TIFF sizes may seek further):

* images: JPEG (SOFn), PNG (IHDR), GIF (logical screen), WebP (VP8/VP8L/VP8X), TIFF (first IFD), BMP,
  AVIF/HEIC (ISOBMFF ``ftyp`` brand, size from the first ``ispe`` box), SVG (no size); PDF (no size);
* text: ``text/plain`` with charset ``us-ascii`` or ``utf-8`` (``file``'s names), JSON
  (``application/json``) and XML (``text/xml``);
* anything else, and anything under 2 bytes (``file``: "very short file"): ``application/octet-stream``.

A truncated or malformed header still gives the type, with ``width``/``height`` ``None``.
"""

from __future__ import annotations

import io
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

OCTET = "application/octet-stream"
_HEAD = 65536
_TEXT_CONTROL = set(range(0x20)) - {0x07, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1B}
_FORMATS = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/tiff": "tiff",
    "image/bmp": "bmp",
    "image/avif": "avif",
    "image/heic": "heif",
    "image/svg+xml": "svg",
    "application/pdf": "pdf",
}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"}
_ALIASES = {"jpg": "jpeg", "pjpg": "jpeg", "jpe": "jpeg", "tif": "tiff", "heic": "heif"}


@dataclass(frozen=True)
class Sniffed:
    """``mime`` (e.g. ``image/jpeg``), ``encoding`` (``us-ascii``/``utf-8`` for text, else None),
    ``width``/``height`` in px (None when unknown or not an image)."""

    mime: str
    encoding: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def content_type(self) -> str:
        """``mime`` plus ``; charset=<encoding>`` for text, as sent in the upload ``Content-Type``."""
        return f"{self.mime}; charset={self.encoding}" if self.encoding else self.mime

    @property
    def format(self) -> str | None:
        """The short format name of an image or PDF (``jpeg``, ``png``, ``gif``, ``webp``, ``tiff``, ``bmp``,
        ``avif``, ``heif``, ``svg``, ``pdf``; see :func:`normalise_format`), ``None`` for anything else."""
        return _FORMATS.get(self.mime)


def sniff_file(path: Path) -> Sniffed:
    """Detect what ``path`` holds; raises ``OSError`` if it cannot be read."""
    with path.open("rb") as fh:
        return _sniff(fh, os.fstat(fh.fileno()).st_size)


def sniff_bytes(data: bytes) -> Sniffed:
    """Detect what ``data`` is: the same answer :func:`sniff_file` gives for a file holding ``data``."""
    return _sniff(io.BytesIO(data), len(data))


def normalise_format(fmt: str) -> str:
    """``"JPG"`` -> ``"jpeg"``, ``".tif"`` -> ``"tiff"``, ``"heic"`` -> ``"heif"``; others lowercased, so a
    rendition's ``fmt`` compares with :attr:`Sniffed.format`."""
    fmt = fmt.lower().lstrip(".")
    return _ALIASES.get(fmt, fmt)


def _sniff(fh: BinaryIO, size: int) -> Sniffed:
    head = fh.read(_HEAD)
    mime = _magic(head)
    if mime is None:
        return _text(head, size)
    try:
        dimensions = _dimensions(mime, head, fh)
    except (struct.error, ValueError, IndexError):
        dimensions = None
    return Sniffed(mime, None, *(dimensions or (None, None)))


def _magic(head: bytes) -> str | None:
    if len(head) < 2:
        return None
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[:2] == b"BM" and len(head) >= 26:
        return "image/bmp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "image/avif"
        if brand in _HEIF_BRANDS:
            return "image/heic"
    stripped = head.lstrip()[:512].lower()
    if stripped.startswith(b"<svg") or (stripped.startswith(b"<?xml") and b"<svg" in head[:4096].lower()):
        return "image/svg+xml"
    return None


def _text(head: bytes, size: int) -> Sniffed:
    if size < 2 or any(b in _TEXT_CONTROL or b == 0x7F for b in head):
        return Sniffed(OCTET)
    encoding = "us-ascii" if all(b < 0x80 for b in head) else "utf-8"
    if encoding == "utf-8":
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the 64 KiB boundary
                return Sniffed(OCTET)
    stripped = head.strip()
    if stripped.startswith(b"<?xml"):
        return Sniffed("text/xml", encoding)
    if stripped[:1] in (b"{", b"[") and size <= _HEAD:
        try:
            json.loads(head)
            return Sniffed("application/json", encoding)
        except ValueError:
            pass
    return Sniffed("text/plain", encoding)


def _dimensions(mime: str, head: bytes, fh: BinaryIO) -> tuple[int, int] | None:
    if mime == "image/png" and head[12:16] == b"IHDR":
        w, h = struct.unpack(">II", head[16:24])
        return w, h
    if mime == "image/gif":
        w, h = struct.unpack("<HH", head[6:10])
        return w, h
    if mime == "image/bmp":
        w, h = struct.unpack("<ii", head[18:26])
        return w, abs(h)
    if mime == "image/webp":
        return _webp(head)
    if mime == "image/jpeg":
        return _jpeg(fh)
    if mime == "image/tiff":
        return _tiff(fh)
    if mime in ("image/avif", "image/heic"):
        return _ispe(head)
    return None


def _ispe(head: bytes) -> tuple[int, int] | None:
    """AVIF/HEIF: the first ``ispe`` (image spatial extents) property box, the primary image's in
    practice (ISO/IEC 23008-12): ``size, "ispe", version+flags, width, height`` (32-bit big-endian)."""
    at = head.find(b"ispe")
    if at < 4 or len(head) < at + 16:
        return None
    w, h = struct.unpack(">II", head[at + 8 : at + 16])
    return (w, h) if w and h else None


def _webp(head: bytes) -> tuple[int, int] | None:
    """The WebP container's first chunk: lossy ``VP8 `` frame header, lossless ``VP8L`` bit fields, or
    the extended ``VP8X`` canvas size (Google's "WebP Container Specification")."""
    chunk = head[12:16]
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", head[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and len(head) >= 25:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(head) >= 30:
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    return None


def _jpeg(fh: BinaryIO) -> tuple[int, int] | None:
    """Walk the marker segments (ITU-T T.81 B.1) to the first SOFn; a byte that is not a marker where
    one is due ends the walk without a size."""
    fh.seek(2)
    while True:
        marker = fh.read(2)
        while marker[:1] == b"\xff" and marker[1:2] == b"\xff":  # fill bytes
            marker = marker[1:] + fh.read(1)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        code = marker[1]
        if code in (0xD8, 0x01) or 0xD0 <= code <= 0xD7:
            continue
        (length,) = struct.unpack(">H", fh.read(2))
        if code in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            h, w = struct.unpack(">xHH", fh.read(5))
            return w, h
        if code == 0xD9 or length < 2:
            return None
        fh.seek(length - 2, 1)


def _tiff(fh: BinaryIO) -> tuple[int, int] | None:
    """``ImageWidth`` (256) and ``ImageLength`` (257) of the first IFD (TIFF 6.0)."""
    fh.seek(0)
    order = "<" if fh.read(2) == b"II" else ">"
    fh.seek(4)
    (offset,) = struct.unpack(order + "I", fh.read(4))
    fh.seek(offset)
    (count,) = struct.unpack(order + "H", fh.read(2))
    found: dict[int, int] = {}
    for _ in range(count):
        tag, kind, _n, raw = struct.unpack(order + "HHI4s", fh.read(12))
        if tag in (256, 257):
            fmt = order + ("H" if kind == 3 else "I")
            found[tag] = struct.unpack(fmt, raw[: struct.calcsize(fmt)])[0]
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None
