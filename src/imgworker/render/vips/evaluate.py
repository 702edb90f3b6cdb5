"""Evaluation: encode or materialise an image under the request deadline, errors classified."""

from __future__ import annotations

from typing import Any

import pyvips
from pyvips import ffi, gobject_lib
from pyvips.gobject import _marshalers

from imgworker.render import deadline
from imgworker.render.vips._common import Image, classify

_EVAL_MARSHALER = _marshalers["eval"]


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


def _on_eval(target: Image, _progress: Any) -> None:
    """libvips ``eval`` handler: stop the evaluation once the calling request's deadline has passed."""
    if deadline.expired():
        target.set_kill(True)


# One handle for the process. pyvips' ``signal_connect`` makes a handle per call and keeps it on the
# Python wrapper, but the connection lives on the C image, which can outlive that wrapper (a memory
# image returned again by ``copy_memory``, an operation-cache hit): the next ``eval`` would then
# follow a freed handle and abort the process ("ffi.from_handle() ... points to garbage").
_HANDLE = ffi.new_handle(_on_eval)


def watch(image: Image) -> Image:
    """Attach the current request deadline to ``image`` before it is evaluated.

    libvips reports progress on the image being evaluated; the ``eval`` handler calls
    ``set_kill(True)`` once the deadline has passed, which stops the worker threads at their next
    tile. The handler reads the deadline of the thread evaluating (libvips signals ``eval`` from
    the thread that asked for the pixels), so a handler left on a reused image is harmless.
    No-op without a deadline.
    """
    if deadline.expires_at() is None:
        return image
    image.set_progress(True)
    gobject_lib.g_signal_connect_data(ffi.cast("GObject *", image.pointer), b"eval", _EVAL_MARSHALER, _HANDLE,
                                      ffi.NULL, 0)  # fmt: skip
    return image
