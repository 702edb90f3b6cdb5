"""PDF sources: page count, page size and rasterisation with PDFium (``pypdfium2``), in a child process.

The libvips of ``pyvips-binary`` has no PDF loader, so PDF pages are rasterised by PDFium, Chrome's
PDF engine, through ``pypdfium2`` (https://pypdfium2.readthedocs.io). imgix renders page 1 of a PDF
by default and ``page=N`` (1-based) selects another (https://docs.imgix.com/apis/rendering/pdf/page);
``pdf-annotation=false`` leaves annotations out (/pdf/pdf-annotation).

Sizes: a page's "source pixels" are its PDF points (1/72 in, the page's crop box, after its
``/Rotate``), i.e. the page at 72 dpi, the density imgix documents for rasterised vectors. Pages are
drawn opaque on white (no alpha) at the density the output needs, so a large rendition of a PDF is
sharp rather than an enlarged 72 dpi raster (the density is chosen and capped by
:func:`imgworker.render.loading.vector_scale`).

Isolation: PDFium parses untrusted files, cannot be interrupted, is not thread-safe, and a PDF can
hold a decompression bomb or millions of drawing operations. So every call runs in a short-lived
child process (``multiprocessing`` "forkserver", about 5-10 ms each): the child's address space is
capped at :data:`MEMORY_LIMIT`, it is killed when the request deadline passes (503), a crash or an
exhausted limit becomes a clean error, and PDFs render in parallel without a lock. Where a child
cannot be started (inside a daemonic process), the work runs here under one process-wide lock.
JavaScript and forms are never initialised.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import pypdfium2 as pdfium

from imgworker.render import deadline
from imgworker.render.errors import RenderError, SourceCorrupt, SourceFormatUnsupported, SourceTooLarge

MEMORY_LIMIT = 3 << 30
"""Address space (bytes) a PDF child process may use; past it the render fails with 422."""
NO_DEADLINE_TIMEOUT_S = 120.0
"""How long a PDF child may run when the request has no deadline."""

_CTX = multiprocessing.get_context("forkserver")
_CTX.set_forkserver_preload([__name__])
_LOCK = threading.Lock()  # for the in-process fallback only
_ERRORS: dict[str, type[RenderError]] = {
    c.__name__: c for c in (SourceCorrupt, SourceFormatUnsupported, SourceTooLarge, RenderError)
}


@dataclass(frozen=True)
class PdfInfo:
    """``pages`` in the document; ``width`` x ``height`` of page ``page`` (0-based) in points."""

    pages: int
    page: int
    width: float
    height: float


def probe(data: bytes, page: int = 0) -> PdfInfo:
    """Page count and the size in points of page ``page`` (0-based, clamped to the last page).

    Raises:
        SourceCorrupt: not a readable PDF, a document without pages, or PDFium failed on it.
        SourceFormatUnsupported: a password-protected PDF.
        RenderTimeout: the request deadline passed (the child is killed).
    """
    reply = _run("probe", data, page, 1.0, True)
    assert isinstance(reply, PdfInfo)
    return reply


def rasterize(data: bytes, info: PdfInfo, scale: float, *, annotations: bool = True) -> np.ndarray[Any, Any]:
    """Page ``info.page`` drawn on white at ``scale`` pixels per point: an RGB uint8 array (H, W, 3).

    Raises:
        SourceCorrupt: PDFium fails to draw the page, crashes, or needs more than MEMORY_LIMIT.
        RenderTimeout: the request deadline passed (the child is killed, its CPU freed).
    """
    reply = _run("draw", data, info.page, scale, annotations)
    assert isinstance(reply, np.ndarray)
    return reply


# -- parent side -----------------------------------------------------------------------------------


def _run(task: str, data: bytes, page: int, scale: float, annotations: bool) -> PdfInfo | np.ndarray[Any, Any]:
    deadline.check()
    receive, send = _CTX.Pipe(duplex=False)
    try:
        proc = _CTX.Process(target=_child, args=(send, task, data, page, scale, annotations, MEMORY_LIMIT),
                            daemon=True, name="imgworker-pdf")  # fmt: skip
        proc.start()
    except (AssertionError, OSError):  # no children here (a daemonic process): do it in-process
        receive.close()
        send.close()
        with _LOCK:
            return _work(task, data, page, scale, annotations)
    send.close()
    left = deadline.remaining()
    try:
        if not receive.poll(NO_DEADLINE_TIMEOUT_S if left is None else left):
            proc.kill()
            if left is None:
                raise SourceCorrupt(f"PDFium did not finish this PDF within {NO_DEADLINE_TIMEOUT_S:g} s")
            raise deadline.timeout_error()
        reply = receive.recv()
        if reply[0] == "error":
            raise _ERRORS.get(reply[1], RenderError)(reply[2])
        if reply[0] == "info":
            info: PdfInfo = reply[1]
            return info
        shape = reply[1]
        return np.frombuffer(receive.recv_bytes(), dtype=np.uint8).reshape(shape)
    except EOFError:
        proc.join(timeout=5)
        raise SourceCorrupt(
            f"PDFium stopped on this PDF (exit {proc.exitcode}): a damaged file, or one that needs more "
            f"than the {MEMORY_LIMIT >> 20} MiB allowed"
        ) from None
    finally:
        receive.close()
        if proc.is_alive():
            proc.kill()
        proc.join(timeout=5)


# -- child side ------------------------------------------------------------------------------------


def _child(conn: Connection, task: str, data: bytes, page: int, scale: float, annotations: bool, memory: int) -> None:
    """Entry point of a PDF child process: one task, one reply, exit (address space capped at ``memory``)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        result = _work(task, data, page, scale, annotations)
        if isinstance(result, PdfInfo):
            conn.send(("info", result))
        else:
            conn.send(("pixels", result.shape))
            conn.send_bytes(np.ascontiguousarray(result).tobytes())
    except RenderError as exc:
        conn.send(("error", type(exc).__name__, exc.message))
    except MemoryError:
        conn.send(("error", "SourceTooLarge", f"drawing this PDF needs more than the {memory >> 20} MiB allowed"))
    finally:
        conn.close()


def _work(task: str, data: bytes, page: int, scale: float, annotations: bool) -> PdfInfo | np.ndarray[Any, Any]:
    doc = _open(data)
    try:
        pages = len(doc)
        if pages < 1:
            raise SourceCorrupt("source PDF has no pages")
        page = min(max(page, 0), pages - 1)
        if task == "probe":
            width, height = doc.get_page_size(page)
            if not (width > 0 and height > 0):
                raise SourceCorrupt(f"page {page + 1} of the source PDF has no area")
            return PdfInfo(pages=pages, page=page, width=float(width), height=float(height))
        pdf_page = doc[page]
        try:
            bitmap = pdf_page.render(scale=scale, fill_color=(255, 255, 255, 255), draw_annots=annotations,
                                     rev_byteorder=True, may_draw_forms=False)  # fmt: skip
            return np.array(bitmap.to_numpy(), copy=True)[:, :, :3]
        finally:
            pdf_page.close()
    except pdfium.PdfiumError as exc:
        raise SourceCorrupt(f"page {page + 1} of the source PDF cannot be read ({exc})") from None
    finally:
        doc.close()


def _open(data: bytes) -> Any:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise SourceFormatUnsupported("source is a password-protected PDF document") from None
        detail = str(exc).replace(" (PDFium: Success)", " (no page tree PDFium can use)")  # PDFium's odd wording
        raise SourceCorrupt(f"source PDF cannot be read ({detail})") from None
