"""Constructors and small helpers: solid colours, SVG, Pango text, numpy round trips, metadata setters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyvips

from imgworker.render.errors import (
    BadRequest,
    SourceCorrupt,
)
from imgworker.render.vips._common import Image, _first_line


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


def set_int(image: Image, name: str, value: int) -> Image:
    out = image.copy()
    out.set_type(pyvips.GValue.gint_type, name, value)
    return out


def set_blob(image: Image, name: str, value: bytes) -> Image:
    out = image.copy()
    out.set_type(pyvips.GValue.blob_type, name, value)
    return out


def to_numpy(image: Image) -> Any:
    """The image as a numpy array (H, W, bands)."""
    return image.numpy()


def from_numpy(array: Any) -> Image:
    return pyvips.Image.new_from_array(array)


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


def mask(rows: Sequence[Sequence[float]], scale: float = 1.0) -> Image:
    """A convolution mask (``rows`` of coefficients) whose result is divided by ``scale``."""
    return pyvips.Image.new_from_array(rows, scale=scale)


def xyz(width: int, height: int) -> Image:
    """A 2-band uint image whose pixel (x, y) holds (x, y): coordinates for procedural patterns."""
    return pyvips.Image.xyz(width, height)
