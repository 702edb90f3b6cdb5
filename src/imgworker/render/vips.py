"""The only module that imports pyvips: typed probe, load (shrink-on-load) and save wrappers.

Strict decoding: every load uses ``fail_on="error"`` so a truncated or damaged file raises instead of
shipping a grey half (field case A09); libvips decodes lazily, so errors can surface while the
pipeline evaluates: :func:`evaluate` turns those into :class:`~imgworker.render.errors.SourceCorrupt`.
The pixel limit is checked on the header, before any pixel is decoded (field case A11).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyvips

from imgworker.render import deadline, sniff
from imgworker.render.errors import (
    BadRequest,
    RenderError,
    SourceCorrupt,
    SourceFormatUnsupported,
    SourceTooLarge,
)
from imgworker.render.svg_sanitize import UnsafeSvg, sanitize

Image = Any  # pyvips.Image (pyvips has no type stubs)

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

    @property
    def upright_size(self) -> tuple[int, int]:
        """(width, height) after EXIF orientation (5-8 swap the sides)."""
        return (self.height, self.width) if self.orientation in (5, 6, 7, 8) else (self.width, self.height)


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
    if what == "an SVG image":
        data = _safe_svg(data)
    try:
        image = pyvips.Image.new_from_buffer(data, "", access="sequential")
    except pyvips.Error as exc:
        if "unable to load from buffer" in str(exc):
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
            image = pyvips.Image.new_from_buffer(data, "", access="sequential", page=page)
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
        heif_compression=heif_compression,
        page=page,
    )


# Learned on the first HEVC decode attempt: {"ok": False} once libheif said it has no decoder.
_HEVC_DECODER: dict[str, bool] = {}


def _hevc_unsupported() -> SourceFormatUnsupported:
    return SourceFormatUnsupported(
        "source is a HEIC (HEVC-coded HEIF) image and this renderer's libheif has no HEVC decoder; "
        "AVIF and other formats are supported"
    )


def _safe_svg(data: bytes) -> bytes:
    try:
        return sanitize(data)
    except UnsafeSvg as exc:
        raise SourceCorrupt(f"source SVG cannot be read ({exc})") from None


_NOISE = ("unable to call", "unable to write to target", "load error", "killed for image")


def _first_line(exc: BaseException) -> str:
    """The most telling line of a libvips error (the cause, not the operation that wrapped it)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    telling = [line for line in lines if not any(n in line for n in _NOISE)]
    return (telling or lines or [type(exc).__name__])[0]


def load(
    data: bytes, info: SourceInfo, *, shrink: int = 1, page: int | None = None, n: int = 1, random: bool = False
) -> Image:
    """Decode ``data`` lazily with strict error checking (``fail_on="error"``: field case A09).

    Args:
        shrink: shrink-on-load factor (1, 2, 4 or 8) for JPEG; for WebP it becomes the loader's
            ``scale``; ignored for other formats.
        page: first page/frame (0-based; default ``info.page``); ``n``: number of pages (-1 = all,
            returned as one tall image with ``page-height`` set).
        random: random access (the decoded image is kept in memory) instead of sequential
            streaming; needed when later steps read rows out of order (rotation, vertical flip).

    SVG sources are sanitised first (:mod:`imgworker.render.svg_sanitize`). Returns a pyvips image
    (not yet evaluated).

    Raises:
        SourceCorrupt: a load failure; SourceFormatUnsupported: HEIC without an HEVC decoder.
    """
    options: dict[str, Any] = {"access": "random" if random else "sequential", "fail_on": "error"}
    if info.pages > 1 or info.format in ("gif", "webp", "tiff", "pdf", "heif"):
        options.update(page=info.page if page is None else page, n=n)
    if shrink > 1 and info.format == "jpeg":
        options["shrink"] = shrink
    elif shrink > 1 and info.format == "webp" and n == 1:
        options["scale"] = 1.0 / shrink
    elif info.format == "svg":
        options["unlimited"] = False
        data = _safe_svg(data)
    try:
        image = pyvips.Image.new_from_buffer(data, "", **options)
    except pyvips.Error as exc:
        raise classify(exc) from None
    if info.heif_compression == "hevc":
        _HEVC_DECODER["ok"] = True
    return image


def new_from_array(rows: Sequence[Sequence[float]]) -> Image:
    return pyvips.Image.new_from_array(rows)


def black(width: int, height: int, bands: int = 1) -> Image:
    return pyvips.Image.black(width, height, bands=bands)


def solid(width: int, height: int, rgba: Sequence[float]) -> Image:
    """A ``width`` x ``height`` sRGB image of one colour (3 or 4 values 0-255)."""
    base = pyvips.Image.black(width, height, bands=len(rgba)).new_from_image(list(rgba))
    return base.copy(interpretation="srgb").cast("uchar")


def svg(markup: str) -> Image:
    """Render SVG text (no external references are resolved)."""
    return pyvips.Image.svgload_buffer(markup.encode("utf-8"), unlimited=False)


def text(markup: str, **options: Any) -> Image:
    """Pango text rendering (``pyvips.Image.text``).

    Raises:
        BadRequest: the text cannot be drawn at that size (cairo's surfaces stop at 32767 px a side;
            a huge ``txt-size`` or a very long line).
    """
    try:
        return pyvips.Image.text(markup, **options)
    except pyvips.Error as exc:
        raise BadRequest(f"the text (`txt`) cannot be drawn at this size ({_first_line(exc)})") from None


def from_buffer(data: bytes, **options: Any) -> Image:
    try:
        return pyvips.Image.new_from_buffer(data, "", **options)
    except pyvips.Error as exc:
        raise SourceCorrupt(f"image cannot be decoded ({_first_line(exc)})") from None


def thumbnail_image(image: Image, width: int, **options: Any) -> Image:
    return image.thumbnail_image(width, **options)


def set_int(image: Image, name: str, value: int) -> Image:
    out = image.copy()
    out.set_type(pyvips.GValue.gint_type, name, value)
    return out


def set_blob(image: Image, name: str, value: bytes) -> Image:
    out = image.copy()
    out.set_type(pyvips.GValue.blob_type, name, value)
    return out


def save(image: Image, suffix: str, **options: Any) -> bytes:
    """Encode (``suffix`` e.g. ``.jpg``) and return the bytes, evaluating the whole pipeline.

    The evaluation is watched by the request deadline (:func:`watch`).

    Raises :class:`SourceCorrupt` when a lazy decode fails during evaluation,
    :class:`RenderTimeout` when the deadline stopped it, and :class:`RenderError` for other
    libvips failures.
    """
    deadline.check()
    try:
        data: bytes = watch(image).write_to_buffer(suffix, **options)
    except pyvips.Error as exc:
        raise classify(exc) from None
    return data


def evaluate(image: Image) -> Image:
    """Force evaluation into memory (used before operations that read pixels several times)."""
    deadline.check()
    try:
        return watch(image).copy_memory()
    except pyvips.Error as exc:
        raise classify(exc) from None


def watch(image: Image) -> Image:
    """Attach the current request deadline to ``image`` before it is evaluated.

    libvips reports progress on the image being evaluated; the ``eval`` handler calls
    ``set_kill(True)`` once the deadline has passed, which stops the worker threads at their next
    tile. No-op without a deadline.
    """
    at = deadline.expires_at()
    if at is None:
        return image

    def on_eval(target: Image, _progress: Any) -> None:
        if deadline.expired():
            target.set_kill(True)

    image.set_progress(True)
    image.signal_connect("eval", on_eval)
    return image


def classify(exc: BaseException) -> RenderError:
    """Turn a libvips error raised during loading or evaluation into the right :class:`RenderError`."""
    message = str(exc)
    lower = message.lower()
    if "killed" in lower and deadline.expires_at() is not None:
        return deadline.timeout_error()
    if "has not been built in" in lower and "hevc" in lower:
        _HEVC_DECODER["ok"] = False
        return _hevc_unsupported()
    decode_words = ("load", "premature", "corrupt", "truncated", "read error", "not a", "unexpected end",
                    "bad huffman", "invalid", "libpng", "gif", "decode", "vipsjpeg", "heif", "webp",
                    "tiff", "svg", "out of order", "short read")  # fmt: skip
    if any(w in lower for w in decode_words):
        return SourceCorrupt(f"source image cannot be decoded ({_first_line(exc)})")
    return RenderError(f"rendering failed ({_first_line(exc)})")


def to_numpy(image: Image) -> Any:
    """The image as a numpy array (H, W, bands)."""
    return image.numpy()


def from_numpy(array: Any) -> Image:
    return pyvips.Image.new_from_array(array)


def version() -> str:
    return f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"


def has_saver(name: str) -> bool:
    """Whether this libvips build has the saver (e.g. ``jxlsave``)."""
    try:
        pyvips.Operation.new_from_name(name)
    except pyvips.Error:
        return False
    return True


def arrayjoin(images: Sequence[Image], across: int = 1) -> Image:
    """Join images in a grid ``across`` wide (``across=1``: stacked vertically, e.g. animation frames)."""
    return pyvips.Image.arrayjoin(list(images), across=across)


def set_array_int(image: Image, name: str, values: Sequence[int]) -> Image:
    """A copy of ``image`` with an int-array metadata field (e.g. ``delay`` in ms per frame)."""
    out = image.copy()
    out.set_type(pyvips.GValue.array_int_type, name, [int(v) for v in values])
    return out


def header(data: bytes, page: int = 0) -> Image:
    """The header-only image of ``data`` (metadata fields readable, no pixels decoded).

    Raises :class:`SourceCorrupt` when the header cannot be read (call :func:`probe` first).
    """
    what = sniff.describe(data)
    if what == "an SVG image":
        data = _safe_svg(data)
    try:
        return pyvips.Image.new_from_buffer(data, "", access="sequential", **({"page": page} if page else {}))
    except pyvips.Error as exc:
        raise SourceCorrupt(f"source image header is unreadable ({_first_line(exc)})") from None


def mask(rows: Sequence[Sequence[float]], scale: float = 1.0) -> Image:
    """A convolution mask (``rows`` of coefficients) whose result is divided by ``scale``."""
    return pyvips.Image.new_from_array(rows, scale=scale)


def xyz(width: int, height: int) -> Image:
    """A 2-band uint image whose pixel (x, y) holds (x, y): coordinates for procedural patterns."""
    return pyvips.Image.xyz(width, height)
