"""Probe and decode: header checks (pixel limit, formats) and strict, lazy loads with shrink-on-load."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pyvips

from imgworker.render import pdf, sniff
from imgworker.render.errors import (
    SourceCorrupt,
    SourceFormatUnsupported,
    SourceTooLarge,
)
from imgworker.render.vips import turbo
from imgworker.render.vips._common import _HEVC_DECODER, Image, _first_line, _hevc_unsupported, _safe_svg, classify

# libvips loader name prefix -> imgix/MIME format name
_LOADERS = {
    "jpegload": "jpeg", "pngload": "png", "webpload": "webp", "gifload": "gif", "heifload": "heif",
    "tiffload": "tiff", "svgload": "svg", "jxlload": "jxl", "pdfload": "pdf", "magickload": "magick",
    "jp2kload": "jp2", "ppmload": "ppm", "radload": "rad", "fitsload": "fits", "csvload": "csv",
    "matrixload": "matrix", "vipsload": "vips", "analyzeload": "analyze", "matload": "mat",
}  # fmt: skip
# Formats we accept as image input; others (csv, matrix, ...) are SourceFormatUnsupported.
INPUT_FORMATS = frozenset({"jpeg", "png", "webp", "gif", "heif", "tiff", "svg", "jxl", "pdf", "jp2", "ppm"})
DEFAULT_PIXEL_LIMIT = 268_402_689  # 0x3FFF * 0x3FFF, sharp's default limitInputPixels


@dataclass(frozen=True)
class SourceInfo:
    """What the header says. ``width``/``height`` are stored (not EXIF-rotated) pixels of one page."""

    format: str
    width: int
    height: int
    pages: int
    orientation: int
    has_alpha: bool
    bands: int
    interpretation: str
    has_icc: bool
    heif_compression: str | None = None
    page: int = 0
    icc: bytes | None = field(default=None, repr=False)  # the embedded ICC profile, if any
    resolution: tuple[float, float] = (1.0, 1.0)  # libvips xres, yres in px/mm (1.0: the file states none)
    iptc: bytes | None = field(default=None, repr=False)  # the IPTC block (Photoshop APP13), for iptc=allow

    @property
    def upright_size(self) -> tuple[int, int]:
        """(width, height) after EXIF orientation (5-8 swap the sides)."""
        return (self.height, self.width) if self.orientation in (5, 6, 7, 8) else (self.width, self.height)


def _open(data: bytes, **options: Any) -> Image:
    """A lazy image over ``data`` (libvips reads the bytes in place: no copy, unlike ``new_from_buffer``)."""
    return pyvips.Image.new_from_source(pyvips.Source.new_from_memory(data), "", **options)


def _loader_format(image: Image) -> str:
    loader = str(image.get("vips-loader"))
    for prefix, name in _LOADERS.items():
        if loader.startswith(prefix):
            return name
    return loader


def probe(data: bytes, *, pixel_limit: int = DEFAULT_PIXEL_LIMIT, page: int = 0) -> SourceInfo:
    """Read the header of ``data`` (no pixel decoding) for page/frame ``page`` (0-based, clamped).

    The loader is chosen from the bytes (never from a file name or Content-Type: field case A14).

    Raises:
        SourceCorrupt: empty data (A10) or an unreadable header (A09).
        SourceFormatUnsupported: bytes that are not an image format libvips reads here, naming what
            they look like (PSD, PDF, HTML, text ...), and HEIC when libheif has no HEVC decoder (A16).
        SourceTooLarge: width x height x pages above ``pixel_limit``, checked on the header before
            any pixel is decoded (decompression bombs, A11).
    """
    if not data:
        raise SourceCorrupt("source file is empty (0 bytes)")
    what = sniff.describe(data)
    if what == "a PDF document":
        return _probe_pdf(data, pixel_limit, page)
    if what == "an SVG image":
        data = _safe_svg(data)
    try:
        image = _open(data, access="sequential")
    except pyvips.Error as exc:
        if "unable to load from source" in str(exc):
            raise SourceFormatUnsupported(f"source is {what}, not an image format the renderer can read") from None
        raise SourceCorrupt(f"source image header is unreadable ({_first_line(exc)})") from None
    fmt = _loader_format(image)
    if fmt not in INPUT_FORMATS:
        raise SourceFormatUnsupported(f"source format {fmt!r} ({what}) is not supported")
    fields = set(image.get_fields())
    pages = int(image.get("n-pages")) if "n-pages" in fields else 1
    heif_compression = str(image.get("heif-compression")) if "heif-compression" in fields else None
    if heif_compression == "hevc" and not _HEVC_DECODER.get("ok", True):
        raise _hevc_unsupported()
    if page > 0 and pages > 1:
        page = min(page, pages - 1)
        try:
            image = _open(data, access="sequential", page=page)
        except pyvips.Error as exc:
            raise SourceCorrupt(f"page {page + 1} of the source is unreadable ({_first_line(exc)})") from None
    orientation = int(image.get("orientation")) if "orientation" in fields else 1
    if image.width * image.height * max(pages, 1) > pixel_limit:
        raise SourceTooLarge(
            f"source is {image.width}x{image.height} px x {pages} page(s), above the pixel limit of "
            f"{pixel_limit} pixels"
        )
    return SourceInfo(
        format=fmt,
        width=image.width,
        height=image.height,
        pages=pages,
        orientation=orientation if 1 <= orientation <= 8 else 1,
        has_alpha=bool(image.hasalpha()),
        bands=image.bands,
        interpretation=str(image.interpretation),
        has_icc="icc-profile-data" in fields,
        icc=bytes(image.get("icc-profile-data")) if "icc-profile-data" in fields else None,
        resolution=(float(image.xres), float(image.yres)),
        iptc=bytes(image.get("iptc-data")) if "iptc-data" in fields else None,
        heif_compression=heif_compression,
        page=page,
    )


def _probe_pdf(data: bytes, pixel_limit: int, page: int) -> SourceInfo:
    """A PDF page's header: its size in points is its size in pixels (72 dpi, :mod:`imgworker.render.pdf`)."""
    doc = pdf.probe(data, page)
    width, height = max(1, round(doc.width)), max(1, round(doc.height))
    if width * height > pixel_limit:
        raise SourceTooLarge(f"source PDF page is {width}x{height} pt, above the pixel limit of {pixel_limit} pixels")
    return SourceInfo(format="pdf", width=width, height=height, pages=doc.pages, orientation=1, has_alpha=False,
                      bands=3, interpretation="srgb", has_icc=False, page=doc.page)  # fmt: skip


def _load_pdf(data: bytes, info: SourceInfo, scale: float, annotations: bool) -> Image:
    doc = pdf.PdfInfo(pages=info.pages, page=info.page, width=info.width, height=info.height)  # from the probe
    pixels = pdf.rasterize(data, doc, scale, annotations=annotations)
    return pyvips.Image.new_from_array(pixels).copy(interpretation="srgb")


def load(
    data: bytes,
    info: SourceInfo,
    *,
    shrink: int = 1,
    page: int | None = None,
    n: int = 1,
    random: bool = False,
    scale: float = 1.0,
    annotations: bool = True,
) -> Image:
    """Decode ``data`` lazily with strict error checking (``fail_on="error"``: field case A09).

    Args:
        shrink: shrink-on-load factor (1, 2, 4 or 8) for JPEG; for WebP it becomes the loader's
            ``scale``; ignored for other formats.
        page: first page/frame (0-based; default ``info.page``); ``n``: number of pages (-1 = all,
            returned as one tall image with ``page-height`` set).
        random: random access (the decoded image is kept in memory) instead of sequential
            streaming; needed when later steps read rows out of order (rotation, vertical flip).
        scale: SVG and PDF: pixels per source pixel (SVG user unit, PDF point) to draw the vector
            source at (already capped: :func:`imgworker.render.loading.vector_scale`).
        annotations: PDF only: whether annotations are drawn (:mod:`imgworker.render.pdf`); a PDF
            page comes back in memory, opaque, 8-bit sRGB.

    SVG sources are sanitised first (:mod:`imgworker.render.svg_sanitize`). Returns a pyvips image
    (not yet evaluated).

    Raises:
        SourceCorrupt: a load failure; SourceFormatUnsupported: HEIC without an HEVC decoder.
    """
    if info.format == "pdf":
        return _load_pdf(data, info if page is None else replace(info, page=page), scale, annotations)
    if shrink > 1 and info.format == "jpeg" and n == 1 and info.bands == 3 and info.interpretation == "srgb":
        fast = turbo.decode(data, shrink, info.width, info.height, info.icc, info.resolution)  # same pixels, sooner
        if fast is not None:
            return fast
    options: dict[str, Any] = {"access": "random" if random else "sequential", "fail_on": "error"}
    if info.pages > 1 or info.format in ("gif", "webp", "tiff", "pdf", "heif"):
        options.update(page=info.page if page is None else page, n=n)
    if shrink > 1 and info.format == "jpeg":
        options["shrink"] = shrink
    elif shrink > 1 and info.format == "webp" and n == 1:
        options["scale"] = 1.0 / shrink
    elif info.format == "svg":
        options["unlimited"] = False
        if scale != 1.0:  # drawn at the output's density
            options["scale"] = scale
        data = _safe_svg(data)
    try:
        image = _open(data, **options)
    except pyvips.Error as exc:
        raise classify(exc) from None
    if info.heif_compression == "hevc":
        _HEVC_DECODER["ok"] = True
    return image


def header(data: bytes, page: int = 0) -> Image:
    """The header-only image of ``data`` (metadata fields readable, no pixels decoded).

    Raises :class:`SourceCorrupt` when the header cannot be read (call :func:`probe` first).
    """
    what = sniff.describe(data)
    if what == "an SVG image":
        data = _safe_svg(data)
    try:
        return _open(data, access="sequential", **({"page": page} if page else {}))
    except pyvips.Error as exc:
        raise SourceCorrupt(f"source image header is unreadable ({_first_line(exc)})") from None
