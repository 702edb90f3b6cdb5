"""Which imgix parameters the renderer implements (shown by ``imgworker params``).

A parameter is listed here only when a pipeline step reads it and a test covers it. A *known*
parameter that is not implemented is rejected by the worker with a clear ``rendition_failed``
naming it (it is never silently ignored), while the renderer itself ignores it as imgix ignores
what it cannot apply, and lists it in the ``X-Imgworker-Unimplemented`` response header.
Tier-X parameters (generative AI, video; spec section 6) are accepted and ignored by design.
"""

from __future__ import annotations

IMPLEMENTED: frozenset[str] = frozenset(
    {
        # size (ops/size.py)
        "w", "h", "fit", "crop", "ar", "rect", "dpr", "fp-x", "fp-y", "fp-z",
        "min-w", "min-h", "max-w", "max-h",
        # format (ops/format.py)
        "fm", "q", "auto", "lossless", "jpg-progressive", "chromasub", "dl",
        # fill / background (ops/fill.py)
        "bg",
        # rotation (ops/rotation.py)
        "orient", "rot", "flip",
        # expiration (server)
        "expires",
    }
)  # fmt: skip
