"""Name the type of a source from its first bytes (magic numbers), never from its name.

Used for error messages when libvips cannot read a source (field cases A14, A16, A18): the client
learns *what* it sent ("a Photoshop document (PSD)", "an HTML page", "text") instead of a generic
"not an image". The decoder itself is always chosen by libvips from the bytes, so a PNG named
``photo.jpg`` renders as a PNG. Signatures follow the WHATWG MIME Sniffing standard's image and
archive patterns (https://mimesniff.spec.whatwg.org/) plus PSD, HEIF brands and PDF.
"""

from __future__ import annotations

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"8BPS", "a Photoshop document (PSD)"),
    (b"%PDF-", "a PDF document"),
    (b"%!PS", "a PostScript document"),
    (b"BM", "a BMP image"),
    (b"\x00\x00\x01\x00", "an ICO image"),
    (b"\xff\x0a", "a JPEG XL image"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "a JPEG XL image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
)
_HEIF_BRANDS = {b"heic": "HEIC", b"heix": "HEIC", b"hevc": "HEIC", b"heim": "HEIC", b"heis": "HEIC",
                b"mif1": "HEIF", b"msf1": "HEIF", b"avif": "AVIF", b"avis": "AVIF"}  # fmt: skip


def describe(data: bytes) -> str:
    """A short noun phrase naming what ``data`` looks like, e.g. ``"a PNG image"`` or ``"text"``."""
    if not data:
        return "an empty file (0 bytes)"
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a WebP image"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _HEIF_BRANDS:
            return f"a {_HEIF_BRANDS[brand]} image"
        if brand[:2] in (b"qt", b"is", b"mp", b"M4", b"3g"):
            return "a video (MP4/QuickTime)"
    head = data[:512].lstrip()
    lower = head.lower()
    if lower.startswith((b"<!doctype html", b"<html")) or b"<html" in lower[:256]:
        return "an HTML page"
    if b"<svg" in lower:
        return "an SVG image"
    if lower.startswith(b"<?xml"):
        return "an XML document"
    if lower.startswith((b"{", b"[")):
        return "JSON or text"
    if _is_text(data[:1024]):
        return "text"
    return "binary data of an unknown type"


def _is_text(chunk: bytes) -> bool:
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\r\n\t\f" for c in text)


def is_heic(data: bytes) -> bool:
    """Whether ``data`` is an HEVC-coded HEIF file (brand ``heic``/``heix``/...)."""
    return data[4:8] == b"ftyp" and _HEIF_BRANDS.get(data[8:12]) == "HEIC"
