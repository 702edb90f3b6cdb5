"""Evaluation: encode or materialise an image under the request deadline, errors classified."""

from __future__ import annotations

from typing import Any

import pyvips

from imgworker.render import deadline
from imgworker.render.vips._common import Image, classify


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
