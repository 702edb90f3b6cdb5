"""PDF sources: page count, page size and rasterisation with PDFium (``pypdfium2``).

The libvips of ``pyvips-binary`` has no PDF loader, so PDF pages are rasterised by PDFium, Chrome's
PDF engine, through ``pypdfium2`` (https://pypdfium2.readthedocs.io). imgix renders page 1 of a PDF
by default and ``page=N`` (1-based) selects another (https://docs.imgix.com/apis/rendering/pdf/page);
``pdf-annotation=false`` leaves annotations out (/pdf/pdf-annotation).

Sizes: a page's "source pixels" are its PDF points (1/72 in, the page's crop box, after its
``/Rotate``), i.e. the page at 72 dpi, the density imgix documents for rasterised vectors. Pages are
drawn opaque on white (no alpha) at the density the output needs, so a large rendition of a PDF is
sharp rather than an enlarged 72 dpi raster (see :func:`rasterize`).

PDFium is not thread-safe: every call here holds one process-wide lock (the render server runs
renders on a thread pool). JavaScript and forms are never initialised. PDFium's rasterisation cannot
be interrupted: the pixel limit bounds its work, the request deadline is checked before and after.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pypdfium2 as pdfium

from imgworker.render.errors import SourceCorrupt, SourceFormatUnsupported

_LOCK = threading.Lock()
MAX_SIDE = 8192
"""Largest side (px) a page is rasterised at (imgix's output cap)."""


@dataclass(frozen=True)
class PdfInfo:
    """``pages`` in the document; ``width`` x ``height`` of page ``page`` (0-based) in points."""

    pages: int
    page: int
    width: float
    height: float


def _open(data: bytes) -> Any:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise SourceFormatUnsupported("source is a password-protected PDF document") from None
        raise SourceCorrupt(f"source PDF cannot be read ({exc})") from None


def probe(data: bytes, page: int = 0) -> PdfInfo:
    """Page count and the size in points of page ``page`` (0-based, clamped to the last page).

    Raises:
        SourceCorrupt: not a readable PDF, or a document without pages.
        SourceFormatUnsupported: a password-protected PDF.
    """
    with _LOCK:
        doc = _open(data)
        try:
            pages = len(doc)
            if pages < 1:
                raise SourceCorrupt("source PDF has no pages")
            page = min(max(page, 0), pages - 1)
            width, height = doc.get_page_size(page)
        finally:
            doc.close()
    if not (width > 0 and height > 0):
        raise SourceCorrupt(f"page {page + 1} of the source PDF has no area")
    return PdfInfo(pages=pages, page=page, width=float(width), height=float(height))


def density(info: PdfInfo, scale: float, pixel_limit: int) -> float:
    """The rasterisation scale (pixels per point) closest to ``scale`` that keeps the page within
    :data:`MAX_SIDE` a side and ``pixel_limit`` pixels, and at least 1 px a side."""
    cap = min(MAX_SIDE / info.width, MAX_SIDE / info.height, (pixel_limit / (info.width * info.height)) ** 0.5)
    return float(max(min(scale, cap), 1.0 / min(info.width, info.height)))


def rasterize(data: bytes, info: PdfInfo, scale: float, *, annotations: bool = True) -> np.ndarray[Any, Any]:
    """Page ``info.page`` drawn on white at ``scale`` pixels per point: an RGB uint8 array (H, W, 3).

    Raises:
        SourceCorrupt: PDFium fails to draw the page.
    """
    with _LOCK:
        doc = _open(data)
        try:
            page = doc[info.page]
            try:
                bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255), draw_annots=annotations,
                                     rev_byteorder=True, may_draw_forms=False)  # fmt: skip
                pixels = np.array(bitmap.to_numpy(), copy=True)
            except pdfium.PdfiumError as exc:
                raise SourceCorrupt(f"page {info.page + 1} of the source PDF cannot be drawn ({exc})") from None
            finally:
                page.close()
        finally:
            doc.close()
    return pixels[:, :, :3]
