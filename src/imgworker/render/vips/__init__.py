"""The only package that imports pyvips: typed probe, load (shrink-on-load), save and helper wrappers.

Strict decoding: every load uses ``fail_on="error"`` so a truncated or damaged file raises instead of
shipping a grey half (field case A09); libvips decodes lazily, so errors can surface while the
pipeline evaluates: :func:`evaluate` turns those into :class:`~imgworker.render.errors.SourceCorrupt`.
The pixel limit is checked on the header, before any pixel is decoded (field case A11).

Modules: :mod:`.decode` (probe, load, header), :mod:`.evaluate` (save, evaluate, watch), :mod:`.build`
(constructors and helpers), :mod:`._common` (the image type, error classification). Everything is
re-exported here: callers use ``from imgworker.render import vips`` and ``vips.load(...)``.
"""

from imgworker.render.vips._common import Image, classify
from imgworker.render.vips.build import (
    arrayjoin,
    black,
    from_buffer,
    from_numpy,
    has_saver,
    mask,
    set_array_int,
    set_blob,
    set_int,
    solid,
    svg,
    text,
    to_numpy,
    xyz,
)
from imgworker.render.vips.decode import DEFAULT_PIXEL_LIMIT, INPUT_FORMATS, SourceInfo, header, load, probe
from imgworker.render.vips.evaluate import evaluate, save, watch

__all__ = [
    "DEFAULT_PIXEL_LIMIT", "INPUT_FORMATS", "Image", "SourceInfo", "arrayjoin", "black", "classify",
    "evaluate", "from_buffer", "from_numpy", "has_saver", "header", "load", "mask",
    "probe", "save", "set_array_int", "set_blob", "set_int", "solid", "svg", "text",
    "to_numpy", "watch", "xyz",
]  # fmt: skip
