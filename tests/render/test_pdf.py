"""pdf.py: PDF pages rendered through the pipeline (page selection, density, annotations, errors).

The test PDFs are made here with pypdfium2 from real photos (tests/fixtures/rocket.jpg,
examples/photos/portrait.jpg): each US-letter page (612x792 pt) holds one photo 500 pt wide at
(56, 56) from the top-left and a red vector square of 94 pt at the bottom right.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from helpers import EXAMPLES, FIXTURES, decode, mad
from imgworker.render.errors import SourceCorrupt, SourceTooLarge
from imgworker.render.params import parse_query
from imgworker.render.pipeline import render
from imgworker.render.state import Limits

PHOTOS = (FIXTURES / "rocket.jpg", EXAMPLES / "portrait.jpg")
SQUARE = (462, 56, 94, 94)  # x, y from the bottom-left (PDF user space), w, h, in points


def _pdf(tmp_path: Path, photos: tuple[Path, ...] = PHOTOS, size: tuple[float, float] = (612, 792)) -> bytes:
    doc = pdfium.PdfDocument.new()
    for photo in photos:
        page = doc.new_page(*size)
        image = pdfium.PdfImage.new(doc)
        image.load_jpeg(str(photo), inline=True)
        w, h = image.get_px_size()
        k = 500 / w
        image.set_matrix(pdfium.PdfMatrix().scale(w * k, h * k).translate(56, size[1] - 56 - h * k))
        page.insert_obj(image)
        square = pdfium_raw.FPDFPageObj_CreateNewRect(*SQUARE)
        pdfium_raw.FPDFPageObj_SetFillColor(square, 220, 20, 30, 255)
        pdfium_raw.FPDFPath_SetDrawMode(square, pdfium_raw.FPDF_FILLMODE_WINDING, False)
        pdfium_raw.FPDFPage_InsertObject(page.raw, square)
        page.gen_content()
    out = tmp_path / "doc.pdf"
    doc.save(str(out))
    return out.read_bytes()


PHOTO_MAD = 8
"""PDFium draws the embedded JPEG without its ICC profile (rocket.jpg has one) and with its own
resampler: measured 5.9 and 4.0 against the colour-managed photo, against 113-115 for the wrong photo."""


def _go(data: bytes, query: str, limits: Limits | None = None) -> np.ndarray:
    return decode(render(data, parse_query(query + "&fm=png"), limits=limits).data).astype(int)


def _photo(path: Path, width: int) -> np.ndarray:
    return decode(render(path.read_bytes(), parse_query(f"w={width}&fm=png")).data).astype(int)


def test_page_one_is_the_default_and_shows_its_photo(tmp_path: Path) -> None:
    page = _go(_pdf(tmp_path), "w=612")  # 72 dpi: 1 px per point
    assert page.shape == (792, 612, 3)
    photo = _photo(PHOTOS[0], 500)
    assert mad(page[56 : 56 + photo.shape[0], 56:556], photo) < PHOTO_MAD  # the photo, where it was placed
    assert (page[:40, :] == 255).all()  # white margin, no alpha
    red = page[792 - 56 - 94 + 4 : 792 - 56 - 4, 462 + 4 : 462 + 94 - 4]
    assert (red[..., 0] > 200).all() and (red[..., 1] < 40).all()


def test_page_selects_and_clamps(tmp_path: Path) -> None:
    data = _pdf(tmp_path)
    second = _go(data, "w=612&page=2")
    photo = _photo(PHOTOS[1], 500)[: 792 - 56]  # 750 px tall: the page cuts its bottom off
    assert mad(second[56:, 56:556], photo) < PHOTO_MAD
    assert mad(second, _go(data, "w=612")) > 20
    assert np.array_equal(_go(data, "w=612&page=9"), second)  # past the end: the last page, as for TIFF


def test_large_renditions_are_drawn_at_their_density_not_enlarged(tmp_path: Path) -> None:
    big = _go(_pdf(tmp_path), "w=2448")  # 4 px per point
    assert big.shape == (3168, 2448, 3)
    row = big[3168 - 4 * (56 + 47), 4 * 440 : 4 * 480, 1]  # across the square's left edge (x = 462 pt)
    ramp = np.count_nonzero((row > 40) & (row < 215))
    assert ramp <= 2, row  # a crisp vector edge (a 72 dpi raster enlarged 4x would ramp over ~8 px)


def test_crop_and_json(tmp_path: Path) -> None:
    data = _pdf(tmp_path)
    out = render(data, parse_query("w=200&h=200&fit=crop"))
    assert (out.width, out.height, out.content_type) == (200, 200, "image/jpeg")
    doc = json.loads(render(data, parse_query("fm=json&page=2")).data)
    assert (doc["PixelWidth"], doc["PixelHeight"], doc["Content-Type"]) == (612, 792, "application/pdf")
    assert doc["PDF"] == {"PageCount": 2, "Page": 2} and doc["HasAlpha"] is False


def test_pdf_annotation_false_leaves_annotations_out(tmp_path: Path) -> None:
    doc = pdfium.PdfDocument.new()
    page = doc.new_page(200, 200)
    annot = pdfium_raw.FPDFPage_CreateAnnot(page.raw, pdfium_raw.FPDF_ANNOT_SQUARE)
    pdfium_raw.FPDFAnnot_SetRect(annot, pdfium_raw.FS_RECTF(20, 20, 120, 120))
    for kind in (pdfium_raw.FPDFANNOT_COLORTYPE_Color, pdfium_raw.FPDFANNOT_COLORTYPE_InteriorColor):
        pdfium_raw.FPDFAnnot_SetColor(annot, kind, 0, 0, 255, 255)
    pdfium_raw.FPDFPage_CloseAnnot(annot)
    page.gen_content()
    doc.save(str(tmp_path / "annot.pdf"))
    data = (tmp_path / "annot.pdf").read_bytes()
    shown, hidden = _go(data, "w=200"), _go(data, "w=200&pdf-annotation=false")
    assert list(shown[100, 70]) == [0, 0, 255]
    assert (hidden == 255).all()


def test_broken_and_oversized_pdfs(tmp_path: Path) -> None:
    data = _pdf(tmp_path)
    with pytest.raises(SourceCorrupt):
        render(b"%PDF-1.7\n" + b"\x00" * 64, parse_query("w=100"))
    with pytest.raises(SourceCorrupt):
        render(data[: len(data) // 3], parse_query("w=100"))
    huge = _pdf(tmp_path, photos=PHOTOS[:1], size=(14400, 14400))
    with pytest.raises(SourceTooLarge):
        render(huge, parse_query("w=100"), limits=Limits(pixel_limit=100_000_000))


def _raw_pdf(page_objects: list[bytes], content: bytes = b"", compress: bool = True) -> bytes:
    """A hand-written PDF: catalog, the given page-tree objects (from object 2), one content stream."""
    import zlib

    body = zlib.compress(content, 1) if compress else content
    stream = b"<< /Length %d %s>>\nstream\n" % (len(body), b"/Filter /FlateDecode " if compress else b"")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", *page_objects, stream + body + b"\nendstream"]
    out, offsets = b"%PDF-1.7\n", []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


ONE_PAGE = [b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"]  # fmt: skip


def test_a_slow_pdf_is_stopped_at_the_deadline_and_blocks_nobody(tmp_path: Path) -> None:
    """300,000 full-page fills (13 KB compressed) take PDFium many seconds; the child drawing them is
    killed at the deadline (503), and another PDF renders meanwhile without waiting for it."""
    import threading
    import time

    from imgworker.render.errors import RenderTimeout

    heavy = _raw_pdf(ONE_PAGE, b"0 0 1 rg " + b"1 1 610 790 re f " * 300_000)
    outcome: list[object] = []

    def slow() -> None:
        start = time.monotonic()
        try:
            render(heavy, parse_query("w=600"), limits=Limits(deadline_s=3))
            outcome.append("finished")
        except RenderTimeout:
            outcome.append(time.monotonic() - start)

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.3)
    start = time.monotonic()
    quick = render(_pdf(tmp_path), parse_query("w=100"))
    assert quick.width == 100 and time.monotonic() - start < 2.5  # not queued behind the slow one
    worker.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], float) and outcome[0] < 4.5, outcome


def test_damaged_page_trees_and_bombs_are_clean_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    cyclic = _raw_pdf([b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                       b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"])  # fmt: skip
    for query in ("w=300", "fm=json", "rasterize-bypass=true"):
        with pytest.raises(SourceCorrupt):
            render(cyclic, parse_query(query))
    # 1 GB of spaces in one content stream (1 MB compressed) against a 768 MiB cap for the child:
    # the child fails or dies, the renderer answers 422 and its own memory is untouched
    from imgworker.render import pdf

    monkeypatch.setattr(pdf, "MEMORY_LIMIT", 768 << 20)
    bomb = _raw_pdf(ONE_PAGE, b" " * (1 << 30))
    with pytest.raises((SourceCorrupt, SourceTooLarge), match="MiB allowed"):
        render(bomb, parse_query("w=100"))
    assert len(render(_raw_pdf(ONE_PAGE, b"0 0 1 rg 10 10 100 100 re f"), parse_query("w=50")).data) > 0
