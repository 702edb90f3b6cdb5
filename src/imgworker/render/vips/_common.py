"""Shared pieces of the libvips wrappers: the image type, error wording and classification."""

from __future__ import annotations

from typing import Any

from imgworker.render import deadline
from imgworker.render.errors import (
    RenderError,
    SourceCorrupt,
    SourceFormatUnsupported,
)
from imgworker.render.svg_sanitize import UnsafeSvg, sanitize

Image = Any  # pyvips.Image (pyvips has no type stubs)


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
