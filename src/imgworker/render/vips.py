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

from imgworker.render.errors import RenderError, SourceCorrupt, SourceFormatUnsupported, SourceTooLarge

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


def probe(data: bytes, *, pixel_limit: int = DEFAULT_PIXEL_LIMIT) -> SourceInfo:
    """Read the header of ``data`` (no pixel decoding).

    Raises:
        SourceCorrupt: empty or unreadable data.
        SourceFormatUnsupported: bytes that are not an image format libvips reads here.
        SourceTooLarge: width x height x pages above ``pixel_limit``.
    """
    if not data:
        raise SourceCorrupt("source file is empty (0 bytes)")
    try:
        image = pyvips.Image.new_from_buffer(data, "", access="sequential")
    except pyvips.Error as exc:
        if "unable to load from buffer" in str(exc):
            raise SourceFormatUnsupported("source is not an image format the renderer can read") from None
        raise SourceCorrupt(f"source image header is unreadable ({_first_line(exc)})") from None
    fmt = _loader_format(image)
    if fmt not in INPUT_FORMATS:
        raise SourceFormatUnsupported(f"source format {fmt!r} is not supported")
    fields = set(image.get_fields())
    pages = int(image.get("n-pages")) if "n-pages" in fields else 1
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
        heif_compression=str(image.get("heif-compression")) if "heif-compression" in fields else None,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1].strip() if text else type(exc).__name__


def load(data: bytes, info: SourceInfo, *, shrink: int = 1, page: int = 0, n: int = 1) -> Image:
    """Decode ``data`` lazily with strict error checking.

    Args:
        shrink: shrink-on-load factor (1, 2, 4 or 8) for JPEG; for WebP/HEIF/SVG it becomes the
            loader's ``scale``/``thumbnail`` equivalent where available, else ignored.
        page: first page/frame (0-based); ``n``: number of pages (-1 = all).

    Returns a pyvips image (not yet evaluated). Raises :class:`SourceCorrupt` on a load failure.
    """
    options: dict[str, Any] = {"access": "sequential", "fail_on": "error"}
    if info.pages > 1 or info.format in ("gif", "webp", "tiff", "pdf", "heif"):
        options.update(page=page, n=n)
    if shrink > 1 and info.format == "jpeg":
        options["shrink"] = shrink
    elif shrink > 1 and info.format == "webp":
        options["scale"] = 1.0 / shrink
    elif info.format == "svg":
        options["unlimited"] = False
    try:
        return pyvips.Image.new_from_buffer(data, "", **options)
    except pyvips.Error as exc:
        raise SourceCorrupt(f"source image cannot be decoded ({_first_line(exc)})") from None


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
    """Pango text rendering (``pyvips.Image.text``)."""
    return pyvips.Image.text(markup, **options)


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

    Raises :class:`SourceCorrupt` when a lazy decode fails during evaluation, and
    :class:`RenderError` for other libvips failures.
    """
    try:
        data: bytes = image.write_to_buffer(suffix, **options)
    except pyvips.Error as exc:
        raise classify(exc) from None
    return data


def evaluate(image: Image) -> Image:
    """Force evaluation into memory (used before operations that read pixels several times)."""
    try:
        return image.copy_memory()
    except pyvips.Error as exc:
        raise classify(exc) from None


def classify(exc: BaseException) -> RenderError:
    """Turn a libvips error raised during evaluation into the right :class:`RenderError`."""
    message = str(exc)
    lower = message.lower()
    decode_words = ("load", "premature", "corrupt", "truncated", "read error", "not a", "unexpected end",
                    "bad huffman", "invalid", "libpng", "gif", "decode", "vipsjpeg", "heif", "webp")  # fmt: skip
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
