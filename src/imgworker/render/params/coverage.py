"""Which imgix parameters the renderer implements (shown by ``imgworker params``).

A parameter is listed here only when a pipeline step reads it and a test covers it. One set per
area (one owner each); :data:`IMPLEMENTED` is their union. A *known* parameter that is not
implemented is rejected by the worker with a clear ``rendition_failed`` naming it (never silently
ignored); the renderer itself ignores it, as imgix ignores what it cannot apply, and lists it in
the ``X-Imgworker-Unimplemented`` response header. Tier-X parameters (generative AI, video; spec
section 6) are out of scope by design.
"""

from __future__ import annotations

# size, crop, faces, rotation, fill (ops/geometry.py, size.py, crop.py, rotation.py, fill.py)
SIZE: frozenset[str] = frozenset(
    {"w", "h", "fit", "crop", "ar", "rect", "dpr", "fp-x", "fp-y", "fp-z", "fp-debug", "min-w", "min-h", "max-w",
     "max-h", "orient", "rot", "rot-type", "flip", "bg", "fill", "fill-color", "facepad", "faceindex", "expires"}
)  # fmt: skip
# output formats and encoding (ops/format.py)
FORMAT: frozenset[str] = frozenset(
    {"fm", "q", "auto", "lossless", "jpg-progressive", "chromasub", "dl", "dpi", "ch"}  # ch: client_hints.py
)
# colour and contrast adjustments (ops/adjustment.py)
# (+ auto=enhance, listed under FORMAT as part of `auto`); the adjust step, before sizing
ADJUSTMENT: frozenset[str] = frozenset(
    {"bri", "con", "exp", "gam", "high", "shad", "hue", "sat", "vib", "invert", "monochrome", "sepia", "duotone",
     "duotone-alpha"}
)  # fmt: skip
# stylize and effects (ops/stylize.py, blur.py, sharpen.py, halftone.py): the effects step, after sizing
STYLIZE: frozenset[str] = frozenset({"sharp", "usm", "usmrad", "nr", "nrs", "blur", "px", "htn"})
# border, padding, mask, trim (ops/border_and_padding.py, mask.py, trim.py)
BORDER_MASK_TRIM: frozenset[str] = frozenset(
    {"pad", "pad-left", "pad-top", "pad-right", "pad-bottom", "border", "border-left", "border-top",
     "border-right", "border-bottom", "border-radius", "border-radius-inner", "mask", "corner-radius",
     "mask-bg", "trim", "trim-color", "trim-md", "trim-sd", "trim-tol", "trim-alpha", "trim-pad"}
)  # fmt: skip
# watermark, text, typesetting, blending (ops/watermark.py, text.py, blending.py)
OVERLAY: frozenset[str] = frozenset(
    {"mark", "mark-w", "mark-h", "mark-align", "mark-alpha", "mark-pad", "mark-scale", "mark-fit", "mark-x",
     "mark-y", "mark-tile", "mark-base", "mark-if-min-width", "mark-if-min-height",
     "txt", "txt-size", "txt-color", "txt-font", "txt-align", "txt-pad", "txt-shad", "txt-width", "txt-fit",
     "txt-clip", "txt-line", "txt-line-color", "txt-x", "txt-y", "txt-lead", "txt-track",
     "blend", "blend-color", "blend-mode", "blend-alpha", "blend-align", "blend-size", "blend-w", "blend-h",
     "blend-fit", "blend-x", "blend-y", "blend-pad"}
)  # fmt: skip
# animation, pdf, palette, json/blurhash extras, colour profiles (ops/animation.py, palette.py ...)
FORMAT_EXTRAS: frozenset[str] = frozenset(
    {"frame", "interval", "reverse", "fps", "loop", "page", "pdf-annotation", "rasterize-bypass", "cs", "colorquant",
     "faces", "palette", "colors", "prefix", "skip", "transparency", "grid-colors", "grid-size", "mark-rot",
     "iptc", "blend-crop", "fill-gradient-type", "fill-gradient-linear", "fill-gradient-linear-direction",
     "fill-gradient-radial", "fill-gradient-radial-radius", "fill-gradient-radial-x", "fill-gradient-radial-y",
     "fill-gradient-cs"}
)  # fmt: skip

IMPLEMENTED: frozenset[str] = SIZE | FORMAT | ADJUSTMENT | STYLIZE | BORDER_MASK_TRIM | OVERLAY | FORMAT_EXTRAS
